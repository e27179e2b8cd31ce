"""Factories that turn settings into clients: Cohere or offline, Qdrant Cloud or embedded,
Postgres or SQLite. Only the lifespan calls them."""

from __future__ import annotations

import httpx
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from psycopg_pool import AsyncConnectionPool
from qdrant_client import QdrantClient

from chains.offline import ExtractiveChatModel
from clients.embeddings import OfflineEmbeddings, cohere_embeddings
from clients.patches import cohere_stream_events as cohere_tuning
from config.settings import Settings
from stores.history import HistoryStore, PostgresHistoryStore, SQLiteHistoryStore


def make_cohere_http(settings: Settings) -> httpx.AsyncClient | None:
    """The connection pool the async Cohere clients share; None when offline."""
    if settings.cohere_api_key is None:
        return None
    return cohere_tuning.pooled_http_client(
        settings.cohere_max_connections, settings.cohere_timeout_seconds
    )


def _pooled(client: object, settings: Settings, http: httpx.AsyncClient | None) -> None:
    """Give a langchain-cohere object an async client on the shared pool."""
    if http is not None and settings.cohere_api_key is not None:
        client.async_client = cohere_tuning.async_cohere_client(  # type: ignore[attr-defined]
            settings.cohere_api_key.get_secret_value(),
            settings.cohere_base_url,
            settings.cohere_timeout_seconds,
            http,
        )


def make_embeddings(settings: Settings, http: httpx.AsyncClient | None = None) -> Embeddings:
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


def make_llm(
    settings: Settings, embeddings: Embeddings, http: httpx.AsyncClient | None = None
) -> BaseChatModel:
    if settings.cohere_api_key is not None:
        from langchain_cohere import ChatCohere

        llm = ChatCohere(
            cohere_api_key=settings.cohere_api_key,
            model=settings.cohere_chat_model,
            base_url=settings.cohere_base_url,
            timeout_seconds=settings.cohere_timeout_seconds,
            temperature=0.2,
        )
        _pooled(llm, settings, http)
        return llm
    return ExtractiveChatModel(embeddings=embeddings)


def make_qdrant(settings: Settings) -> QdrantClient:
    if settings.qdrant_url is not None:
        api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantClient(url=settings.qdrant_url, api_key=api_key, timeout=10)
    settings.embedded_qdrant_path.mkdir(parents=True, exist_ok=True)
    return QdrantClient(path=str(settings.embedded_qdrant_path))


def make_pool(settings: Settings) -> AsyncConnectionPool | None:
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


def make_history(settings: Settings, pool: AsyncConnectionPool | None) -> HistoryStore:
    if pool is not None:
        return PostgresHistoryStore(pool)
    return SQLiteHistoryStore(settings.sqlite_path)
