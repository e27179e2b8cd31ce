"""History in Postgres: messages through langchain-postgres' PostgresChatMessageHistory, turn
extras in our own table, on a connection borrowed from the psycopg pool per call (one shared
connection would serialise every chat).

A turn is written in one transaction: the pool's connections autocommit, so the borrowed one is
switched to a transaction, our row goes in first, and the library's `aadd_messages` commits both
with its own `commit()`; anything failing before that rolls both back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from langchain_core.messages import BaseMessage
from langchain_postgres import PostgresChatMessageHistory
from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool

from stores.history import MESSAGES_TABLE, TURNS_TABLE, Turn, TurnExtras, parse_session_id


class PostgresHistoryStore:
    """History in Postgres, one pooled connection per call."""

    kind = "postgres"

    def __init__(
        self, pool: AsyncConnectionPool, table: str = MESSAGES_TABLE, turns: str = TURNS_TABLE
    ) -> None:
        self._pool = pool
        self._table = table
        self._turns = turns

    def _messages(self, conn: psycopg.AsyncConnection, session_id: str):
        return PostgresChatMessageHistory(
            self._table, parse_session_id(session_id), async_connection=conn
        )

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A pooled connection in a transaction that the caller (or the library) commits."""
        async with self._pool.connection() as conn:
            await conn.set_autocommit(False)
            try:
                yield conn
            finally:
                if not conn.broken:  # a broken one is discarded by the pool
                    if conn.info.transaction_status != TransactionStatus.IDLE:
                        await conn.rollback()
                    await conn.set_autocommit(True)

    async def setup(self) -> None:
        async with self._pool.connection() as conn:
            await PostgresChatMessageHistory.acreate_tables(conn, self._table)
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._turns} (message_id UUID PRIMARY KEY,"
                " session_id UUID NOT NULL, question_id UUID NOT NULL,"
                " sources JSONB NOT NULL DEFAULT '[]', selected_text TEXT, page_url TEXT,"
                " created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            await conn.execute(
                f"CREATE INDEX IF NOT EXISTS idx_{self._turns}_session_id"
                f" ON {self._turns} (session_id)"
            )

    async def get_messages(self, session_id: str) -> list[BaseMessage]:
        async with self._pool.connection() as conn:
            return await self._messages(conn, session_id).aget_messages()

    async def get_extras(self, session_id: str) -> dict[str, TurnExtras]:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT message_id, question_id, sources, selected_text, page_url"
                f" FROM {self._turns} WHERE session_id = %s",
                (parse_session_id(session_id),),
            )
            rows = await cur.fetchall()
        return {
            str(mid): TurnExtras(str(qid), list(sources or []), selected, page)
            for mid, qid, sources, selected, page in rows
        }

    async def add_turn(self, turn: Turn) -> None:
        extras = turn.extras
        async with self._transaction() as conn:
            await conn.execute(
                f"INSERT INTO {self._turns} (message_id, session_id, question_id, sources,"
                " selected_text, page_url) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    turn.message_id, turn.session_id, extras.question_id,
                    json.dumps(extras.sources, ensure_ascii=False), extras.selected_text,
                    extras.page_url,
                ),
            )
            await self._messages(conn, turn.session_id).aadd_messages(
                [turn.question, turn.answer]
            )  # commits our row with the messages

    async def answer_exists(self, message_id: str) -> bool:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT 1 FROM {self._turns} WHERE message_id = %s", (message_id,)
            )
            return await cur.fetchone() is not None

    async def clear(self, session_id: str) -> bool:
        sid = parse_session_id(session_id)
        async with self._transaction() as conn:
            cur = await conn.execute(f"DELETE FROM {self._turns} WHERE session_id = %s", (sid,))
            history = self._messages(conn, sid)
            had = cur.rowcount > 0 or bool(await history.aget_messages())
            await history.aclear()  # commits the delete of our rows with it
        return had

    async def ping(self) -> None:
        async with self._pool.connection(timeout=2.0) as conn:
            await conn.execute("SELECT 1")
