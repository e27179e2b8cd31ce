"""How many SSE answers one server process holds open at once with a slow model: streams opened
over a short ramp and kept until they end, at 100, 500 and 1,000; errors, time to first token,
server RSS and open files.

    python -m bench.streams [--levels 100,500,1000] [--ttft 1 --tps 1 --tokens 20]
                            [--ramp 5] [--deadline 45] [--whatif-levels 500,1000]
                            [--whatif-fixes blas,parse,pool] [--baseline-levels 100,500]

A stream that has not ended by the deadline (about 2× its nominal length) counts as an error.
The baseline pass repeats the levels on the hand-written app (bench/baseline_app.py); the
what-if pass repeats some on bench/whatif_server.py (proposed fixes applied).
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.procs import (
    BASELINE_ARGV,
    CORPORA,
    SERVER_ARGV,
    WHATIF_ARGV,
    Started,
    clone_data_dir,
    free_port,
    raise_nofile,
    reset_fake,
    server_env,
    start_server,
)
from bench.stats import Meter, rss_mb, table, thread_count
from bench.workers import Worker

STREAM_TOKENS = 20
COLUMNS = [
    ("server", "server"), ("streams", "streams"), ("completed", "completed"), ("errors", "errors"),
    ("error_kinds", "error kinds"), ("peak_open", "peak open"),
    ("ttft_p50", "TTFT p50 ms"), ("ttft_p99", "TTFT p99 ms"), ("dur_p50", "duration p50 ms"),
    ("dur_p99", "duration p99 ms"), ("rss_before", "RSS before MB"), ("rss_peak", "RSS peak MB"),
    ("kb_per_stream", "KB/stream"), ("fds_peak", "open files peak"),
    ("threads", "threads after"), ("cpu_s", "server CPU s"),
]


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--levels", default="100,500,1000")
    ModelProfile(ttft=1.0, tps=1.0, tokens=STREAM_TOKENS).add_arguments(p)  # a slow model
    p.add_argument("--ramp", type=float, default=5.0, help="seconds over which streams open")
    p.add_argument("--deadline", type=float, default=45.0, help="give up on a level after")
    p.add_argument("--baseline-levels", default=None,
                   help="levels for the hand-written baseline (default: --levels; '' to skip)")
    p.add_argument("--whatif-levels", default="500,1000",
                   help="levels for the what-if server ('' to skip)")
    p.add_argument("--whatif-fixes", default="blas,parse,pool",
                   help="fixes the what-if server applies (see bench/whatif_server.py)")
    return p.parse_args()


def hold_level(loadgen: Worker, server: Started, fake_url: str, n: int, server_name: str,
               args: argparse.Namespace, profile: ModelProfile) -> dict[str, Any]:
    """Open n streams over --ramp seconds and keep them until they end or --deadline passes."""
    pid = server.child.pid
    before = rss_mb(pid)
    with Meter({"server": pid}, interval=0.25) as meter:
        r = loadgen.call(op="hold", base=server.url, streams=n, ramp=args.ramp,
                         deadline=args.deadline, expect=profile.reply)
    reset_fake(fake_url)
    peak = meter.peak_rss["server"]
    row = {
        "server": server_name, "streams": n, "completed": r["completed"], "errors": r["errors"],
        "error_kinds": ", ".join(f"{k}: {v}" for k, v in r["error_kinds"].items()) or "–",
        "peak_open": r["peak_open"], "ttft_p50": r["ttft"]["p50"],
        "ttft_p99": r["ttft"]["p99"], "dur_p50": r["latency"]["p50"],
        "dur_p99": r["latency"]["p99"], "rss_before": round(before, 1),
        "rss_peak": round(peak, 1), "kb_per_stream": round((peak - before) * 1024 / n, 1),
        "fds_peak": meter.peak_fds["server"], "threads": thread_count(pid),
        "cpu_s": round(meter.cpu["server"], 2), "wall_s": r["wall_s"],
        "rss_after": round(rss_mb(pid), 1), "raw": r,
    }
    print(table([row], COLUMNS).splitlines()[-1], flush=True)
    return row


def main() -> None:
    args = _args()
    nofile = raise_nofile()
    profile = ModelProfile.from_args(args)
    name = profile.result_name("streams", STREAM_TOKENS)
    with Bench(name, module="streams") as bench:
        _, fake_url, template = bench.fake_and_book(profile)
        loadgen = bench.worker("bench.loadgen", "loadgen")
        rows: list[dict[str, Any]] = []
        baseline_levels = args.levels if args.baseline_levels is None else args.baseline_levels
        passes = [("server.py", SERVER_ARGV, args.levels),
                  ("baseline", BASELINE_ARGV, baseline_levels),
                  ("what-if", WHATIF_ARGV, args.whatif_levels)]
        idle = {}
        for name, argv, levels in passes:
            if not levels:
                continue
            env = server_env(port=free_port(), fake_url=fake_url, docs_dir=CORPORA["mohsin-raza"],
                             data_dir=clone_data_dir(template, bench.tmp / f"data-{len(idle)}"))
            if argv is WHATIF_ARGV:
                env["BENCH_WHATIF_FIXES"] = args.whatif_fixes
                name = f"what-if ({args.whatif_fixes})"
            server = start_server(env, bench.log_dir, name=f"server-{len(idle)}", argv=argv)
            bench.child(server.child)
            idle[name] = round(rss_mb(server.child.pid), 1)
            print(f"\n{name}: model {profile.as_dict()}; one stream lasts ≥ "
                  f"{profile.turn_seconds() * 1000:.0f} ms; open-files limit {nofile}; "
                  f"idle RSS {idle[name]} MB\n")
            print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
            for n in (int(x) for x in levels.split(",")):
                rows.append(hold_level(loadgen, server, fake_url, n, name, args, profile))
            server.child.stop()
        ours = [r for r in rows if r["server"] == "server.py"]
        failed = {r["streams"] for r in ours if r["errors"]}  # a level counts on every run
        verdict = {"target": "≥ 500 concurrent streams, zero errors (every run of a level)",
                   "max_streams_without_errors": max(
                       (r["streams"] for r in ours if r["streams"] not in failed), default=0)}
        verdict["met"] = verdict["max_streams_without_errors"] >= 500
        print(f"\n{verdict}")
        bench.save({"model_profile": profile.as_dict(), "ramp_s": args.ramp,
                    "deadline_s": args.deadline, "server_idle_rss_mb": idle,
                    "rows": rows, "verdict": verdict})


if __name__ == "__main__":
    main()
