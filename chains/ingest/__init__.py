"""`python -m chains.ingest DOCS_DIR`: the book into Qdrant, incrementally."""
