"""Recognisable fake secrets never appear in a response or a log line.

The app runs on the fake Cohere with a key, on the real Postgres through a URL with a password
(the test database trusts local connections, so any password works) and with an admin token.
Every response we provoke — pages, schemas, answers, streams, errors, a failing model — and
every log record at DEBUG, from any library, is searched for each secret.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from langserve import RemoteRunnable

from config.settings import load_settings
from server import create_app
from service.api.logs import make_handler, secrets_of
from tests.conftest import MODEL_DIR
from tests.support import ServerThread

KEY = "co-SECRET-KEY-1f2e3d4c5b6a"
PASSWORD = "pw-SECRET-123"
ADMIN = "admin-SECRET-TOKEN-9a8b7c6d"
SECRETS = [KEY, PASSWORD, ADMIN]


class _Records(logging.Handler):
    """Every record, formatted plainly (message and exception), before any redaction."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {record.levelname} {text}")


def _with_password(url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}:{PASSWORD}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory, fake_cohere, pg_url):
    return load_settings(
        data_dir=tmp_path_factory.mktemp("secrets"), embed_model_dir=MODEL_DIR,
        cohere_api_key=f" {KEY} ", cohere_base_url=fake_cohere.url,
        cohere_embed_model="embed-english-v3.0", database_url=_with_password(pg_url),
        qdrant_url=None, admin_token=ADMIN, allowed_origins="https://book.example.org",
        rate_limit="off", log_level="DEBUG",
    )


@pytest.fixture(scope="module")
def logs(app_settings):
    """All logging at DEBUG while the module runs: raw records, and the app's JSON lines."""
    raw, out = _Records(), io.StringIO()
    handlers = [raw, make_handler("json", secrets_of(app_settings), out)]
    # uvicorn's own loggers do not propagate to the root under ServerThread's config
    loggers = [logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.access")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        for handler in handlers:
            lg.addHandler(handler)
    yield raw, out
    for lg, level in zip(loggers, levels, strict=True):
        for handler in handlers:
            lg.removeHandler(handler)
        lg.setLevel(level)


@pytest.fixture(scope="module")
def server(logs, app_settings, fake_cohere):
    fake_cohere.reset()
    srv = ServerThread(create_app(app_settings)).start()
    body = srv.wait_healthy()
    assert body["status"] == "healthy", body
    assert body["services"]["history"]["backend"] == "postgres"
    yield srv
    srv.stop()
    fake_cohere.reset()


def _exchanges(srv, cohere) -> list[httpx.Response]:
    """Everything a reader, a crawler and an admin might ask, including what fails."""
    sid = str(uuid.uuid4())
    cfg = {"configurable": {"session_id": sid}}
    admin = {"Authorization": f"Bearer {ADMIN}"}
    ask = {"input": {"question": "What does an IMU measure?"}, "config": cfg}
    with httpx.Client(base_url=srv.url, timeout=60) as c:
        got = [
            c.get("/"), c.get("/api/health"), c.get("/docs"), c.get("/redoc"),
            c.get("/openapi.json"), c.get("/metrics"), c.get("/chat/playground/"),
            c.get("/chat/config_schema"), c.get("/chat/input_schema"),
            c.post("/chat/invoke", json=ask),
            c.post("/chat/stream", json=ask),
            c.post("/chat/stream_events", json=ask),
            c.post("/chat/batch", json={"inputs": [ask["input"]] * 2, "config": cfg}),
            c.post("/search/invoke", json={"input": "lidar"}),
            c.post("/api/chat", json={"message": "What is a ROS 2 topic?", "session_id": sid}),
            c.get(f"/api/conversation/{sid}"),
            c.get(f"/api/conversation/{uuid.uuid4()}"),
            c.get("/api/conversation/not-a-uuid"),
            c.post("/chat/invoke", json={"input": {"question": ""}, "config": cfg}),
            c.post("/chat/invoke", json={"input": {"question": "hi"}}),
            c.post("/chat/invoke", content=b"{not json", headers={"content-type": "application/json"}),
            c.post("/chat/invoke", content=b" " * 40_000, headers={"content-type": "application/json"}),
            c.get("/nowhere"),
            c.get("/api/admin/ingest", headers={"Authorization": "Bearer wrong-token-000000000"}),
            c.post("/api/admin/ingest", headers=admin),
            c.get("/api/admin/ingest", headers=admin),
            c.get("/api/feedback", headers=admin),
        ]
        cohere.set_fault("chat", "500", count=None)
        got += [
            c.post("/chat/invoke", json=ask),
            c.post("/chat/stream", json=ask),
            c.post("/api/chat", json={"message": "What is lidar?"}),
        ]
        cohere.set_fault("chat", "401", count=None)
        got.append(c.post("/chat/invoke", json=ask))
        cohere.reset()
        got.append(c.delete(f"/api/admin/conversation/{sid}", headers=admin))
    return got


def test_no_secret_in_any_response_or_log_line(server, cohere, logs):
    responses = _exchanges(server, cohere)
    answers = RemoteRunnable(server.url + "/chat/").invoke(
        {"question": "What is a ROS 2 service?"},
        config={"configurable": {"session_id": str(uuid.uuid4())}},
    )
    assert "[1]" in answers  # the real chain answered through the fake Cohere
    statuses = {r.request.url.path: r.status_code for r in responses}
    assert statuses["/docs"] == 200 and statuses["/openapi.json"] == 200
    assert {401, 404, 413, 422, 502} <= {r.status_code for r in responses}
    assert cohere.requests_to("chat"), "the model was really called with the key"

    for r in responses:
        seen = r.text + json.dumps(dict(r.headers))
        for secret in SECRETS:
            assert secret not in seen, f"{secret} in {r.request.method} {r.request.url.path}"
    raw, out = logs
    for line in out.getvalue().splitlines():
        for secret in SECRETS:
            assert secret not in line, line
    raw_leaks = [line for line in raw.lines if any(s in line for s in SECRETS)]
    assert raw_leaks == [], raw_leaks[:3]
    assert len(raw.lines) > 100  # DEBUG was really captured, from many libraries
