"""History stores: the same behaviour on SQLite and on the real Postgres."""

from __future__ import annotations

import uuid

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from stores.history import Turn, answer_id, new_turn, parse_session_id
from stores.history_postgres import PostgresHistoryStore
from stores.history_sqlite import SQLiteHistoryStore
from stores.sqlite import SQLiteDatabase

SOURCES = [{"n": 1, "title": "Sensors", "section": "IMU", "url": "/docs/sensors#imu",
            "path": "sensors.md", "score": 0.71}]


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request, tmp_path, pg_pool):
    if request.param == "sqlite":
        db = SQLiteDatabase(tmp_path / "h.sqlite3")
        s = SQLiteHistoryStore(db)
        await s.setup()
        yield s
        db.close()
    else:
        s = PostgresHistoryStore(pg_pool)
        await s.setup()
        await s.setup()  # idempotent
        yield s


def _turn(sid: str, question: str, answer: str, **extras) -> Turn:
    return new_turn(sid, question, answer, **extras)


def test_session_ids_must_be_uuids():
    sid = uuid.uuid4()
    for spelling in (str(sid).upper(), "{" + str(sid) + "}", f"urn:uuid:{sid}", sid.hex):
        assert parse_session_id(spelling) == str(sid)
    for bad in ["", "abc", None, 42, "1' OR '1'='1"]:
        with pytest.raises(ValueError):
            parse_session_id(bad)


def test_an_answer_id_is_a_canonical_uuid_or_a_new_one():
    mid = uuid.uuid4()
    assert answer_id(str(mid).upper()) == str(mid)
    fresh = answer_id("not-a-uuid")
    assert uuid.UUID(fresh) and fresh != answer_id(None)


async def test_turns_round_trip_in_order_with_ids(store):
    sid = str(uuid.uuid4())
    assert await store.get_messages(sid) == []
    first, second = _turn(sid, "q1", "a1"), _turn(sid, "q2", "a2")
    await store.add_turn(first)
    await store.add_turn(second)
    got = await store.get_messages(sid)
    assert [(m.type, m.content, m.id) for m in got] == [
        ("human", "q1", first.question.id), ("ai", "a1", first.message_id),
        ("human", "q2", second.question.id), ("ai", "a2", second.message_id),
    ]


async def test_a_turn_keeps_its_sources_and_selection(store):
    sid = str(uuid.uuid4())
    turn = _turn(sid, "What does this mean?", "It measures motion [1].", sources=SOURCES,
                 selected_text="An IMU — «ünïcode» passage", page_url="https://b.org/docs/s")
    plain = _turn(sid, "And lidar?", "No sources.")
    await store.add_turn(turn)
    await store.add_turn(plain)
    extras = await store.get_extras(sid)
    assert set(extras) == {turn.message_id, plain.message_id}
    got = extras[turn.message_id]
    assert got.question_id == turn.question.id and got.sources == SOURCES
    assert got.selected_text == "An IMU — «ünïcode» passage"
    assert got.page_url == "https://b.org/docs/s"
    assert extras[plain.message_id].sources == [] and extras[plain.message_id].page_url is None
    assert await store.answer_exists(turn.message_id)
    assert not await store.answer_exists(turn.question.id)  # questions are not answers
    assert not await store.answer_exists(str(uuid.uuid4()))


async def test_sessions_are_isolated_and_clear_only_their_own(store):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    turn_a = _turn(a, "from a", "answer a", sources=SOURCES)
    await store.add_turn(turn_a)
    await store.add_turn(_turn(b, "from b", "answer b"))
    assert [m.content for m in await store.get_messages(a)] == ["from a", "answer a"]
    assert await store.clear(a) is True
    assert await store.clear(a) is False
    assert await store.get_messages(a) == [] and await store.get_extras(a) == {}
    assert not await store.answer_exists(turn_a.message_id)
    assert [m.content for m in await store.get_messages(b)] == ["from b", "answer b"]


async def test_ping(store):
    await store.ping()


@pytest.mark.parametrize("refused_in", ["messages", "turns"])
async def test_a_turn_is_stored_whole_or_not_at_all_on_postgres(pg_pool, refused_in):
    """A failure at any row of a turn — ours or the library's — leaves nothing of it stored,
    and the pooled connection goes back in autocommit. A trigger refuses the row."""
    suffix = uuid.uuid4().hex[:8]
    table, turns = f"history_atomic_{suffix}", f"turns_atomic_{suffix}"
    store = PostgresHistoryStore(pg_pool, table=table, turns=turns)
    await store.setup()
    target, column = (table, "message::text") if refused_in == "messages" else (turns, "page_url")
    async with pg_pool.connection() as conn:
        await conn.execute(
            f"CREATE FUNCTION {target}_refuse() RETURNS trigger AS $$ BEGIN"
            f" IF NEW.{column} LIKE '%refused%' THEN"
            f" RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        await conn.execute(
            f'CREATE TRIGGER refuse BEFORE INSERT ON "{target}"'
            f" FOR EACH ROW EXECUTE FUNCTION {target}_refuse()"
        )
    try:
        sid = str(uuid.uuid4())
        refused = (_turn(sid, "q", "refused answer") if refused_in == "messages"
                   else _turn(sid, "q", "answer", page_url="https://refused.example"))
        with pytest.raises(Exception, match="refused"):
            await store.add_turn(refused)
        assert await store.get_messages(sid) == [] and await store.get_extras(sid) == {}
        kept = _turn(sid, "q", "kept answer")
        await store.add_turn(kept)
        assert [m.content for m in await store.get_messages(sid)] == ["q", "kept answer"]
        assert list(await store.get_extras(sid)) == [kept.message_id]
        async with pg_pool.connection() as conn:
            assert conn.autocommit
    finally:
        async with pg_pool.connection() as conn:
            await conn.execute(f'DROP TABLE "{table}"')
            await conn.execute(f'DROP TABLE "{turns}"')
            await conn.execute(f"DROP FUNCTION {target}_refuse()")


def test_turn_messages_carry_ids():
    turn = _turn(str(uuid.uuid4()), "q", "a", message_id=str(uuid.uuid4()))
    assert isinstance(turn.question, HumanMessage) and isinstance(turn.answer, AIMessage)
    assert turn.message_id == turn.answer.id and turn.question.id
