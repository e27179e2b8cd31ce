"""Cold start to `healthy` and the server's RSS idle and under load, for the offline defaults and
for Cohere (the fake): a first boot on an empty DATA_DIR (which ingests the bundled sample book)
and restarts on the filled one; plus where import time goes.

    python -m bench.startup [--restarts 2] [--load-seconds 10]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import time
from collections import Counter
from typing import Any

from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.procs import (
    PROJECT,
    PYTHON,
    base_env,
    free_port,
    reset_fake,
    server_env,
    start_fake,
    start_server,
)
from bench.stats import Meter, rss_mb, table

COLUMNS = [("mode", "mode"), ("boot", "boot"), ("listen_s", "first HTTP answer s"),
           ("healthy_s", "healthy s"), ("idle_rss_mb", "idle RSS MB")]
LOAD_COLUMNS = [("mode", "mode"), ("load", "load"), ("idle_rss_mb", "idle RSS MB"),
                ("peak_rss_mb", "peak RSS MB"), ("after_rss_mb", "RSS after MB"),
                ("n", "requests"), ("errors", "errors")]


def import_times(top: int = 12) -> list[dict[str, Any]]:
    """`python -X importtime -c "import server"`: self time summed by top-level package."""
    err = subprocess.run([PYTHON, "-X", "importtime", "-c", "import server"], cwd=PROJECT,
                         env=base_env(), capture_output=True, text=True, timeout=300).stderr
    totals: Counter[str] = Counter()
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| *(\S+)", line)
        if m:
            totals[m[3].split(".")[0]] += int(m[1])
    rows = [{"package": k, "ms": round(v / 1000, 1)} for k, v in totals.most_common(top)]
    return [{"package": "(all)", "ms": round(sum(totals.values()) / 1000, 1)}, *rows]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--restarts", type=int, default=2)
    p.add_argument("--load-seconds", type=float, default=10.0)
    args = p.parse_args()
    profile = ModelProfile()
    with Bench("startup") as bench:
        fake, fake_url = start_fake(profile, bench.log_dir)
        bench.child(fake)
        loadgen = bench.worker("bench.loadgen", "loadgen")
        boots: list[dict[str, Any]] = []
        loads: list[dict[str, Any]] = []
        print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
        for mode in ("offline", "cohere"):
            data_dir = bench.tmp / mode
            runs = ["first boot (empty DATA_DIR)"] + ["restart"] * args.restarts
            for i, boot in enumerate(runs):
                env = server_env(port=free_port(), data_dir=data_dir,
                                 fake_url=fake_url if mode == "cohere" else None)
                started = start_server(env, bench.log_dir, name=f"{mode}-{i}")
                time.sleep(2.0)
                pid = started.child.pid
                row = {"mode": mode, "boot": boot, "listen_s": round(started.listen_s or 0, 2),
                       "healthy_s": round(started.healthy_s, 2),
                       "idle_rss_mb": round(rss_mb(pid), 1)}
                boots.append(row)
                print(table([row], COLUMNS).splitlines()[-1], flush=True)
                if i == len(runs) - 1:
                    kind, level = ("stream", 32) if mode == "cohere" else ("invoke", 8)
                    with Meter({"server": pid}, interval=0.1) as meter:
                        r = loadgen.call(op="load", base=started.url, kind=kind,
                                         concurrency=level, duration=args.load_seconds,
                                         warmup=0)
                    reset_fake(fake_url)
                    time.sleep(2.0)
                    loads.append({"mode": mode, "load": f"/chat/{kind} × {level} concurrent, "
                                  f"{args.load_seconds:.0f} s", "idle_rss_mb": row["idle_rss_mb"],
                                  "peak_rss_mb": round(meter.peak_rss["server"], 1),
                                  "after_rss_mb": round(rss_mb(pid), 1), "n": r["n"],
                                  "errors": r["errors"]})
                started.child.stop()
        print("\n" + table(loads, LOAD_COLUMNS))
        summary = []
        for mode in ("offline", "cohere"):
            restarts = [b["healthy_s"] for b in boots
                        if b["mode"] == mode and b["boot"] == "restart"]
            first = next(b["healthy_s"] for b in boots if b["mode"] == mode)
            summary.append({"mode": mode, "first_boot_healthy_s": first,
                            "restart_healthy_median_s": statistics.median(restarts)})
        imports = import_times()
        print("\n" + table(summary, [("mode", "mode"), ("first_boot_healthy_s", "first boot s"),
                                     ("restart_healthy_median_s", "restart median s")]))
        print("\n`import server`, self time by package:\n"
              + table(imports, [("package", "package"), ("ms", "ms")]))
        bench.save({"boots": boots, "loads": loads, "summary": summary,
                    "import_ms": imports, "model_profile": profile.as_dict()})


if __name__ == "__main__":
    main()
