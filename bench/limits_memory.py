"""The rate limiter's memory under a flood of distinct clients: every request a new address
(and a new session), driven through `RateLimiter` directly with the deployed RATE_LIMIT and
DAILY_TOKEN_BUDGET, on our bounded storage and on `limits`' MemoryStorage.

    python -m bench.limits_memory [--keys 2000000] [--memory-storage-keys 300000]

Each storage runs in its own child process, so each RSS figure is that storage's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.procs import PROJECT, PYTHON
from bench.stats import machine, rss_mb, table

COLUMNS = [("storage", "storage"), ("keys", "distinct clients"), ("seconds", "s"),
           ("per_check_us", "µs per request"), ("entries", "entries held"),
           ("rss_start_mb", "RSS start MB"), ("rss_mb", "RSS end MB")]


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keys", type=int, default=2_000_000, help="distinct clients, bounded storage")
    p.add_argument("--memory-storage-keys", type=int, default=300_000,
                   help="distinct clients for limits' MemoryStorage (it grows: keep it smaller)")
    p.add_argument("--child", choices=["bounded", "memory"], help=argparse.SUPPRESS)
    return p.parse_args()


def _entries(storage: Any) -> int:
    if hasattr(storage, "events"):  # limits' MemoryStorage: lists, counters, locks
        return len(storage.events) + len(storage.storage) + len(storage.locks)
    return len(storage)


def _drive(kind: str, keys: int) -> dict[str, Any]:
    """Child side: `keys` clients, one answer each (a check, then tokens spent)."""
    from limits.storage import MemoryStorage

    from config.settings import Settings
    from service.api.limits import RateLimiter

    defaults = Settings.model_fields
    storage = MemoryStorage() if kind == "memory" else None
    limiter = RateLimiter(defaults["rate_limit"].default, defaults["daily_token_budget"].default,
                          storage=storage)
    rss0 = rss_mb(os.getpid())
    start = time.perf_counter()
    for i in range(keys):
        client = [("ip", f"2001:db8::{i >> 16:x}:{i & 0xFFFF:x}"), ("session", f"{i:032x}")]
        limiter.check(client, tokens=True)
        limiter.spend(client, 40)
    seconds = time.perf_counter() - start
    return {"storage": "bounded (ours)" if kind == "bounded" else "limits MemoryStorage",
            "keys": keys, "seconds": round(seconds, 1),
            "per_check_us": round(seconds / keys * 1e6, 1),
            "entries": _entries(limiter.storage), "rss_start_mb": round(rss0, 1),
            "rss_mb": round(rss_mb(os.getpid()), 1)}


def main() -> None:
    args = _args()
    if args.child:
        keys = args.keys if args.child == "bounded" else args.memory_storage_keys
        print(json.dumps(_drive(args.child, keys)))
        return
    info = machine()
    print(f"# python -m bench.limits_memory --keys {args.keys} --memory-storage-keys "
          f"{args.memory_storage_keys}  ({info['date']}, nproc {info['nproc']}, "
          f"load {info['loadavg_at_start']})", flush=True)
    rows = []
    for kind in ("bounded", "memory"):
        out = subprocess.run(
            [PYTHON, "-m", "bench.limits_memory", "--child", kind, "--keys", str(args.keys),
             "--memory-storage-keys", str(args.memory_storage_keys)],
            cwd=PROJECT, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(table(rows[-1:], COLUMNS).splitlines()[-1], flush=True)
    print("\n" + table(rows, COLUMNS))
    print(f"load average at end: {[round(x, 2) for x in os.getloadavg()]}")


if __name__ == "__main__":
    sys.exit(main())
