"""Everything the routes use, opened in the lifespan (service/wiring.py) and closed here."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable
from psycopg_pool import AsyncConnectionPool
from qdrant_client import QdrantClient

from clients.embeddings import embedding_model_id
from config.settings import Settings
from stores.feedback import FeedbackStore
from stores.history import HistoryStore
from stores.sqlite import SQLiteDatabase

Phase = Literal["starting", "ready", "failed"]


@dataclass
class Resources:
    """The opened clients and stores, the chains built on them, and the start-up phase."""

    settings: Settings
    embeddings: Embeddings
    llm: BaseChatModel  # the answering model: ChatCohere, or the offline extractive model
    qdrant: QdrantClient
    history: HistoryStore
    feedback: FeedbackStore
    retriever: BaseRetriever
    chat_chain: Runnable
    pool: AsyncConnectionPool | None = None  # Postgres, when DATABASE_URL is set
    sqlite: SQLiteDatabase | None = None  # the embedded database otherwise
    http: httpx.AsyncClient | None = None  # the Cohere clients' shared connection pool
    phase: Phase = "starting"
    startup_error: str | None = None
    started_at: float = field(default_factory=time.monotonic)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def mode(self) -> dict[str, str]:
        """Which providers are live, for / and health."""
        s = self.settings
        return {
            "chat_model": f"cohere:{s.cohere_chat_model}" if not s.offline_chat else "offline",
            "embeddings": embedding_model_id(self.embeddings),
            "vector_store": "qdrant" if s.qdrant_url else "qdrant-embedded",
            "history": self.history.kind,
        }


async def close_resources(res: Resources) -> None:
    """Cancel start-up and background work and close every client."""
    for task in res.tasks:
        task.cancel()
    await asyncio.gather(*res.tasks, return_exceptions=True)
    if res.pool is not None:
        await res.pool.close()
    if res.sqlite is not None:
        res.sqlite.close()
    res.qdrant.close()
    if res.http is not None:
        await res.http.aclose()
