"""WS /api/ws over a real WebSocket: the same events as the SSE route, several questions on one
connection, clean closes on bad input, and cancel (with the fake Cohere streaming slowly)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from server import create_app
from tests.conftest import offline_settings
from tests.support import http


def _ws_url(server) -> str:
    return server.url.replace("http://", "ws://") + "/api/ws"


def _until(ws, last: set[str], timeout: float = 30) -> list[dict[str, Any]]:
    """Messages up to and including the first whose type is in `last`."""
    messages = []
    while True:
        message = json.loads(ws.recv(timeout=timeout))
        messages.append(message)
        if message["type"] in last:
            return messages


def _stored(pg_url: str, session_id: str) -> int:
    with psycopg.connect(pg_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM chat_history WHERE session_id = %s", (session_id,)
        ).fetchone()[0]


def test_several_questions_in_turn_on_one_connection(offline_server):
    with connect(_ws_url(offline_server)) as ws:
        ws.send(json.dumps({"type": "ask", "message": "What is a ROS 2 service?"}))
        first = _until(ws, {"done", "error"})
        session_id = first[0]["data"]["session_id"]
        ws.send(json.dumps({"message": "How do I call one?", "session_id": session_id}))
        second = _until(ws, {"done", "error"})
    for turn in (first, second):
        types = [m["type"] for m in turn]
        assert types[:2] == ["session", "sources"] and types[-1] == "done"
        assert set(types[2:-1]) == {"token"}
        assert set(turn[-1]["data"]) >= {"session_id", "message_id", "citations"}
    assert second[0]["data"]["session_id"] == session_id
    answer = "".join(m["data"]["text"] for m in second if m["type"] == "token")
    assert "ros2 service call" in answer
    turns = http.get(f"{offline_server.url}/api/conversation/{session_id}").json()["messages"]
    assert [t["id"] for t in turns if t["role"] == "ai"] == [
        first[-1]["data"]["message_id"], second[-1]["data"]["message_id"]]


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [
        (b"\x00\x01", 1003, "send JSON text frames"),
        ("{not json", 1008, "a message is not valid JSON"),
        ('{"message": ' + "[" * 15_000 + "]" * 15_000 + "}", 1008, "nested too deeply"),
        ('{"message": "\\udfff"}', 1008, "lone UTF-16 surrogate"),
        ("[1, 2]", 1008, "a message must be a JSON object"),
        ('{"type": "shout"}', 1008, "unknown message type"),
        ('{"message": ""}', 1008, "invalid request: message"),
        ('{"message": "hi", "session_id": "nope"}', 1008, "session_id must be a UUID"),
        ('{"message": "' + "x" * 40_000 + '"}', 1009, "at most 32 KiB"),
    ],
)
def test_bad_input_closes_cleanly_with_a_reason(offline_server, frame, code, reason):
    with connect(_ws_url(offline_server)) as ws:
        ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == code
    assert reason in closed.value.rcvd.reason and "Traceback" not in closed.value.rcvd.reason


def test_a_cancel_with_nothing_in_flight_is_ignored(offline_server):
    with connect(_ws_url(offline_server)) as ws:
        ws.send(json.dumps({"type": "cancel"}))
        ws.send(json.dumps({"message": "What is lidar?"}))
        assert [m["type"] for m in _until(ws, {"done", "error"})][0] == "session"


@pytest.mark.parametrize(("origin", "ok"), [
    ("https://book.example.org", True), ("https://evil.example", False), (None, True)])
def test_browser_origins_must_be_allowed(offline_server, origin, ok):
    if ok:
        with connect(_ws_url(offline_server), origin=origin) as ws:
            ws.send(json.dumps({"type": "cancel"}))
        return
    with pytest.raises(InvalidStatus) as refused:
        connect(_ws_url(offline_server), origin=origin)
    assert refused.value.response.status_code == 403


def test_the_demo_page_origin_is_this_server(offline_server):
    with connect(_ws_url(offline_server), origin=offline_server.url) as ws:
        ws.send(json.dumps({"message": "What is a node?"}))
        assert _until(ws, {"done", "error"})[-1]["type"] == "done"


def test_a_service_that_is_not_ready_closes_with_1013(tmp_path):
    client = TestClient(create_app(offline_settings(tmp_path)))  # lifespan not run
    with client.websocket_connect("/api/ws") as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 1013 and "not ready" in closed.value.reason


def test_cancel_stops_the_answer_and_stores_nothing(cohere_server, slow_cohere, pg_url):
    with connect(_ws_url(cohere_server)) as ws:
        ws.send(json.dumps({"message": "What does an IMU measure?"}))
        head = _until(ws, {"token"})
        session_id = head[0]["data"]["session_id"]
        ws.send(json.dumps({"type": "cancel"}))
        started = time.monotonic()
        rest = _until(ws, {"error", "done"}, timeout=10)
        assert time.monotonic() - started < 2.0  # not the 5 s the whole answer would take
        assert rest[-1] == {"type": "error", "data": {
            "code": "cancelled", "message": "The answer was cancelled; nothing was saved."}}
        assert _stored(pg_url, session_id) == 0

        slow_cohere.tokens_per_second = 0.0
        ws.send(json.dumps({"message": "What is lidar?", "session_id": session_id}))
        again = _until(ws, {"done", "error"})
    assert again[-1]["type"] == "done"
    turns = http.get(f"{cohere_server.url}/api/conversation/{session_id}").json()["messages"]
    assert [t["content"] for t in turns if t["role"] == "human"] == ["What is lidar?"]


def test_a_question_while_one_streams_is_busy(cohere_server, slow_cohere):
    with connect(_ws_url(cohere_server)) as ws:
        ws.send(json.dumps({"message": "What does an IMU measure?"}))
        _until(ws, {"sources"})
        ws.send(json.dumps({"message": "And lidar?"}))
        busy = _until(ws, {"error"})[-1]
        assert busy["data"]["code"] == "busy"
        ws.send(json.dumps({"type": "cancel"}))
        assert _until(ws, {"error"})[-1]["data"]["code"] == "cancelled"


def test_a_client_that_disconnects_mid_answer_leaves_nothing(cohere_server, slow_cohere, pg_url):
    with connect(_ws_url(cohere_server)) as ws:
        ws.send(json.dumps({"message": "What does an IMU measure?"}))
        session_id = _until(ws, {"token"})[0]["data"]["session_id"]
    time.sleep(1.0)
    assert uuid.UUID(session_id) and _stored(pg_url, session_id) == 0


def test_a_model_error_is_an_event_and_the_connection_stays_usable(cohere_server, cohere):
    cohere.set_fault("chat", 500, count=1)
    with connect(_ws_url(cohere_server)) as ws:
        ws.send(json.dumps({"message": "What does an IMU measure?"}))
        failed = _until(ws, {"done", "error"})
        ws.send(json.dumps({"message": "What does an IMU measure?"}))
        ok = _until(ws, {"done", "error"})
    assert failed[-1]["data"]["code"] == "model_failed" and ok[-1]["type"] == "done"
