"""Pieces of the retrieval eval (`bench/eval_retrieval.py`): configs, chunking, cached
embeddings, lexical rerank, question sets and metrics."""
