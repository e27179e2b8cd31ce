"""The Qdrant collection: stamped with its embedding model, holding the lexical vector, refused
with a re-ingest message when either does not match, and written dense + sparse."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding
from qdrant_client import QdrantClient, models

from clients.lexical import SPARSE_VECTOR_NAME
from stores import vectorstore


class _Model(DeterministicFakeEmbedding):
    model_name: str = "fake-model"


@pytest.fixture
def client():
    c = QdrantClient(":memory:")
    yield c
    c.close()


def test_a_missing_collection_is_described_as_missing(client):
    info = vectorstore.describe(client, "book")
    assert not info.exists and info.points == 0
    vectorstore.check_model(info, _Model(size=8))  # nothing to refuse yet


def test_a_new_collection_is_stamped_and_written_dense_and_sparse(client):
    emb = _Model(size=8)
    made = vectorstore.create_collection(client, "book", emb)
    assert (made.vector_name, made.dimension, made.sparse_names) == (
        "fake-model", 8, (SPARSE_VECTOR_NAME,))
    store = vectorstore.vector_store(client, "book", emb)
    store.add_documents([Document("An IMU measures angular velocity.", metadata={"path": "a"})])
    info = vectorstore.describe(client, "book")
    assert info == vectorstore.CollectionInfo("book", True, "fake-model", 8, 1,
                                              (SPARSE_VECTOR_NAME,))
    vectorstore.check_model(info, emb)
    (point,), _ = client.scroll("book", with_vectors=True)
    assert set(point.vector) == {"fake-model", SPARSE_VECTOR_NAME}
    assert len(point.vector[SPARSE_VECTOR_NAME].indices) > 0


def test_another_model_is_refused_with_the_re_ingest_command(client):
    vectorstore.create_collection(client, "book", _Model(size=8))
    info = vectorstore.describe(client, "book")
    with pytest.raises(vectorstore.EmbeddingMismatchError, match="ingest DOCS_DIR --full"):
        vectorstore.check_model(info, _Model(size=8, model_name="other-model"))


def test_a_dense_only_collection_is_refused_as_legacy(client):
    client.create_collection("old", vectors_config={"fake-model": models.VectorParams(
        size=8, distance=models.Distance.COSINE)})
    with pytest.raises(vectorstore.LegacyCollectionError, match="no lexical vector"):
        vectorstore.check_model(vectorstore.describe(client, "old"), _Model(size=8))
