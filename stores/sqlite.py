"""The embedded database: one SQLite file and one connection, shared by the history and the
feedback stores (two connections to one file would only take turns at its write lock)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class SQLiteDatabase:
    """A lazily opened connection in WAL mode; every call holds a lock and runs in one
    transaction, committed on success and rolled back on an exception."""

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
            self._conn.execute("PRAGMA journal_mode=WAL")
        return self._conn

    def transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(connection)` in one transaction."""
        with self._lock:
            conn = self._connection()
            with conn:
                return work(conn)

    def run(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """One statement: its rows, or `[(rowcount,)]` for a statement that returns none."""

        def execute(conn: sqlite3.Connection) -> list[tuple]:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else [(cur.rowcount,)]

        return self.transaction(execute)

    async def arun(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return await asyncio.to_thread(self.run, sql, params)

    async def atransaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self.transaction, work)

    async def ping(self) -> None:
        await self.arun("SELECT 1")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
