"""NUL and Unicode non-characters (issue 13, point 4): removed at the edge from questions,
selections and feedback comments, so PostgreSQL (which refuses NUL in text) and SQLite store the
same text, and no answer streams only to fail at the save."""

from __future__ import annotations

import json
import uuid

import pytest
from websockets.sync.client import connect

from server import create_app
from tests.conftest import offline_settings
from tests.service.api.routes.conftest import ask, of
from tests.support import ServerThread, http

QUESTION = "What does an IMU\u0000 measure?\ufffe"
SELECTION = "\u0000An IMU measures\uffff acceleration."


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    extra = {"database_url": request.getfixturevalue("pg_url")} if request.param == "postgres" else {}
    srv = ServerThread(create_app(offline_settings(tmp_path_factory.mktemp("nul"), **extra)))
    srv.start().wait_healthy()
    yield srv
    srv.stop()


def _stored(url: str, session_id: str) -> list[dict]:
    r = http.get(f"{url}/api/conversation/{session_id}", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def test_langserve_invoke_answers_and_stores_the_text_without_nul(server):
    sid = str(uuid.uuid4())
    r = http.post(server.url + "/chat/invoke", timeout=60, json={
        "input": {"question": QUESTION, "selected_text": SELECTION},
        "config": {"configurable": {"session_id": sid}},
    })
    assert r.status_code == 200, r.text
    human = _stored(server.url, sid)[0]
    assert human["content"] == "What does an IMU measure?"
    assert human["selected_text"] == "An IMU measures acceleration."


def test_the_widget_stream_ends_done_not_internal_error(server):
    events = ask(server.url, {"message": QUESTION, "selected_text": SELECTION})
    assert [name for name, _ in events][-1] == "done", events[-1]
    sid = of(events, "done")[0]["session_id"]
    assert _stored(server.url, sid)[0]["content"] == "What does an IMU measure?"


def test_a_feedback_comment_is_stored_without_nul(server):
    done = of(ask(server.url, {"message": "What does an IMU measure?"}), "done")[0]
    r = http.post(server.url + "/api/feedback", timeout=30, json={
        "message_id": done["message_id"], "score": -1, "comment": "Too\u0000 short\ufdd0"})
    assert r.status_code == 201, r.text
    assert r.json()["comment"] == "Too short"


def test_the_socket_strips_it_too(server):
    url = server.url.replace("http://", "ws://") + "/api/ws"
    with connect(url) as ws:
        ws.send(json.dumps({"message": QUESTION, "selected_text": SELECTION}))
        names = []
        while not names or names[-1] not in {"done", "error"}:
            names.append(json.loads(ws.recv(timeout=60))["type"])
    assert names[-1] == "done"
