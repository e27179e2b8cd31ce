"""What the LCEL composition itself costs: CPU per answer of the published chat chain vs the same
steps called directly (history read, retriever, prompt, model stream, history write), in-process
against an instant fake model, as shipped and with bench/whatif_server.py's fixes.

    python -m bench.chain_cost [--requests 30]

Each variant runs in a fresh process (the blas fix must come before numpy is imported).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

from bench import whatif_server
from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.procs import CORPORA, PROJECT, PYTHON, clone_data_dir, server_env
from bench.stats import table
from bench.wire import QUESTIONS

INSTANT = ModelProfile(ttft=0.0, tps=0.0, tokens=40, embed_latency=0.0)
# "blas" is what server.py sets before numpy loads; the parse and pool fixes are in the app now.
VARIANTS = ("blas",)


async def _measure(requests: int) -> list[dict[str, Any]]:
    """In this process: CPU and wall time per answer, chain vs direct calls."""
    from langchain_core.messages import HumanMessage
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

    from chains.prompts import load_prompt
    from chains.sources import format_sources
    from config.settings import load_settings
    from service.resources import close_resources
    from service.wiring import open_resources
    from stores.history import new_turn

    res = await open_resources(load_settings())
    while res.phase == "starting":
        await asyncio.sleep(0.05)
    prompt = ChatPromptTemplate.from_messages(
        [("system", load_prompt("answer_system")), MessagesPlaceholder("history"),
         ("human", "{question}")]
    ).partial(book_title="bench")

    async def chain(question: str) -> None:
        config = {"configurable": {"session_id": str(uuid.uuid4())}}
        await res.chat_chain.ainvoke({"question": question}, config)

    async def direct(question: str) -> None:
        sid = str(uuid.uuid4())
        past = await res.history.get_messages(sid)
        docs = await res.retriever.ainvoke(question)
        value = await prompt.ainvoke({"question": question, "history": past,
                                      "sources": format_sources(docs), "selection": ""})
        if res.settings.offline_chat:  # the offline model reads the documents themselves
            stream = res.llm.astream([HumanMessage(question)], documents=docs)
        else:
            stream = res.llm.astream(value)
        parts = [chunk.content async for chunk in stream]
        await res.history.add_turn(new_turn(sid, question, "".join(parts)))

    rows = []
    try:
        for name, call in (("chat chain (LCEL)", chain), ("same steps, called directly", direct)):
            for i in range(5):
                await call(QUESTIONS[i % len(QUESTIONS)])
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for i in range(requests):
                await call(QUESTIONS[i % len(QUESTIONS)])
            rows.append({"variant": name,
                         "cpu_ms": round((time.process_time() - cpu0) * 1000 / requests, 1),
                         "wall_ms": round((time.perf_counter() - wall0) * 1000 / requests, 1)})
    finally:
        await close_resources(res)
    return rows


def _child(requests: int) -> None:
    """Runs in the subprocess: fixes from BENCH_WHATIF_FIXES first, then the measurement."""
    whatif_server.apply(os.environ.get("BENCH_WHATIF_FIXES", ""))
    print(json.dumps(asyncio.run(_measure(requests))))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=30)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        _child(args.requests)
        return
    with Bench("chain_cost") as bench:
        _, fake_url, template = bench.fake_and_book(INSTANT)
        rows: list[dict[str, Any]] = []
        for i, fixes in enumerate(VARIANTS):
            env = server_env(port=None, data_dir=clone_data_dir(template, bench.tmp / f"d{i}"),
                             fake_url=fake_url, docs_dir=CORPORA["mohsin-raza"])
            env["BENCH_WHATIF_FIXES"] = fixes
            out = subprocess.run([PYTHON, "-m", "bench.chain_cost", "--child", "--requests",
                                  str(args.requests)], cwd=PROJECT, env=env, text=True,
                                 capture_output=True, timeout=600)
            if out.returncode != 0:
                sys.exit(f"variant {fixes or 'as shipped'} failed: {out.stderr[-800:]}")
            for row in json.loads(out.stdout.strip().splitlines()[-1]):
                rows.append({"fixes": fixes or "none (as shipped)", **row})
        print(table(rows, [("fixes", "what-if fixes"), ("variant", "variant"),
                           ("cpu_ms", "CPU ms/answer"), ("wall_ms", "wall ms/answer")]))
        bench.save({"model_profile": INSTANT.as_dict(), "requests": args.requests, "rows": rows})


if __name__ == "__main__":
    main()
