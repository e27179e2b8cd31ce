"""Several processes: `python server.py` with WEB_CONCURRENCY=2, Postgres history on a
throw-away database, each worker on its own copy of the embedded store
(QDRANT_EMBEDDED_COPY_PER_WORKER, test-only) and the rate limit in the local Redis under a key
prefix of its own. Which worker answered a request is read from /proc: the worker process
holding the server side of the test's TCP connection."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from config.settings import PROJECT_DIR
from tests.conftest import MODEL_DIR, REDIS_URL
from tests.support import free_port

LIMIT = 5


@pytest.fixture
def throwaway_db(pg_url):
    name = f"bookchat_workers_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield pg_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _workers(server: subprocess.Popen) -> list[int]:
    """uvicorn's worker processes (multiprocessing's resource tracker left out)."""
    pids = []
    for pid in _children(server.pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in cmdline:
            pids.append(pid)
    return pids


def _socket_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """The process holding the server side of the connection from client_port."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        if int(local, 16) == server_port and int(remote, 16) == client_port:
            inode = fields[9]
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
        except OSError:
            continue
    return None


def _request(port: int, pids: list[int], method: str, path: str,
             body: dict | None = None) -> tuple[int, int | None]:
    """One request on a fresh connection: (status, the worker that answered)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status, _socket_owner(port, conn.sock.getsockname()[1], pids)
    finally:
        conn.close()


def _start(tmp_path: Path, database_url: str, prefix: str) -> tuple[subprocess.Popen, int, Path]:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env.update(
        DATA_DIR=str(tmp_path / "data"), EMBED_MODEL_DIR=str(MODEL_DIR),
        DATABASE_URL=database_url, PYTHONUNBUFFERED="1",
    )
    ingest = subprocess.run(  # the store the workers copy: full, so none ingests at start-up
        [sys.executable, "-m", "ingest", str(PROJECT_DIR / "sample_book"), "--json"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    port = free_port()
    env.update(
        PORT=str(port), WEB_CONCURRENCY="2", QDRANT_EMBEDDED_COPY_PER_WORKER="true",
        REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix, RATE_LIMIT=f"{LIMIT}/minute",
        DAILY_TOKEN_BUDGET="0",
    )
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "server.py"], cwd=PROJECT_DIR, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    return server, port, log


def _wait_both_healthy(server: subprocess.Popen, port: int, log: Path) -> list[int]:
    """Poll /api/health on fresh connections until both workers answered 200."""
    deadline = time.monotonic() + 240
    healthy: set[int] = set()
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-3000:]
        pids = _workers(server)
        try:
            status, pid = _request(port, pids, "GET", "/api/health")
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200 and pid is not None:
            healthy.add(pid)
        if len(pids) == 2 and healthy >= set(pids):
            return pids
        time.sleep(0.05)
    raise TimeoutError(f"both workers not healthy: {healthy}\n{log.read_text()[-3000:]}")


def _searches(port: int, pids: list[int], count: int) -> list[tuple[int, int | None]]:
    """`count` searches at once, each on its own connection."""
    results: list[tuple[int, int | None]] = []
    start = threading.Barrier(count)

    def one() -> None:
        start.wait()
        results.append(_request(port, pids, "POST", "/search/invoke", {"input": "lidar"}))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_a_redis_limit_holds_across_two_workers_a_crash_is_replaced_sigterm_stops_all(
    tmp_path, throwaway_db, redis_prefix
):
    server, port, log = _start(tmp_path, throwaway_db, redis_prefix)
    try:
        pids = _wait_both_healthy(server, port, log)
        first = _searches(port, pids, 12)
        assert sorted(status for status, _ in first) == [200] * LIMIT + [429] * (12 - LIMIT)
        # A refused request's worker is read off its socket, which the worker may already have
        # closed on a busy machine (None): an unknown worker is no evidence either way.
        refused_by = {pid for status, pid in first if status == 429 and pid is not None}
        for _ in range(10):  # until each worker has refused at least once
            if refused_by >= set(pids):
                break
            more = _searches(port, pids, 4)
            assert {status for status, _ in more} == {429}  # the 6th and later, anywhere
            refused_by |= {pid for _, pid in more if pid is not None}
        # Five answers in all, and every worker refuses: none counted only its own requests.
        assert refused_by == set(pids), (first, refused_by)
        crashed = pids[0]
        os.kill(crashed, signal.SIGKILL)  # a crashed worker is reported and replaced
        pids = _wait_both_healthy(server, port, log)
        assert crashed not in pids
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(60)
    assert code == 0
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]  # both workers stopped
    text = log.read_text()
    assert "embedded mode" not in text and "without REDIS_URL" not in text
    died = [line for line in text.splitlines() if "died" in line]
    assert len(died) == 1 and f"[{crashed}]" in died[0]  # no restart but the one we caused
    assert "uvicorn.access" not in text  # the access line is ours, once
    assert REDIS_URL not in text
