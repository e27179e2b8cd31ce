"""The widget routes' fixtures: an SSE reader, and the app on the fake Cohere with Postgres."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import MODEL_DIR

KEY = "co-TEST-KEY-5a4b3c2d1e"
ADMIN_TOKEN = "admin-TEST-token-5f4e3d2c1b0a"


def sse_events(response: httpx.Response) -> list[tuple[str, Any]]:
    """(event, data) pairs of a server-sent event stream; keep-alive comments as ("comment", text)."""
    events: list[tuple[str, Any]] = []
    name, data = "message", []
    for line in response.iter_lines():
        if line.startswith(":"):
            events.append(("comment", line[1:].strip()))
        elif not line:
            if data:
                events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    return events


def ask(base_url: str, body: dict[str, Any], timeout: float = 60) -> list[tuple[str, Any]]:
    """POST /api/chat and read the whole stream; the response must be an SSE 200."""
    with httpx.stream("POST", base_url + "/api/chat", json=body, timeout=timeout) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        return [e for e in sse_events(r) if e[0] != "comment"]


def of(events: list[tuple[str, Any]], name: str) -> list[Any]:
    return [data for event, data in events if event == name]


def answer_of(events: list[tuple[str, Any]]) -> str:
    return "".join(t["text"] for t in of(events, "token"))


@pytest.fixture(scope="session")
def cohere_server(tmp_path_factory, fake_cohere, pg_url):
    """The app on the fake Cohere, Postgres history and an ADMIN_TOKEN, for the whole session."""
    from config.settings import load_settings
    from server import create_app
    from tests.support import ServerThread

    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("widget-cohere"), embed_model_dir=MODEL_DIR,
        cohere_api_key=KEY, cohere_base_url=fake_cohere.url, cohere_chat_model="command-a-03-2025",
        cohere_embed_model="embed-english-v3.0", database_url=pg_url, qdrant_url=None,
        admin_token=ADMIN_TOKEN, allowed_origins="https://book.example.org",
        rate_limit="off", daily_token_budget=0,  # limits are tested on their own apps
    )
    srv = ServerThread(create_app(settings)).start()
    srv.wait_healthy()
    yield srv
    srv.stop()


@pytest.fixture
def slow_cohere(cohere):
    """The fake Cohere streaming a few words a second, so there is time to cancel."""
    cohere.tokens_per_second = 4.0
    yield cohere
    cohere.tokens_per_second = 0.0
