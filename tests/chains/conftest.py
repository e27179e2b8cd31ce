"""Helpers for the chain tests: a small book in embedded Qdrant."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_qdrant import QdrantVectorStore
from qdrant_client import QdrantClient

from stores import vectorstore


@contextmanager
def book_store(
    embeddings: Embeddings, chunks: Sequence[tuple[str, str]]
) -> Iterator[QdrantVectorStore]:
    """An in-memory collection "book" holding `chunks` as (page url, text); chunk i is section
    `#s{i}` of its page and its doc file is the page url without "/docs/" plus ".md"."""
    client = QdrantClient(":memory:")
    vectorstore.create_collection(client, "book", embeddings)
    store = vectorstore.vector_store(client, "book", embeddings)
    store.add_documents([
        Document(text, metadata={"page_url": page, "path": page.removeprefix("/docs/") + ".md",
                                 "url": f"{page}#s{i}"})
        for i, (page, text) in enumerate(chunks)
    ])
    try:
        yield store
    finally:
        client.close()
