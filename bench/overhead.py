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
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.baseline import RATIO_COLUMNS, ratio_rows
from bench.harness import Bench
from bench.pgdb import temp_database
from bench.procs import (
    BASELINE_ARGV,
    CORPORA,
    SERVER_ARGV,
    WHATIF_ARGV,
    ModelProfile,
    Started,
    clone_data_dir,
    free_port,
    raise_nofile,
    reset_fake,
    server_env,
    start_server,
)
from bench.stats import Meter, rss_mb, sub, table
from bench.workers import Worker

REQUESTS = {1: 12, 8: 80, 32: 256, 128: 512}  # per cell, or fewer when --cap seconds pass
TARGET_LEVEL = 32
MODEL = "model (fake, direct)"
COLUMNS = [
    ("level", "conc."), ("target", "target"), ("n", "n"), ("errors", "err"), ("rps", "req/s"),
    ("p50", "e2e p50"), ("p99", "e2e p99"),
    ("over_p50", "over p50 (meas.)"), ("over_p99", "over p99 (meas.)"),
    ("over_cfg_p50", "over p50 (cfg)"), ("over_cfg_p99", "over p99 (cfg)"),
    ("ttft_p50", "TTFT p50"), ("ttft_add_p50", "TTFT added p50 (meas.)"),
    ("ttft_add_cfg_p50", "TTFT added p50 (cfg)"), ("ttft_add_p99", "TTFT added p99 (meas.)"),
    ("cpu_ms", "CPU ms/req"), ("cores", "cores srv/fake/client"),
]


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


def api_chat_route(url: str) -> dict[str, Any] | None:
    """/api/chat's request shape when the app serves it (another engineer is adding it)."""
    paths = httpx.get(url + "/openapi.json", timeout=30).json().get("paths", {})
    if "/api/chat" not in paths or "post" not in paths["/api/chat"]:
        return None
    body = {"message": "$Q", "session_id": "$SID"}
    probe = httpx.post(url + "/api/chat", timeout=60,
                       json={"message": "Is this on?", "session_id": str(uuid.uuid4())})
    if probe.status_code != 200:
        return {"path": "/api/chat", "body": body, "unusable": probe.status_code}
    return {"path": "/api/chat", "body": body}


