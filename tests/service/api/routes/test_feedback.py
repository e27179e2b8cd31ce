"""POST /api/feedback and the admin export: SQLite on embedded defaults, Postgres with Cohere."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.service.api.routes.conftest import ADMIN_TOKEN, ask, of
from tests.support import http


def _answer(url: str, question: str = "What does an IMU measure?") -> dict:
    return of(ask(url, {"message": question}), "done")[0]


def test_a_vote_on_a_stored_answer_is_accepted(offline_server):
    done = _answer(offline_server.url)
    r = http.post(offline_server.url + "/api/feedback",
                   json={"message_id": done["message_id"], "score": 1, "comment": " Clear! "})
    assert r.status_code == 201
    assert r.json() == {"message_id": done["message_id"], "score": 1, "comment": "Clear!"}
    again = http.post(offline_server.url + "/api/feedback",
                       json={"message_id": done["message_id"], "score": -1})
    assert again.status_code == 201  # a reader may change their mind


def test_only_stored_answers_can_be_rated(offline_server):
    done = _answer(offline_server.url)
    turns = http.get(f"{offline_server.url}/api/conversation/{done['session_id']}").json()
    question_id = turns["messages"][0]["id"]
    for message_id in (str(uuid.uuid4()), question_id):
        r = http.post(offline_server.url + "/api/feedback",
                       json={"message_id": message_id, "score": 1})
        assert r.status_code == 404 and "message_id" in r.json()["error"]["message"]


@pytest.mark.parametrize("body", [
    {"message_id": "not-a-uuid", "score": 1},
    {"message_id": str(uuid.uuid4()), "score": 0},
    {"message_id": str(uuid.uuid4()), "score": 5},
    {"message_id": str(uuid.uuid4()), "score": True},  # not a vote of 1
    {"message_id": str(uuid.uuid4()), "score": 1.0},
    {"message_id": str(uuid.uuid4()), "score": "1"},
    {"message_id": str(uuid.uuid4())},
    {"message_id": str(uuid.uuid4()), "score": 1, "comment": "x" * 2001},
])
def test_malformed_feedback_is_422(offline_server, body):
    r = http.post(offline_server.url + "/api/feedback", json=body)
    assert r.status_code == 422 and "Traceback" not in r.text


def test_the_export_is_off_without_an_admin_token(offline_server):
    r = http.get(offline_server.url + "/api/feedback",
                  headers={"Authorization": "Bearer anything-at-all-here"})
    assert r.status_code == 404


def test_feedback_lands_in_postgres_and_the_export_needs_the_token(cohere_server, pg_url):
    url = cohere_server.url
    done = _answer(url, "What is lidar?")
    message_id = done["message_id"]
    assert http.post(url + "/api/feedback", json={
        "message_id": message_id, "score": 1, "comment": "Clear"}).status_code == 201
    assert http.post(url + "/api/feedback", json={
        "message_id": message_id, "score": -1}).status_code == 201
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT score, comment FROM chat_feedback WHERE message_id = %s", (message_id,)
        ).fetchall()
    assert rows == [(-1, "Clear")]  # one row per answer; the comment survives a re-vote

    assert http.get(url + "/api/feedback").status_code == 401
    wrong = http.get(url + "/api/feedback", headers={"Authorization": "Bearer wrong-token-x"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    ok = http.get(url + "/api/feedback", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert ok.status_code == 200
    record = next(f for f in ok.json()["feedback"] if f["message_id"] == message_id)
    assert record["score"] == -1 and record["comment"] == "Clear"
    assert record["question"] == "What is lidar?" and record["answer"].startswith("According")
    assert record["session_id"] == done["session_id"]

    assert http.delete(f"{url}/api/conversation/{done['session_id']}").status_code == 204
    ok = http.get(url + "/api/feedback?limit=5",
                   headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    record = next(f for f in ok.json()["feedback"] if f["message_id"] == message_id)
    assert record["answer"] is None and record["score"] == -1  # the vote outlives the chat
