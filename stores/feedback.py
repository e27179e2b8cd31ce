"""Readers' thumbs up/down on answers, kept next to the history for review.

One row per answered message in our own table, `chat_feedback` (a second vote replaces the
first; a vote without a comment keeps the earlier comment). The export joins our `chat_turns`
on `message_id` for the session, and reads the question and answer texts through the history
store's own API.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from psycopg_pool import AsyncConnectionPool

from stores.history import TURNS_TABLE, HistoryStore
from stores.sqlite import SQLiteDatabase

TABLE = "chat_feedback"
MAX_EXPORT = 1000
_COLUMNS = ("message_id", "score", "comment", "created_at", "updated_at", "session_id",
            "question_id")
_EXPORT = (
    f"SELECT f.message_id, f.score, f.comment, f.created_at, f.updated_at, t.session_id,"
    f" t.question_id FROM {TABLE} f LEFT JOIN {TURNS_TABLE} t ON t.message_id = f.message_id"
    " ORDER BY f.updated_at DESC, f.message_id LIMIT {param}"
)
_UPSERT = (
    f"INSERT INTO {TABLE} (message_id, score, comment) VALUES ({{p}}, {{p}}, {{p}})"
    " ON CONFLICT (message_id) DO UPDATE SET score = excluded.score,"
    f" comment = COALESCE(excluded.comment, {TABLE}.comment), updated_at = {{now}}"
)


_SQLITE_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"  # milliseconds: votes sort in order


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

    async def add(self, feedback: Feedback) -> None: ...
    async def export(self, limit: int = MAX_EXPORT) -> list[dict[str, Any]]: ...


class PostgresFeedbackStore:
    """Votes in Postgres, one pooled connection per call."""

    kind = "postgres"

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
        self._ready = True

    async def add(self, feedback: Feedback) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                _UPSERT.format(p="%s", now="now()"),
                (uuid.UUID(feedback.message_id), feedback.score, feedback.comment),
            )

    async def export(self, limit: int = MAX_EXPORT) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn:
            cur = await conn.execute(_EXPORT.format(param="%s"), (limit,))
            return [_record(row) for row in await cur.fetchall()]


class SQLiteFeedbackStore:
    """The embedded default: the same table on the shared SQLite connection."""

    kind = "sqlite"

    def __init__(self, db: SQLiteDatabase) -> None:
        self._db = db
        self._ready = False

    async def setup(self) -> None:
        if self._ready:
            return
        await self._db.arun(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (message_id TEXT PRIMARY KEY,"
            " score INTEGER NOT NULL CHECK (score IN (-1, 1)), comment TEXT,"
            f" created_at TEXT NOT NULL DEFAULT ({_SQLITE_NOW}),"
            f" updated_at TEXT NOT NULL DEFAULT ({_SQLITE_NOW}))"
        )
        self._ready = True

    async def add(self, feedback: Feedback) -> None:
        await self._db.arun(
            _UPSERT.format(p="?", now=_SQLITE_NOW),
            (feedback.message_id, feedback.score, feedback.comment),
        )

    async def export(self, limit: int = MAX_EXPORT) -> list[dict[str, Any]]:
        return [_record(row) for row in await self._db.arun(_EXPORT.format(param="?"), (limit,))]


def _record(row: Sequence[Any]) -> dict[str, Any]:
    record = dict(zip(_COLUMNS, row, strict=True))
    for key, value in record.items():
        if hasattr(value, "isoformat"):
            record[key] = value.isoformat()
        elif key.endswith("_id") and value is not None:
            record[key] = str(value)
    return record


async def with_texts(records: list[dict[str, Any]], history: HistoryStore) -> list[dict[str, Any]]:
    """The records with the rated `question` and `answer` (None once the conversation is gone),
    read through the history store, one read per session."""
    texts: dict[str, str] = {}
    for session_id in {r["session_id"] for r in records if r["session_id"]}:
        for message in await history.get_messages(session_id):
            texts[str(message.id)] = str(message.content)
    out = []
    for record in records:
        record = dict(record)
        question_id = record.pop("question_id")
        record["question"] = texts.get(question_id) if question_id else None
        record["answer"] = texts.get(record["message_id"])
        out.append(record)
    return out
