"""Per-client limits: the limiter alone, then the app behind a proxy (an X-Forwarded-For of
one entry from 127.0.0.1 stands in for the Spaces proxy: FORWARDED_TRUSTED_HOPS=1)."""

from __future__ import annotations

import uuid

import pytest

from server import create_app
from service.api.limits import RateLimited, RateLimiter
from tests.conftest import offline_settings
from tests.support import ServerThread, http

IP = ("ip", "203.0.113.1")


def test_a_key_over_its_window_is_refused_with_the_seconds_to_wait():
    limiter = RateLimiter("2/minute", 0)
    limiter.check([IP], tokens=False)
    limiter.check([IP], tokens=False)
    with pytest.raises(RateLimited) as refused:
        limiter.check([IP], tokens=False)
    assert refused.value.status_code == 429
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.headers == {"Retry-After": str(refused.value.retry_after)}
    assert refused.value.event_data() == {
        "code": "rate_limited", "message": refused.value.detail,
        "retry_after": refused.value.retry_after,
    }
    limiter.check([("ip", "203.0.113.2")], tokens=False)  # another client is not affected


def test_a_refused_request_counts_against_no_key():
    limiter = RateLimiter("1/minute", 0)
    session = ("session", "s1")
    limiter.check([IP], tokens=False)
    with pytest.raises(RateLimited):
        limiter.check([IP, session], tokens=False)
    limiter.check([("ip", "203.0.113.9"), session], tokens=False)  # the session was not charged


def test_a_cost_counts_as_that_many_requests():
    limiter = RateLimiter("5/minute", 0)
    limiter.check([IP], tokens=False, cost=4)
    with pytest.raises(RateLimited):
        limiter.check([IP], tokens=False, cost=2)
    limiter.check([IP], tokens=False, cost=1)


def test_the_token_budget_refuses_chat_once_spent_even_by_one_big_answer():
    limiter = RateLimiter("off", 100)
    limiter.check([IP], tokens=True)
    limiter.spend([IP], 250)  # one answer may overshoot: it is still counted
    with pytest.raises(RateLimited, match="daily answer budget of 100 tokens") as refused:
        limiter.check([IP], tokens=True)
    assert refused.value.retry_after > 3600  # a day's window from the first spend
    limiter.check([IP], tokens=False)  # search spends no tokens and is not refused


def test_off_and_a_zero_budget_never_refuse():
    limiter = RateLimiter("off", 0)
    for _ in range(100):
        limiter.check([IP], tokens=True)
        limiter.spend([IP], 10_000)


def _serve(data_dir, **settings):
    srv = ServerThread(create_app(offline_settings(data_dir, **settings))).start()
    srv.wait_healthy()
    return srv


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    srv = _serve(tmp_path_factory.mktemp("limited"), rate_limit="2/minute;100/day")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def budgeted(tmp_path_factory):
    srv = _serve(tmp_path_factory.mktemp("budgeted"), rate_limit="off", daily_token_budget=50)
    yield srv
    srv.stop()


def _ask(srv, ip: str, session_id: str | None = None, question: str = "What is a ROS 2 topic?"):
    cfg = {"configurable": {"session_id": session_id or str(uuid.uuid4())}}
    return http.post(srv.url + "/chat/invoke", json={"input": {"question": question}, "config": cfg},
                      headers={"X-Forwarded-For": ip}, timeout=30)


def _search(srv, ip: str):
    return http.post(srv.url + "/search/invoke", json={"input": "lidar"},
                      headers={"X-Forwarded-For": ip})


def test_a_client_over_the_limit_gets_429_and_another_client_does_not(limited):
    for _ in range(2):
        assert _search(limited, "198.51.100.1").status_code == 200
    refused = _search(limited, "198.51.100.1")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["status"] == 429
    assert "2 per 1 minute" in error["message"] and "retry in" in error["message"]
    assert _search(limited, "198.51.100.2").status_code == 200


def test_chat_is_limited_per_address_and_per_session(limited):
    for _ in range(2):
        assert _ask(limited, "198.51.100.10").status_code == 200
    assert _ask(limited, "198.51.100.10").status_code == 429
    session = str(uuid.uuid4())
    answers = [_ask(limited, f"198.51.100.{20 + i}", session, "What is lidar?") for i in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]


def test_a_batch_counts_one_request_per_input(limited):
    url = limited.url + "/chat/batch"
    cfg = {"configurable": {"session_id": str(uuid.uuid4())}}
    inputs = [{"question": "What is QoS?"}] * 3
    head = {"X-Forwarded-For": "198.51.100.30"}
    r = http.post(url, json={"inputs": inputs, "config": cfg}, headers=head)
    assert r.status_code == 429
    assert http.post(url, json={"inputs": inputs[:2], "config": cfg}, headers=head, timeout=60).status_code == 200
    assert http.post(url, json={"inputs": inputs[:1], "config": cfg}, headers=head).status_code == 429


def test_the_daily_token_budget_stops_answers_once_spent(budgeted):
    statuses = []
    for _ in range(10):
        r = _ask(budgeted, "198.51.100.40", question="What does an IMU measure?")
        statuses.append(r.status_code)
        if r.status_code == 429:
            break
    assert statuses[0] == 200 and statuses[-1] == 429
    assert "daily answer budget of 50 tokens" in r.json()["error"]["message"]
    assert int(r.headers["Retry-After"]) > 3600
    assert _search(budgeted, "198.51.100.40").status_code == 200  # search costs no tokens
    assert _ask(budgeted, "198.51.100.41").status_code == 200  # another reader still gets answers
    metrics = http.get(budgeted.url + "/metrics").text
    assert 'bookchat_rate_limited_total{limit="tokens",scope="ip"} 1.0' in metrics
    assert "bookchat_answer_tokens_total" in metrics


def test_limit_hits_show_in_the_metrics(limited):
    _search(limited, "198.51.100.50")
    text = http.get(limited.url + "/metrics").text
    for needle in [
        'bookchat_rate_limited_total{limit="requests",scope="ip"}',
        'bookchat_rate_limited_total{limit="requests",scope="session"}',
        'bookchat_http_requests_total{method="POST",route="/chat/invoke",status="429"}',
        'bookchat_errors_total{kind="rate_limited"}',
    ]:
        assert needle in text
