"""The cells of bench/overhead.py: one target (the model alone, the app or the baseline on a
route, the in-process chain) at one concurrency, run by a load worker and kept as a row with its
overhead over the model measured at the same concurrency."""

from __future__ import annotations

import argparse
from typing import Any

from bench.model_profile import ModelProfile
from bench.procs import Started, reset_fake
from bench.stats import Meter, sub, table
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


def app_cells(cells: Cells, level: int, server: Started, api_chat: dict | None, *,
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


def model_cell(cells: Cells, level: int, followup: bool = False) -> None:
    cells.run(level=level, target=MODEL, worker=cells.loadgen, process="fake",
              base=cells.fake_url, kind="fake", followup=followup)


def inproc_cells(cells: Cells, level: int, inproc: Worker, *, followup: bool = False,
                  streams: bool = True) -> None:
    cells.run(level=level, target="in-process ainvoke", worker=inproc, process="inproc",
              kind="invoke", followup=followup)
    if streams:
        cells.run(level=level, target="in-process astream", worker=inproc, process="inproc",
                  kind="stream", followup=followup)


def level_cells(cells: Cells, level: int, server: Started, baseline: Started | None,
                 inproc: Worker | None, api_chat: dict | None, followup: bool) -> None:
    """The model, the app, the baseline and the in-process chain at one concurrency."""
    streams = not followup
    model_cell(cells, level, followup=followup)
    app_cells(cells, level, server, api_chat, followup=followup, streams=streams)
    if baseline is not None:
        app_cells(cells, level, baseline, api_chat, followup=followup, streams=streams,
                   prefix="baseline", process="baseline")
    if inproc is not None:
        inproc_cells(cells, level, inproc, followup=followup,
                      streams=streams and level in (1, TARGET_LEVEL))
