"""The real PostgreSQL stopped and started under a run of concurrent chats.

Readers chat without pause in their own sessions, through the widget's `/api/chat` stream and
LangServe's `/chat/invoke`, while `pg_ctlcluster stop` (fast: every connection is terminated)
and, a few seconds later, `pg_ctlcluster start` run on the machine's cluster. Asserted:

- every turn ends with `done`, or with the `history_unavailable` error (a 503 on invoke) —
  nothing else, no broken stream, and failures only while Postgres is away;
- health says `degraded` (history unhealthy, Qdrant healthy) while it is down, and `healthy`
  again within RECOVERY_LIMIT seconds of it being back, without a restart of the server;
- every turn reported done is in the database afterwards, in its own session and in order, and
  nothing half-written is: each stored question is followed by its answer.

The outage outlasts DATABASE_WAIT_SECONDS, so chats in flight really do see it.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from config.settings import load_settings
from server import create_app
from tests.conftest import MODEL_DIR
from tests.service.api.routes.conftest import sse_events
from tests.support import ServerThread, http

WORKERS = 12  # 8 on /api/chat, 4 on /chat/invoke
WAIT_SECONDS = 1.5  # DATABASE_WAIT_SECONDS of the server under test
OUTAGE_SECONDS = 5.0
RECOVERY_LIMIT = 10.0
HISTORY_DOWN = "the conversation store is unavailable"


def _cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True, capture_output=True, timeout=60,
    )


def _accepting(pg_url: str) -> bool:
    try:
        psycopg.connect(pg_url, connect_timeout=2).close()
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture
def postgres(pg_url):
    """The machine's cluster; whatever happens, it is running again after the test."""
    if not os.path.isdir("/etc/postgresql"):
        pytest.fail("this test stops and starts the local cluster: pg_ctlcluster is required")
    yield
    if not _accepting(pg_url):
        _cluster("start")


@dataclass
class Turn:
    session_id: str
    route: str
    question: str
    started: float
    ended: float = 0.0
    outcome: str = ""  # "done", or what went wrong
    answer: str = ""
    message_id: str | None = None


def _api_chat(client: httpx.Client, turn: Turn) -> None:
    body = {"message": turn.question, "session_id": turn.session_id}
    with client.stream("POST", "/api/chat", json=body) as r:
        if r.status_code != 200:
            turn.outcome = f"http {r.status_code}"
            return
        events = [e for e in sse_events(r) if e[0] != "comment"]
    names = [name for name, _ in events]
    last, data = events[-1] if events else ("nothing", None)
    if names[:1] != ["session"] or names.count(last) != 1 or last not in {"done", "error"}:
        turn.outcome = f"malformed stream: {names}"
    elif last == "error":
        turn.outcome = f"error {data['code']}"
    else:
        turn.outcome = "done"
        turn.answer = "".join(d["text"] for name, d in events if name == "token")
        turn.message_id = data["message_id"]


def _invoke(client: httpx.Client, turn: Turn) -> None:
    cfg = {"configurable": {"session_id": turn.session_id}}
    r = client.post("/chat/invoke", json={"input": {"question": turn.question}, "config": cfg})
    if r.status_code == 200:
        turn.outcome, turn.answer = "done", r.json()["output"]
    elif r.status_code == 503 and r.json()["error"]["message"].startswith(HISTORY_DOWN):
        assert r.headers["Retry-After"]
        turn.outcome = "error history_unavailable"
    else:
        turn.outcome = f"http {r.status_code}: {r.text[:200]}"


def _reader(url: str, index: int, stop: threading.Event, turns: list[Turn]) -> None:
    """One reader in one session, asking one question after another until told to stop."""
    session_id = str(uuid.uuid4())
    route, ask = ("/api/chat", _api_chat) if index < 8 else ("/chat/invoke", _invoke)
    with httpx.Client(base_url=url, timeout=60) as client:
        n = 0
        while not stop.is_set():
            n += 1
            turn = Turn(session_id, route, f"What does an IMU measure? (reader {index}, turn {n})",
                        time.monotonic())
            try:
                ask(client, turn)
            except httpx.HTTPError as exc:
                turn.outcome = f"transport {type(exc).__name__}"
            turn.ended = time.monotonic()
            turns.append(turn)


def _health(url: str) -> tuple[int, dict]:
    r = http.get(url + "/api/health", timeout=10)
    return r.status_code, r.json()


def _wait_for(predicate, timeout: float, what: str) -> float:
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"{what} within {timeout} s"
        time.sleep(0.05)
    return time.monotonic()


