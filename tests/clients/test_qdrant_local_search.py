"""The embedded store's search, patched, gives what qdrant-client's own local mode gives."""

from __future__ import annotations

import logging
import random

import numpy as np
import pytest
from qdrant_client import QdrantClient, models
from qdrant_client.local import local_collection

from clients.lexical import document_vector, query_vector
from clients.patches import qdrant_local_search as patch

WORDS = ("robot ros node topic publisher subscriber urdf joint link sensor lidar camera imu "
         "gazebo isaac simulation launch package workspace service action message qos "
         "humanoid balance gait control torque policy vision language plan").split()
DIM = 16


def _point(i: int, rng: random.Random) -> models.PointStruct:
    sparse = document_vector(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40))))
    dense = [rng.uniform(-1, 1) for _ in range(DIM)]
    return models.PointStruct(
        id=i, payload={"page": f"p{i % 7}", "metadata": {"heading_path": ["A", f"s{i}"]}},
        vector={"dense": dense,
                "bm25": models.SparseVector(indices=sparse.indices, values=sparse.values)},
    )


def _sparse(client: QdrantClient, text: str, where=None) -> list[tuple[int, float]]:
    q = query_vector(text)
    points = client.query_points(
        "c", query=models.SparseVector(indices=q.indices, values=q.values), using="bm25",
        query_filter=where, limit=25,
    ).points
    return [(p.id, p.score) for p in points]


def _hybrid(client: QdrantClient, text: str, dense: list[float]) -> list[models.ScoredPoint]:
    q = query_vector(text)
    return client.query_points(
        "c", prefetch=[
            models.Prefetch(query=dense, using="dense", limit=30),
            models.Prefetch(query=models.SparseVector(indices=q.indices, values=q.values),
                            using="bm25", limit=30)],
        query=models.FusionQuery(fusion=models.Fusion.DBSF), limit=30, with_payload=True,
    ).points


@pytest.fixture
def client():
    assert patch.speed_up_local_search()
    c = QdrantClient(":memory:")
    c.create_collection(
        "c", vectors_config={"dense": models.VectorParams(size=DIM,
                                                          distance=models.Distance.COSINE)},
        sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)})
    yield c
    c.close()


def _same_as_the_library(client: QdrantClient, rng: random.Random, where=None) -> None:
    for _ in range(30):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
        ours = _sparse(client, text, where)
        with patch.as_shipped():
            theirs = _sparse(client, text, where)
        assert ours == theirs, text  # same ids, same order, the same float scores


def test_sparse_scores_match_the_library_through_writes_and_deletes(client):
    rng = random.Random(7)
    client.upsert("c", [_point(i, rng) for i in range(300)])
    _same_as_the_library(client, rng)
    # points overwritten, added and deleted: the index follows each change
    client.upsert("c", [_point(i, rng) for i in range(0, 300, 3)])
    _same_as_the_library(client, rng)
    client.upsert("c", [_point(i, rng) for i in range(300, 360)])
    _same_as_the_library(client, rng)
    client.delete("c", points_selector=models.PointIdsList(points=list(range(0, 360, 5))))
    _same_as_the_library(client, rng)
    where = models.Filter(must=[models.FieldCondition(
        key="page", match=models.MatchValue(value="p3"))])
    _same_as_the_library(client, rng, where)


def test_hybrid_search_matches_the_library_with_equal_payloads(client):
    rng = random.Random(11)
    client.upsert("c", [_point(i, rng) for i in range(200)])
    for _ in range(20):
        text = " ".join(rng.choice(WORDS) for _ in range(3))
        dense = [rng.uniform(-1, 1) for _ in range(DIM)]
        ours = _hybrid(client, text, dense)
        with patch.as_shipped():
            theirs = _hybrid(client, text, dense)
        assert [p.id for p in ours] == [p.id for p in theirs]
        assert np.allclose([p.score for p in ours], [p.score for p in theirs], atol=1e-6)
        assert [p.payload for p in ours] == [p.payload for p in theirs]


def test_a_returned_payload_is_a_copy(client):
    client.upsert("c", [_point(0, random.Random(2))])
    [first] = client.query_points("c", query=[1.0] * DIM, using="dense").points
    first.payload["metadata"]["heading_path"].append("changed")
    [again] = client.query_points("c", query=[1.0] * DIM, using="dense").points
    assert again.payload["metadata"]["heading_path"] == ["A", "s0"]


def test_a_query_sharing_no_word_finds_nothing(client):
    rng = random.Random(1)
    client.upsert("c", [_point(i, rng) for i in range(50)])
    assert _sparse(client, "zebra quantum") == []


def test_an_unchanged_collection_is_indexed_once(client, monkeypatch):
    rng = random.Random(3)
    client.upsert("c", [_point(i, rng) for i in range(100)])
    built = []
    original = patch._Postings.__init__

    def counting(self, vectors):
        built.append(len(vectors))
        original(self, vectors)

    monkeypatch.setattr(patch._Postings, "__init__", counting)
    patch._indexes.clear()
    for word in WORDS[:10]:
        _sparse(client, word)
    assert built == [100]
    client.upsert("c", [_point(5, rng)])
    _sparse(client, "robot")
    assert built == [100, 100]


@pytest.fixture
def unpatched(monkeypatch):
    """The library as shipped, for a fresh install; restored afterwards."""
    assert patch.speed_up_local_search()
    for name, owner in patch._owners().items():
        monkeypatch.setattr(owner, name, patch.original(name))
    monkeypatch.delattr(local_collection, patch._SAVED)


def test_a_release_without_a_piece_leaves_it_alone_with_a_warning(unpatched, monkeypatch,
                                                                   caplog):
    monkeypatch.setattr(local_collection, "calculate_distance_sparse", None)
    with caplog.at_level(logging.WARNING, logger="bookchat"):
        assert patch.speed_up_local_search() is False
    assert "calculate_distance_sparse left to qdrant-client" in caplog.text
    assert local_collection.calculate_distance_sparse is None
    assert local_collection.calculate_distance is patch.normalised_query_distance


def test_the_embedded_store_is_made_patched(unpatched, tmp_path):
    from clients.factory import make_qdrant
    from config.settings import load_settings

    settings = load_settings(data_dir=tmp_path, qdrant_url=None, cohere_api_key=None)
    make_qdrant(settings).close()
    assert local_collection.calculate_distance_sparse is patch.indexed_distance_sparse
    assert local_collection.LocalCollection._get_payload is patch._get_payload
