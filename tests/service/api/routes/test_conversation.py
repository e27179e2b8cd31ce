"""DELETE /api/conversation/{id}: a reader forgets a conversation; other sessions are untouched."""

from __future__ import annotations

import uuid

from tests.service.api.routes.conftest import ask, of
from tests.support import http


def test_a_deleted_conversation_is_gone_and_others_stay(offline_server):
    url = offline_server.url
    mine = of(ask(url, {"message": "What is a node?"}), "session")[0]["session_id"]
    theirs = of(ask(url, {"message": "What is lidar?"}), "session")[0]["session_id"]
    assert http.delete(f"{url}/api/conversation/{mine}").status_code == 204
    assert http.get(f"{url}/api/conversation/{mine}").status_code == 404
    assert http.delete(f"{url}/api/conversation/{mine}").status_code == 404
    kept = http.get(f"{url}/api/conversation/{theirs}").json()["messages"]
    assert kept[0]["content"] == "What is lidar?"


def test_unknown_is_404_and_a_bad_id_400(offline_server):
    url = offline_server.url
    assert http.delete(f"{url}/api/conversation/{uuid.uuid4()}").status_code == 404
    r = http.delete(f"{url}/api/conversation/not-a-uuid")
    assert r.status_code == 400 and "UUID" in r.json()["error"]["message"]
