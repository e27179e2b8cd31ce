"""Scale-out: /chat/invoke throughput at 32 concurrent first turns with one server process and
with WEB_CONCURRENCY=2, Postgres history, the fake Cohere with the standard profile, same run.

    python -m bench.scaleout [--duration 20] [--rounds 2] [--level 32] [--no-redis]
                             [--ttft 0.3 --tps 100 --tokens 40 --embed-latency 0.1]

The model's own time caps what any number of workers can do: `--level` closed-loop callers
waiting `model s` per answer make at most level / model answers per second. The bench prints
that ceiling and the most two workers could show over the one it measured; with the standard
profile one lean worker comes close to it, so the question "does a second process use the
second core" is asked with the model's waits at zero (`--ttft 0 --tps 0 --embed-latency 0`):
then each answer is CPU only, and throughput is what the cores can do.

The servers run side by side (an idle one costs no CPU) and are measured in turn, alternating
for `--rounds`, so a change in the machine's load touches each alike. The two-worker server
shares its rate limits through the local Redis (REDIS_URL, as several workers are deployed);
`--no-redis` keeps them per worker. Embedded Qdrant is one process per folder, so each worker
gets its own copy of the bench collection (QDRANT_EMBEDDED_COPY_PER_WORKER, test/bench only);
in production the workers share a Qdrant server. CPU is summed over the worker processes;
"cores used by other processes" is the machine's busy time (/proc/stat) minus the bench's own
processes: what the workers could not have.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.pgdb import temp_database
from bench.procs import (
    CORPORA,
    Started,
    clone_data_dir,
    free_port,
    raise_nofile,
    reset_fake,
    server_env,
    start_server,
)
from bench.stats import Meter, table

REDIS_URL = "redis://127.0.0.1:6379/0"
COLUMNS = [("round", "round"), ("server", "server"), ("n", "n"), ("errors", "err"),
           ("rps", "req/s"), ("p50", "p50 ms"), ("p99", "p99 ms"), ("cpu_ms", "CPU ms/req"),
           ("cores", "cores workers/fake/client"), ("others", "cores used by other processes"),
           ("split", "CPU split over workers")]


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=20.0, help="seconds per cell")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--level", type=int, default=32, help="concurrent callers")
    p.add_argument("--no-redis", action="store_true", help="two workers without REDIS_URL")
    ModelProfile().add_arguments(p)
    return p.parse_args()


def _busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _workers(pid: int) -> list[int]:
    """The server's worker processes (itself when it runs one), not multiprocessing helpers."""
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"resource_tracker" not in cmdline:
            kids.append(int(entry.name))
    return kids or [pid]


def _settle(server: Started, workers: int, timeout: float = 300.0) -> None:
    """Healthy is one worker answering: wait until all are up and 20 fresh connections in a
    row are answered 200, so no measured request meets a worker still starting."""
    deadline = time.monotonic() + timeout
    streak = 0
    while streak < 20:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.child.name}: workers not all healthy")
        if len(_workers(server.child.pid)) < workers:
            time.sleep(0.2)
            continue
        ok = httpx.get(server.url + "/api/health", timeout=30).status_code == 200
        streak = streak + 1 if ok else 0
        time.sleep(0.05)


def _start(bench: Bench, fake_url: str, template: Path, pg_url: str, workers: int,
           redis: bool) -> Started:
    tag = f"{workers}w" + ("-redis" if redis else "")
    data_dir = clone_data_dir(template, bench.tmp / f"server-{tag}")
    env = server_env(port=free_port(), data_dir=data_dir, fake_url=fake_url,
                     docs_dir=CORPORA["mohsin-raza"], database_url=pg_url)
    env.update(WEB_CONCURRENCY=str(workers), QDRANT_EMBEDDED_COPY_PER_WORKER="true")
    if redis:
        env.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=f"bookchat-bench-{uuid.uuid4().hex[:8]}")
    server = start_server(env, bench.log_dir, name=f"server-{tag}")
    bench.child(server.child)
    _settle(server, workers)
    print(f"server-{tag} healthy in {server.healthy_s:.1f} s", flush=True)
    return server


