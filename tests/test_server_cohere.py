"""The same app with Cohere (the fake server, real langchain-cohere client) and Postgres history."""

from __future__ import annotations

import uuid

import pytest
from langserve import RemoteRunnable

from config.settings import load_settings
from server import create_app
from service.wiring import open_resources
from tests.conftest import MODEL_DIR
from tests.support import ServerThread, http

KEY = "co-TEST-KEY-5a4b3c2d1e"


def _cohere_settings(data_dir, fake, pg_url, **extra):
    return load_settings(
        data_dir=data_dir, embed_model_dir=MODEL_DIR, cohere_api_key=KEY,
        cohere_base_url=fake.url, cohere_chat_model="command-a-03-2025",
        cohere_embed_model="embed-english-v3.0", database_url=pg_url, qdrant_url=None,
        **extra,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cohere-data")


@pytest.fixture(scope="module")
def server(data_dir, fake_cohere, pg_url):
    srv = ServerThread(create_app(_cohere_settings(data_dir, fake_cohere, pg_url))).start()
    srv.wait_healthy()
    yield srv
    srv.stop()


def _cfg(session_id: str) -> dict:
    return {"configurable": {"session_id": session_id}}


def test_health_reports_cohere_and_postgres(server):
    body = http.get(server.url + "/api/health").json()
    assert body["status"] == "healthy"
    assert body["services"]["history"]["backend"] == "postgres"
    assert body["services"]["chat_model"] == {
        "status": "healthy", "provider": "cohere", "model": "command-a-03-2025"}
    assert body["services"]["qdrant"]["embedding_model"] == "embed-english-v3.0"


def test_answer_comes_from_cohere_with_numbered_sources_in_the_prompt(server, cohere):
    sid = str(uuid.uuid4())
    answer = RemoteRunnable(server.url + "/chat/").invoke(
        {"question": "What does an IMU measure?"}, config=_cfg(sid))
    assert answer.startswith("According to the book [1]")
    chat_calls = cohere.requests_to("chat")
    assert len(chat_calls) == 1  # no history yet: no condense call
    body = chat_calls[0].body
    assert body["model"] == "command-a-03-2025"
    system = body["messages"][0]
    assert system["role"] == "system"
    assert '<source id="1"' in str(system["content"]) and "IMU" in str(system["content"])
    embeds = cohere.requests_to("embed")
    assert embeds and embeds[-1].body["input_type"] == "search_query"
    assert all("authorization" not in r.headers for r in cohere.requests)


def test_follow_up_is_condensed_by_the_model_and_history_lands_in_postgres(
    server, cohere, pg_url
):
    import psycopg

    sid = str(uuid.uuid4())
    chat = RemoteRunnable(server.url + "/chat/")
    chat.invoke({"question": "What is a ROS 2 service?"}, config=_cfg(sid))
    cohere.tokens_per_second = 50.0  # paced, so the answer streams in several chunks (text
    try:  # that arrives at once is coalesced into one)
        chunks = list(chat.stream({"question": "How do I call it?"}, config=_cfg(sid)))
    finally:
        cohere.tokens_per_second = 0.0
    assert len(chunks) > 3
    chat_calls = cohere.requests_to("chat")
    assert len(chat_calls) == 3  # answer, condense, answer
    condense = chat_calls[1].body["messages"]
    assert "standalone question" in str(condense[0]["content"])
    assert any("What is a ROS 2 service?" in str(m.get("content")) for m in condense)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT message->>'type' FROM chat_history WHERE session_id = %s ORDER BY id", (sid,)
        ).fetchall()
    assert [r[0] for r in rows] == ["human", "ai", "human", "ai"]


def test_sessions_never_see_each_other(server):
    chat = RemoteRunnable(server.url + "/chat/")
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    chat.batch([{"question": "What is embodiment?"}], config=_cfg(a))
    chat.batch([{"question": "What is lidar?"}], config=_cfg(b))
    turns_a = http.get(f"{server.url}/api/conversation/{a}").json()["messages"]
    turns_b = http.get(f"{server.url}/api/conversation/{b}").json()["messages"]
    assert turns_a[0]["content"] == "What is embodiment?" and len(turns_a) == 2
    assert turns_b[0]["content"] == "What is lidar?" and len(turns_b) == 2


def test_history_survives_an_app_restart(server, data_dir, fake_cohere, pg_url):
    sid = str(uuid.uuid4())
    RemoteRunnable(server.url + "/chat/").invoke({"question": "What is QoS?"}, config=_cfg(sid))
    server.stop()
    again = ServerThread(create_app(_cohere_settings(data_dir, fake_cohere, pg_url))).start()
    try:
        again.wait_healthy()
        turns = http.get(f"{again.url}/api/conversation/{sid}").json()["messages"]
        assert [t["content"] for t in turns][0] == "What is QoS?"
    finally:
        again.stop()


async def test_a_collection_of_another_embedding_model_is_refused_at_start_up(
    data_dir, fake_cohere, pg_url
):
    from stores.vectorstore import EmbeddingMismatchError

    # data_dir's collection was filled with Cohere embeddings; the offline embedder must refuse.
    offline = load_settings(data_dir=data_dir, embed_model_dir=MODEL_DIR, cohere_api_key=None)
    with pytest.raises(EmbeddingMismatchError, match="re-ingest|Re-ingest"):
        await open_resources(offline)
