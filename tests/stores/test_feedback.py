"""The SQLite feedback store next to the SQLite history: votes only on stored answers, one row
per answer, and an export that shows the question and answer being rated."""

from __future__ import annotations

import uuid

from langchain_core.messages import AIMessage, HumanMessage

from stores.feedback import Feedback, SQLiteFeedbackStore
from stores.history import SQLiteHistoryStore


async def test_votes_are_checked_upserted_and_exported_with_their_turn(tmp_path):
    path = tmp_path / "bookchat.sqlite3"
    history, store = SQLiteHistoryStore(path), SQLiteFeedbackStore(path)
    try:
        await history.setup()
        await store.setup()
        await store.setup()  # idempotent
        sid, question_id, answer_id = (str(uuid.uuid4()) for _ in range(3))
        await history.add_messages(sid, [
            HumanMessage("What is lidar?", id=question_id),
            AIMessage("Lidar gives a 3D point cloud [1].", id=answer_id),
        ])
        assert await store.answer_exists(answer_id)
        assert not await store.answer_exists(question_id)  # questions are not rated
        assert not await store.answer_exists(str(uuid.uuid4()))

        await store.add(Feedback(answer_id, 1, "Clear"))
        await store.add(Feedback(answer_id, -1))
        [record] = await store.export()
        assert record["message_id"] == answer_id and record["score"] == -1
        assert record["comment"] == "Clear"
        assert record["question"] == "What is lidar?"
        assert record["answer"] == "Lidar gives a 3D point cloud [1]."
        assert record["session_id"] == sid and record["created_at"]

        await history.clear(sid)
        [record] = await store.export(limit=1)
        assert record["answer"] is None and record["score"] == -1
    finally:
        history.close()
        store.close()
