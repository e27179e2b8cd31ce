"""POST /api/chat over real HTTP on embedded defaults: the event contract and every error status."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from langserve import RemoteRunnable

from server import create_app
from tests.conftest import offline_settings
from tests.service.api.routes.conftest import answer_of, ask, of
from tests.support import http

PAGE = "/docs/foundations/humanoid-sensors"
PASSAGE = (
    "Joint encoders report the angle of each joint, and an IMU reports linear acceleration "
    "and angular velocity of the torso."
)


@pytest.fixture
def url(offline_server) -> str:
    return offline_server.url


def _conversation(url: str, session_id: str) -> httpx.Response:
    return http.get(f"{url}/api/conversation/{session_id}")


def test_events_arrive_in_order_and_done_names_the_stored_answer(url):
    events = ask(url, {"message": "What does an IMU measure?"})
    names = [name for name, _ in events]
    assert names[:2] == ["session", "sources"] and names[-1] == "done"
    assert set(names[2:-1]) == {"token"} and len(names) > 10
    session_id = events[0][1]["session_id"]
    assert uuid.UUID(session_id).version == 4

    sources = of(events, "sources")[0]
    assert [s["n"] for s in sources] == list(range(1, len(sources) + 1))
    assert set(sources[0]) == {"n", "title", "section", "url", "path", "score"}

    done = of(events, "done")[0]
    assert done["session_id"] == session_id
    answer = answer_of(events)
    turns = _conversation(url, session_id).json()["messages"]
    assert [t["role"] for t in turns] == ["human", "ai"]
    assert turns[1]["id"] == done["message_id"] and turns[1]["content"] == answer


def test_citations_are_the_markers_in_the_answer_mapped_to_section_links(url):
    events = ask(url, {"message": "What is a ROS 2 topic?"})
    answer, sources = answer_of(events), of(events, "sources")[0]
    done = of(events, "done")[0]
    markers = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", answer)))
    assert [c["n"] for c in done["citations"]] == markers and markers
    by_n = {s["n"]: s["url"] for s in sources}
    assert all(c["url"] == by_n[c["n"]] for c in done["citations"])
    assert "/docs/ros2/nodes-and-topics#topics" in {c["url"] for c in done["citations"]}
    assert "usage" not in done  # the offline model counts no tokens


def test_a_session_continues_and_follow_ups_use_its_history(url):
    first = ask(url, {"message": "What is a ROS 2 service?"})
    session_id = of(first, "session")[0]["session_id"]
    second = ask(url, {"message": "How do I call one?", "session_id": session_id})
    assert of(second, "session")[0]["session_id"] == session_id
    assert "ros2 service call" in answer_of(second)
    assert len(_conversation(url, session_id).json()["messages"]) == 4


def test_selected_text_is_quoted_first_and_its_page_searched_first(url):
    events = ask(url, {
        "message": "What does an IMU measure?", "selected_text": PASSAGE,
        "page_url": f"https://book.example.org{PAGE}#proprioception",
    })
    answer = answer_of(events)
    assert answer.startswith("Offline mode")
    assert f"From the passage you selected:\n> {PASSAGE}" in answer
    sources = of(events, "sources")[0]
    assert sources[0]["url"].startswith(PAGE)
    assert of(events, "done")[0]["citations"]


def test_a_passage_that_does_not_answer_is_said_so_and_the_book_answers(url):
    events = ask(url, {
        "message": "What is a ROS 2 topic?", "selected_text": PASSAGE,
        "page_url": f"https://book.example.org{PAGE}",
    })
    answer = answer_of(events)
    assert "The passage you selected does not seem to answer this question." in answer
    assert "From the passage you selected" not in answer
    assert "named channel" in answer
    cited = {c["url"] for c in of(events, "done")[0]["citations"]}
    assert "/docs/ros2/nodes-and-topics#topics" in cited


def test_langserve_chat_takes_the_same_optional_fields(url):
    chat = RemoteRunnable(url + "/chat/")
    answer = chat.invoke(
        {"question": "Explain this passage.", "selected_text": PASSAGE, "page_url": PAGE},
        config={"configurable": {"session_id": str(uuid.uuid4())}},
    )
    assert f"> {PASSAGE}" in answer
    schema = http.get(url + "/chat/input_schema").json()
    assert {"selected_text", "page_url"} <= set(schema["properties"])
    assert schema["required"] == ["question"]


def _post(url: str, content: bytes | None = None, **kw) -> httpx.Response:
    headers = {"content-type": "application/json"}
    return http.post(url + "/api/chat", content=content, headers=headers, timeout=30, **kw)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b'{"message": "hi", "session_id": "not-a-uuid"}', 400, "UUID"),
        (b'{"message": "hi"}' + b" " * (33 * 1024), 413, "32 KiB"),
        (b"{}", 422, "message"),
        (b'{"message": "   "}', 422, "message"),
        (b'["What is ROS?"]', 422, "invalid request"),
        (('{"message": "' + "x" * 4001 + '"}').encode(), 422, "message"),
        (('{"message": "hi", "selected_text": "' + "x" * 8001 + '"}').encode(), 422,
         "selected_text"),
    ],
)
def test_bad_requests_get_a_short_json_error_before_any_stream(url, body, status, words):
    r = _post(url, body)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    assert words in r.text and "Traceback" not in r.text
    assert set(r.json()["error"]) <= {"status", "message", "details"}


def test_a_chunked_body_over_the_limit_is_413_too(url):
    def chunks():
        for _ in range(40):
            yield b" " * 1024

    r = _post(url, chunks())
    assert r.request.headers["transfer-encoding"] == "chunked"  # no Content-Length to trust
    assert r.status_code == 413


async def test_503_while_the_service_is_starting(tmp_path):
    app = create_app(offline_settings(tmp_path))  # lifespan not run: resources not open yet
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.post("/api/chat", json={"message": "What is ROS?"})
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["error"]["message"] == "the service is starting"


def test_the_browser_origin_in_allowed_origins_may_stream(url):
    origin = "https://book.example.org"
    pre = httpx.options(url + "/api/chat", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert pre.headers["access-control-allow-origin"] == origin
    with httpx.stream("POST", url + "/api/chat", json={"message": "What is ROS 2?"},
                      headers={"Origin": origin}) as r:
        assert r.headers["access-control-allow-origin"] == origin
        r.read()


def test_over_the_rate_limit_is_429_before_the_stream_and_an_event_on_the_socket(tmp_path):
    from types import SimpleNamespace

    from langchain_core.runnables import RunnableLambda
    from starlette.testclient import TestClient

    settings = offline_settings(tmp_path, rate_limit="2/minute")
    app = create_app(settings)  # in process, lifespan not run: a stand-in chain is enough here
    app.state.resources = SimpleNamespace(
        phase="ready", settings=settings, chat_chain=RunnableLambda(lambda x: "An answer."))
    client = TestClient(app)
    for _ in range(2):
        assert client.post("/api/chat", json={"message": "What is lidar?"}).status_code == 200
    r = client.post("/api/chat", json={"message": "What is a topic?"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    with client.websocket_connect("/api/ws") as ws:
        ws.send_json({"message": "What is a topic?"})
        refused = ws.receive_json()
        assert refused["type"] == "error" and refused["data"]["code"] == "rate_limited"
        assert refused["data"]["retry_after"] > 0


def test_an_event_is_written_as_sse_starlette_writes_it_with_compact_json():
    import json

    from sse_starlette import ServerSentEvent

    from service.api.routes.chat_api import sse_event

    data = {"text": 'line\nbreak, "quotes", é, \u2028', "score": 0.1234, "n": [1, None]}
    ours = sse_event("token", data)
    theirs = ServerSentEvent(event="token", data=json.dumps(data, separators=(",", ":"),
                                                            ensure_ascii=False), sep="\n")
    assert ours == theirs.encode()
