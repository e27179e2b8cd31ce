"""Honest under faults: each failing dependency gives its own status, health says which one, and
the service recovers by itself when the dependency comes back. Then SIGTERM mid-answer: the
answer completes, the lifespan closes the clients, and the process ends.

Cohere's faults come from the fake server; PostgreSQL is taken away through a TCP proxy, so the
shared database keeps serving the other tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from config.settings import load_settings
from server import create_app
from tests.conftest import MODEL_DIR, PROJECT
from tests.fakes.tcp_proxy import TcpProxy
from tests.support import ServerThread, free_port, http


def _via(proxy: TcpProxy, pg_url: str) -> str:
    parts = urlsplit(pg_url)
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture(scope="module")
def pg_proxy(pg_url):
    parts = urlsplit(pg_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432).restore()
    yield proxy
    proxy.cut()


@pytest.fixture(scope="module")
def server(tmp_path_factory, fake_cohere, pg_url, pg_proxy):
    fake_cohere.reset()
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("faults"), embed_model_dir=MODEL_DIR,
        cohere_api_key="co-faults-key", cohere_base_url=fake_cohere.url,
        cohere_embed_model="embed-english-v3.0", cohere_timeout_seconds=1,
        database_url=_via(pg_proxy, pg_url), qdrant_url=None, rate_limit="off",
    )
    srv = ServerThread(create_app(settings)).start()
    assert srv.wait_healthy()["status"] == "healthy"
    yield srv
    srv.stop()
    fake_cohere.reset()


def _ask(srv, timeout: float = 30) -> httpx.Response:
    cfg = {"configurable": {"session_id": str(uuid.uuid4())}}
    return http.post(srv.url + "/chat/invoke", timeout=timeout,
                      json={"input": {"question": "What does an IMU measure?"}, "config": cfg})


def _errors(srv) -> str:
    return http.get(srv.url + "/metrics").text


@pytest.mark.parametrize(("fault", "status", "kind", "says"), [
    ("500", 502, "model_failed", "the language model answered with an error (500)"),
    ("401", 502, "model_failed", "the language model answered with an error (401)"),
    ("429", 503, "model_rate_limited", "the language model is rate limited"),
    ("hang", 504, "model_timeout", "the language model did not answer in time"),
    ("cut", 502, "model_unreachable", "the language model could not be reached"),
])
def test_a_failing_model_is_a_gateway_error_and_the_next_answer_works(
    server, cohere, fault, status, kind, says
):
    cohere.set_fault("chat", fault, count=None, retry_after=7)
    r = _ask(server)
    assert r.status_code == status
    assert r.json() == {"error": {"status": status, "message": r.json()["error"]["message"]}}
    assert r.json()["error"]["message"].startswith(says)
    if status == 503:
        assert r.headers["Retry-After"] == "7"  # Cohere's own, passed on
    assert f'bookchat_errors_total{{kind="{kind}"}}' in _errors(server)
    cohere.reset()
    assert _ask(server).status_code == 200


def test_a_model_failing_mid_stream_ends_the_stream_with_an_error_event(server, cohere):
    cohere.set_fault("chat", "500", count=None)
    cfg = {"configurable": {"session_id": str(uuid.uuid4())}}
    with httpx.stream("POST", server.url + "/chat/stream", timeout=30,
                      json={"input": {"question": "What is lidar?"}, "config": cfg}) as r:
        body = r.read().decode()  # a cleanly terminated body: no protocol error here
    cohere.reset()
    assert r.status_code == 200
    assert "event: error" in body and "Internal Server Error" in body
    assert 'bookchat_answers_total{outcome="failed"}' in _errors(server)


def test_postgres_going_away_is_503_and_degraded_then_it_recovers(server, pg_proxy, cohere):
    pg_proxy.cut()
    try:
        health = http.get(server.url + "/api/health", timeout=10)
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "degraded"
        assert body["services"]["history"]["status"] == "unhealthy"
        assert body["services"]["qdrant"]["status"] == "healthy"
        r = _ask(server)
        assert r.status_code == 503
        assert r.json()["error"]["message"].startswith("the conversation store is unavailable")
        assert r.headers["Retry-After"]
    finally:
        pg_proxy.restore()
    deadline = time.monotonic() + 30
    while http.get(server.url + "/api/health", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "history did not come back"
        time.sleep(0.2)
    assert _ask(server).status_code == 200
    assert 'bookchat_errors_total{kind="history_unavailable"}' in _errors(server)


def _serve_process(env: dict[str, str], port: int) -> subprocess.Popen:
    """`python server.py` as deployed, healthy; its stderr holds the log lines."""
    proc = subprocess.Popen([sys.executable, "server.py"], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "server did not become healthy"
        try:
            if http.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)


def test_sigterm_mid_answer_finishes_it_and_exits_cleanly(tmp_path, cohere):
    cohere.tokens_per_second = 25  # an answer streams over a couple of seconds
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "QDRANT_URL"}},
        "PORT": str(port), "DATA_DIR": str(tmp_path), "EMBED_MODEL_DIR": str(MODEL_DIR),
        "COHERE_API_KEY": "co-sigterm-key", "COHERE_BASE_URL": cohere.url,
        "COHERE_EMBED_MODEL": "embed-english-v3.0", "LOG_FORMAT": "json", "RATE_LIMIT": "off",
    }
    proc = _serve_process(env, port)
    terminated = threading.Event()
    result: dict[str, object] = {"after_term": 0}

    def stream() -> None:
        cfg = {"configurable": {"session_id": str(uuid.uuid4())}}
        with httpx.stream("POST", f"http://127.0.0.1:{port}/chat/stream", timeout=60,
                          json={"input": {"question": "What is sensor fusion?"}, "config": cfg},
                          headers={"X-Request-ID": "sigterm-1"}) as r:
            parts = []
            for text in r.iter_text():
                parts.append(text)
                result["started"] = True
                result["after_term"] += terminated.is_set()
            result["body"], result["status"] = "".join(parts), r.status_code

    try:
        reader = threading.Thread(target=stream)
        reader.start()
        while "started" not in result and reader.is_alive():
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        terminated.set()
        reader.join(60)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # uvicorn re-raises the signal once shut down, so the exit status still says SIGTERM (143)
    assert code == -signal.SIGTERM
    assert result["status"] == 200 and "event: end" in result["body"]
    assert result["after_term"] > 3  # the answer really was still streaming at the signal
    lines = [json.loads(line) for line in proc.stderr.read().splitlines() if line.startswith("{")]
    messages = [x["message"] for x in lines]
    assert any(x["request_id"] == "sigterm-1" and x["message"].startswith("POST /chat/stream 200")
               for x in lines)
    assert messages.index("Shutting down") < messages.index("Application shutdown complete.")
