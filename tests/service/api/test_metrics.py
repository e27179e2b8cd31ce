"""/metrics in the Prometheus text format, counting what the app did."""

from __future__ import annotations

import uuid

from langserve import RemoteRunnable
from prometheus_client.parser import text_string_to_metric_families

from tests.support import http


def _samples(server) -> dict[tuple[str, frozenset], float]:
    r = http.get(server.url + "/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def _delta(before, after, name, **labels) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_requests_latency_errors_and_streams_are_counted(offline_server):
    before = _samples(offline_server)
    cfg = {"configurable": {"session_id": str(uuid.uuid4())}}
    chunks = list(RemoteRunnable(offline_server.url + "/chat/").stream(
        {"question": "What does an IMU measure?"}, config=cfg))
    assert chunks
    http.get(f"{offline_server.url}/api/conversation/{uuid.uuid4()}")  # 404 on a known route
    http.get(offline_server.url + "/nowhere")
    after = _samples(offline_server)

    stream = {"method": "POST", "route": "/chat/stream"}
    assert _delta(before, after, "bookchat_http_requests_total", **stream, status="200") == 1
    assert _delta(before, after, "bookchat_http_request_duration_seconds_count", **stream) == 1
    conversation = {"method": "GET", "route": "/api/conversation/{session_id}", "status": "404"}
    assert _delta(before, after, "bookchat_http_requests_total", **conversation) == 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert _delta(before, after, "bookchat_http_requests_total", **unmatched) == 1
    assert _delta(before, after, "bookchat_errors_total", kind="not_found") == 2
    assert _delta(before, after, "bookchat_time_to_first_token_seconds_count") == 1
    assert _delta(before, after, "bookchat_answer_tokens_total") > 10
    assert _delta(before, after, "bookchat_answers_total", outcome="completed") == 1
    assert after[("bookchat_http_requests_in_progress", frozenset())] >= 1  # this scrape
