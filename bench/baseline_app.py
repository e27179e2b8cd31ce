"""The hand-written baseline: bookchat's answer path without LangChain or LangServe.

FastAPI + httpx + qdrant-client (local mode) + SQLite. Per turn it does the work the app does,
against the same collection and the same (fake) Cohere: read the session's last messages from
SQLite, condense a follow-up with the same prompt (a streamed /v2/chat), embed the question
(/v1/embed), the same hybrid query (dense + BM25 prefetches of RETRIEVAL_CANDIDATES each, DBSF
fusion, through qdrant-client's Query API, same query words via clients/lexical.py), Cohere's
rerank with the same 3 s fallback, at most one chunk per page in the top RETRIEVAL_K, the same
system prompt and numbered <source> blocks, then /v2/chat streamed and relayed, and the turn
written to SQLite. Routes speak the wire formats the load generator reads: /chat/invoke,
/chat/stream (LangServe's shapes) and /api/chat (the widget's events). No rate limiter, no
metrics, no request logging: that is part of what the app adds. Like server.py, it keeps
OpenBLAS on the calling thread (on 2 vCPUs its spinning worker costs more CPU than it saves).
qdrant-client's local mode runs as shipped; with BENCH_BASELINE_INDEXED_SEARCH=1 it gets the
app's embedded-search patch too (clients/patches/qdrant_local_search.py), for a like-for-like
run that leaves the store out of the comparison.

    PORT=… DATA_DIR=… COHERE_API_KEY=… COHERE_BASE_URL=… python -m bench.baseline_app
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads, as server.py does

import asyncio  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse
from qdrant_client import QdrantClient, models

from bench.baseline_sources import source_blocks, top_per_page
from chains.prompts import load_prompt
from clients.lexical import SPARSE_VECTOR_NAME, query_vector

ENV = os.environ
DATA_DIR = Path(ENV.get("DATA_DIR", "data"))
COLLECTION = ENV.get("QDRANT_COLLECTION", "bookchat")
K, CANDIDATES, HISTORY = 10, 50, 12
CHAT_MODEL, EMBED_MODEL, RERANK_MODEL = "command-a-03-2025", "embed-v4.0", "rerank-v3.5"
BOOK = "Physical AI & Humanoid Robotics"
SYSTEM = load_prompt("answer_system")
CONDENSE = load_prompt("condense_question")
_CITE = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
state: dict[str, Any] = {}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    if ENV.get("BENCH_BASELINE_INDEXED_SEARCH") == "1":  # the like-for-like run (RESULTS.md)
        from clients.patches.qdrant_local_search import speed_up_local_search

        speed_up_local_search()
    qdrant = QdrantClient(path=str(DATA_DIR / "qdrant"))
    vectors = qdrant.get_collection(COLLECTION).config.params.vectors
    db = sqlite3.connect(DATA_DIR / "baseline.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS turns (session TEXT, role TEXT, text TEXT, "
               "sources TEXT, id INTEGER PRIMARY KEY)")
    db.execute("CREATE INDEX IF NOT EXISTS by_session ON turns (session, id)")
    http = httpx.AsyncClient(
        base_url=ENV["COHERE_BASE_URL"], timeout=60,
        headers={"Authorization": f"Bearer {ENV['COHERE_API_KEY']}"},
        limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000))
    state.update(qdrant=qdrant, dense=next(iter(vectors)), db=db, http=http)
    yield
    await http.aclose()
    db.close()
    qdrant.close()


app = FastAPI(lifespan=lifespan)


def _history(session: str) -> list[dict[str, str]]:
    rows = state["db"].execute("SELECT role, text FROM turns WHERE session = ? ORDER BY id DESC "
                               "LIMIT ?", (session, HISTORY)).fetchall()
    return [{"role": role, "content": text} for role, text in reversed(rows)]


def _store(session: str, question: str, answer: str, sources: list[dict]) -> None:
    state["db"].executemany("INSERT INTO turns (session, role, text, sources) VALUES (?,?,?,?)",
                            [(session, "user", question, None),
                             (session, "assistant", answer, json.dumps(sources))])


async def _chat(messages: list[dict[str, str]]) -> AsyncIterator[str]:
    """Cohere's /v2/chat, streamed: the text of each content-delta event."""
    body = {"model": CHAT_MODEL, "messages": messages, "temperature": 0.2, "stream": True}
    async with state["http"].stream("POST", "/v2/chat", json=body) as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                if event["type"] == "content-delta":
                    yield event["delta"]["message"]["content"]["text"]


