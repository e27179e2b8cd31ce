"""History in the embedded SQLite file: the message table has langchain-postgres' shape (one JSON
message per row), the turn extras our own table, both written in one transaction."""

from __future__ import annotations

import json
import sqlite3

from langchain_core.messages import BaseMessage, message_to_dict, messages_from_dict

from stores.history import MESSAGES_TABLE, TURNS_TABLE, Turn, TurnExtras, parse_session_id
from stores.sqlite import SQLiteDatabase


class SQLiteHistoryStore:
    """The embedded default, on the shared SQLite connection."""

    kind = "sqlite"

    def __init__(
        self, db: SQLiteDatabase, table: str = MESSAGES_TABLE, turns: str = TURNS_TABLE
    ) -> None:
        self._db = db
        self._table = table
        self._turns = turns

    async def setup(self) -> None:
        def create(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " session_id TEXT NOT NULL, message TEXT NOT NULL,"
                " created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS idx_{self._table}_session_id"
                f" ON {self._table} (session_id)"
            )
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._turns} (message_id TEXT PRIMARY KEY,"
                " session_id TEXT NOT NULL, question_id TEXT NOT NULL,"
                " sources TEXT NOT NULL DEFAULT '[]', selected_text TEXT, page_url TEXT,"
                " created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS idx_{self._turns}_session_id"
                f" ON {self._turns} (session_id)"
            )

        await self._db.atransaction(create)

    async def get_messages(self, session_id: str) -> list[BaseMessage]:
        rows = await self._db.arun(
            f"SELECT message FROM {self._table} WHERE session_id = ? ORDER BY id",
            (parse_session_id(session_id),),
        )
        return messages_from_dict([json.loads(r[0]) for r in rows])

    async def get_extras(self, session_id: str) -> dict[str, TurnExtras]:
        rows = await self._db.arun(
            f"SELECT message_id, question_id, sources, selected_text, page_url"
            f" FROM {self._turns} WHERE session_id = ?",
            (parse_session_id(session_id),),
        )
        return {
            mid: TurnExtras(qid, json.loads(sources or "[]"), selected, page)
            for mid, qid, sources, selected, page in rows
        }

    async def add_turn(self, turn: Turn) -> None:
        extras = turn.extras
        messages = [
            (turn.session_id, json.dumps(message_to_dict(m)))
            for m in (turn.question, turn.answer)
        ]

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT INTO {self._turns} (message_id, session_id, question_id, sources,"
                " selected_text, page_url) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    turn.message_id, turn.session_id, extras.question_id,
                    json.dumps(extras.sources, ensure_ascii=False), extras.selected_text,
                    extras.page_url,
                ),
            )
            conn.executemany(
                f"INSERT INTO {self._table} (session_id, message) VALUES (?, ?)", messages
            )

        await self._db.atransaction(insert)

    async def answer_exists(self, message_id: str) -> bool:
        rows = await self._db.arun(
            f"SELECT 1 FROM {self._turns} WHERE message_id = ?", (message_id,)
        )
        return bool(rows)

    async def clear(self, session_id: str) -> bool:
        sid = parse_session_id(session_id)

        def delete(conn: sqlite3.Connection) -> bool:
            turns = conn.execute(f"DELETE FROM {self._turns} WHERE session_id = ?", (sid,))
            messages = conn.execute(f"DELETE FROM {self._table} WHERE session_id = ?", (sid,))
            return turns.rowcount > 0 or messages.rowcount > 0

        return await self._db.atransaction(delete)

    async def ping(self) -> None:
        await self._db.ping()
