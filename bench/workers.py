"""Worker processes (the load generator, the in-process baseline): one JSON command per line
in, one JSON result per line out; and the closed-loop driver both use."""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.procs import PROJECT, PYTHON, raise_nofile
from bench.stats import summary

Sample = dict[str, Any]


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
