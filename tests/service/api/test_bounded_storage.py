"""The bounded in-memory limit storage: the windows `limits` strategies expect, and a size that
stays put however many distinct clients arrive (bench/limits_memory.py drives millions)."""

from __future__ import annotations

import pytest
from limits import RateLimitItemPerDay, RateLimitItemPerSecond
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from service.api import bounded_storage
from service.api.bounded_storage import BoundedMemoryStorage
from service.api.limits import RateLimited, RateLimiter


@pytest.fixture
def clock(monkeypatch):
    """time.time() under the test's control."""
    now = [1_000_000.0]
    monkeypatch.setattr(bounded_storage.time, "time", lambda: now[0])
    return now


def test_a_moving_window_refuses_over_its_amount_until_the_oldest_hit_leaves(clock):
    moving = MovingWindowRateLimiter(BoundedMemoryStorage())
    item = RateLimitItemPerSecond(3, 10)  # 3 per 10 s
    for _ in range(3):
        clock[0] += 1
        assert moving.hit(item, "ip", "a")
    assert not moving.test(item, "ip", "a") and not moving.hit(item, "ip", "a")
    assert moving.get_window_stats(item, "ip", "a").reset_time == 1_000_001.0 + 10
    clock[0] = 1_000_001.0 + 10.5  # the first hit is out of the window
    assert moving.hit(item, "ip", "a")
    assert not moving.hit(item, "ip", "a")
    assert moving.hit(item, "ip", "b")  # another key is not affected
    assert not moving.hit(item, "ip", "c", cost=4)  # more than the amount at once


def test_a_fixed_window_counts_until_it_expires(clock):
    fixed = FixedWindowRateLimiter(BoundedMemoryStorage())
    day = RateLimitItemPerDay(100)
    fixed.hit(day, "tokens", "a", cost=150)  # an overshoot is still counted
    assert not fixed.test(day, "tokens", "a")
    assert fixed.get_window_stats(day, "tokens", "a").remaining == 0
    assert fixed.get_window_stats(day, "tokens", "a").reset_time == clock[0] + 86_400
    clock[0] += 86_401
    assert fixed.test(day, "tokens", "a")
    assert fixed.hit(day, "tokens", "a", cost=10)


def test_the_least_recently_used_keys_go_first(clock):
    storage = BoundedMemoryStorage(max_entries=3)
    for key in ("a", "b", "c"):
        storage.acquire_entry(key, 5, 60)
    storage.acquire_entry("a", 5, 60)  # a is used again: b is now the oldest
    storage.acquire_entry("d", 5, 60)
    assert storage.get_moving_window("a", 5, 60)[1] == 2
    assert storage.get_moving_window("b", 5, 60)[1] == 0  # forgotten
    assert len(storage) == 3


def test_testing_a_key_stores_nothing(clock):
    storage = BoundedMemoryStorage()
    assert storage.get_moving_window("never", 5, 60) == (clock[0], 0)
    assert storage.get("never") == 0 and storage.get_expiry("never") == clock[0]
    assert len(storage) == 0


def test_a_flood_of_distinct_clients_holds_a_fixed_number_of_entries():
    """Every request a new address and a new session, as a forger or a botnet would send them:
    the storage keeps its cap instead of one entry per key for a day."""
    storage = BoundedMemoryStorage(max_entries=3_000)
    limiter = RateLimiter("30/minute;300/day", 100_000, storage=storage)
    for i in range(20_000):
        client = [("ip", f"2001:db8::{i:x}"), ("session", f"s{i}")]
        limiter.check(client, tokens=True)
        limiter.spend(client, 40)
    assert len(storage) == 3_000
    # the newest client is still counted: its 30th request this minute is its last
    newest = [("ip", "2001:db8::4e1f"), ("session", "s19999")]
    for _ in range(29):
        limiter.check(newest, tokens=False)
    with pytest.raises(RateLimited):
        limiter.check(newest, tokens=False)
