"""Incremental indexing: stable chunk ids, unchanged chunks skipped, changed ones re-written,
vanished ones deleted, new before stale."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding
from qdrant_client import QdrantClient

from ingest.indexing import chunk_key, index_chunks, make_record_manager
from stores import vectorstore


class _Model(DeterministicFakeEmbedding):
    model_name: str = "fake-model"


def _doc(text: str, path: str = "a.md") -> Document:
    return Document(text, metadata={"path": path, "url": f"/{path}"})


def test_chunk_keys_are_uuids_that_follow_text_and_metadata():
    a = chunk_key(_doc("x"))
    assert a == chunk_key(_doc("x")) and len(a) == 36
    assert a != chunk_key(_doc("y")) and a != chunk_key(_doc("x", "b.md"))


def test_a_second_run_skips_updates_and_deletes(tmp_path):
    client = QdrantClient(":memory:")
    emb = _Model(size=8)
    vectorstore.create_collection(client, "book", emb)
    store = vectorstore.vector_store(client, "book", emb)
    manager = make_record_manager(f"sqlite:///{tmp_path / 'records.sqlite3'}", "qdrant/book")
    first = [_doc("one"), _doc("two"), _doc("three", "b.md")]
    stats = index_chunks(first, record_manager=manager, store=store)
    assert stats == {"num_added": 3, "num_updated": 0, "num_skipped": 0, "num_deleted": 0}
    stats = index_chunks(first, record_manager=manager, store=store)
    assert stats["num_skipped"] == 3 and stats["num_added"] == 0
    edited = [_doc("one"), _doc("two, edited")]  # b.md deleted, a.md's second chunk changed
    stats = index_chunks(edited, record_manager=manager, store=store)
    assert stats == {"num_added": 1, "num_updated": 0, "num_skipped": 1, "num_deleted": 2}
    texts = sorted(p.payload["page_content"] for p in client.scroll("book")[0])
    assert texts == ["one", "two, edited"]
    client.close()
