"""The served retriever built from settings, and its rerank fallbacks as the app reports them."""

from __future__ import annotations

import re
import uuid

import pytest
from langserve import RemoteRunnable
from qdrant_client import QdrantClient

from chains.focus_retriever import FocusedRetriever
from clients.rerank import CohereReranker
from config.settings import load_settings
from server import create_app
from service.retrieval import make_retriever
from tests.conftest import MODEL_DIR, offline_settings
from tests.support import ServerThread, http

KEY = "co-TEST-KEY-rerank-7f6e5d"


def _cohere_settings(data_dir, fake, **extra):
    return load_settings(
        data_dir=data_dir, embed_model_dir=MODEL_DIR, cohere_api_key=KEY,
        cohere_base_url=fake.url, cohere_embed_model="embed-english-v3.0", database_url=None,
        qdrant_url=None, rate_limit="off", **extra,
    )


def test_offline_settings_give_hybrid_search_without_a_reranker(tmp_path, offline_embeddings):
    settings = offline_settings(tmp_path, retrieval_k=6, retrieval_page_cap=3,
                                retrieval_fusion="DBSF", retrieval_candidates=40)
    retriever = make_retriever(settings, qdrant=QdrantClient(":memory:"),
                               embeddings=offline_embeddings)
    assert isinstance(retriever, FocusedRetriever)
    assert (retriever.k, retriever.page_cap, retriever.fusion, retriever.candidates) == (
        6, 3, "dbsf", 40)
    assert retriever.hybrid and retriever.reranker is None
    assert retriever.store.collection_name == settings.qdrant_collection


def test_a_cohere_key_adds_the_configured_reranker_unless_turned_off(tmp_path, fake_cohere,
                                                                      offline_embeddings):
    client = QdrantClient(":memory:")
    on = make_retriever(_cohere_settings(tmp_path, fake_cohere, cohere_rerank_model="r-x"),
                        qdrant=client, embeddings=offline_embeddings)
    off = make_retriever(_cohere_settings(tmp_path, fake_cohere, retrieval_rerank=False),
                         qdrant=client, embeddings=offline_embeddings)
    assert isinstance(on.reranker, CohereReranker) and on.reranker.model == "r-x"
    assert off.reranker is None


def test_candidates_are_never_fewer_than_k(tmp_path, offline_embeddings):
    settings = offline_settings(tmp_path, retrieval_k=12, retrieval_candidates=5)
    retriever = make_retriever(settings, qdrant=QdrantClient(":memory:"),
                               embeddings=offline_embeddings)
    assert retriever.candidates == 12


@pytest.fixture(scope="module")
def server(tmp_path_factory, fake_cohere):
    settings = _cohere_settings(tmp_path_factory.mktemp("rerank"), fake_cohere, retrieval_k=6)
    srv = ServerThread(create_app(settings)).start()
    srv.wait_healthy()
    yield srv
    srv.stop()


def _fallbacks(server) -> float:
    body = http.get(server.url + "/metrics", timeout=30).text
    found = re.findall(r'^bookchat_rerank_fallbacks_total\{reason="status_5xx"\} (\S+)$', body,
                       re.MULTILINE)
    return float(found[0]) if found else 0.0


def test_search_and_chat_rerank_and_a_failing_reranker_is_counted_not_an_error(server, cohere):
    question = "What does an IMU measure?"
    docs = RemoteRunnable(server.url + "/search/").invoke(question)
    assert len(docs) == 6 and cohere.requests_to("/v2/rerank")[0].body["query"] == question

    cohere.set_fault("rerank", 500, count=None)
    before = _fallbacks(server)
    r = http.post(server.url + "/search/invoke", json={"input": question}, timeout=30)
    assert r.status_code == 200 and len(r.json()["output"]) == 6
    assert _fallbacks(server) == before + 1

    answer = RemoteRunnable(server.url + "/chat/").invoke(
        {"question": question}, config={"configurable": {"session_id": str(uuid.uuid4())}})
    assert answer  # the chain answered with the fused order
    assert _fallbacks(server) == before + 2  # the chain goes through the same reranking retriever


async def test_a_dense_only_collection_is_refused_at_start_up_with_the_reingest_command(
    tmp_path, offline_embeddings
):
    from qdrant_client import models

    from service.wiring import open_resources
    from stores.vectorstore import LegacyCollectionError

    settings = offline_settings(tmp_path)
    settings.embedded_qdrant_path.mkdir(parents=True)
    old = QdrantClient(path=str(settings.embedded_qdrant_path))
    old.create_collection(settings.qdrant_collection, vectors_config={
        offline_embeddings.model_name: models.VectorParams(size=384,
                                                           distance=models.Distance.COSINE)})
    old.close()
    with pytest.raises(LegacyCollectionError, match=r"python -m ingest DOCS_DIR --full"):
        await open_resources(settings)
