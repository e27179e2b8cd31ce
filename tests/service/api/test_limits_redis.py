"""The limiter on Redis (REDIS_URL): one count shared by every limiter on it, and an outage
that lets readers through (fails open) instead of answering 500s. Uses the Redis at
127.0.0.1:6379 with a key prefix of its own per run; skipped when there is none."""

from __future__ import annotations

import logging

import pytest

from service.api import limits
from service.api.limits import RateLimited, RateLimiter, limit_storage
from service.api.metrics import Metrics
from tests.conftest import REDIS_URL
from tests.support import free_port


def test_two_limiters_on_one_redis_share_the_count(redis_prefix):
    """As two workers do: five requests in the minute in all, wherever they land."""
    first, second = (
        RateLimiter("5/minute", 0, storage=limit_storage(REDIS_URL, redis_prefix)) for _ in range(2)
    )
    client = [("ip", "198.51.100.1")]
    for limiter in (first, second, first, second, first):
        limiter.check(client, tokens=False)
    for limiter in (first, second):
        with pytest.raises(RateLimited) as refused:
            limiter.check(client, tokens=False)
        assert 1 <= refused.value.retry_after <= 60


def test_the_token_budget_is_shared_too(redis_prefix):
    first, second = (
        RateLimiter("off", 100, storage=limit_storage(REDIS_URL, redis_prefix)) for _ in range(2)
    )
    client = [("ip", "198.51.100.2")]
    first.check(client, tokens=True)
    first.spend(client, 120)
    with pytest.raises(RateLimited, match="daily answer budget"):
        second.check(client, tokens=True)


def test_a_redis_outage_lets_requests_through_logged_and_counted(caplog, monkeypatch):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    metrics = Metrics()
    limiter = RateLimiter("1/minute", 10, metrics, storage=limit_storage(dead, "bookchat"))
    client = [("ip", "198.51.100.3")]
    with caplog.at_level(logging.WARNING, logger=limits.__name__):
        for _ in range(3):
            limiter.check(client, tokens=True)  # over 1/minute, yet not refused
        limiter.spend(client, 50)
    warnings = [r for r in caplog.records if "rate-limit storage failed" in r.getMessage()]
    assert len(warnings) == 1  # then Redis is left alone for a while: no line per request
    assert "ConnectionError" in warnings[0].getMessage()
    assert metrics.errors.labels("rate_limit_storage")._value.get() == 1
    monkeypatch.setattr(limits, "STORAGE_RETRY_SECONDS", 0.0)
    limiter._storage_down_until = 0.0  # the pause is over: Redis is asked again, and fails again
    limiter.check(client, tokens=False)
    assert metrics.errors.labels("rate_limit_storage")._value.get() == 2
