"""Letting a request in: count it against its client's limits, and meter the answer it starts.

The one place where the rate limiter and the chat meter meet: the limiter refuses (429) or
counts, the meter measures the answer and hands its tokens to the limiter's daily budget for the
same keys. Neither knows the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection, Request

from service.api.client_address import client_address
from service.api.limits import RateLimiter, client_keys
from service.api.metering import ChatMeter, arm_meter
from service.api.metrics import Metrics


@dataclass(frozen=True)
class Guards:
    """The app's metrics and limiter (`app.state.guards`), made by server.create_app, and the
    number of proxies in front of us (FORWARDED_TRUSTED_HOPS) that name the client."""

    metrics: Metrics
    limiter: RateLimiter
    trusted_hops: int = 1


def admit(
    conn: HTTPConnection, session_id: str | None = None, *, chat: bool = True, cost: int = 1
) -> None:
    """Count this request (as `cost` requests) against its client's limits, or raise 429.

    `chat=True` also checks the daily token budget and meters the answer about to run (tokens,
    time to first token), charging its tokens to the same keys. A no-op on an app without guards.
    """
    guards: Guards | None = getattr(conn.app.state, "guards", None)
    if guards is None:
        return
    keys = client_keys(client_address(conn, guards.trusted_hops), session_id)
    limiter = guards.limiter
    limiter.check(keys, tokens=chat, cost=cost)
    if chat:
        arm_meter(ChatMeter(guards.metrics, lambda tokens: limiter.spend(keys, tokens)))


async def admit_langserve_call(
    request: Request, session_id: str | None = None, *, chat: bool = True
) -> None:
    """`admit` for a LangServe per-request config hook, counting every answer.

    The hook runs once per config: a /batch call with one shared config asks for one answer per
    input, so it counts as that many requests; with a config per input, each call counts one.
    """
    cost = 1
    if request.url.path.endswith("/batch"):
        body = await request.json()  # already parsed by LangServe: Starlette caches it
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if isinstance(inputs, list) and not isinstance(body.get("config"), list):
            cost = max(1, len(inputs))  # the number of answers, never a string's length
    admit(request, session_id, chat=chat, cost=cost)
