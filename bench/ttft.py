"""Where the time to first token goes, step by step: the chain in-process, one chat at a time,
against the fake model, timed from its own run events (astream_events v2, the run names the
chain sets). Subtracting the configured model latencies leaves our cost per step.

    python -m bench.ttft [--requests 20] [--fixes blas,parse]

--fixes applies bench/whatif_server.py's fixes first (results go to ttft-whatif.json).
Run events cost a little themselves; the per-step split is what matters here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

from bench import whatif_server
from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.procs import CORPORA, clone_data_dir, server_env
from bench.stats import summary, table
from bench.wire import QUESTIONS

STEPS = [
    ("history", "start → retriever starts (history read, input checks)"),
    ("retrieval", "retriever run, minus the configured embed latency"),
    ("prompt", "retriever end → chat model start (sources, prompt)"),
    ("model_start", "chat model start → first token, minus the configured ttft"),
    ("first_token_out", "first model token → first text chunk out of the chain"),
    ("ttft_added", "total: first text chunk − (embed latency + ttft)"),
]


async def _timeline(chain: Any, question: str) -> dict[str, float]:
    """Seconds from the start to each event of interest, for one first turn."""
    marks: dict[str, float] = {}
    t0 = time.perf_counter()
    config = {"configurable": {"session_id": str(uuid.uuid4())}}
    async for event in chain.astream_events({"question": question}, config, version="v2"):
        now = time.perf_counter() - t0
        kind, name = event["event"], event["name"]
        if kind == "on_retriever_start":
            marks.setdefault("retriever_start", now)
        elif kind == "on_retriever_end":
            marks.setdefault("retriever_end", now)
        elif kind == "on_chat_model_start":
            marks.setdefault("model_start", now)
        elif kind == "on_chat_model_stream":
            marks.setdefault("model_first", now)
        elif kind == "on_chain_stream" and name == "BookChat" and event["data"].get("chunk"):
            marks.setdefault("first_out", now)
    return marks


async def _run(args: argparse.Namespace, profile: ModelProfile) -> list[dict[str, float]]:
    from config.settings import load_settings
    from service.resources import close_resources
    from service.wiring import open_resources

    res = await open_resources(load_settings())
    while res.phase == "starting":
        await asyncio.sleep(0.05)
    try:
        for i in range(3):  # warm-up
            await _timeline(res.chat_chain, QUESTIONS[i])
        rows = []
        for i in range(args.requests):
            m = await _timeline(res.chat_chain, QUESTIONS[i % len(QUESTIONS)])
            rows.append({
                "history": m["retriever_start"],
                "retrieval": m["retriever_end"] - m["retriever_start"] - profile.embed_latency,
                "prompt": m["model_start"] - m["retriever_end"],
                "model_start": m["model_first"] - m["model_start"] - profile.ttft,
                "first_token_out": m["first_out"] - m["model_first"],
                "ttft_added": m["first_out"] - profile.first_token_seconds(),
            })
        return rows
    finally:
        await close_resources(res)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--fixes", default="", help="what-if fixes to apply first, e.g. blas,parse")
    args = p.parse_args()
    applied = whatif_server.apply(args.fixes) if args.fixes else []  # before numpy loads
    profile = ModelProfile()
    with Bench("ttft-whatif" if applied else "ttft", module="ttft") as bench:
        _, fake_url, template = bench.fake_and_book(profile)
        env = server_env(port=None, data_dir=clone_data_dir(template, bench.tmp / "data"),
                         fake_url=fake_url, docs_dir=CORPORA["mohsin-raza"])
        from config.settings import Settings

        for name in Settings.model_fields:  # only the bench's settings, as for the server
            os.environ.pop(name.upper(), None)
        os.environ.update(env)
        rows = asyncio.run(_run(args, profile))
        steps = [{"step": name, "what": what, **summary([r[name] for r in rows])}
                 for name, what in STEPS]
        print(f"\nfixes: {applied or 'none'}; model: {profile.as_dict()}\n")
        print(table(steps, [("step", "step"), ("what", "what"), ("n", "n"), ("p50", "p50 ms"),
                            ("p90", "p90 ms"), ("max", "max ms")]))
        bench.save({"fixes": applied, "model_profile": profile.as_dict(), "steps": steps})


if __name__ == "__main__":
    main()
