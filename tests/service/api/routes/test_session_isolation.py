"""Session isolation under concurrency: many readers, interleaved turns, Postgres history.

Twenty-four sessions ask three questions each at the same time, half through the widget's
`/api/chat`, half through LangServe's `/chat/invoke`, while the fake Cohere streams slowly
enough for the turns to overlap. Every question names its session and turn, so afterwards:

- each session's rows in Postgres are exactly its own turns, in order (none missing, none
  foreign);
- every request the model received (the condensing call and the answer) carried only the
  history of the session being answered, and all of it.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import psycopg

from tests.service.api.routes.conftest import sse_events

SESSIONS = 24
TURNS = 3
QUESTION = re.compile(r"How do robots balance\? \(reader (\d+), turn (\d+)\)")


def _question(reader: int, turn: int) -> str:
    return f"How do robots balance? (reader {reader}, turn {turn})"


async def _ask(client: httpx.AsyncClient, reader: int, session_id: str, turn: int) -> str:
    question = _question(reader, turn)
    if reader % 2:
        cfg = {"configurable": {"session_id": session_id}}
        r = await client.post("/chat/invoke", json={"input": {"question": question},
                                                    "config": cfg})
        assert r.status_code == 200, r.text
        return r.json()["output"]
    r = await client.post("/api/chat", json={"message": question, "session_id": session_id})
    assert r.status_code == 200
    events = sse_events(r)  # the whole body was read: iter_lines replays it
    assert events[-1][0] == "done", events[-3:]
    assert events[-1][1]["session_id"] == session_id
    return "".join(d["text"] for name, d in events if name == "token")


async def _reader(client: httpx.AsyncClient, reader: int, session_id: str) -> list[str]:
    answers = []
    for turn in range(1, TURNS + 1):
        answers.append(await _ask(client, reader, session_id, turn))
    return answers


def _texts(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return content or ""


async def test_interleaved_sessions_never_see_or_store_each_others_turns(
    cohere_server, cohere, pg_url
):
    cohere.tokens_per_second = 150.0  # answers stream over ~0.3 s, so turns overlap
    sessions = [str(uuid.uuid4()) for _ in range(SESSIONS)]
    limits = httpx.Limits(max_connections=SESSIONS)
    async with httpx.AsyncClient(base_url=cohere_server.url, timeout=120, limits=limits) as c:
        answers = await asyncio.gather(*(_reader(c, i, sid) for i, sid in enumerate(sessions)))

    with psycopg.connect(pg_url) as conn:
        for reader, session_id in enumerate(sessions):
            rows = conn.execute(
                "SELECT message FROM chat_history WHERE session_id = %s ORDER BY id",
                (session_id,),
            ).fetchall()
            stored = [(m["type"], m["data"]["content"]) for (m,) in rows]
            expected = []
            for turn, answer in enumerate(answers[reader], start=1):
                expected += [("human", _question(reader, turn)), ("ai", answer)]
            assert stored == expected, f"session of reader {reader}"

    chats = cohere.requests_to("chat")
    overlapping = 0
    for request in chats:
        user_turns = [QUESTION.search(_texts(m)) for m in request.body["messages"]
                      if m["role"] == "user"]
        asked = [(int(m[1]), int(m[2])) for m in user_turns if m]
        assert asked, "a model request without the reader's question"
        reader, turn = asked[-1]
        # the history of this reader's session, all of it, and nothing of any other session
        assert asked == [(reader, t) for t in range(1, turn + 1)], asked
        overlapping += turn > 1
    # each follow-up is condensed, then answered: both calls carry the session's history
    assert overlapping == SESSIONS * (TURNS - 1) * 2
