"""The lifespan's wiring on embedded defaults: settings → clients → stores → chains, the
background start-up (tables, the sample book into an empty store), and closing."""

from __future__ import annotations

import asyncio
import uuid

from chains.offline import ExtractiveChatModel
from service.resources import close_resources
from service.wiring import open_resources
from stores.history_sqlite import SQLiteHistoryStore
from tests.conftest import offline_settings


async def _ready(res, timeout: float = 120.0) -> None:
    async def wait() -> None:
        while res.phase == "starting":
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), timeout)


async def test_embedded_defaults_open_ingest_the_sample_book_and_answer(tmp_path):
    res = await open_resources(offline_settings(tmp_path))
    try:
        assert res.phase == "starting" and res.pool is None and res.sqlite is not None
        assert isinstance(res.history, SQLiteHistoryStore)
        assert isinstance(res.llm, ExtractiveChatModel) and res.http is None
        assert res.mode == {"chat_model": "offline", "embeddings": "all-MiniLM-L6-v2-int8",
                            "vector_store": "qdrant-embedded", "history": "sqlite"}
        await _ready(res)
        assert res.phase == "ready" and res.startup_error is None
        assert await res.retriever.ainvoke("What does an IMU measure?")
        sid = str(uuid.uuid4())
        answer = await res.chat_chain.ainvoke({"question": "What does an IMU measure?"},
                                              {"configurable": {"session_id": sid}})
        assert "[1]" in answer
        assert len(await res.history.get_messages(sid)) == 2
    finally:
        await close_resources(res)
    assert res.sqlite._conn is None  # closed


async def test_a_second_start_does_not_ingest_again(tmp_path):
    settings = offline_settings(tmp_path)
    res = await open_resources(settings)
    await _ready(res)
    await close_resources(res)
    again = await open_resources(settings)
    try:
        await asyncio.wait_for(asyncio.shield(again.tasks[0]), 5)  # nothing to ingest: quick
        assert again.phase == "ready"
    finally:
        await close_resources(again)


async def test_a_failed_start_up_says_why(tmp_path):
    res = await open_resources(offline_settings(tmp_path, docs_dir=tmp_path / "no-such-book"))
    try:
        await _ready(res)
        assert res.phase == "failed"
        assert res.startup_error.startswith("FileNotFoundError: docs folder not found")
    finally:
        await close_resources(res)


async def test_the_start_up_ingest_links_under_docs_route_base(tmp_path):
    res = await open_resources(offline_settings(tmp_path, docs_route_base="/guide"))
    try:
        await _ready(res)
        docs = await res.retriever.ainvoke("What does an IMU measure?")
        assert docs and all(d.metadata["url"].startswith("/guide/") for d in docs)
    finally:
        await close_resources(res)
