"""The feedback stores: votes in our own table, one row per answer, and an export that shows the
question and answer being rated — on SQLite (one connection shared with the history) and on
the real Postgres."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from stores.feedback import Feedback, PostgresFeedbackStore, SQLiteFeedbackStore, with_texts
from stores.history import new_turn
from stores.history_postgres import PostgresHistoryStore
from stores.history_sqlite import SQLiteHistoryStore
from stores.sqlite import SQLiteDatabase


@pytest.fixture(params=["sqlite", "postgres"])
async def stores(request, tmp_path, pg_pool):
    if request.param == "sqlite":
        db = SQLiteDatabase(tmp_path / "bookchat.sqlite3")
        yield SQLiteHistoryStore(db), SQLiteFeedbackStore(db)
        db.close()
    else:
        yield PostgresHistoryStore(pg_pool), PostgresFeedbackStore(pg_pool)


async def test_votes_are_upserted_and_exported_with_their_turn(stores):
    history, store = stores
    await history.setup()
    await store.setup()
    await store.setup()  # idempotent
    sid = str(uuid.uuid4())
    turn = new_turn(sid, "What is lidar?", "Lidar gives a 3D point cloud [1].")
    await history.add_turn(turn)

    await store.add(Feedback(turn.message_id, 1, "Clear"))
    await store.add(Feedback(turn.message_id, -1))
    records = await with_texts(await store.export(), history)
    [record] = [r for r in records if r["message_id"] == turn.message_id]
    assert record["score"] == -1 and record["comment"] == "Clear"  # the comment is kept
    assert record["question"] == "What is lidar?"
    assert record["answer"] == "Lidar gives a 3D point cloud [1]."
    assert record["session_id"] == sid and record["created_at"] and record["updated_at"]

    await history.clear(sid)
    records = await with_texts(await store.export(), history)
    [record] = [r for r in records if r["message_id"] == turn.message_id]
    assert record["answer"] is None and record["session_id"] is None and record["score"] == -1


async def test_the_export_is_newest_first_and_limited(stores):
    history, store = stores
    await history.setup()
    await store.setup()
    sid = str(uuid.uuid4())
    turns = [new_turn(sid, f"q{i}", f"a{i}") for i in range(3)]
    for turn in turns:
        await history.add_turn(turn)
        await store.add(Feedback(turn.message_id, 1))
    await asyncio.sleep(0.01)  # a later timestamp, at SQLite's millisecond resolution too
    await store.add(Feedback(turns[0].message_id, -1, "changed my mind"))  # now the newest
    [newest] = await store.export(limit=1)
    assert newest["message_id"] == turns[0].message_id
