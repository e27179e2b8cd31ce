"""Body limit, request id and the last-resort 500, on the real app over real HTTP."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid

import httpx
import pytest
from fastapi import FastAPI

from service.api.admission import Guards
from service.api.limits import RateLimiter
from service.api.logs import make_handler
from service.api.metrics import Metrics
from service.api.request_context import RequestContextMiddleware
from service.api.routes import metrics as metrics_route
from tests.support import http

LIMIT = 32 * 1024
TOO_BIG = {"error": {"status": 413, "message": "the request body must be at most 32 KiB"}}


@pytest.fixture
def server(offline_server):
    return offline_server


@pytest.fixture
def json_logs():
    """Every log line, as the JSON handler writes it, while the test runs."""
    stream = io.StringIO()
    handler = make_handler("json", stream=stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _chunks(total: int, size: int = 1024):
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("path", ["/chat/invoke", "/search/invoke", "/api/feedback"])
def test_a_declared_body_over_the_limit_is_413(server, path):
    r = http.post(server.url + path, content=b"{" + b" " * LIMIT + b"}",
                   headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json() == TOO_BIG
    assert r.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/chat/invoke", "/chat/batch", "/search/invoke", "/api/feedback"])
def test_a_chunked_body_growing_past_the_limit_is_413(server, path):
    r = http.post(server.url + path, content=_chunks(LIMIT + 4096),
                   headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers  # it really was sent chunked
    assert r.status_code == 413
    assert r.json() == TOO_BIG


def test_a_chunked_body_under_the_limit_goes_through(server):
    body = json.dumps({"input": "what is an IMU?"}).encode()
    r = http.post(server.url + "/search/invoke", content=iter([body[:10], body[10:]]),
                   headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["output"]


def test_a_question_over_4000_characters_is_a_clear_422(server):
    cfg = {"configurable": {"session_id": str(uuid.uuid4())}}
    r = http.post(server.url + "/chat/invoke",
                   json={"input": {"question": "x" * 4001}, "config": cfg})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["status"] == 422
    assert error["details"] == [
        {"loc": ["question"], "msg": "String should have at most 4000 characters"}
    ]


def test_a_sane_request_id_is_kept_and_anything_else_replaced(server):
    r = http.get(server.url + "/", headers={"X-Request-ID": "trace-42.a_b:c"})
    assert r.headers["x-request-id"] == "trace-42.a_b:c"
    for bad in ["", "has space", "x" * 200, "<script>", "ü"]:
        r = http.get(server.url + "/", headers={"X-Request-ID": bad.encode()})
        rid = r.headers["x-request-id"]
        assert rid != bad and len(rid) == 32 and int(rid, 16) >= 0
    a, b = (http.get(server.url + "/").headers["x-request-id"] for _ in range(2))
    assert a != b


def test_every_log_line_of_a_request_carries_its_id_and_no_message_text(server, json_logs):
    question = "What does an IMU measure? " + uuid.uuid4().hex
    cfg = {"configurable": {"session_id": str(uuid.uuid4())}}
    r = http.post(server.url + "/chat/invoke", json={"input": {"question": question}, "config": cfg},
                   headers={"X-Request-ID": "req-logs-1"})
    assert r.status_code == 200
    deadline = time.monotonic() + 30  # the access line is written once the response has ended
    while True:
        lines = json_logs()
        mine = [line for line in lines if line["request_id"] == "req-logs-1"]
        access = [line for line in mine if line["logger"] == "bookchat.access"]
        if access or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert access and access[0]["message"].startswith("POST /chat/invoke 200 ")
    assert {"time", "level", "logger", "message", "request_id"} <= set(access[0])
    assert not any(question in json.dumps(line) for line in lines if line["level"] != "DEBUG")


def test_errors_and_unmatched_routes_are_logged_with_the_path(server, json_logs):
    r = http.get(server.url + "/no/such/page", headers={"X-Request-ID": "req-404"})
    assert r.status_code == 404 and r.headers["x-request-id"] == "req-404"
    (line,) = [x for x in json_logs() if x["request_id"] == "req-404"]
    assert line["message"].startswith("GET /no/such/page 404")


async def test_an_unhandled_error_is_a_json_500_with_the_request_id(tmp_path, json_logs):
    app = FastAPI()
    registry = Metrics()
    app.state.guards = Guards(registry, RateLimiter("off", 0, registry))
    app.add_middleware(RequestContextMiddleware, metrics=registry)
    app.include_router(metrics_route.router)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail that must not leak")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.get("/boom", headers={"X-Request-ID": "req-boom"})
        metrics = (await client.get("/metrics")).text
    assert r.status_code == 500
    assert r.json() == {"error": {"status": 500, "message": "internal error"}}
    assert r.headers["x-request-id"] == "req-boom"
    lines = [x for x in json_logs() if x["request_id"] == "req-boom"]
    assert any(x["message"] == "unhandled RuntimeError on GET /boom" for x in lines)
    assert not any("secret detail" in json.dumps(x) or "Traceback" in json.dumps(x) for x in lines)
    assert 'bookchat_errors_total{kind="unhandled"} 1.0' in metrics
    assert 'bookchat_http_requests_total{method="GET",route="/boom",status="500"} 1.0' in metrics
