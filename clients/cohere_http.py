"""The HTTP client the Cohere SDK objects share.

The SDK's own httpx client keeps httpx's default pool of 100 connections, so the 101st concurrent
answer waits inside the SDK for a free one. The chat model and the embedder share one async
client with COHERE_MAX_CONNECTIONS connections, split over small pools because httpcore's pool
bookkeeping grows with the square of its size (clients/sharded_transport.py); a request the
server dropped unanswered is sent once more (clients/stale_retry.py).
"""

from __future__ import annotations

from typing import Any

import httpx

from clients.sharded_transport import ShardedTransport
from clients.stale_retry import RetryDropped


def pooled_http_client(max_connections: int, timeout: float) -> httpx.AsyncClient:
    """The async HTTP client the Cohere clients share; closed in the lifespan."""
    transport = RetryDropped(ShardedTransport(max_connections))
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
