"""Per-client limits for the routes that cost money: requests in a moving window, and answer
tokens per day.

A client is its address (service/api/client_address.py: behind exactly FORWARDED_TRUSTED_HOPS
proxies) and, where the request names one, its session id: both keys must be under every limit
of RATE_LIMIT. Tokens are charged after each answer (`spend`); once a key has spent
DAILY_TOKEN_BUDGET, chat answers 429 until its day's window ends. Routes go through
service/api/admission.py.

Storage: in memory (one process, reset on restart; bounded: service/api/bounded_storage.py),
or Redis when REDIS_URL is set, shared by every worker and replica (Redis expires the keys).
When Redis fails, the limiter lets requests through (fails open) rather than refusing every
reader: logged, counted as the error kind `rate_limit_storage`, and Redis is left alone for
STORAGE_RETRY_SECONDS, so a hung Redis does not hold every request for its timeout.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

from fastapi import HTTPException
from limits import RateLimitItem, RateLimitItemPerDay, parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from service.api.bounded_storage import BoundedMemoryStorage
from service.api.metrics import Metrics

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (scope, value): ("ip", "203.0.113.7") or ("session", "<uuid>")
STORAGE_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 1.0


def limit_storage(redis_url: str | None, key_prefix: str) -> Storage:
    """Redis at `redis_url` (shared by processes), else this process's memory."""
    if redis_url is None:
        return BoundedMemoryStorage()
    return storage_from_string(
        redis_url, key_prefix=key_prefix, wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )


class RateLimited(HTTPException):
    """429 with Retry-After; `event_data()` is the same refusal as a stream's `error` event."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(429, message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after

    def event_data(self) -> dict[str, object]:
        return {"code": "rate_limited", "message": self.detail, "retry_after": self.retry_after}


class RateLimiter:
    """RATE_LIMIT's windows per key, and a daily answer-token budget per key."""

    def __init__(
        self, rate_limit: str, daily_token_budget: int, metrics: Metrics | None = None, *,
        storage: Storage | None = None,
    ) -> None:
        self.storage = storage if storage is not None else BoundedMemoryStorage()
        self._moving = MovingWindowRateLimiter(self.storage)
        self._fixed = FixedWindowRateLimiter(self.storage)  # a spend may overshoot: still counted
        self.limits: list[RateLimitItem] = [] if rate_limit == "off" else parse_many(rate_limit)
        self.budget = RateLimitItemPerDay(daily_token_budget) if daily_token_budget else None
        self.metrics = metrics
        self._storage_down_until = 0.0

    def check(self, keys: Sequence[Key], *, tokens: bool, cost: int = 1) -> None:
        """Count `cost` requests for each key; RateLimited (nothing counted) when any is over.
        Lets the request through when the storage fails (see the module docstring)."""
        if self._storage_down():
            return
        try:
            self._check(keys, tokens=tokens, cost=cost)
        except StorageError as exc:
            self._storage_failed(exc)

    def spend(self, keys: Sequence[Key], tokens: int) -> None:
        """Charge `tokens` answer tokens to each key's daily budget."""
        if self.budget is None or tokens <= 0 or self._storage_down():
            return
        try:
            for key in keys:
                self._fixed.hit(self.budget, "tokens", *key, cost=tokens)
        except StorageError as exc:
            self._storage_failed(exc)

    def _check(self, keys: Sequence[Key], *, tokens: bool, cost: int) -> None:
        if tokens and self.budget is not None:
            for key in keys:
                if not self._fixed.test(self.budget, "tokens", *key):
                    self._refuse(key, "tokens", self.budget, self._fixed)
        for item in self.limits:
            for key in keys:
                if not self._moving.test(item, "requests", *key, cost=cost):
                    self._refuse(key, "requests", item, self._moving)
        for item in self.limits:
            for key in keys:  # another process may have counted in between (shared storage)
                if not self._moving.hit(item, "requests", *key, cost=cost):
                    self._refuse(key, "requests", item, self._moving)

    def _storage_down(self) -> bool:
        return time.monotonic() < self._storage_down_until

    def _storage_failed(self, exc: StorageError) -> None:
        self._storage_down_until = time.monotonic() + STORAGE_RETRY_SECONDS
        if self.metrics is not None:
            self.metrics.errors.labels("rate_limit_storage").inc()
        log.warning(
            "rate-limit storage failed (%s): requests pass unlimited for the next %.0f s",
            type(exc.storage_error).__name__, STORAGE_RETRY_SECONDS,
        )

    def _refuse(
        self,
        key: Key,
        limit: str,
        item: RateLimitItem,
        strategy: MovingWindowRateLimiter | FixedWindowRateLimiter,
    ) -> None:
        reset = strategy.get_window_stats(item, limit, *key).reset_time  # limit is the namespace
        retry_after = max(1, math.ceil(reset - time.time()))
        if self.metrics is not None:
            self.metrics.rate_limited.labels(key[0], limit).inc()
        if limit == "tokens":
            message = f"the daily answer budget of {item.amount} tokens is spent"
        else:
            message = f"too many requests: the limit is {item}"
        raise RateLimited(f"{message}; retry in {retry_after} s", retry_after)


def client_keys(address: str, session_id: str | None = None) -> list[Key]:
    """The keys a request is counted under: its client's address (client_address.py), and its
    session when it names one."""
    keys: list[Key] = [("ip", address)]
    if session_id:
        keys.append(("session", session_id))
    return keys
