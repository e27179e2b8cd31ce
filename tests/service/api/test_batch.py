"""A /batch is bounded (issue 13, point 5): at most MAX_BATCH_SIZE inputs (413), at most
BATCH_CONCURRENCY of them answered at once, and cancelled when its client leaves (499)."""

from __future__ import annotations

import socket
import time
import uuid

import httpx
import pytest

from server import create_app
from tests.conftest import offline_settings
from tests.support import ServerThread, http

REPLY = "An IMU measures acceleration and angular velocity [1]."  # 8 pieces


@pytest.fixture(scope="module")
def batch_server(tmp_path_factory, fake_cohere):
    settings = offline_settings(
        tmp_path_factory.mktemp("batch"), cohere_api_key="co-batch-key",
        cohere_base_url=fake_cohere.url, cohere_embed_model="embed-english-v3.0",
        max_batch_size=4, batch_concurrency=2, retrieval_rerank=False,
    )
    srv = ServerThread(create_app(settings)).start()
    srv.wait_healthy()
    yield srv
    srv.stop()


def _chat_batch(n: int) -> dict:
    """n questions, each in a new session (so none is condensed: one model call each)."""
    return {"inputs": [{"question": f"What does an IMU measure, part {i}?"} for i in range(n)],
            "config": [{"configurable": {"session_id": str(uuid.uuid4())}} for _ in range(n)]}


def test_a_batch_over_max_batch_size_is_413(batch_server):
    for path, body in [("/chat/batch", _chat_batch(5)), ("/search/batch", {"inputs": ["a"] * 5})]:
        r = http.post(batch_server.url + path, json=body, timeout=30)
        assert r.status_code == 413, r.text
        assert r.json()["error"]["message"] == "a batch takes at most 4 inputs"
    assert http.post(batch_server.url + "/search/batch", json={"inputs": ["a"] * 4},
                      timeout=60).status_code == 200


def test_a_batch_answers_at_most_batch_concurrency_inputs_at_once(batch_server, cohere):
    cohere.reply, cohere.ttft = REPLY, 0.8
    r = http.post(batch_server.url + "/chat/batch", json=_chat_batch(4), timeout=120)
    assert r.status_code == 200, r.text
    assert len(r.json()["output"]) == 4
    arrivals = sorted(req.at for req in cohere.requests_to("chat"))
    assert len(arrivals) == 4
    # Two at a time: the third model call starts only once one of the first two has ended,
    # which takes at least the model's time to first token.
    assert arrivals[2] - arrivals[0] >= 0.7, arrivals


def _metric(url: str, line_start: str) -> float:
    for line in http.get(url + "/metrics", timeout=30).text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_batch_whose_client_left_stops_and_counts_499(batch_server, cohere):
    cohere.reply, cohere.tokens_per_second = REPLY, 4.0  # each answer takes about 2 s
    closed = 'bookchat_http_requests_total{method="POST",route="/chat/batch",status="499"}'
    before = _metric(batch_server.url, closed)
    with pytest.raises(httpx.ReadTimeout):
        http.post(batch_server.url + "/chat/batch", json=_chat_batch(4), timeout=1.0)
    deadline = time.monotonic() + 30
    while _metric(batch_server.url, closed) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _metric(batch_server.url, closed) == before + 1
    time.sleep(4.0)  # longer than the first two answers would have taken
    assert len(cohere.requests_to("chat")) == 2  # the last two inputs never started


def test_a_client_gone_while_sending_its_body_is_counted_499(batch_server):
    closed = 'bookchat_http_requests_total{method="POST",route="unmatched",status="499"}'
    before = _metric(batch_server.url, closed)
    host, port = batch_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"POST /chat/invoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"input\": ")
    deadline = time.monotonic() + 30
    while _metric(batch_server.url, closed) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _metric(batch_server.url, closed) == before + 1
