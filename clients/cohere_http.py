"""The HTTP client the Cohere SDK objects share.

The SDK's own httpx client keeps httpx's default pool of 100 connections, so the 101st concurrent
answer waits inside the SDK for a free one. The chat model, the embedder and the reranker share
one async client with COHERE_MAX_CONNECTIONS connections; a request the server dropped unanswered
is sent once more (clients/stale_retry.py).

The client is httpx's (the SDK and our readers speak its API) on aiohttp's connections
(httpx-aiohttp's transport): aiohttp parses HTTP in C, where httpcore runs h11 in Python and an
anyio cancel scope per read, and a streamed answer is one read per event. A 300-event /v2/chat
stream cost 100-111 ms of CPU to read through httpcore and 59-63 ms through this transport
(bench/RESULTS.md, issue 12, round 5). aiohttp's pool also has none of httpcore's per-request
walk over every open connection (encode/httpcore#1035), which the pools split into shards
worked around before.

Handing the shared client over relies on two things outside our code: the SDK's `httpx_client`
argument, and langchain-cohere keeping its SDK client in the `async_client` field (langchain-cohere
is pinned in pyproject.toml). When either is gone, the object keeps the client langchain-cohere
made itself, with one warning, and start-up goes on (tests/clients/test_cohere_http.py).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport

from clients.stale_retry import RetryDropped

log = logging.getLogger("bookchat")
_warned: list[bool] = []


def pooled_http_client(max_connections: int, timeout: float) -> httpx.AsyncClient:
    """The async HTTP client the Cohere clients share; closed in the lifespan. aiohttp's session
    is made on the first request, in the event loop that serves it."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=None)
    transport = RetryDropped(AiohttpTransport(limits=limits))
    return httpx.AsyncClient(timeout=timeout, transport=transport)


def async_cohere_client(
    api_key: str, base_url: str | None, timeout: float, http: httpx.AsyncClient
) -> Any:
    """A cohere.AsyncClient on the shared pool (langchain-cohere builds its own otherwise)."""
    import cohere

    return cohere.AsyncClient(
        api_key=api_key, base_url=base_url, timeout=timeout, client_name="langchain:partner",
        httpx_client=http,
    )


def use_pooled_client(
    target: Any, api_key: str, base_url: str | None, timeout: float, http: httpx.AsyncClient
) -> bool:
    """Put an async SDK client on the shared pool into a langchain-cohere object's
    `async_client`; False (warned once per process) when that cannot be done as expected."""
    try:
        if getattr(target, "async_client", None) is None:
            raise AttributeError("async_client")
        target.async_client = async_cohere_client(api_key, base_url, timeout, http)
    except (TypeError, AttributeError, ValueError) as exc:
        if not _warned:
            _warned.append(True)
            log.warning(
                "cohere clients keep their own connection pool: %s", type(exc).__name__
            )
        return False
    return True
