"""The shared Cohere connection pool handed to langchain-cohere objects, and the fallback to the
clients langchain-cohere makes itself (one warning, start-up goes on) when the SDK or
langchain-cohere no longer take it the way clients/cohere_http.py expects."""

from __future__ import annotations

import asyncio
import types

import cohere
import httpx
import pytest
from pydantic import SecretStr

from clients import cohere_http, factory
from config.settings import load_settings
from tests.conftest import MODEL_DIR
from tests.support import RawHTTPServer


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        data_dir=tmp_path, embed_model_dir=MODEL_DIR, cohere_api_key=SecretStr("co-http-key"),
        cohere_base_url="http://127.0.0.1:9", qdrant_url=None, database_url=None,
    )


@pytest.fixture
def warnings_seen(monkeypatch, caplog):
    monkeypatch.setattr(cohere_http, "_warned", [])
    return lambda: [r for r in caplog.records if "keep their own connection pool" in r.getMessage()]


def _sdk_pool(obj):
    return obj.async_client._client_wrapper.httpx_client.httpx_client


async def test_the_objects_get_a_client_on_the_shared_pool(settings, warnings_seen):
    http = factory.make_cohere_http(settings)
    try:
        for obj in (factory.make_embeddings(settings, http), factory.make_cohere_chat(settings, http)):
            assert _sdk_pool(obj) is http
    finally:
        await http.aclose()
    assert warnings_seen() == []


async def test_an_sdk_without_the_httpx_client_argument_keeps_langchains_clients(
    settings, warnings_seen, monkeypatch
):
    class OlderAsyncClient(cohere.AsyncClient):
        def __init__(self, api_key=None, *, base_url=None, timeout=None, client_name=None):
            super().__init__(api_key, base_url=base_url, timeout=timeout, client_name=client_name)

    monkeypatch.setattr(cohere, "AsyncClient", OlderAsyncClient)
    http = factory.make_cohere_http(settings)
    try:
        objects = [factory.make_embeddings(settings, http), factory.make_cohere_chat(settings, http)]
    finally:
        await http.aclose()
    for obj in objects:  # langchain-cohere's own async client, on its own pool
        assert isinstance(obj.async_client, cohere.AsyncClient)
        assert _sdk_pool(obj) is not http
    assert len(warnings_seen()) == 1


async def test_an_object_without_async_client_is_left_alone(warnings_seen):
    target = types.SimpleNamespace(client="its own")  # as if langchain-cohere renamed the field
    async with cohere_http.pooled_http_client(4, 5.0) as http:
        for _ in range(2):
            assert cohere_http.use_pooled_client(target, "co-key", None, 5.0, http) is False
    assert vars(target) == {"client": "its own"}
    assert len(warnings_seen()) == 1


class _HeldServer(RawHTTPServer):
    """Answers each request on its connection after `hold` seconds; counts how many requests it
    held at once."""

    def __init__(self, hold: float) -> None:
        super().__init__()
        self.hold = hold
        self.now = self.most = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await self.read_request(reader)
            self.now += 1
            self.most = max(self.most, self.now)
            await asyncio.sleep(self.hold)
            self.now -= 1
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()


async def test_the_shared_pool_holds_at_most_max_connections():
    server = _HeldServer(hold=0.2)
    async with server as base, cohere_http.pooled_http_client(2, 30.0) as http:
        replies = await asyncio.gather(*(http.post(f"{base}/v1/embed", json={"n": n})
                                         for n in range(5)))
    assert [r.text for r in replies] == ["ok"] * 5
    assert server.most == 2 and server.connections == 2  # the others waited for a connection


async def test_a_slow_answer_is_a_read_timeout():
    async with _HeldServer(hold=0.8) as base:
        async with cohere_http.pooled_http_client(2, 0.3) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.post(f"{base}/v1/rerank", json={})
        await asyncio.sleep(0.7)  # the server's answer, to a closed connection, ends its handler


async def test_nothing_listening_is_a_connect_error():
    async with _HeldServer(hold=0) as base:
        pass  # closed: nothing listens on the port any more
    async with cohere_http.pooled_http_client(2, 5.0) as http:
        with pytest.raises(httpx.ConnectError):
            await http.post(f"{base}/v1/embed", json={})
