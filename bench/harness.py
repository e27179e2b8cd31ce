"""Shared machinery of the benchmarks: the fake Cohere, the real server and worker processes as
children, /proc readings, percentiles, tables, and the JSON files under bench/out/.

Every process here talks to 127.0.0.1 only. Children are stopped when the run ends, even on a
crash, and each run works in its own temporary DATA_DIR.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx

from chains.embedded_model import MODEL_NAME

PROJECT = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT / "bench" / "out"
PYTHON = sys.executable
MODEL_DIR = PROJECT / "data" / "models" / MODEL_NAME
CORPUS_DIR = PROJECT.parent / "shared" / "corpus"
CORPORA = {name: CORPUS_DIR / name / "docs" for name in ("farheenzehra99", "mohsin-raza")}
API_KEY = "bench-not-a-secret"
BENCH_RATE_LIMIT = "1000000/minute;100000000/day"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PACKAGES = ("fastapi", "langserve", "langchain-core", "langchain-cohere", "cohere", "uvicorn",
            "starlette", "sse-starlette", "httpx", "qdrant-client", "fastembed", "pydantic")

Sample = dict[str, Any]

# -- the model's latency profile -------------------------------------------------------------


@dataclass(frozen=True)
class ModelProfile:
    """What the fake model is configured to take: the floor our overhead is measured against."""

    ttft: float = 0.3
    tps: float = 100.0
    tokens: int = 40
    embed_latency: float = 0.1
    dim: int = 1024

    @property
    def reply(self) -> str:
        """A fixed reply the fake splits into exactly `tokens` stream pieces."""
        return " ".join(f"w{i}" for i in range(self.tokens))

    @property
    def stream_seconds(self) -> float:
        """A streamed chat call: the first piece at ttft, then one piece every 1/tps."""
        return self.ttft + ((self.tokens - 1) / self.tps if self.tps else 0.0)

    def turn_seconds(self, followup: bool = False) -> float:
        """One chat turn: [condense call] + query embedding + streamed answer."""
        condense = self.stream_seconds if followup else 0.0
        return condense + self.embed_latency + self.stream_seconds

    def first_token_seconds(self, followup: bool = False) -> float:
        condense = self.stream_seconds if followup else 0.0
        return condense + self.embed_latency + self.ttft

    def fake_argv(self, port: int) -> list[str]:
        return [
            PYTHON, "-m", "tests.fakes.cohere_server", "--port", str(port),
            "--ttft", str(self.ttft), "--tps", str(self.tps),
            "--embed-latency", str(self.embed_latency), "--dim", str(self.dim),
            "--reply", self.reply, "--log-level", "warning",
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ttft_s": self.ttft, "tokens_per_s": self.tps, "reply_tokens": self.tokens,
            "embed_latency_s": self.embed_latency, "embedding_dim": self.dim,
            "first_turn_model_ms": round(self.turn_seconds() * 1000, 1),
            "first_turn_first_token_ms": round(self.first_token_seconds() * 1000, 1),
            "followup_model_ms": round(self.turn_seconds(True) * 1000, 1),
        }


# -- processes -------------------------------------------------------------------------------

_LIVE: list[Child] = []


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
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "TERM")
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
    out = subprocess.run([PYTHON, "-m", "chains.ingest", str(docs_dir), "--json"], cwd=PROJECT,
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


def start_server(env: dict[str, str], log_dir: Path, name: str = "server",
                 timeout: float = 300.0, argv: list[str] = SERVER_ARGV) -> Started:
    """`python server.py` as deployed (or a what-if launcher); returns once healthy."""
    child = Child(name, argv, env=env, log_dir=log_dir)
    url = f"http://127.0.0.1:{env['PORT']}"
    listen, healthy = wait_http(url + "/api/health", child, timeout=timeout,
                                ok=lambda r: r.status_code == 200)
    return Started(child, url, listen, healthy)


# -- /proc ------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


class Meter:
    """CPU seconds used and peak RSS / open files of some processes while the block runs."""

    def __init__(self, pids: dict[str, int], interval: float = 0.1) -> None:
        self.pids = {k: v for k, v in pids.items() if v}
        self.interval = interval
        self.peak_rss: dict[str, float] = {}
        self.peak_fds: dict[str, int] = {}
        self.cpu: dict[str, float] = {}
        self.wall = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _read(self) -> None:
        for name, pid in self.pids.items():
            try:
                self.peak_rss[name] = max(self.peak_rss.get(name, 0.0), rss_mb(pid))
                self.peak_fds[name] = max(self.peak_fds.get(name, 0), open_fds(pid))
            except (FileNotFoundError, ProcessLookupError):
                pass

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._read()

    def __enter__(self) -> Meter:
        self.pids = {k: p for k, p in self.pids.items() if Path(f"/proc/{p}").exists()}
        self._cpu0 = {k: cpu_seconds(p) for k, p in self.pids.items()}
        self._t0 = time.perf_counter()
        self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()
        self.wall = time.perf_counter() - self._t0
        self.cpu = {k: cpu_seconds(p) - self._cpu0[k] for k, p in self.pids.items()}

    def cpu_share(self) -> dict[str, float]:
        """Cores used on average by each process (1.0 = one core busy all the time)."""
        return {k: round(v / self.wall, 2) for k, v in self.cpu.items()} if self.wall else {}


# -- statistics and output -------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100); None for no values."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summary(values_s: list[float]) -> dict[str, float | int | None]:
    """n, p50, p90, p99, max and mean of durations in seconds, reported in milliseconds."""

    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 2)

    return {
        "n": len(values_s),
        "p50": ms(percentile(values_s, 50)),
        "p90": ms(percentile(values_s, 90)),
        "p99": ms(percentile(values_s, 99)),
        "max": ms(max(values_s)) if values_s else None,
        "mean": ms(sum(values_s) / len(values_s)) if values_s else None,
    }


def sub(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 2)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)


def table(rows: Iterable[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """A Markdown table (pastes into RESULTS.md as it is)."""
    rows = list(rows)
    lines = ["| " + " | ".join(h for _, h in columns) + " |",
             "|" + "|".join("---:" if i else "---" for i in range(len(columns))) + "|"]
    lines += ["| " + " | ".join(_cell(r.get(k)) for k, _ in columns) + " |" for r in rows]
    return "\n".join(lines)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT,
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def machine() -> dict[str, Any]:
    """Where and when: nproc, RAM, CPU model, load, versions."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "mem_gib": round(mem_kb / 1024**2, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": _git_commit(),
        "packages": versions,
    }


