"""Readers' thumbs up/down on answers, kept next to the history for review.

One row per answered message (a second vote replaces the first; a vote without a comment keeps
the earlier comment). The store lives in the history's database: Postgres through the shared
psycopg pool when DATABASE_URL is set, else the embedded SQLite file. A vote is accepted only
for a message id that is a stored answer, looked up through an index on the history's message
id that `setup()` adds.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from psycopg_pool import AsyncConnectionPool

from stores.history import TABLE as HISTORY_TABLE

TABLE = "chat_feedback"
MAX_EXPORT = 1000


@dataclass(frozen=True)
class Feedback:
    """One reader's verdict on one answer."""

    message_id: str
    score: int
    comment: str | None = None


class FeedbackStore(Protocol):
    """What the feedback routes need from a backend."""

    kind: str

    async def setup(self) -> None:
        """Create the table (idempotent; done at start-up, retried by the routes if it failed)."""

    async def answer_exists(self, message_id: str) -> bool: ...
    async def add(self, feedback: Feedback) -> None: ...
    async def export(self, limit: int = MAX_EXPORT) -> list[dict[str, Any]]: ...


def _exists_sql(param: str, message: dict[str, str]) -> str:
    """Is there a stored answer with this id? Served by the index on the message id."""
    m = {key: sql.format(a="m") for key, sql in message.items()}
    return (
        f"SELECT 1 FROM {HISTORY_TABLE} m"
        f" WHERE {m['id']} = {param} AND {m['type']} = 'ai' LIMIT 1"
    )


def _export_sql(param: str, message: dict[str, str]) -> str:
    """Votes, newest first, with the answer and the question before it (None once deleted).

    `message` holds SQL templates reading a history row `{a}`: its "id", "content", "type".
    """
    h = {key: sql.format(a="h") for key, sql in message.items()}
    question = message["content"].format(a="q")
    return f"""
        SELECT f.message_id, f.score, f.comment, f.created_at, f.updated_at, h.session_id,
               (SELECT {question} FROM {HISTORY_TABLE} q
                 WHERE q.session_id = h.session_id AND q.id < h.id
                 ORDER BY q.id DESC LIMIT 1) AS question,
               {h["content"]} AS answer
          FROM {TABLE} f
          LEFT JOIN {HISTORY_TABLE} h
            ON {h["id"]} = CAST(f.message_id AS TEXT) AND {h["type"]} = 'ai'
         ORDER BY f.updated_at DESC, f.message_id
         LIMIT {param}"""


_COLUMNS = ("message_id", "score", "comment", "created_at", "updated_at", "session_id",
            "question", "answer")


class PostgresFeedbackStore:
    """Votes in Postgres, one pooled connection per call."""

    kind = "postgres"
    _MESSAGE = {
        "id": "{a}.message->'data'->>'id'",
        "content": "{a}.message->'data'->>'content'",
        "type": "{a}.message->>'type'",
    }

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool
        self._ready = False

    async def setup(self) -> None:
        if self._ready:
            return
        async with self._pool.connection() as conn:
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (message_id UUID PRIMARY KEY,"
                " score SMALLINT NOT NULL CHECK (score IN (-1, 1)), comment TEXT,"
                " created_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
                " updated_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            await conn.execute(
                f"CREATE INDEX IF NOT EXISTS idx_{HISTORY_TABLE}_message_id"
                f" ON {HISTORY_TABLE} ((message->'data'->>'id'))"
            )
        self._ready = True

    async def answer_exists(self, message_id: str) -> bool:
        async with self._pool.connection() as conn:
            cur = await conn.execute(_exists_sql("%s", self._MESSAGE), (message_id,))
            return await cur.fetchone() is not None

    async def add(self, feedback: Feedback) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {TABLE} (message_id, score, comment) VALUES (%s, %s, %s)"
                " ON CONFLICT (message_id) DO UPDATE SET score = EXCLUDED.score,"
                f" comment = COALESCE(EXCLUDED.comment, {TABLE}.comment), updated_at = now()",
                (uuid.UUID(feedback.message_id), feedback.score, feedback.comment),
            )

    async def export(self, limit: int = MAX_EXPORT) -> list[dict[str, Any]]:
        sql = _export_sql("%s", self._MESSAGE)
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql, (limit,))
            rows = await cur.fetchall()
        return [_record(row) for row in rows]


class SQLiteFeedbackStore:
    """The embedded default: the same table in the history's SQLite file."""

    kind = "sqlite"
    _MESSAGE = {
        "id": "json_extract({a}.message, '$.data.id')",
        "content": "json_extract({a}.message, '$.data.content')",
        "type": "json_extract({a}.message, '$.type')",
    }

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._ready = False

    def _run(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            if self._conn is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self._path, check_same_thread=False, timeout=10)
            with self._conn:
                return self._conn.execute(sql, params).fetchall()

    async def _arun(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return await asyncio.to_thread(self._run, sql, params)

    async def setup(self) -> None:
        if self._ready:
            return
        await self._arun(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (message_id TEXT PRIMARY KEY,"
            " score INTEGER NOT NULL CHECK (score IN (-1, 1)), comment TEXT,"
            " created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
            " updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        await self._arun(
            f"CREATE INDEX IF NOT EXISTS idx_{HISTORY_TABLE}_message_id"
            f" ON {HISTORY_TABLE} (json_extract(message, '$.data.id'))"
        )
        self._ready = True

    async def answer_exists(self, message_id: str) -> bool:
        return bool(await self._arun(_exists_sql("?", self._MESSAGE), (message_id,)))

    async def add(self, feedback: Feedback) -> None:
        await self._arun(
            f"INSERT INTO {TABLE} (message_id, score, comment) VALUES (?, ?, ?)"
            " ON CONFLICT (message_id) DO UPDATE SET score = excluded.score,"
            f" comment = COALESCE(excluded.comment, {TABLE}.comment),"
            " updated_at = CURRENT_TIMESTAMP",
            (feedback.message_id, feedback.score, feedback.comment),
        )

    async def export(self, limit: int = MAX_EXPORT) -> list[dict[str, Any]]:
        sql = _export_sql("?", self._MESSAGE)
        return [_record(row) for row in await self._arun(sql, (limit,))]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _record(row: Sequence[Any]) -> dict[str, Any]:
    record = dict(zip(_COLUMNS, row, strict=True))
    for key in ("message_id", "session_id", "created_at", "updated_at"):
        value = record[key]
        record[key] = value.isoformat() if hasattr(value, "isoformat") else value
        if key.endswith("_id") and value is not None:
            record[key] = str(value)
    return record


def make_feedback_store(pool: AsyncConnectionPool | None, sqlite_path: Path) -> FeedbackStore:
    """Postgres when the history is there, else SQLite next to it."""
    if pool is not None:
        return PostgresFeedbackStore(pool)
    return SQLiteFeedbackStore(sqlite_path)
