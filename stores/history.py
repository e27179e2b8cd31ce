"""Conversation history stores keyed by session id (a UUID).

Postgres goes through langchain-postgres' PostgresChatMessageHistory on a connection borrowed
from a psycopg pool per call (one shared connection would serialise every chat). The embedded
default is SQLite with the same table shape and the same behaviour.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from langchain_core.messages import BaseMessage, message_to_dict, messages_from_dict
from langchain_postgres import PostgresChatMessageHistory
from psycopg_pool import AsyncConnectionPool

TABLE = "chat_history"


def parse_session_id(value: object) -> str:
    """The canonical form of a session id; ValueError unless it is a UUID."""
    if not isinstance(value, str | uuid.UUID):
        raise ValueError("session_id must be a UUID string")
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError("session_id must be a UUID string") from None


class HistoryStore(Protocol):
    """What the chain and the routes need from a history backend."""

    kind: str

    async def setup(self) -> None: ...
    async def get_messages(self, session_id: str) -> list[BaseMessage]: ...
    async def add_messages(self, session_id: str, messages: Sequence[BaseMessage]) -> None: ...
    async def clear(self, session_id: str) -> bool: ...
    async def ping(self) -> None: ...


class PostgresHistoryStore:
    """History in Postgres, one pooled connection per call."""

    kind = "postgres"

    def __init__(self, pool: AsyncConnectionPool, table: str = TABLE) -> None:
        self._pool = pool
        self._table = table

    async def setup(self) -> None:
        async with self._pool.connection() as conn:
            await PostgresChatMessageHistory.acreate_tables(conn, self._table)

    async def get_messages(self, session_id: str) -> list[BaseMessage]:
        async with self._pool.connection() as conn:
            history = PostgresChatMessageHistory(
                self._table, parse_session_id(session_id), async_connection=conn
            )
            return await history.aget_messages()

    async def add_messages(self, session_id: str, messages: Sequence[BaseMessage]) -> None:
        async with self._pool.connection() as conn:
            history = PostgresChatMessageHistory(
                self._table, parse_session_id(session_id), async_connection=conn
            )
            await history.aadd_messages(messages)

    async def clear(self, session_id: str) -> bool:
        sid = parse_session_id(session_id)
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                f'DELETE FROM "{self._table}" WHERE session_id = %s', (sid,)
            )
            return cur.rowcount > 0

    async def ping(self) -> None:
        async with self._pool.connection(timeout=2.0) as conn:
            await conn.execute("SELECT 1")


class SQLiteHistoryStore:
    """The embedded default: the same table shape in a local SQLite file."""

    kind = "sqlite"

    def __init__(self, path: Path, table: str = TABLE) -> None:
        self._path = path
        self._table = table
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _run(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            if self._conn is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self._path, check_same_thread=False)
                self._conn.execute("PRAGMA journal_mode=WAL")
            with self._conn:
                cur = self._conn.execute(sql, params)
                return cur.fetchall() if cur.description else [(cur.rowcount,)]

    async def _arun(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return await asyncio.to_thread(self._run, sql, params)

    async def setup(self) -> None:
        await self._arun(
            f"CREATE TABLE IF NOT EXISTS {self._table} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " session_id TEXT NOT NULL, message TEXT NOT NULL,"
            " created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        await self._arun(
            f"CREATE INDEX IF NOT EXISTS idx_{self._table}_session_id"
            f" ON {self._table} (session_id)"
        )

    async def get_messages(self, session_id: str) -> list[BaseMessage]:
        rows = await self._arun(
            f"SELECT message FROM {self._table} WHERE session_id = ? ORDER BY id",
            (parse_session_id(session_id),),
        )
        return messages_from_dict([json.loads(r[0]) for r in rows])

    async def add_messages(self, session_id: str, messages: Sequence[BaseMessage]) -> None:
        sid = parse_session_id(session_id)
        values = [(sid, json.dumps(message_to_dict(m))) for m in messages]
        await asyncio.to_thread(self._insert_many, values)

    def _insert_many(self, values: list[tuple[str, str]]) -> None:
        self._run("SELECT 1")  # opens the connection under the lock if needed
        with self._lock, self._conn:  # type: ignore[union-attr]
            self._conn.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {self._table} (session_id, message) VALUES (?, ?)", values
            )

    async def clear(self, session_id: str) -> bool:
        rows = await self._arun(
            f"DELETE FROM {self._table} WHERE session_id = ?", (parse_session_id(session_id),)
        )
        return rows[0][0] > 0

    async def ping(self) -> None:
        await self._arun("SELECT 1")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
