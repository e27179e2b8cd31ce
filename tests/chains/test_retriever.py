"""The book retriever on embedded Qdrant: hybrid search, page diversity, reranking and its
fallback."""

from __future__ import annotations

import pytest
from qdrant_client import models

from chains.retriever import BookRetriever
from stores import vectorstore
from tests.chains.conftest import book_store

SENSORS = "/docs/sensors"
CHUNKS = [
    (SENSORS, "An IMU measures linear acceleration and angular velocity."),
    (SENSORS, "The IMU of the robot sits in the torso and measures acceleration."),
    (SENSORS, "Calibrate the IMU before each run: acceleration bias drifts."),
    (SENSORS, "IMU noise: filter acceleration readings with a low-pass filter."),
    ("/docs/fusion", "Sensor fusion combines IMU acceleration with wheel odometry."),
    ("/docs/ros2", "A ROS 2 topic is a named channel that carries messages."),
    ("/docs/ros2", "The qzvortex bridge relays topics between two DDS domains."),
    ("/docs/urdf", "A URDF file describes the links and joints of the robot."),
]


@pytest.fixture(scope="module")
def store(offline_embeddings):
    with book_store(offline_embeddings, CHUNKS) as store:
        yield store


def _pages(docs):
    return [d.metadata["page_url"] for d in docs]


def test_the_lexical_half_finds_a_rare_exact_word(store):
    query = "What does qzvortex do?"
    hybrid = BookRetriever(store=store, k=1, page_cap=0).invoke(query)
    assert "qzvortex" in hybrid[0].page_content
    # the lexical vector is in the collection and is what matched
    sparse = store.sparse_embeddings.embed_query(query)
    sparse_only = store.client.query_points(
        "book", query=models.SparseVector(indices=sparse.indices, values=sparse.values),
        using=vectorstore.SPARSE_VECTOR_NAME, limit=1, with_payload=True)
    assert "qzvortex" in sparse_only.points[0].payload["page_content"]


def test_dense_mode_is_cosine_similarity_alone(store):
    docs = BookRetriever(store=store, k=3, page_cap=0, hybrid=False).invoke("What is an IMU?")
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1
    assert _pages(docs)[0] == SENSORS


@pytest.mark.parametrize("fusion", ["rrf", "dbsf"])
def test_at_most_page_cap_chunks_of_one_page(store, fusion):
    question = "How does the IMU measure acceleration?"
    uncapped = BookRetriever(store=store, k=4, page_cap=0, fusion=fusion).invoke(question)
    assert _pages(uncapped).count(SENSORS) >= 3  # the setup really is one-page heavy
    capped = BookRetriever(store=store, k=4, page_cap=2, fusion=fusion).invoke(question)
    assert len(capped) == 4 and _pages(capped).count(SENSORS) == 2
    assert len({d.metadata["url"] for d in capped}) == 4


def test_too_few_pages_fill_up_with_the_skipped_chunks_in_order(store):
    docs = BookRetriever(store=store, k=8, page_cap=1).invoke("IMU acceleration")
    assert len(docs) == 8 and len(set(_pages(docs)[:4])) == 4  # the 4 pages first


class _Reverse:
    """A reranker that puts the last candidate first, or fails."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls = 0

    def _order(self, texts):
        self.calls += 1
        return None if self.fail else [(i, float(i)) for i in reversed(range(len(texts)))]

    def rerank(self, query, texts):
        return self._order(texts)

    async def arerank(self, query, texts):
        return self._order(texts)


async def test_the_reranker_reorders_candidates_before_the_cap_and_top_k(store):
    plain = BookRetriever(store=store, k=2, page_cap=0, candidates=8).invoke("IMU")
    reranker = _Reverse()
    reranked = await BookRetriever(
        store=store, k=2, page_cap=0, candidates=8, reranker=reranker).ainvoke("IMU")
    assert reranker.calls == 1
    assert [d.page_content for d in reranked] != [d.page_content for d in plain]
    assert reranked[0].metadata["score"] > reranked[1].metadata["score"]


def test_a_failed_rerank_keeps_the_fused_order(store):
    plain = BookRetriever(store=store, k=3).invoke("ROS 2 topic")
    failing = BookRetriever(store=store, k=3, reranker=_Reverse(fail=True)).invoke("ROS 2 topic")
    assert [d.page_content for d in failing] == [d.page_content for d in plain]
