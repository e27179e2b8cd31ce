"""Incremental, idempotent ingestion into embedded Qdrant, asserted on counts and stored points."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings
from qdrant_client import QdrantClient

from clients.lexical import SPARSE_VECTOR_NAME
from ingest.run import ingest
from stores.vectorstore import EmbeddingMismatchError, LegacyCollectionError, describe
from tests.conftest import PROJECT

SAMPLE = PROJECT / "sample_book"


class CountingEmbeddings(Embeddings):
    """Wraps an embedder and counts the texts it was asked to embed."""

    def __init__(self, inner: Embeddings, name: str = "all-MiniLM-L6-v2-int8") -> None:
        self.inner, self.model_name, self.embedded = inner, name, 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@pytest.fixture
def book(tmp_path) -> Path:
    return Path(shutil.copytree(SAMPLE, tmp_path / "docs"))


@pytest.fixture
def qdrant(tmp_path):
    client = QdrantClient(path=str(tmp_path / "qdrant"))
    yield client
    client.close()


@pytest.fixture
def run(qdrant, tmp_path, offline_embeddings):
    embeddings = CountingEmbeddings(offline_embeddings)

    def _run(docs: Path, **kw):
        embeddings.embedded = 0
        return ingest(docs, client=qdrant, embeddings=kw.pop("embeddings", embeddings),
                      collection="book", record_db_url=f"sqlite:///{tmp_path}/records.sqlite3", **kw)

    _run.embeddings = embeddings
    return _run


def _paths(qdrant) -> list[str]:
    points, _ = qdrant.scroll("book", limit=10_000, with_payload=True)
    return [p.payload["metadata"]["path"] for p in points]


def test_first_run_adds_every_chunk_and_a_rerun_embeds_nothing(run, qdrant):
    first = run(SAMPLE)
    assert first.files == 5 and first.added == first.chunks > 10
    assert run.embeddings.embedded == first.chunks
    assert describe(qdrant, "book").points == first.chunks
    again = run(SAMPLE)
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert again.unchanged == first.chunks
    assert run.embeddings.embedded == 0
    assert describe(qdrant, "book").points == first.chunks


def test_an_edited_page_re_embeds_only_its_changed_chunks(run, qdrant, book):
    first = run(book)
    page = book / "02-ros2" / "01-nodes-and-topics.md"
    page.write_text(page.read_text().replace(
        "high-rate sensor data where only the newest message matters.",
        "high-rate sensor data such as lidar scans, where only the newest message matters."))
    second = run(book)
    assert second.added == 1 and second.deleted == 1 and second.unchanged == first.chunks - 1
    assert run.embeddings.embedded == 1
    texts = [p.payload["page_content"] for p in qdrant.scroll("book", limit=1000)[0]]
    assert any("lidar scans" in t for t in texts)
    assert not any("data where only the newest" in t for t in texts)
    assert describe(qdrant, "book").points == first.chunks


def test_a_deleted_page_loses_its_chunks(run, qdrant, book):
    first = run(book)
    gone = "02-ros2/02-services-and-actions.md"
    n_gone = _paths(qdrant).count(gone)
    (book / gone).unlink()
    second = run(book)
    assert second.deleted == n_gone > 0 and second.added == 0
    assert gone not in _paths(qdrant)
    assert describe(qdrant, "book").points == first.chunks - n_gone


def test_dry_run_counts_without_writing(run, qdrant, book):
    dry = run(book, dry_run=True)
    assert dry.dry_run and dry.added == dry.chunks and not qdrant.collection_exists("book")
    run(book)
    assert run(book, dry_run=True).unchanged == dry.chunks
    assert run.embeddings.embedded == 0


def test_full_rebuilds_after_a_model_change_which_is_otherwise_refused(run, qdrant, book, offline_embeddings):
    first = run(book)
    other = CountingEmbeddings(offline_embeddings, name="another-model")
    with pytest.raises(EmbeddingMismatchError, match="--full"):
        run(book, embeddings=other)
    rebuilt = run(book, embeddings=other, full=True)
    assert rebuilt.chunks == first.chunks and other.embedded == first.chunks
    assert describe(qdrant, "book").vector_name == "another-model"


def test_a_missing_folder_is_a_clear_error(run, tmp_path):
    with pytest.raises(FileNotFoundError, match="docs folder not found"):
        run(tmp_path / "nope")


def _urls(qdrant) -> list[str]:
    points, _ = qdrant.scroll("book", limit=10_000, with_payload=True)
    return [p.payload["metadata"]["url"] for p in points]


def test_the_route_base_is_read_from_the_site_config_next_to_the_docs(run, qdrant, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site / "docs")
    (site / "docusaurus.config.js").write_text(
        "module.exports = {presets: [['classic', {docs: {routeBasePath: 'learn'}}]]};")
    run(site / "docs")
    assert _urls(qdrant) and all(u.startswith("/learn/") for u in _urls(qdrant))


def test_an_explicit_route_base_wins(run, qdrant):
    run(SAMPLE, route_base="/")
    urls = _urls(qdrant)
    assert urls and not any(u.startswith("/docs") for u in urls)


def _dense_only_collection(qdrant, embeddings) -> None:
    """What bookchat made before hybrid search: the model's dense vector and nothing else."""
    from qdrant_client import models

    qdrant.create_collection("book", vectors_config={embeddings.model_name: models.VectorParams(
        size=384, distance=models.Distance.COSINE)})


def test_every_chunk_gets_a_lexical_vector_and_filtered_fields_are_indexed(run, qdrant, monkeypatch):
    indexed = []
    real = qdrant.create_payload_index
    monkeypatch.setattr(qdrant, "create_payload_index",
                        lambda name, field, schema, **kw: indexed.append(field) or real(name, field, schema, **kw))
    first = run(SAMPLE)
    assert set(indexed) == {"metadata.path", "metadata.page_url"}
    assert describe(qdrant, "book").sparse_names == (SPARSE_VECTOR_NAME,)
    points, _ = qdrant.scroll("book", limit=1000, with_vectors=[SPARSE_VECTOR_NAME])
    assert len(points) == first.chunks
    assert all(len(p.vector[SPARSE_VECTOR_NAME].indices) > 0 for p in points)


def test_a_dense_only_collection_is_refused_until_a_full_reingest(run, qdrant, book):
    _dense_only_collection(qdrant, run.embeddings)
    with pytest.raises(LegacyCollectionError, match="older bookchat.*--full"):
        run(book)
    rebuilt = run(book, full=True)
    assert rebuilt.added == rebuilt.chunks
    assert describe(qdrant, "book").sparse_names == (SPARSE_VECTOR_NAME,)