class Cells:
    """Runs cells (one target at one concurrency) and keeps their rows."""

    def __init__(self, profile: ModelProfile, fake_url: str, pids: dict[str, int],
                 loadgen: Worker, args: argparse.Namespace) -> None:
        self.profile, self.fake_url, self.pids = profile, fake_url, pids
        self.loadgen, self.scale, self.cap = loadgen, args.scale, args.cap
        self.rows: list[dict[str, Any]] = []
        self.model: dict[tuple[int, bool], dict[str, Any]] = {}

    def run(self, *, level: int, target: str, worker: Worker, process: str,
            followup: bool = False, **call: Any) -> dict[str, Any]:
        requests = max(level, int(REQUESTS.get(level, 4 * level) * self.scale))
        if followup:
            requests = max(level, requests // 2)
        warmup = min(level, 8)
        with Meter(self.pids) as meter:
            result = worker.call(op="load", concurrency=level, requests=requests,
                                 duration=self.cap, warmup=warmup, expect=self.profile.reply,
                                 followup=followup, **call)
        reset_fake(self.fake_url)
        lat, ttft = result["latency"], result["ttft"]
        cfg_total = self.profile.turn_seconds(followup) * 1000
        cfg_first = self.profile.first_token_seconds(followup) * 1000
        model = self.model.get((level, followup))
        row = {
            "level": level, "target": target + (" (follow-up)" if followup else ""),
            "followup": followup, "n": result["n"],
            "errors": result["errors"], "error_kinds": result["error_kinds"],
            "rps": result["rps"], "p50": lat["p50"], "p99": lat["p99"],
            "over_cfg_p50": sub(lat["p50"], cfg_total), "over_cfg_p99": sub(lat["p99"], cfg_total),
            "ttft_p50": ttft["p50"], "ttft_p99": ttft["p99"],
            "ttft_add_cfg_p50": sub(ttft["p50"], cfg_first),
            "cpu_ms": round(meter.cpu[process] * 1000 / (result["n"] * (1 + followup)
                                                         + warmup), 2),
            "cores": "/".join(str(meter.cpu_share().get(k, "–"))
                              for k in (process, "fake", "loadgen")),
            "cpu_s": {k: round(v, 2) for k, v in meter.cpu.items()},
            "peak_rss_mb": {k: round(v, 1) for k, v in meter.peak_rss.items()},
            "latency": lat, "ttft": ttft, "client_cpu_s": result["client_cpu_s"],
            "latencies_ms": result["latencies_ms"], "ttfts_ms": result["ttfts_ms"],
        }
        if target == MODEL:
            self.model[(level, followup)] = row
        elif model is not None:
            row.update(
                over_p50=sub(lat["p50"], model["p50"]), over_p99=sub(lat["p99"], model["p99"]),
                ttft_add_p50=sub(ttft["p50"], model["ttft_p50"]),
                ttft_add_p99=sub(ttft["p99"], model["ttft_p99"]),
            )
        self.rows.append(row)
        print(table([row], COLUMNS).splitlines()[-1], flush=True)
        return row


def _start_server(bench: Bench, fake_url: str, tag: str, template: Path,
                  database_url: str | None = None, argv: list[str] = SERVER_ARGV,
                  fixes: str | None = None) -> Started:
    data_dir = clone_data_dir(template, bench.tmp / f"server-{tag}")
    env = server_env(port=free_port(), data_dir=data_dir, fake_url=fake_url,
                     docs_dir=CORPORA["mohsin-raza"], database_url=database_url)
    if fixes is not None:
        env["BENCH_WHATIF_FIXES"] = fixes
    server = start_server(env, bench.log_dir, name=f"server-{tag}", argv=argv)
    bench.child(server.child)
    print(f"server-{tag} healthy in {server.healthy_s:.1f} s", flush=True)
    return server


def _start_inproc(bench: Bench, fake_url: str, template: Path) -> Worker:
    """The in-process baseline with the server's settings and its own copy of the data."""
    data_dir = clone_data_dir(template, bench.tmp / "inproc")
    env = server_env(port=None, data_dir=data_dir, fake_url=fake_url,
                     docs_dir=CORPORA["mohsin-raza"])
    inproc = bench.worker("bench.inproc", "inproc", env)
    opened = inproc.call(op="open")
    print(f"in-process chain ready in {opened['seconds']} s ({opened['mode']})", flush=True)
    return inproc


def _app_cells(cells: Cells, level: int, server: Started, api_chat: dict | None, *,
               followup: bool = False, streams: bool = True, prefix: str = "app",
               process: str = "server") -> None:
    lg = cells.loadgen
    common = {"level": level, "worker": lg, "process": process, "base": server.url,
              "followup": followup}
    cells.run(target=f"{prefix} /chat/invoke", kind="invoke", **common)
    if streams:
        cells.run(target=f"{prefix} /chat/stream", kind="stream", **common)
    if streams and api_chat and "unusable" not in api_chat:
        cells.run(target=f"{prefix} /api/chat", kind="api_chat", api_chat=api_chat, **common)


def _model_cell(cells: Cells, level: int, followup: bool = False) -> None:
    cells.run(level=level, target=MODEL, worker=cells.loadgen, process="fake",
              base=cells.fake_url, kind="fake", followup=followup)


def _inproc_cells(cells: Cells, level: int, inproc: Worker, *, followup: bool = False,
                  streams: bool = True) -> None:
    cells.run(level=level, target="in-process ainvoke", worker=inproc, process="inproc",
              kind="invoke", followup=followup)
    if streams:
        cells.run(level=level, target="in-process astream", worker=inproc, process="inproc",
                  kind="stream", followup=followup)


def _level_cells(cells: Cells, level: int, server: Started, baseline: Started | None,
                 inproc: Worker | None, api_chat: dict | None, followup: bool) -> None:
    """The model, the app, the baseline and the in-process chain at one concurrency."""
    streams = not followup
    _model_cell(cells, level, followup=followup)
    _app_cells(cells, level, server, api_chat, followup=followup, streams=streams)
    if baseline is not None:
        _app_cells(cells, level, baseline, api_chat, followup=followup, streams=streams,
                   prefix="baseline", process="baseline")
    if inproc is not None:
        _inproc_cells(cells, level, inproc, followup=followup,
                      streams=streams and level in (1, TARGET_LEVEL))


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
        pg = _start_server(bench, fake_url, "pg", template, pg_url)
        cells.pids["server"] = pg.child.pid
        before = len(cells.rows)
        _app_cells(cells, TARGET_LEVEL, pg, None, prefix="app [pg]", streams=False)
        if not no_followup:
            _app_cells(cells, TARGET_LEVEL, pg, None, prefix="app [pg]", followup=True,
                       streams=False)
        for r in cells.rows[before:]:
            r["history"] = "postgres"
        pg.child.stop()


def _whatif_passes(bench: Bench, cells: Cells, fake_url: str, template: Path,
                   api_chat: dict | None, args: argparse.Namespace) -> None:
    """The app's cells on one what-if server per fix set (e.g. a lever taken back out)."""
    for i, fixes in enumerate(args.whatif_fixes.split(";")):
        whatif = _start_server(bench, fake_url, f"whatif{i}", template, argv=WHATIF_ARGV,
                               fixes=fixes)
        cells.pids["server"] = whatif.child.pid
        for level in (int(x) for x in args.whatif_levels.split(",")):
            _app_cells(cells, level, whatif, api_chat, prefix=f"what-if [{fixes}]")
        whatif.child.stop()


def main() -> None:
    args = _args()
    raise_nofile()
    levels = [int(x) for x in args.levels.split(",")]
    profile = ModelProfile.from_args(args)
    with Bench(profile.result_name("overhead", ModelProfile.tokens), module="overhead") as bench:
        fake, fake_url, template = bench.fake_and_book(profile)
        server = _start_server(bench, fake_url, "sqlite", template)
        inproc = None if args.no_inproc else _start_inproc(bench, fake_url, template)
        baseline = None if args.no_baseline else _start_server(
            bench, fake_url, "baseline", template, argv=BASELINE_ARGV)
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
                _level_cells(cells, level, server, baseline, inproc, api_chat, followup)
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
