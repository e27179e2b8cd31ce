"""The app on embedded defaults, driven over real HTTP with LangServe's RemoteRunnable."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langserve import RemoteRunnable

from server import create_app
from tests.conftest import offline_settings
from tests.support import ServerThread, http


@pytest.fixture
def server(offline_server):
    return offline_server


def _cfg(session_id: str | None = None) -> dict:
    return {"configurable": {"session_id": session_id or str(uuid.uuid4())}}


def test_health_is_healthy_with_per_service_detail(server):
    r = http.get(server.url + "/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "healthy"
    assert body["services"]["qdrant"]["vectors"] > 0
    assert body["services"]["qdrant"]["embedding_model"] == "all-MiniLM-L6-v2-int8"
    assert body["services"]["history"] == {"status": "healthy", "backend": "sqlite"}
    assert body["services"]["chat_model"]["provider"] == "offline"


def test_root_says_which_providers_are_live(server):
    body = http.get(server.url + "/").json()
    assert body["name"] == "bookchat" and body["status"] == "ready"
    assert body["mode"] == {
        "chat_model": "offline", "embeddings": "all-MiniLM-L6-v2-int8",
        "vector_store": "qdrant-embedded", "history": "sqlite",
    }


def test_invoke_answers_from_the_sample_book_with_citations(server):
    chat = RemoteRunnable(server.url + "/chat/")
    answer = chat.invoke({"question": "What does an IMU measure?"}, config=_cfg())
    assert answer.startswith("Offline mode")
    assert "angular velocity" in answer and "[" in answer


def test_stream_yields_many_chunks_that_join_to_the_answer(server):
    chat = RemoteRunnable(server.url + "/chat/")
    chunks = list(chat.stream({"question": "What is a ROS 2 topic?"}, config=_cfg()))
    assert len(chunks) > 10
    assert "named channel" in "".join(chunks)


def test_batch_answers_each_input(server):
    chat = RemoteRunnable(server.url + "/chat/")
    answers = chat.batch(
        [{"question": "What is sensor fusion?"}, {"question": "What is a ROS 2 action?"}],
        config=_cfg(),
    )
    assert "Sensor fusion combines" in answers[0] and "goal" in answers[1]


async def test_stream_events_tell_the_story_step_by_step(server):
    chat = RemoteRunnable(server.url + "/chat/")
    config = _cfg()

    async def names_of(question: str) -> set[tuple[str, str]]:
        return {(event["event"], event["name"]) async for event in chat.astream_events(
            {"question": question}, config=config, version="v2")}

    first = await names_of("What is domain randomisation?")
    for expected in [
        ("on_chain_start", "/chat"), ("on_retriever_end", "Retrieve"),
        ("on_prompt_end", "AnswerPrompt"), ("on_chat_model_stream", "ChatModel"),
        ("on_parser_stream", "AnswerParser"), ("on_chain_end", "Answer"),
    ]:
        assert expected in first
    # a first question needs no rewrite; a follow-up in the same session is condensed first
    assert ("on_chain_end", "CondenseQuestion") not in first
    assert ("on_chain_end", "CondenseQuestion") in await names_of("Why does it help?")


def test_history_is_kept_per_session_and_used_for_follow_ups(server):
    chat = RemoteRunnable(server.url + "/chat/")
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    chat.invoke({"question": "What is a ROS 2 service?"}, config=_cfg(a))
    chat.invoke({"question": "What is embodiment?"}, config=_cfg(b))
    follow_up = chat.invoke({"question": "How do I call one?"}, config=_cfg(a))
    assert "ros2 service call" in follow_up  # the follow-up was condensed with the history
    turns = http.get(f"{server.url}/api/conversation/{a}").json()["messages"]
    assert [m["role"] for m in turns] == ["human", "ai", "human", "ai"]
    assert turns[2]["content"] == "How do I call one?"
    other = http.get(f"{server.url}/api/conversation/{b}").json()["messages"]
    assert [m["content"] for m in other if m["role"] == "human"] == ["What is embodiment?"]


def test_unknown_conversation_is_404_and_bad_id_400(server):
    assert http.get(f"{server.url}/api/conversation/{uuid.uuid4()}").status_code == 404
    r = http.get(f"{server.url}/api/conversation/not-a-uuid")
    assert r.status_code == 400 and "UUID" in r.json()["error"]["message"]


@pytest.mark.parametrize("config", [{}, {"configurable": {}}, {"configurable": {"session_id": "x"}}])
def test_invalid_session_id_is_a_400_and_the_next_call_still_works(server, config):
    r = http.post(server.url + "/chat/invoke", json={"input": {"question": "hi"}, "config": config})
    assert r.status_code == 400 and "session_id" in r.json()["error"]["message"]
    ok = http.post(
        server.url + "/chat/invoke", json={"input": {"question": "What is ROS 2?"}, "config": _cfg()}
    )
    assert ok.status_code == 200


def test_bad_input_is_a_clean_422(server):
    for body in [{"input": {"question": ""}}, {"input": {}}, {"input": {"question": "x" * 5000}}]:
        r = http.post(server.url + "/chat/invoke", json={**body, "config": _cfg()})
        assert r.status_code == 422
        assert "Traceback" not in r.text


def test_search_returns_documents_with_section_links(server):
    search = RemoteRunnable(server.url + "/search/")
    docs = search.invoke("quality of service reliable best effort")
    assert docs
    meta = docs[0].metadata
    assert {"path", "url", "title", "section"} <= set(meta)
    assert meta["path"] == "02-ros2/01-nodes-and-topics.md"
    assert meta["url"].endswith("#quality-of-service")


def test_cors_allows_only_the_configured_origin(server):
    ok = httpx.options(server.url + "/chat/invoke", headers={
        "Origin": "https://book.example.org", "Access-Control-Request-Method": "POST"})
    assert ok.headers.get("access-control-allow-origin") == "https://book.example.org"
    assert "access-control-allow-credentials" not in ok.headers
    bad = httpx.options(server.url + "/chat/invoke", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in bad.headers


def test_history_survives_a_restart(tmp_path):
    sid = str(uuid.uuid4())
    first = ServerThread(create_app(offline_settings(tmp_path))).start()
    try:
        first.wait_healthy()
        chat = RemoteRunnable(first.url + "/chat/")
        chat.invoke({"question": "What is a node?"}, config=_cfg(sid))
    finally:
        first.stop()
    again = ServerThread(create_app(offline_settings(tmp_path))).start()
    try:
        assert again.wait_healthy()["status"] == "healthy"
        turns = http.get(f"{again.url}/api/conversation/{sid}").json()["messages"]
        assert turns[0]["content"] == "What is a node?"
    finally:
        again.stop()
