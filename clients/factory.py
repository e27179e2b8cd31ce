"""Factories that turn settings into clients: Cohere or the offline embedder, Qdrant Cloud or the
embedded store, the Postgres pool. The lifespan (service/wiring.py) and the ingest CLI call them."""

from __future__ import annotations

import httpx
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from psycopg_pool import AsyncConnectionPool
from qdrant_client import QdrantClient

from clients.cohere_http import pooled_http_client, use_pooled_client
from clients.embeddings import OfflineEmbeddings, cohere_embeddings
from clients.patches.qdrant_local_search import speed_up_local_search
from config.settings import Settings


def make_cohere_http(settings: Settings) -> httpx.AsyncClient | None:
    """The connection pool the async Cohere clients share; None when offline."""
    if settings.cohere_api_key is None:
        return None
    return pooled_http_client(settings.cohere_max_connections, settings.cohere_timeout_seconds)


def _pooled(client: object, settings: Settings, http: httpx.AsyncClient | None) -> None:
    """Give a langchain-cohere object an async client on the shared pool."""
    if http is not None and settings.cohere_api_key is not None:
        use_pooled_client(
            client,
            settings.cohere_api_key.get_secret_value(),
            settings.cohere_base_url,
            settings.cohere_timeout_seconds,
            http,
        )


def make_embeddings(settings: Settings, http: httpx.AsyncClient | None = None) -> Embeddings:
    """Cohere's embeddings with a key, else the packaged offline model."""
    if settings.cohere_api_key is not None:
        embeddings = cohere_embeddings(
            api_key=settings.cohere_api_key,
            model=settings.cohere_embed_model,
            base_url=settings.cohere_base_url,
            timeout=settings.cohere_timeout_seconds,
        )
        _pooled(embeddings, settings, http)
        return embeddings
    return OfflineEmbeddings(settings.model_dir)


def make_cohere_chat(
    settings: Settings, http: httpx.AsyncClient | None = None
) -> BaseChatModel | None:
    """ChatCohere with a key; None when offline (the chains' offline answerer stands in)."""
    if settings.cohere_api_key is None:
        return None
    from clients.cohere_chat import StreamingChatCohere

    llm = StreamingChatCohere(
        cohere_api_key=settings.cohere_api_key,
        model=settings.cohere_chat_model,
        base_url=settings.cohere_base_url,
        timeout_seconds=settings.cohere_timeout_seconds,
        temperature=0.2,
    )
    _pooled(llm, settings, http)
    return llm


def make_qdrant(settings: Settings) -> QdrantClient:
    """Qdrant Cloud at QDRANT_URL, else the embedded store under DATA_DIR."""
    if settings.qdrant_url is not None:
        api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantClient(url=settings.qdrant_url, api_key=api_key, timeout=10)
    settings.embedded_qdrant_path.mkdir(parents=True, exist_ok=True)
    speed_up_local_search()  # clients/patches/qdrant_local_search.py
    return QdrantClient(path=str(settings.embedded_qdrant_path))


def make_pool(settings: Settings) -> AsyncConnectionPool | None:
    """The Postgres pool (not opened yet) when DATABASE_URL is set."""
    if settings.database_url is None:
        return None
    return AsyncConnectionPool(
        settings.database_url.get_secret_value(),
        min_size=1,
        max_size=10,
        open=False,
        timeout=settings.database_wait_seconds,
        check=AsyncConnectionPool.check_connection,
        kwargs={"autocommit": True},
        name="bookchat",
    )