def _stored(pg_url: str, session_id: str) -> list[tuple[str, str, str | None]]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT message FROM chat_history WHERE session_id = %s ORDER BY id", (session_id,)
        ).fetchall()
    return [(m["type"], m["data"]["content"], m["data"].get("id")) for (m,) in rows]


def test_chats_through_a_real_postgres_restart_lose_no_completed_turn(
    tmp_path, fake_cohere, pg_url, postgres
):
    fake_cohere.reset()
    fake_cohere.ttft, fake_cohere.tokens_per_second = 0.05, 150.0  # ~0.3 s per answer
    settings = load_settings(
        data_dir=tmp_path, embed_model_dir=MODEL_DIR, cohere_api_key="co-restart-key",
        cohere_base_url=fake_cohere.url, cohere_embed_model="embed-english-v3.0",
        database_url=pg_url, database_wait_seconds=WAIT_SECONDS, qdrant_url=None,
        rate_limit="off", daily_token_budget=0,
    )
    srv = ServerThread(create_app(settings)).start()
    stop, turns = threading.Event(), []
    readers = [threading.Thread(target=_reader, args=(srv.url, i, stop, turns))
               for i in range(WORKERS)]
    try:
        assert srv.wait_healthy()["status"] == "healthy"
        for reader in readers:
            reader.start()
        _wait_for(lambda: sum(t.outcome == "done" for t in turns) >= 2 * WORKERS, 60,
                  "chats answered before the outage")

        t_stop = time.monotonic()
        _cluster("stop")
        t_degraded = _wait_for(lambda: _health(srv.url)[0] == 503, 10, "health turned 503")
        code, body = _health(srv.url)
        assert (code, body["status"]) == (503, "degraded")
        assert body["services"]["history"]["status"] == "unhealthy"
        assert body["services"]["qdrant"]["status"] == "healthy"
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - t_stop)))
        assert _health(srv.url)[1]["status"] == "degraded"

        _cluster("start")  # returns once the cluster accepts connections
        t_back = time.monotonic()
        t_healthy = _wait_for(lambda: _health(srv.url)[0] == 200, RECOVERY_LIMIT,
                              "health back to 200 after Postgres started")
        _wait_for(lambda: all(any(t.outcome == "done" and t.started > t_healthy
                                  and t.question.startswith(f"What does an IMU measure? (reader {i},")
                                  for t in list(turns)) for i in range(WORKERS)),
                  30, "every reader answered again after recovery")
    finally:
        stop.set()
        for reader in readers:
            if reader.is_alive():
                reader.join(60)
        srv.stop()
        fake_cohere.reset()

    print(f"\n{len(turns)} turns; health 503 {t_degraded - t_stop:.2f} s after the stop; "
          f"healthy {t_healthy - t_back:.2f} s after the start; "
          f"{sum(t.outcome != 'done' for t in turns)} turns failed")

    unexpected = [(t.route, t.outcome) for t in turns
                  if t.outcome not in {"done", "error history_unavailable"}]
    assert not unexpected
    failed = [t for t in turns if t.outcome != "done"]
    assert failed, "the outage reached no chat: the test proved nothing"
    assert all(t_stop <= t.ended and t.started <= t_healthy for t in failed), \
        "a chat failed while Postgres was up"
    assert {t.route for t in failed} == {"/api/chat", "/chat/invoke"}

    sessions: dict[str, list[Turn]] = {}
    for turn in turns:
        sessions.setdefault(turn.session_id, []).append(turn)
    assert len(sessions) == WORKERS
    for session_id, own in sessions.items():
        stored = _stored(pg_url, session_id)
        # stored as whole turns: a question, then its answer
        assert [kind for kind, _, _ in stored] == ["human", "ai"] * (len(stored) // 2)
        pairs = [(stored[i][1], stored[i + 1][1], stored[i + 1][2])
                 for i in range(0, len(stored), 2)]
        asked = {t.question for t in own}
        assert all(question in asked for question, _, _ in pairs), "a turn of another session"
        done = [t for t in own if t.outcome == "done"]
        kept = {question: (answer, message_id) for question, answer, message_id in pairs}
        for t in done:  # every turn reported done is in the database, as it was answered
            assert t.question in kept, f"lost: {t.question}"
            answer, message_id = kept[t.question]
            assert answer == t.answer
            assert t.message_id is None or message_id == t.message_id
        order = [q for q, _, _ in pairs]
        assert order == sorted(order, key=lambda q: int(q.rsplit(" ", 1)[1].rstrip(")")))
