"""Reads a py-spy profile in collapsed-stack form (`py-spy record --format raw [--gil]`) and
says where the time goes: self time by package, inclusive time of functions, and what is ours.

    python -m bench.flame bench/out/profile-invoke.txt [--top 25]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
OURS = ("server.py", "chains/", "service/")
# Frames that are on every stack of their thread; they say nothing about the cost.
ROOTS = ("<module> (server.py", "main (server.py", "run (uvicorn/", "Server.run", "asyncio_run",
         "Runner.run", "run_until_complete", "_run_once", "Thread._bootstrap", "Thread.run",
         "_worker (concurrent/", "Handle._run", "Context.run", "serve (uvicorn/",
         "Server.serve", "_serve (uvicorn/", "run_forever", "run (asyncio/",
         "WorkerThread.run", "_run_module_as_main", "_run_code (<frozen runpy>",
         "<module> (bench/")
# Leaves where a thread waits (py-spy cannot always tell it is idle): not CPU time.
IDLE = ("Condition.wait (threading.py", "_worker (concurrent/futures/thread.py",
        "Queue.get (queue.py", "Event.wait (threading.py", "Thread.join", "select (selectors.py",
        "_wait_for_tstate_lock")


def package(file: str) -> str:
    """`bookchat` for our files, else the top-level module (stdlib modules keep their name)."""
    if file.startswith(OURS):
        return "bookchat"
    top = file.split("/", 1)[0].removesuffix(".py")
    if top in sys.stdlib_module_names:
        return f"stdlib:{top}"
    return top or "?"


def parse(path: Path) -> tuple[list[tuple[list[str], int]], Counter[str]]:
    """(stack of frames root first, sample count) per busy line, and busy samples per thread."""
    stacks: list[tuple[list[str], int]] = []
    threads: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line:
            continue
        frames_text, _, count = line.rpartition(" ")
        frames = frames_text.split(";")
        thread = frames[0] if frames and frames[0].startswith(("thread", "process")) else "?"
        frames = [f for f in frames if not f.startswith(("thread", "process"))]
        if frames and frames[-1].startswith(IDLE):
            continue
        stacks.append((frames, int(count)))
        threads[thread] += int(count)
    return stacks, threads


def _split(frame: str) -> tuple[str, str]:
    m = _FRAME.match(frame)
    return (m["func"], m["file"]) if m else (frame, "")


def analyze(path: Path, top: int = 25) -> dict[str, Any]:
    stacks, threads = parse(path)
    total = sum(n for _, n in stacks) or 1
    self_pkg: Counter[str] = Counter()
    self_fn: Counter[str] = Counter()
    incl_fn: Counter[str] = Counter()
    incl_pkg: Counter[str] = Counter()
    ours_self = 0
    for frames, n in stacks:
        if not frames:
            continue
        func, file = _split(frames[-1])
        self_pkg[package(file)] += n
        self_fn[f"{func} ({file})"] += n
        if package(file) == "bookchat":
            ours_self += n
        seen_fn, seen_pkg = set(), set()
        for frame in frames:
            if frame.startswith(ROOTS):
                continue
            func, file = _split(frame)
            key = f"{func} ({file.rsplit(':', 1)[0]})"
            if key not in seen_fn:
                incl_fn[key] += n
                seen_fn.add(key)
            pkg = package(file)
            if pkg not in seen_pkg:
                incl_pkg[pkg] += n
                seen_pkg.add(pkg)

    def pct(counter: Counter[str], k: int) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(k)]

    ours = [(name, share) for name, share in pct(incl_fn, 10**6)
            if name.split("(", 1)[-1].startswith(OURS)]
    return {
        "samples": total,
        "threads_pct": pct(threads, 10),
        "self_by_package_pct": pct(self_pkg, top),
        "inclusive_by_package_pct": pct(incl_pkg, top),
        "self_by_function_pct": pct(self_fn, top),
        "inclusive_by_function_pct": pct(incl_fn, top),
        "ours_inclusive_pct": ours[:top],
        "ours_self_pct": round(100 * ours_self / total, 1),
    }


def render(result: dict[str, Any]) -> str:
    lines = [f"samples: {result['samples']}; self time in our files: {result['ours_self_pct']}%"]
    for key in ("threads_pct", "self_by_package_pct", "inclusive_by_package_pct",
                "self_by_function_pct", "inclusive_by_function_pct", "ours_inclusive_pct"):
        lines.append(f"\n{key.replace('_', ' ')}:")
        lines += [f"  {share:5.1f}%  {name}" for name, share in result[key]]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("profile", type=Path)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args()
    print(render(analyze(args.profile, args.top)))


if __name__ == "__main__":
    main()
