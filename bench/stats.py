"""Readings and reporting: CPU, RSS and open files from /proc, percentiles, Markdown tables,
and a description of the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench.procs import PROJECT

CLK_TCK = os.sysconf("SC_CLK_TCK")
PACKAGES = ("fastapi", "langserve", "langchain-core", "langchain-cohere", "cohere", "uvicorn",
            "starlette", "sse-starlette", "httpx", "qdrant-client", "fastembed", "pydantic")


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


def main_thread_share(pid: int, before: float | None = None) -> float:
    """CPU seconds of a process's main thread (the event loop), minus `before` if given."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK - (before or 0.0)


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

