"""/api/chat as the load generator calls it: its request shape when the app under test serves
the route, found from its OpenAPI schema and one probe."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def api_chat_route(url: str) -> dict[str, Any] | None:
    """/api/chat's request shape when the app serves it (another engineer is adding it)."""
    paths = httpx.get(url + "/openapi.json", timeout=30).json().get("paths", {})
    if "/api/chat" not in paths or "post" not in paths["/api/chat"]:
        return None
    body = {"message": "$Q", "session_id": "$SID"}
    probe = httpx.post(url + "/api/chat", timeout=60,
                       json={"message": "Is this on?", "session_id": str(uuid.uuid4())})
    if probe.status_code != 200:
        return {"path": "/api/chat", "body": body, "unusable": probe.status_code}
    return {"path": "/api/chat", "body": body}
