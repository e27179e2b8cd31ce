"""The chat model's stream alone, in-process: CPU per answer of langchain-cohere's ChatCohere (the
SDK's event parsing with the app's cached-parser patch, one chunk per delta) against
clients/cohere_chat.py's StreamingChatCohere (orjson, deltas that arrived meanwhile coalesced),
against the paced fake, alternating the two so both see the same machine load.

    python -m bench.stream_reader [--levels 1,32] [--tokens 40,300] [--rounds 3] [--answers 64]

Each cell: `level` concurrent callers of `model.astream(messages)` until `answers` answers are
done; CPU is this process's user + system time (the fake runs in its own process).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from langchain_cohere import ChatCohere
from langchain_core.messages import HumanMessage, SystemMessage

from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.procs import API_KEY, reset_fake, start_fake
from bench.stats import table
from bench.wire import SYSTEM
from clients.cohere_chat import StreamingChatCohere
from clients.cohere_http import async_cohere_client, pooled_http_client
from clients.patches.cohere_stream_events import cache_stream_event_parsing

COLUMNS = [("tokens", "tokens"), ("level", "conc."), ("reader", "reader"),
           ("cpu_ms", "CPU ms/answer (median of rounds)"), ("chunks", "chunks/answer"),
           ("ratio", "ours / SDK")]


async def _cell(model: Any, level: int, answers: int, reply: str) -> tuple[float, float]:
    """(CPU seconds per answer, chunks per answer) for `answers` answers at `level`."""
    messages = [SystemMessage(SYSTEM), HumanMessage("What does an IMU measure?")]
    left, chunks = [answers], [0]

    async def caller() -> None:
        while left[0] > 0:
            left[0] -= 1
            parts = []
            async for chunk in model.astream(messages):
                parts.append(chunk.content)
                chunks[0] += 1
            assert "".join(parts) == reply, "unexpected answer"

    cpu0 = time.process_time()
    await asyncio.gather(*(caller() for _ in range(level)))
    return (time.process_time() - cpu0) / answers, chunks[0] / answers


async def _measure(url: str, args: argparse.Namespace, reply_of: dict[int, str]
                   ) -> list[dict[str, Any]]:
    cache_stream_event_parsing()  # as the app does at start-up
    http = pooled_http_client(1000, 60)
    models = {}
    for name, cls in (("SDK (ChatCohere)", ChatCohere), ("ours", StreamingChatCohere)):
        model = cls(cohere_api_key=API_KEY, model="command-a-03-2025", base_url=url,
                    temperature=0.2)
        model.async_client = async_cohere_client(API_KEY, url, 60, http)
        models[name] = model
    rows = []
    for tokens, reply in reply_of.items():
        for level in (int(x) for x in args.levels.split(",")):
            samples: dict[str, list[tuple[float, float]]] = {n: [] for n in models}
            for model in models.values():  # warm-up, not counted
                await _cell(model, level, level, reply)
            for _ in range(args.rounds):
                for name, model in models.items():
                    samples[name].append(await _cell(model, level, args.answers, reply))
            cpu = {n: sorted(s)[len(s) // 2] for n, s in samples.items()}
            for name in models:
                rows.append({"tokens": tokens, "level": level, "reader": name,
                             "cpu_ms": round(cpu[name][0] * 1000, 2),
                             "chunks": round(cpu[name][1], 1),
                             "ratio": round(cpu["ours"][0] / cpu["SDK (ChatCohere)"][0], 2)})
                print(table([rows[-1]], COLUMNS).splitlines()[-1], flush=True)
            reset_fake(url)
    await http.aclose()
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--levels", default="1,32")
    p.add_argument("--tokens", default="40,300")
    p.add_argument("--tps", type=float, default=100.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--answers", type=int, default=64)
    args = p.parse_args()
    with Bench("stream_reader") as bench:
        rows = []
        print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
        for tokens in (int(x) for x in args.tokens.split(",")):
            profile = ModelProfile(ttft=0.0, tps=args.tps, tokens=tokens, embed_latency=0.0)
            fake, url = start_fake(profile, bench.log_dir, name=f"fake-{tokens}")
            bench.child(fake)
            rows += asyncio.run(_measure(url, args, {tokens: profile.reply}))
            fake.stop()
        bench.save({"tps": args.tps, "rows": rows})


if __name__ == "__main__":
    main()
