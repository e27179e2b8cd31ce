"""What we add on top of the model, side by side in one run: end-to-end latency and time to first
token of the app (/chat/invoke, /chat/stream, /api/chat when it exists), of the same chain called
in-process, and of the model alone (the fake Cohere timed directly), and of the hand-written
baseline (bench/baseline_app.py) at 1, 8, 32 and 128 concurrent chats, with a table of our rows
over the baseline's. Overhead = app − model, against the configured latency and the measured one.
At 32 concurrent it also runs follow-up turns (history → condense call), Postgres history, and
the what-if server (bench/whatif_server.py).

    python -m bench.overhead [--levels 1,8,32,128] [--ttft 0.3 --tps 100 --tokens 40
                             --embed-latency 0.1] [--cap 8] [--no-followup] [--no-postgres]
                             [--no-whatif] [--whatif-fixes "sdkstream;aggregator"]
                             [--whatif-levels 1,32] [--no-baseline] [--no-inproc]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.api_chat import api_chat_route
from bench.baseline import RATIO_COLUMNS, ratio_rows
from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.overhead_cells import COLUMNS, TARGET_LEVEL, Cells, app_cells, level_cells
from bench.pgdb import temp_database
from bench.procs import (
    BASELINE_ARGV,
    CORPORA,
    WHATIF_ARGV,
    clone_data_dir,
    raise_nofile,
    server_env,
)
from bench.stats import rss_mb, table
from bench.workers import Worker


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--levels", default="1,8,32,128")
    ModelProfile().add_arguments(p)
    p.add_argument("--scale", type=float, default=1.0, help="multiply the request counts")
    p.add_argument("--cap", type=float, default=8.0,
                   help="seconds after which a cell starts no new requests")
    p.add_argument("--no-followup", action="store_true", help="skip the follow-up turns")
    p.add_argument("--no-postgres", action="store_true", help="skip the Postgres history run")
    p.add_argument("--no-whatif", action="store_true", help="skip the what-if server")
    p.add_argument("--whatif-fixes", default="blas,parse",
                   help="';'-separated fix sets, one what-if server each (bench/whatif_server.py)")
    p.add_argument("--whatif-levels", default=str(TARGET_LEVEL))
    p.add_argument("--no-baseline", action="store_true", help="skip the hand-written baseline")
    p.add_argument("--no-inproc", action="store_true", help="skip the in-process chain")
    return p.parse_args()


def _start_inproc(bench: Bench, fake_url: str, template: Path) -> Worker:
    """The in-process baseline with the server's settings and its own copy of the data."""
    data_dir = clone_data_dir(template, bench.tmp / "inproc")
    env = server_env(port=None, data_dir=data_dir, fake_url=fake_url,
                     docs_dir=CORPORA["mohsin-raza"])
    inproc = bench.worker("bench.inproc", "inproc", env)
    opened = inproc.call(op="open")
    print(f"in-process chain ready in {opened['seconds']} s ({opened['mode']})", flush=True)
    return inproc


def verdicts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets at TARGET_LEVEL concurrent first turns, against the measured model."""
    out = []
    for r in rows:
        judged = r["target"].startswith("app /")
        if r["level"] != TARGET_LEVEL or r["followup"] or not judged:
            continue
        checks = [("overhead p50 ≤ 10 ms", r.get("over_p50"), 10.0),
                  ("overhead p99 ≤ 40 ms", r.get("over_p99"), 40.0)]
        if not r["target"].endswith("/chat/invoke"):
            checks.append(("added TTFT p50 ≤ 15 ms", r.get("ttft_add_p50"), 15.0))
        for name, value, limit in checks:
            met = value is not None and value <= limit and r["errors"] == 0
            out.append({"target": r["target"], "check": name, "value": value,
                        "met": "met" if met else "NOT met"})
    return out


def _postgres_pass(bench: Bench, cells: Cells, fake_url: str, template: Path,
                   no_followup: bool) -> None:
    """/chat/invoke at 32 (first turns and follow-ups) with the history in Postgres."""
    with temp_database() as pg_url:
        pg = bench.app(fake_url, "pg", template, database_url=pg_url)
        cells.pids["server"] = pg.child.pid
        before = len(cells.rows)
        app_cells(cells, TARGET_LEVEL, pg, None, prefix="app [pg]", streams=False)
        if not no_followup:
            app_cells(cells, TARGET_LEVEL, pg, None, prefix="app [pg]", followup=True,
                       streams=False)
        for r in cells.rows[before:]:
            r["history"] = "postgres"
        pg.child.stop()


def _whatif_passes(bench: Bench, cells: Cells, fake_url: str, template: Path,
                   api_chat: dict | None, args: argparse.Namespace) -> None:
    """The app's cells on one what-if server per fix set (e.g. a lever taken back out)."""
    for i, fixes in enumerate(args.whatif_fixes.split(";")):
        whatif = bench.app(fake_url, f"whatif{i}", template, argv=WHATIF_ARGV, fixes=fixes)
        cells.pids["server"] = whatif.child.pid
        for level in (int(x) for x in args.whatif_levels.split(",")):
            app_cells(cells, level, whatif, api_chat, prefix=f"what-if [{fixes}]")
        whatif.child.stop()