class Bench:
    """One benchmark run: temp dir, log dir, children stopped at the end, one JSON result."""

    def __init__(self, name: str, argv: list[str] | None = None) -> None:
        self.name = name
        self.command = "python -m bench." + name + "".join(
            " " + a for a in (sys.argv[1:] if argv is None else argv))
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bookchat-bench-{name}-"))
        self.log_dir = OUT_DIR / "logs" / name
        self.machine = machine()
        self.t0 = time.perf_counter()
        self._workers: list[Worker] = []
        self._children: list[Child] = []

    def child(self, child: Child) -> Child:
        self._children.append(child)
        return child

    def worker(self, module: str, name: str, env: dict[str, str] | None = None) -> Worker:
        w = Worker(module, name=name, env=env or base_env(), log_dir=self.log_dir)
        self._workers.append(w)
        return w

    def __enter__(self) -> Bench:
        # a plain `kill` still stops the children and removes the temp dir
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        m = self.machine
        print(f"# {self.command}  ({m['date']}, load {m['loadavg_at_start']})", flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        for w in reversed(self._workers):
            w.close()
        for c in reversed(self._children):
            c.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def save(self, payload: dict[str, Any]) -> Path:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUT_DIR / f"{self.name}.json"
        doc = {
            "benchmark": self.name,
            "command": self.command,
            "machine": self.machine,
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "seconds": round(time.perf_counter() - self.t0, 1),
            **payload,
        }
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"\nwrote {path.relative_to(PROJECT)} ({doc['seconds']} s)", flush=True)
        return path


# -- worker processes (load generator, in-process baseline) ----------------------------------


class Worker:
    """A long-lived `python -m <module>` child answering one JSON line per command line."""

    def __init__(self, module: str, *, name: str, env: dict[str, str], log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self._log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [PYTHON, "-m", module], cwd=PROJECT, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log, text=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def call(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.name} died (see bench/out/logs)")
        result = json.loads(line)
        if "error" in result:
            raise RuntimeError(f"worker {self.name}: {result['error']}")
        return result

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def serve_worker(handle: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]],
                 close: Callable[[], Awaitable[None]] | None = None) -> None:
    """Worker side: one event loop (uvloop, like uvicorn's) for the process; a JSON line in,
    a JSON line out. Anything else printed goes to stderr, so the protocol stays clean."""
    import uvloop

    out = sys.stdout
    sys.stdout = sys.stderr
    raise_nofile()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                result = runner.run(handle(json.loads(line)))
            except Exception as exc:  # reported to the orchestrator, which stops the run
                result = {"error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(result) + "\n")
            out.flush()
        if close is not None:
            runner.run(close())


def own_cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def closed_loop(
    one: Callable[[int], Awaitable[Sample]],
    *,
    concurrency: int,
    requests: int | None = None,
    duration: float | None = None,
    warmup: int = 0,
) -> dict[str, Any]:
    """`concurrency` callers run `one(i)` back to back (closed loop) until `requests` are done
    or `duration` seconds passed; a warm-up round runs first and is discarded."""
    if warmup:
        await _callers(one, concurrency, warmup, None, offset=10**6)
    cpu0 = own_cpu_seconds()
    samples, wall = await _callers(one, concurrency, requests, duration, offset=0)
    result = summarize(samples, wall)
    result["client_cpu_s"] = round(own_cpu_seconds() - cpu0, 3)
    return result


async def _callers(
    one: Callable[[int], Awaitable[Sample]], concurrency: int, requests: int | None,
    duration: float | None, *, offset: int,
) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    counter = itertools.count(offset)
    start = time.perf_counter()
    deadline = start + duration if duration else None

    async def caller() -> None:
        while True:
            i = next(counter)
            if requests is not None and i - offset >= requests:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            samples.append(await one(i))

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return samples, time.perf_counter() - start


def summarize(samples: list[Sample], wall: float) -> dict[str, Any]:
    ok = [s for s in samples if s["ok"]]
    kinds = Counter(s["error"] for s in samples if not s["ok"])
    return {
        "n": len(samples),
        "errors": len(samples) - len(ok),
        "error_kinds": dict(kinds.most_common(5)),
        "wall_s": round(wall, 3),
        "rps": round(len(samples) / wall, 2) if wall else None,
        "latency": summary([s["latency"] for s in ok]),
        "ttft": summary([s["ttft"] for s in ok if s.get("ttft") is not None]),
        "latencies_ms": [round(s["latency"] * 1000, 2) for s in ok],
        "ttfts_ms": [round(s["ttft"] * 1000, 2) for s in ok if s.get("ttft") is not None],
    }
