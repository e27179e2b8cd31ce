"""The processes of a benchmark run: the fake Cohere with a latency profile
(bench/model_profile.py), the real server (`python server.py`, or the what-if launcher) with
settings from env vars only, the data they start from, and their clean-up. Everything listens
on 127.0.0.1; children are stopped when the run ends, even on a crash."""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.model_profile import ModelProfile
from clients.embedded_model import MODEL_NAME

PROJECT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(os.environ.get("BENCH_OUT") or PROJECT / "bench" / "out")
PYTHON = sys.executable
MODEL_DIR = PROJECT / "data" / "models" / MODEL_NAME
CORPUS_DIR = PROJECT.parent / "shared" / "corpus"
CORPORA = {name: CORPUS_DIR / name / "docs" for name in ("farheenzehra99", "mohsin-raza")}
API_KEY = "bench-not-a-secret"
BENCH_RATE_LIMIT = "1000000/minute;100000000/day"

# -- processes -------------------------------------------------------------------------------

_LIVE: list[Child] = []


def shown(path: Path) -> str:
    """A path as the reader would type it: relative to the project when inside it."""
    return str(path.relative_to(PROJECT)) if path.is_relative_to(PROJECT) else str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_nofile() -> int:
    """Lift the soft open-files limit to the hard one (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def base_env(**extra: object) -> dict[str, str]:
    """A minimal environment, so none of the caller's settings leak into a child."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "TERM",
            "BENCH_BASELINE_INDEXED_SEARCH")  # the baseline with our embedded-search patch
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONUNBUFFERED"] = "1"
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    return env


def server_env(
    *,
    port: int | None,
    data_dir: Path,
    fake_url: str | None = None,
    database_url: str | None = None,
    docs_dir: Path | None = None,
    collection: str | None = None,
) -> dict[str, str]:
    """The server's settings: Cohere (the fake) when fake_url is given, else offline."""
    env = base_env(
        PORT=port, DATA_DIR=data_dir, EMBED_MODEL_DIR=MODEL_DIR, DOCS_DIR=docs_dir,
        DATABASE_URL=database_url, QDRANT_COLLECTION=collection,
        # All load comes from 127.0.0.1: limits far above it keep the limiter's code on the
        # path without ever refusing (the deployed default is 30/minute per address).
        RATE_LIMIT=BENCH_RATE_LIMIT, DAILY_TOKEN_BUDGET=1_000_000_000,
    )
    if fake_url is not None:
        env.update(COHERE_API_KEY=API_KEY, COHERE_BASE_URL=fake_url)
    return env


def prepared_data_dir(tmp: Path, env: dict[str, str], docs_dir: Path) -> Path:
    """A DATA_DIR with docs_dir ingested by the real CLI (with env's embeddings), made once per
    run and copied for each server: a start-up then finds a full collection, as in production."""
    template = tmp / "data-template"
    env = {**env, "DATA_DIR": str(template)}
    out = subprocess.run([PYTHON, "-m", "ingest", str(docs_dir), "--json"], cwd=PROJECT,
                         env=env, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"ingest for the bench data failed: {out.stderr.strip()[-800:]}")
    return template


def clone_data_dir(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


class Child:
    """A child process whose output goes to a log file under bench/out/logs/."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv, cwd=PROJECT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        _LIVE.append(self)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 15) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 25.0) -> int | None:
        """SIGINT (uvicorn's graceful shutdown), SIGKILL when it does not end in time."""
        if self.alive():
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        if self in _LIVE:
            _LIVE.remove(self)
        return self.proc.returncode


@atexit.register
def _stop_all() -> None:
    for child in reversed(list(_LIVE)):
        child.stop(timeout=5)


def wait_http(
    url: str, child: Child, *, timeout: float = 180.0, ok: Callable[[httpx.Response], bool],
    headers: dict[str, str] | None = None,
) -> tuple[float | None, float]:
    """Poll url until ok(response); returns (seconds to first answer, seconds to ok)."""
    first = None
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited with {child.proc.returncode}:\n{child.tail()}")
        try:
            r = httpx.get(url, timeout=5, headers=headers)
        except httpx.HTTPError:
            time.sleep(0.02)
            continue
        now = time.perf_counter() - child.started
        first = first if first is not None else now
        if ok(r):
            return first, now
        time.sleep(0.05)
    raise TimeoutError(f"{child.name} not ready after {timeout:.0f}s:\n{child.tail()}")


def start_fake(profile: ModelProfile, log_dir: Path, name: str = "fake-cohere"
               ) -> tuple[Child, str]:
    port = free_port()
    child = Child(name, profile.fake_argv(port), env=base_env(), log_dir=log_dir)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/v1/models", child, timeout=60, ok=lambda r: r.status_code == 200,
              headers={"Authorization": f"Bearer {API_KEY}"})
    return child, url


def reset_fake(url: str) -> None:
    """Drop the requests the fake recorded (it keeps every body in memory)."""
    httpx.post(url + "/_fake/reset", timeout=10)


@dataclass
class Started:
    child: Child
    url: str
    listen_s: float | None
    healthy_s: float


SERVER_ARGV = [PYTHON, "server.py"]
WHATIF_ARGV = [PYTHON, "-m", "bench.whatif_server"]  # fixes: BENCH_WHATIF_FIXES, see there
BASELINE_ARGV = [PYTHON, "-m", "bench.baseline_app"]  # the hand-written app, same env vars


def start_server(env: dict[str, str], log_dir: Path, name: str = "server",
                 timeout: float = 300.0, argv: list[str] = SERVER_ARGV) -> Started:
    """`python server.py` as deployed (or a what-if launcher); returns once healthy."""
    child = Child(name, argv, env=env, log_dir=log_dir)
    url = f"http://127.0.0.1:{env['PORT']}"
    listen, healthy = wait_http(url + "/api/health", child, timeout=timeout,
                                ok=lambda r: r.status_code == 200)
    return Started(child, url, listen, healthy)

