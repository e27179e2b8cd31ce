"""Every benchmark once, one after the other (each in its own process), then the Markdown
report of all results in bench/out/report.md.

    python -m bench.run_all [--only overhead,streams] [--quick | --issue12]

--quick shrinks every benchmark to a smoke test of the harness (numbers are not comparable).
--issue12 runs only the tables of issue 12's bars, each with the hand-written baseline's rows:
overhead at 1 and 32 concurrent and throughput, with 40- and 300-token answers, and 500 streams
twice (20 tokens at 1 token/s) plus once with 300-token answers (at 10 tokens/s), and one
worker against two at 32 concurrent, with the standard and with an instant model.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from bench.procs import OUT_DIR, PROJECT, PYTHON, shown
from bench.stats import machine

BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    # name: (module, arguments of the full run, arguments of --quick)
    "startup": ("startup", [], ["--restarts", "1", "--load-seconds", "3"]),
    # The what-if fixes (bench/whatif_server.py) are in the app now: no what-if passes.
    "overhead": ("overhead", ["--no-whatif"], ["--no-whatif", "--levels", "1,8", "--scale",
                                                "0.2", "--cap", "4", "--no-postgres"]),
    "ttft": ("ttft", [], ["--requests", "5"]),
    "throughput": ("throughput", ["--no-whatif"],
                   ["--no-whatif", "--duration", "4", "--levels", "1,8"]),
    "chain_cost": ("chain_cost", [], ["--requests", "5"]),
    "streams": ("streams", ["--whatif-levels", ""], ["--levels", "50,100", "--whatif-levels", "",
                                "--deadline", "40"]),
    "retrieval": ("retrieval", [], ["--sizes", "500,2000", "--queries", "40", "--base", "16",
                                    "--no-1024"]),
    "ingestion": ("ingestion", [], ["--corpora", "mohsin-raza", "--reruns", "1"]),
}


_LEAN = ["--levels", "1,32", "--no-followup", "--no-postgres", "--no-whatif", "--no-inproc"]
ISSUE12: dict[str, tuple[str, list[str]]] = {
    "overhead": ("overhead", _LEAN),
    "overhead_300t": ("overhead", [*_LEAN, "--tokens", "300", "--cap", "16"]),
    "throughput": ("throughput", ["--levels", "1,32", "--no-whatif", "--no-profile"]),
    "throughput_300t": ("throughput", ["--levels", "1,32", "--no-whatif", "--no-profile",
                                       "--tokens", "300"]),
    "streams": ("streams", ["--levels", "500,500", "--baseline-levels", "500",
                            "--whatif-levels", ""]),
    "streams_300t": ("streams", ["--levels", "500", "--tokens", "300", "--tps", "10",
                                 "--deadline", "90", "--whatif-levels", ""]),
    # One worker against two (Postgres history, limits in Redis): with the standard profile the
    # model's own time caps the ratio (the bench prints by how much); with an instant model the
    # answers are CPU only, so it shows what a second process does with the second core.
    "scaleout": ("scaleout", ["--rounds", "2"]),
    "scaleout_instant": ("scaleout", ["--rounds", "2", "--ttft", "0", "--tps", "0",
                                      "--embed-latency", "0"]),
}


def _argv(name: str, args: argparse.Namespace) -> list[str]:
    if args.issue12:
        module, argv = ISSUE12[name]
    else:
        module, full, quick = BENCHES[name]
        argv = quick if args.quick else full
    return [PYTHON, "-m", f"bench.{module}", *argv]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default=",".join(BENCHES))
    p.add_argument("--quick", action="store_true")
    p.add_argument("--issue12", action="store_true", help="the tables of issue 12's bars only")
    args = p.parse_args()
    if args.issue12 and args.only == ",".join(BENCHES):
        args.only = ",".join(ISSUE12)
    started = time.perf_counter()
    runs = []
    for name in args.only.split(","):
        argv = _argv(name, args)
        t0 = time.perf_counter()
        code = subprocess.run(argv, cwd=PROJECT).returncode
        runs.append({"benchmark": name, "command": " ".join(["python", *argv[1:]]),
                     "exit_code": code, "seconds": round(time.perf_counter() - t0, 1)})
        print(f"\n== {name}: exit {code} in {runs[-1]['seconds']} s\n", flush=True)
    total = round(time.perf_counter() - started, 1)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "run_all.json").write_text(json.dumps(
        {"machine": machine(), "quick": args.quick, "total_s": total, "runs": runs},
        indent=1) + "\n")
    subprocess.run([PYTHON, "-m", "bench.report"], cwd=PROJECT)
    print(f"all done in {total} s; report: {shown(OUT_DIR / 'report.md')}")
    sys.exit(max((r["exit_code"] for r in runs), default=0))


if __name__ == "__main__":
    main()