def main() -> None:
    args = _args()
    raise_nofile()
    levels = [int(x) for x in args.levels.split(",")]
    profile = ModelProfile.from_args(args)
    with Bench(profile.result_name("overhead", ModelProfile.tokens), module="overhead") as bench:
        fake, fake_url, template = bench.fake_and_book(profile)
        server = bench.app(fake_url, "sqlite", template)
        inproc = None if args.no_inproc else _start_inproc(bench, fake_url, template)
        baseline = None if args.no_baseline else bench.app(
            fake_url, "baseline", template, argv=BASELINE_ARGV)
        loadgen = bench.worker("bench.loadgen", "loadgen")
        api_chat = api_chat_route(server.url)
        pids = {"server": server.child.pid, "fake": fake.pid, "loadgen": loadgen.pid}
        pids |= {"inproc": inproc.pid} if inproc else {}
        pids |= {"baseline": baseline.child.pid} if baseline else {}
        cells = Cells(profile, fake_url, pids, loadgen, args)
        rss = {"server_idle_mb": round(rss_mb(server.child.pid), 1)}
        print(f"model profile: {profile.as_dict()}\n/api/chat: {api_chat or 'not served'}\n")
        print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
        for followup in [False] + ([] if args.no_followup else [True]):
            for level in levels if not followup else [TARGET_LEVEL]:
                level_cells(cells, level, server, baseline, inproc, api_chat, followup)
        rss["server_after_runs_mb"] = round(rss_mb(server.child.pid), 1)
        for r in cells.rows:
            r["history"] = "sqlite"
        for child in [inproc, baseline and baseline.child]:
            if child:
                child.close() if isinstance(child, Worker) else child.stop()
        server.child.stop()
        cells.pids.pop("inproc", None)
        if not args.no_postgres:
            _postgres_pass(bench, cells, fake_url, template, args.no_followup)
        if not args.no_whatif:
            _whatif_passes(bench, cells, fake_url, template, api_chat, args)
        results = verdicts(cells.rows)
        ratios = ratio_rows(cells.rows)
        print("\n## ours / the hand-written baseline (same run)\n")
        print(table(ratios, RATIO_COLUMNS))
        levers = {} if args.no_whatif else {
            f: ratio_rows(cells.rows, ours=f"what-if [{f}]", theirs="app")
            for f in args.whatif_fixes.split(";")}
        for fixes, rows in levers.items():
            print(f"\n## what-if [{fixes}] / the app (a lever taken out: ratio > 1 = it helps)\n")
            print(table(rows, RATIO_COLUMNS))
        print("\n## targets at 32 concurrent first turns (overhead vs the measured model)\n")
        print(table(results, [("target", "target"), ("check", "check"), ("value", "value ms"),
                              ("met", "verdict")]))
        bench.save({"model_profile": profile.as_dict(), "levels": levels, "cap_s": args.cap,
                    "whatif_fixes": None if args.no_whatif else args.whatif_fixes,
                    "api_chat": api_chat, "rows": cells.rows, "verdicts": results, "rss": rss,
                    "ratios": ratios, "levers": levers})


if __name__ == "__main__":
    main()
