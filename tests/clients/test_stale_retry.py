"""A request the server drops unanswered (a keep-alive connection closed under it) is sent once
more on a fresh connection; other failures, and bodies that cannot be replayed, are not. Each test
runs over httpx's own transport and over aiohttp's (the one the app uses), whose connection
errors come out under httpx's names."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from clients.stale_retry import DROPPED, RetryDropped
from tests.support import RawHTTPServer


class DroppingServer(RawHTTPServer):
    """Answers every request, except that it closes the connection unanswered at the request
    numbers in `drop` (counted across all connections, from 1)."""

    def __init__(self, drop: set[int]) -> None:
        super().__init__()
        self.drop = drop
        self.requests = 0
        self.bodies: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            self.bodies.append(await self.read_request(reader))
            self.requests += 1
            if self.requests in self.drop:
                return  # closed without a response
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()


@pytest.fixture(params=["httpx", "aiohttp"])
def client_for(request):
    inner = {"httpx": httpx.AsyncHTTPTransport, "aiohttp": AiohttpTransport}[request.param]

    def client(base: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=RetryDropped(inner()), base_url=base)

    return client


async def test_a_request_dropped_on_a_kept_alive_connection_is_sent_again(caplog, client_for):
    caplog.set_level(logging.INFO, logger="bookchat")
    server = DroppingServer(drop={2})
    async with server as base, client_for(base) as client:
        first = await client.post("/v1/embed", json={"texts": ["a"]})
        second = await client.post("/v1/embed", json={"texts": ["b"]})
    assert (first.text, second.text) == ("ok", "ok")
    assert server.requests == 3 and server.connections == 2
    assert server.bodies[1] == server.bodies[2] == b'{"texts":["b"]}'
    assert "retrying POST /v1/embed once" in caplog.text


async def test_only_once(client_for):
    server = DroppingServer(drop={1, 2})
    async with server as base, client_for(base) as client:
        with pytest.raises(DROPPED):
            await client.post("/v2/chat", json={"m": 1})
    assert server.requests == 2


async def test_a_body_that_cannot_be_replayed_is_not_sent_again(client_for):
    async def body():
        yield b"streamed"

    server = DroppingServer(drop={1})
    async with server as base, client_for(base) as client:
        with pytest.raises(DROPPED):
            await client.post("/upload", content=body())
    assert server.requests == 1


async def test_a_refused_connection_is_not_this_transports_business(client_for):
    async with DroppingServer(drop=set()) as base:
        pass  # closed: nothing listens on the port any more
    async with client_for(base) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/")
