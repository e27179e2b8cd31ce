"""Per-client limits for the routes that cost money: requests in a moving window, and answer
tokens per day.

A client is its address (uvicorn's proxy headers make it the reader's address behind the Spaces
proxy) and, where the request names one, its session id: both keys must be under every limit of
RATE_LIMIT. Tokens are charged after each answer (`spend`); once a key has spent
DAILY_TOKEN_BUDGET, chat answers 429 until its day's window ends. Storage is in memory: one
process, limits reset on restart. Routes go through service/api/admission.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from fastapi import HTTPException
from limits import RateLimitItem, RateLimitItemPerDay, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from service.api.metrics import Metrics

Key = tuple[str, str]  # (scope, value): ("ip", "203.0.113.7") or ("session", "<uuid>")


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
        self, rate_limit: str, daily_token_budget: int, metrics: Metrics | None = None
    ) -> None:
        storage = MemoryStorage()
        self._moving = MovingWindowRateLimiter(storage)
        self._fixed = FixedWindowRateLimiter(storage)  # a spend may overshoot: still counted
        self.limits: list[RateLimitItem] = [] if rate_limit == "off" else parse_many(rate_limit)
        self.budget = RateLimitItemPerDay(daily_token_budget) if daily_token_budget else None
        self.metrics = metrics

    def check(self, keys: Sequence[Key], *, tokens: bool, cost: int = 1) -> None:
        """Count `cost` requests for each key; RateLimited (nothing counted) when any is over."""
        if tokens and self.budget is not None:
            for key in keys:
                if not self._fixed.test(self.budget, "tokens", *key):
                    self._refuse(key, "tokens", self.budget, self._fixed)
        for item in self.limits:
            for key in keys:
                if not self._moving.test(item, "requests", *key, cost=cost):
                    self._refuse(key, "requests", item, self._moving)
        for item in self.limits:
            for key in keys:
                self._moving.hit(item, "requests", *key, cost=cost)

    def spend(self, keys: Sequence[Key], tokens: int) -> None:
        """Charge `tokens` answer tokens to each key's daily budget."""
        if self.budget is None or tokens <= 0:
            return
        for key in keys:
            self._fixed.hit(self.budget, "tokens", *key, cost=tokens)

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


def client_keys(conn: HTTPConnection, session_id: str | None = None) -> list[Key]:
    """The keys a request is counted under: its address, and its session when it names one."""
    keys: list[Key] = [("ip", conn.client.host if conn.client else "unknown")]
    if session_id:
        keys.append(("session", session_id))
    return keys