def _cell(args: argparse.Namespace, bench_pids: dict[str, int], server: Started, name: str,
          loadgen: Any, profile: ModelProfile, fake_url: str, round_no: int) -> dict[str, Any]:
    workers = _workers(server.child.pid)
    pids = {**bench_pids, **{f"w{i}": pid for i, pid in enumerate(workers)}}
    busy0, total0 = _busy_jiffies()
    with Meter(pids) as meter:
        result = loadgen.call(op="load", base=server.url, kind="invoke", concurrency=args.level,
                              duration=args.duration, warmup=args.level, expect=profile.reply)
    busy1, total1 = _busy_jiffies()
    machine_cores = (busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1)
    reset_fake(fake_url)
    worker_cpu = [meter.cpu.get(f"w{i}", 0.0) for i in range(len(workers))]
    share = meter.cpu_share()
    total = sum(worker_cpu)
    row = {
        "round": round_no, "server": name, "workers": len(workers), "n": result["n"],
        "errors": result["errors"], "error_kinds": result["error_kinds"], "rps": result["rps"],
        "p50": result["latency"]["p50"], "p99": result["latency"]["p99"],
        "cpu_ms": round(total * 1000 / (result["n"] + args.level), 1),
        "cores": f"{round(total / meter.wall, 2)}/{share.get('fake', '–')}/"
                 f"{share.get('loadgen', '–')}",
        "others": round(machine_cores - sum(meter.cpu.values()) / meter.wall, 2),
        "split": "/".join(f"{c / total:.0%}" for c in worker_cpu) if total else "–",
        "latencies_ms": result["latencies_ms"],
    }
    print(table([row], COLUMNS).splitlines()[-1], flush=True)
    return row


def _ratio(rows: list[dict[str, Any]], names: list[str], level: int, profile: ModelProfile
           ) -> dict[str, Any]:
    """Total answers / total time per server over all rounds, two workers over one, and the
    model's ceiling: the most answers/s `level` callers can get, and that over one worker."""
    rps = {}
    for name in names:
        mine = [r for r in rows if r["server"] == name]
        rps[name] = round(sum(r["n"] for r in mine) / sum(r["n"] / r["rps"] for r in mine), 2)
    one, two = rps[names[0]], rps[names[1]]
    model_s = profile.turn_seconds()
    ceiling = round(level / model_s, 1) if model_s else None
    return {"rps": rps, "ratio": round(two / one, 2), "target": 1.6, "met": two / one >= 1.6,
            "model_ceiling_rps": ceiling,
            "most_ratio_possible": round(ceiling / one, 2) if ceiling else None}


def main() -> None:
    args = _args()
    raise_nofile()
    profile = ModelProfile.from_args(args)
    names = ["1 worker", "2 workers" + ("" if args.no_redis else " + Redis")]
    # An instant model's rows are kept beside the standard profile's, not over them.
    with Bench("scaleout" if profile.turn_seconds() else "scaleout-instant",
               module="scaleout") as bench:
        fake, fake_url, template = bench.fake_and_book(profile)
        loadgen = bench.worker("bench.loadgen", "loadgen")
        with temp_database() as pg_url:
            servers = {
                names[0]: _start(bench, fake_url, template, pg_url, 1, redis=False),
                names[1]: _start(bench, fake_url, template, pg_url, 2, redis=not args.no_redis),
            }
            print(f"model profile: {profile.as_dict()}\n")
            print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
            base = {"fake": fake.pid, "loadgen": loadgen.pid}
            rows = [
                _cell(args, base, servers[name], name, loadgen, profile, fake_url, r + 1)
                for r in range(args.rounds) for name in names
            ]
            for server in servers.values():
                server.child.stop()
        summary = _ratio(rows, names, args.level, profile)
        print(f"\nreq/s over all rounds: {summary['rps']}; two workers / one: "
              f"{summary['ratio']}x (target >= 1.6x: {'met' if summary['met'] else 'NOT met'})")
        if summary["model_ceiling_rps"]:
            print(f"model ceiling: {args.level} callers / {profile.turn_seconds():.3f} s = "
                  f"{summary['model_ceiling_rps']} answers/s, at most "
                  f"{summary['most_ratio_possible']}x the one worker measured")
        bench.save({"model_profile": profile.as_dict(), "level": args.level,
                    "duration_s": args.duration, "rounds": args.rounds, "rows": rows,
                    "summary": summary})


if __name__ == "__main__":
    main()
