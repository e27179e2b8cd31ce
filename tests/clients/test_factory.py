"""The client factories: what each setting turns into, offline and with keys."""

from __future__ import annotations

from langchain_cohere import ChatCohere
from qdrant_client import QdrantClient

from clients import factory
from clients.embeddings import OfflineEmbeddings
from clients.patches.cohere_embed_decoding import FastCohereEmbeddings
from tests.conftest import offline_settings

KEY = "co-TEST-KEY-factory-1234"


def test_offline_settings_make_offline_clients(tmp_path):
    settings = offline_settings(tmp_path)
    assert factory.make_cohere_http(settings) is None
    assert factory.make_cohere_chat(settings) is None
    assert isinstance(factory.make_embeddings(settings), OfflineEmbeddings)
    assert factory.make_pool(settings) is None
    client = factory.make_qdrant(settings)
    try:
        assert isinstance(client, QdrantClient)
        assert settings.embedded_qdrant_path.is_dir()
    finally:
        client.close()


async def test_a_key_makes_cohere_clients_on_one_shared_pool(tmp_path, fake_cohere):
    settings = offline_settings(tmp_path, cohere_api_key=KEY, cohere_base_url=fake_cohere.url,
                                cohere_timeout_seconds=12)
    http = factory.make_cohere_http(settings)
    try:
        chat = factory.make_cohere_chat(settings, http)
        embeddings = factory.make_embeddings(settings, http)
        assert isinstance(chat, ChatCohere) and isinstance(embeddings, FastCohereEmbeddings)
        for client in (chat, embeddings):
            assert client.async_client._client_wrapper.httpx_client.httpx_client is http
        assert http.timeout.read == 12
    finally:
        await http.aclose()


def test_a_database_url_makes_an_unopened_pool(tmp_path, pg_url):
    pool = factory.make_pool(offline_settings(tmp_path, database_url=pg_url,
                                              database_wait_seconds=3))
    assert pool is not None and pool.closed and pool.timeout == 3