async def _rerank(question: str, points: list) -> list:
    texts = [p.payload["page_content"] for p in points]
    try:
        r = await state["http"].post("/v2/rerank", timeout=3, json={
            "model": RERANK_MODEL, "query": question, "documents": texts, "top_n": len(texts)})
        r.raise_for_status()
    except httpx.HTTPError:
        return points
    order = [(x["index"], x["relevance_score"]) for x in r.json()["results"]]
    for i, score in order:
        points[i].score = score
    seen = {i for i, _ in order}
    return [points[i] for i, _ in order] + [p for i, p in enumerate(points) if i not in seen]


def _search(question: str, vector: list[float]) -> list:
    sparse = query_vector(question)
    result = state["qdrant"].query_points(COLLECTION, prefetch=[
        models.Prefetch(query=vector, using=state["dense"], limit=CANDIDATES),
        models.Prefetch(query=models.SparseVector(indices=sparse.indices, values=sparse.values),
                        using=SPARSE_VECTOR_NAME, limit=CANDIDATES),
    ], query=models.FusionQuery(fusion=models.Fusion.DBSF), limit=CANDIDATES, with_payload=True)
    return result.points


async def _retrieve(session: str, question: str) -> tuple[list[dict], list[dict]]:
    """The session's history and the numbered sources for the (condensed) question."""
    past = _history(session)
    query = question
    if past:
        system = {"role": "system", "content": CONDENSE}
        query = "".join([t async for t in _chat([system, *past, {"role": "user",
                                                                 "content": question}])])
    r = await state["http"].post("/v1/embed", json={
        "model": EMBED_MODEL, "texts": [query], "input_type": "search_query",
        "embedding_types": ["float"]})
    r.raise_for_status()
    points = await asyncio.to_thread(_search, query, r.json()["embeddings"]["float"][0])
    docs = top_per_page(await _rerank(query, points) if len(points) > 1 else points, K)
    return past, docs


async def _answer(session: str, question: str, past: list[dict], docs: list[dict],
                  parts: list[str]) -> AsyncIterator[str]:
    system = SYSTEM.format(book_title=BOOK, sources=source_blocks(docs), selection="")
    async for text in _chat([{"role": "system", "content": system}, *past,
                             {"role": "user", "content": question}]):
        parts.append(text)
        yield text
    _store(session, question, "".join(parts), [
        {"n": n, "url": d.get("url", ""), "title": d.get("title", "")}
        for n, d in enumerate(docs, start=1)])


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _langserve_input(body: dict) -> tuple[str, str]:
    try:
        return body["input"]["question"], str(uuid.UUID(body["config"]["configurable"]
                                                         ["session_id"]))
    except (KeyError, TypeError, ValueError):
        raise HTTPException(400, "input.question and a UUID session_id are required") from None


@app.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "healthy"}


@app.post("/chat/invoke")
async def invoke(request: Request) -> dict[str, Any]:
    question, session = _langserve_input(await request.json())
    past, docs = await _retrieve(session, question)
    parts: list[str] = []
    async for _ in _answer(session, question, past, docs, parts):
        pass
    return {"output": "".join(parts), "metadata": {"run_id": str(uuid.uuid4())}}


@app.post("/chat/stream")
async def stream(request: Request) -> StreamingResponse:
    question, session = _langserve_input(await request.json())

    async def events() -> AsyncIterator[bytes]:
        past, docs = await _retrieve(session, question)
        async for text in _answer(session, question, past, docs, []):
            yield _event("data", text)
        yield b"event: end\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


@app.post("/api/chat")
async def api_chat(request: Request) -> StreamingResponse:
    body = await request.json()
    question = body.get("message")
    try:
        session = str(uuid.UUID(body.get("session_id") or str(uuid.uuid4())))
    except ValueError:
        raise HTTPException(400, "session_id must be a UUID") from None
    if not isinstance(question, str) or not question.strip():
        raise HTTPException(422, "message is required")

    async def events() -> AsyncIterator[bytes]:
        yield _event("session", {"session_id": session})
        past, docs = await _retrieve(session, question)
        yield _event("sources", [{"n": n, "title": d.get("title", ""), "url": d.get("url", ""),
                                  "score": d["score"]} for n, d in enumerate(docs, start=1)])
        parts: list[str] = []
        async for text in _answer(session, question, past, docs, parts):
            yield _event("token", {"text": text})
        cited = sorted({int(n) for m in _CITE.finditer("".join(parts))
                        for n in m.group(1).split(",")})
        yield _event("done", {"session_id": session, "message_id": str(uuid.uuid4()),
                              "citations": [{"n": n} for n in cited if 0 < n <= len(docs)]})

    return StreamingResponse(events(), media_type="text/event-stream")


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(ENV.get("PORT", "7860")), log_level="warning",
                access_log=False)
