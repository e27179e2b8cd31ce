"""Retry a request once when the server dropped the connection before answering it, and name
the transport's connection errors as httpx does.

A keep-alive connection the server closes just as a request is sent on it fails with
`httpx.RemoteProtocolError` ("Server disconnected") or `httpx.ReadError` / `httpx.WriteError`;
httpx retries only failed connects, and the Cohere SDK retries only on status codes. Seen in the
1,000-stream benchmark, where query embeddings went out on connections the server was closing
(bench/RESULTS.md, run 3). Such a request is sent again, once, on a fresh connection — only when
its body can be replayed (the SDK sends bytes), and only when no response had begun: a failure in
the middle of a body is not retried.

httpx-aiohttp 0.2's table turns every aiohttp connection error into `httpx.ConnectTimeout` (its
first match, `ClientConnectionError`, wins over the narrower entries), so a refused connection or
a dropped one would read as a timeout; `as_httpx` gives them httpx's own classes first.
"""

from __future__ import annotations

import logging

import aiohttp
import httpx

log = logging.getLogger("bookchat")

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
# aiohttp's cause -> the httpx error httpx's own transport raises for it (narrowest first).
_CAUSES: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ClientOSError, httpx.ReadError),  # reset while the request was sent
)


def as_httpx(exc: httpx.TransportError) -> httpx.TransportError:
    """`exc`, or the httpx error its aiohttp cause stands for."""
    cause = exc.__cause__
    for aio, error in _CAUSES:
        if isinstance(cause, aio):
            if isinstance(exc, error):
                return exc
            named = error(str(exc) or type(cause).__name__)
            named.__cause__ = cause
            return named
    return exc


class RetryDropped(httpx.AsyncBaseTransport):
    """Wraps a transport; a request the server dropped unanswered is sent once more."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._send(request)
        except DROPPED as exc:
            if not isinstance(request.stream, httpx.ByteStream):
                raise
            log.info("retrying %s %s once: %s", request.method, request.url.path,
                     type(exc).__name__)
        return await self._send(request)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except httpx.TransportError as exc:
            named = as_httpx(exc)
            if named is exc:
                raise
            raise named from exc.__cause__

    async def aclose(self) -> None:
        await self.inner.aclose()
