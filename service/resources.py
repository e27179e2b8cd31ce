"""Everything the routes use, opened in the lifespan and closed there.

Opening is quick and never blocks on a dependency that is down: a missing collection or an
unreachable Postgres shows in /api/health instead of killing the process. The one exception is a
collection filled by another embedding model, which refuses start-up (answers would be garbage).
On embedded defaults with an empty collection, the bundled sample book is ingested in the
background while health says `starting`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable
from psycopg_pool import AsyncConnectionPool
from qdrant_client import QdrantClient

from chains.focus_retriever import FocusedRetriever
from chains.rag import build_rag_chain, heuristic_condenser
from chains.retriever import BookRetriever
from clients import factory as providers
from clients.patches import cohere_stream_events as cohere_tuning
from config.settings import Settings
from stores import vectorstore
from stores.feedback import FeedbackStore, SQLiteFeedbackStore, make_feedback_store
from stores.history import HistoryStore, SQLiteHistoryStore

if TYPE_CHECKING:
    from ingest.run import IngestReport

log = logging.getLogger("bookchat")

Phase = Literal["starting", "ready", "failed"]


@dataclass
class Resources:
    """The opened clients, the chains built on them, and the start-up phase."""

    settings: Settings
    embeddings: Embeddings
    llm: BaseChatModel
    qdrant: QdrantClient
    pool: AsyncConnectionPool | None
    history: HistoryStore
    retriever: BookRetriever
    chat_chain: Runnable
    feedback: FeedbackStore
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
            "embeddings": vectorstore.embedding_model_id(self.embeddings),
            "vector_store": "qdrant" if s.qdrant_url else "qdrant-embedded",
            "history": self.history.kind,
        }


async def open_resources(settings: Settings) -> Resources:
    """Create every client; raises EmbeddingMismatchError for a collection of another model."""
    http = providers.make_cohere_http(settings)
    if http is not None:
        cohere_tuning.cache_stream_event_parsing()
    embeddings = await asyncio.to_thread(providers.make_embeddings, settings, http)
    llm = providers.make_llm(settings, embeddings, http)
    qdrant = providers.make_qdrant(settings)
    pool = providers.make_pool(settings)
    if pool is not None:
        await pool.open(wait=False)
    history = providers.make_history(settings, pool)
    store = vectorstore.vector_store(qdrant, settings.qdrant_collection, embeddings)
    retriever = FocusedRetriever(store=store, k=settings.retrieval_k)
    chain = build_rag_chain(
        retriever=retriever,
        llm=llm,
        history=history,
        condenser=heuristic_condenser() if settings.offline_chat else None,
        max_history_messages=settings.history_max_messages,
        max_history_chars=settings.history_max_chars,
    )
    feedback = make_feedback_store(pool, settings.sqlite_path)
    res = Resources(
        settings, embeddings, llm, qdrant, pool, history, retriever, chain, feedback, http
    )
    try:
        info = await asyncio.to_thread(vectorstore.describe, qdrant, settings.qdrant_collection)
        vectorstore.check_model(info, embeddings)
    except vectorstore.EmbeddingMismatchError:
        await close_resources(res)
        raise
    except Exception as exc:  # Qdrant down: health reports it, the server still starts
        log.warning("qdrant not reachable at start-up: %s", type(exc).__name__)
        info = None
    res.tasks.append(asyncio.create_task(_finish_startup(res, info)))
    return res


async def ingest_docs(res: Resources) -> IngestReport:
    """Index DOCS_DIR into the live collection with the server's own clients (incremental)."""
    from ingest.run import ingest

    s = res.settings
    return await asyncio.to_thread(
        ingest,
        s.docs_dir,
        client=res.qdrant,
        embeddings=res.embeddings,
        collection=s.qdrant_collection,
        record_db_url=s.record_db_url,
        base_url=s.docs_base_url,
    )


async def _finish_startup(res: Resources, info: vectorstore.CollectionInfo | None) -> None:
    """History and feedback tables, then the sample book when the embedded store is empty;
    then ready."""
    s = res.settings
    try:
        try:
            await res.history.setup()
            await res.feedback.setup()
        except Exception as exc:
            log.warning("history store not ready at start-up: %s", type(exc).__name__)
        if s.qdrant_url is None and (info is None or not info.exists or info.points == 0):
            log.info("embedded store is empty: ingesting %s", s.docs_dir)
            report = await ingest_docs(res)
            log.info("sample book ingested: %s", report)
        res.phase = "ready"
    except Exception as exc:
        log.error("start-up failed: %s: %s", type(exc).__name__, exc)
        res.startup_error = f"{type(exc).__name__}: {exc}"
        res.phase = "failed"


async def close_resources(res: Resources) -> None:
    """Cancel start-up work and close every client."""
    for task in res.tasks:
        task.cancel()
    await asyncio.gather(*res.tasks, return_exceptions=True)
    if res.pool is not None:
        await res.pool.close()
    if isinstance(res.history, SQLiteHistoryStore):
        res.history.close()
    if isinstance(res.feedback, SQLiteFeedbackStore):
        res.feedback.close()
    res.qdrant.close()
    if res.http is not None:
        await res.http.aclose()
