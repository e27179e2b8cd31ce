"""`python -m ingest DOCS_DIR`: the book into Qdrant, incrementally."""
