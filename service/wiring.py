"""The lifespan's wiring: settings → clients → stores → chains, in one place.

Opening is quick and never blocks on a dependency that is down: a missing collection or an
unreachable Postgres shows in /api/health instead of killing the process. The one exception is a
collection filled by another embedding model, which refuses start-up (answers would be garbage).
The rest of start-up runs in the background (service/startup.py) while health says `starting`.
"""

from __future__ import annotations

import asyncio
import logging

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable
from psycopg_pool import AsyncConnectionPool

from chains.answer import LeanAnswer, build_answer_chain, build_offline_answer_chain, lean_answerer
from chains.condense import heuristic_condenser, llm_condenser
from chains.conversation import build_rag_chain
from chains.offline import ExtractiveChatModel
from clients import factory
from clients.patches.cohere_stream_events import cache_stream_event_parsing
from config.settings import Settings
from service.resources import Resources, close_resources
from service.retrieval import make_retriever
from service.startup import finish_startup
from stores import vectorstore
from stores.feedback import PostgresFeedbackStore, SQLiteFeedbackStore
from stores.history_postgres import PostgresHistoryStore
from stores.history_sqlite import SQLiteHistoryStore
from stores.sqlite import SQLiteDatabase

log = logging.getLogger("bookchat")


def _answering(
    llm: BaseChatModel | None, embeddings: Embeddings
) -> tuple[BaseChatModel, Runnable[dict, str], Runnable[dict, str], LeanAnswer | None]:
    """The answering model with its answer and condense steps (and the lean answer path): the
    chat model's, or the offline stand-ins."""
    if llm is None:
        offline = ExtractiveChatModel(embeddings=embeddings)
        return offline, build_offline_answer_chain(offline), heuristic_condenser(), None
    return llm, build_answer_chain(llm), llm_condenser(llm), lean_answerer(llm)


async def open_resources(settings: Settings) -> Resources:
    """Create every client; raises EmbeddingMismatchError for a collection of another model."""
    http = factory.make_cohere_http(settings)
    if http is not None:
        cache_stream_event_parsing()
    embeddings = await asyncio.to_thread(factory.make_embeddings, settings, http)
    qdrant = factory.make_qdrant(settings)
    pool: AsyncConnectionPool | None = factory.make_pool(settings)
    sqlite = None
    if pool is not None:
        await pool.open(wait=False)
        history, feedback = PostgresHistoryStore(pool), PostgresFeedbackStore(pool)
    else:
        sqlite = SQLiteDatabase(settings.sqlite_path)
        history, feedback = SQLiteHistoryStore(sqlite), SQLiteFeedbackStore(sqlite)
    retriever = make_retriever(settings, qdrant=qdrant, embeddings=embeddings, http=http)
    llm, answer, condense, lean = _answering(
        factory.make_cohere_chat(settings, http), embeddings
    )
    chain = build_rag_chain(
        retriever=retriever,
        answer=answer,
        condense=condense,
        history=history,
        max_history_messages=settings.history_max_messages,
        max_history_chars=settings.history_max_chars,
        lean_answer=lean,
    )
    res = Resources(
        settings, embeddings, llm, qdrant, history, feedback, retriever, chain,
        pool=pool, sqlite=sqlite, http=http,
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
    res.tasks.append(asyncio.create_task(finish_startup(res, info)))
    return res
