"""The sharded transport: requests go to the least busy pool, a request holds its pool until its
response is closed, connections are reused, errors are httpx's own and release the slot."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from clients.sharded_transport import ShardedTransport
from tests.support import RawHTTPServer


class HeldServer(RawHTTPServer):
    """Responses send their head, then hold the body until released (paths with /hold)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            hold = b"/hold" in head.split(b"\r\n", 1)[0]
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            await writer.drain()
            if hold:
                await self.release.wait()
            writer.write(b"4\r\nlast\r\n0\r\n\r\n")
            await writer.drain()


def test_the_connections_are_split_over_pools_of_at_most_per_shard():
    transport = ShardedTransport(1000, per_shard=32)
    sizes = [shard._pool._max_connections for shard in transport.shards]
    assert len(sizes) == 32 and sum(sizes) >= 1000 and max(sizes) <= 32
    assert [s._pool._max_keepalive_connections for s in transport.shards] == sizes
    assert len(ShardedTransport(5, per_shard=32).shards) == 1
    with pytest.raises(ValueError):
        ShardedTransport(0)


async def test_open_responses_go_to_the_least_busy_pool_until_they_are_closed():
    held = HeldServer()
    async with held as base:
        transport = ShardedTransport(6, per_shard=2)  # three pools of two
        async with httpx.AsyncClient(transport=transport, base_url=base) as client:
            responses = []
            for expected in ([1, 0, 0], [1, 1, 0], [1, 1, 1], [2, 1, 1], [2, 2, 1]):
                request = client.build_request("GET", "/hold")
                response = await client.send(request, stream=True)
                responses.append(response)
                assert transport.in_flight == expected
            await responses[1].aclose()
            assert transport.in_flight == [2, 1, 1]
            held.release.set()
            bodies = [await r.aread() for r in responses if not r.is_closed]
            assert bodies == [b"firstlast"] * 4
            for response in responses:
                await response.aclose()
            assert transport.in_flight == [0, 0, 0]
            assert held.connections == 5  # one per response that was open at the same time


async def test_requests_one_after_another_reuse_one_connection():
    held = HeldServer()
    async with held as base:
        transport = ShardedTransport(64, per_shard=8)
        async with httpx.AsyncClient(transport=transport, base_url=base) as client:
            for _ in range(5):
                response = await client.get("/quick")
                assert response.content == b"firstlast"
            assert transport.in_flight == [0] * 8
        assert held.connections == 1


async def test_a_failed_connection_raises_httpx_error_and_frees_the_slot():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    transport = ShardedTransport(4, per_shard=2)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")
    assert transport.in_flight == [0, 0]
