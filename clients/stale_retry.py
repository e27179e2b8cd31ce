"""Retry a request once when the server dropped the connection before answering it.

A keep-alive connection the server closes just as a request is sent on it fails with
`httpx.RemoteProtocolError` ("Server disconnected without sending a response") or
`httpx.ReadError` / `httpx.WriteError`; httpx retries only failed connects, and the Cohere SDK
retries only on status codes. Seen in the 1,000-stream benchmark, where query embeddings went
out on connections the server was closing (bench/RESULTS.md, run 3). Such a request is sent
again, once, on a fresh connection — only when its body can be replayed (the SDK sends bytes),
and only when no response had begun: a failure in the middle of a body is not retried.
"""

from __future__ import annotations

import logging

import httpx

log = logging.getLogger("bookchat")

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class RetryDropped(httpx.AsyncBaseTransport):
    """Wraps a transport; a request the server dropped unanswered is sent once more."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except DROPPED as exc:
            if not isinstance(request.stream, httpx.ByteStream):
                raise
            log.info("retrying %s %s once: %s", request.method, request.url.path,
                     type(exc).__name__)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
