"""Ingestion time of each shared corpus, offline (MiniLM int8 embeddings, embedded Qdrant, SQLite
record manager) in a temp DATA_DIR: the first run, then re-runs that should be no-ops.

    python -m bench.ingestion [--corpora farheenzehra99,mohsin-raza] [--reruns 1]

Each run is the real command, `python -m ingest DOCS_DIR --json`, timed from the outside
(wall clock, CPU and peak RSS of the child).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.harness import Bench
from bench.procs import CORPORA, MODEL_DIR, PROJECT, PYTHON, base_env
from bench.stats import table

COLUMNS = [("corpus", "corpus"), ("run", "run"), ("wall_s", "wall s"),
           ("reported_s", "ingest's own s"), ("cpu_s", "CPU s"), ("max_rss_mb", "peak RSS MB"),
           ("files", "files"), ("chunks", "chunks"), ("added", "added"), ("updated", "updated"),
           ("unchanged", "unchanged"), ("deleted", "deleted")]


def run_ingest(docs: str, env: dict[str, str], log: Path) -> dict[str, Any]:
    """One `python -m ingest` child: wall time, and CPU time and peak RSS from wait4."""
    with open(log, "w") as out, open(log.with_suffix(".err"), "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([PYTHON, "-m", "ingest", docs, "--json"], cwd=PROJECT,
                                env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.with_suffix(".err").read_text()[-800:]
        raise RuntimeError(f"ingest of {docs} failed ({proc.returncode}): {tail}")
    report = json.loads(log.read_text().strip().splitlines()[-1])
    return {"wall_s": round(wall, 2), "reported_s": report.pop("seconds", None), **report,
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "max_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", default=",".join(CORPORA))
    p.add_argument("--reruns", type=int, default=1)
    args = p.parse_args()
    with Bench("ingestion") as bench:
        bench.log_dir.mkdir(parents=True, exist_ok=True)
        rows: list[dict[str, Any]] = []
        print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
        for name in args.corpora.split(","):
            env = base_env(DATA_DIR=bench.tmp / name, EMBED_MODEL_DIR=MODEL_DIR)
            for i, run in enumerate(["first"] + [f"re-run {n + 1}" for n in range(args.reruns)]):
                result = run_ingest(str(CORPORA[name]), env, bench.log_dir / f"{name}-{i}.log")
                row = {"corpus": name, "run": run, **result}
                rows.append(row)
                print(table([row], COLUMNS).splitlines()[-1], flush=True)
        bench.save({"rows": rows})


if __name__ == "__main__":
    main()
