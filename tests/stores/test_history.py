"""History stores: the same behaviour on SQLite and on the real Postgres."""

from __future__ import annotations

import uuid

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from stores.history import PostgresHistoryStore, SQLiteHistoryStore, parse_session_id


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request, tmp_path, pg_pool):
    if request.param == "sqlite":
        s = SQLiteHistoryStore(tmp_path / "h.sqlite3")
        await s.setup()
        yield s
        s.close()
    else:
        s = PostgresHistoryStore(pg_pool)
        await s.setup()
        yield s


def test_session_ids_must_be_uuids():
    sid = uuid.uuid4()
    assert parse_session_id(str(sid).upper()) == str(sid)
    for bad in ["", "abc", None, 42, "1' OR '1'='1"]:
        with pytest.raises(ValueError):
            parse_session_id(bad)


async def test_turns_round_trip_in_order_with_ids(store):
    sid = str(uuid.uuid4())
    assert await store.get_messages(sid) == []
    await store.add_messages(sid, [HumanMessage("q1", id="h1"), AIMessage("a1", id="a1")])
    await store.add_messages(sid, [HumanMessage("q2", id="h2"), AIMessage("a2", id="a2")])
    got = await store.get_messages(sid)
    assert [(m.type, m.content, m.id) for m in got] == [
        ("human", "q1", "h1"), ("ai", "a1", "a1"), ("human", "q2", "h2"), ("ai", "a2", "a2"),
    ]


async def test_sessions_are_isolated_and_clear_only_their_own(store):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    await store.add_messages(a, [HumanMessage("from a")])
    await store.add_messages(b, [HumanMessage("from b")])
    assert [m.content for m in await store.get_messages(a)] == ["from a"]
    assert await store.clear(a) is True
    assert await store.clear(a) is False
    assert await store.get_messages(a) == []
    assert [m.content for m in await store.get_messages(b)] == ["from b"]


async def test_ping(store):
    await store.ping()


async def test_a_turn_is_stored_whole_or_not_at_all_on_postgres(pg_pool):
    """The pool's connections autocommit, yet a failure at the answer's row must not leave the
    question stored alone: psycopg's executemany sends both inserts in one pipeline sync, which
    Postgres runs as one implicit transaction. A trigger refuses the answer's row."""
    table = f"history_atomic_{uuid.uuid4().hex[:8]}"
    store = PostgresHistoryStore(pg_pool, table=table)
    await store.setup()
    async with pg_pool.connection() as conn:
        await conn.execute(
            f"CREATE FUNCTION {table}_refuse() RETURNS trigger AS $$ BEGIN"
            f" IF NEW.message::text LIKE '%refused answer%' THEN"
            f" RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        await conn.execute(
            f'CREATE TRIGGER refuse BEFORE INSERT ON "{table}"'
            f" FOR EACH ROW EXECUTE FUNCTION {table}_refuse()"
        )
    try:
        sid = str(uuid.uuid4())
        with pytest.raises(Exception, match="refused"):
            await store.add_messages(sid, [HumanMessage("q"), AIMessage("refused answer")])
        assert await store.get_messages(sid) == []
        await store.add_messages(sid, [HumanMessage("q"), AIMessage("kept answer")])
        assert [m.content for m in await store.get_messages(sid)] == ["q", "kept answer"]
    finally:
        async with pg_pool.connection() as conn:
            await conn.execute(f'DROP TABLE "{table}"')
            await conn.execute(f"DROP FUNCTION {table}_refuse()")
