"""An httpx transport that spreads requests over several small connection pools.

httpcore 1.0.9's pool re-examines every connection of the pool each time a request starts or
ends (`_assign_requests_to_connections`), and its keep-alive check builds a list of all
connections for each idle one: O(N²) per request with N open connections (encode/httpcore#1035,
still open). With one pool of 1,000 and 500 answers streaming, that bookkeeping was 40% of the
server's CPU (bench/RESULTS.md, run 3). Split into pools of `per_shard` connections, each pass
sees at most `per_shard` of them. A request goes to the pool with the fewest requests in flight;
a request counts as in flight until its response is closed, as a connection is held until then.

Each shard is httpx's own AsyncHTTPTransport, so connection handling, timeouts and the mapping
of httpcore errors to httpx exceptions are httpx's.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from typing import cast

import httpx


class _Released(httpx.AsyncByteStream):
    """A response body that calls `release` once, when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class ShardedTransport(httpx.AsyncBaseTransport):
    """`max_connections` split over pools of at most `per_shard` connections each."""

    def __init__(self, max_connections: int, per_shard: int = 32) -> None:
        if max_connections < 1 or per_shard < 1:
            raise ValueError("max_connections and per_shard must be at least 1")
        count = math.ceil(max_connections / per_shard)
        size = math.ceil(max_connections / count)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        tls = httpx.create_ssl_context()  # one for all shards: loading the CA bundle is slow
        self.shards = [httpx.AsyncHTTPTransport(verify=tls, limits=limits) for _ in range(count)]
        self.in_flight = [0] * count

    def _least_busy(self) -> int:
        in_flight = self.in_flight
        return min(range(len(in_flight)), key=in_flight.__getitem__)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = self._least_busy()
        self.in_flight[index] += 1

        def release() -> None:
            self.in_flight[index] -= 1

        try:
            response = await self.shards[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Released(cast(httpx.AsyncByteStream, response.stream), release),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        for shard in self.shards:
            await shard.aclose()
