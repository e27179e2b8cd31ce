"""CPU to read one streamed /v2/chat answer, by HTTP client: httpx on its own transport (httpcore +
h11, what the baseline app and the app before round 5 used), httpx on httpx-aiohttp's transport
(what clients/cohere_http.py uses now) and aiohttp alone, against the fake Cohere.

    python -m bench.http_client [--rounds 3] [--answers 6] [--tokens 300 --tps 200 --ttft 0.05]

Each client reads `--answers` answers one after the other (1 concurrent: every event arrives alone,
as a real answer's tokens do), in a fresh process, after one discarded warm-up answer; the
clients take turns, in reversed order every other round. The number is the reading process's
CPU time (user + system) per answer: the HTTP client, the event loop (uvloop, as uvicorn runs it)
and nothing else.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.procs import API_KEY, start_fake
from bench.stats import table

CLIENTS = ("httpx", "httpx-aiohttp", "aiohttp")
BODY = {"model": "command-a-03-2025", "messages": [{"role": "user", "content": "hi"}],
        "stream": True}
HEADERS = {"Authorization": f"Bearer {API_KEY}"}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _spent(read_one: Callable[[], Awaitable[None]], answers: int) -> list[float]:
    """CPU seconds of each of `answers` reads, after one discarded warm-up read."""
    spent = []
    for _ in range(answers + 1):
        t0 = _cpu()
        await read_one()
        spent.append(_cpu() - t0)
    return spent[1:]


async def _read_httpx(url: str, answers: int, aiohttp_transport: bool) -> list[float]:
    import httpx

    transport = None
    if aiohttp_transport:
        from httpx_aiohttp import AiohttpTransport

        transport = AiohttpTransport()
    async with httpx.AsyncClient(timeout=60, transport=transport) as client:
        async def read_one() -> None:
            async with client.stream("POST", url + "/v2/chat", json=BODY, headers=HEADERS) as r:
                async for _ in r.aiter_bytes():
                    pass

        return await _spent(read_one, answers)


async def _read_aiohttp(url: str, answers: int) -> list[float]:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async def read_one() -> None:
            async with session.post(url + "/v2/chat", json=BODY, headers=HEADERS) as r:
                async for _ in r.content.iter_any():
                    pass

        return await _spent(read_one, answers)


def _child(client: str, url: str, answers: int) -> None:
    """In the reading process: print the CPU seconds of each answer as JSON."""
    import uvloop

    if client == "aiohttp":
        spent = uvloop.run(_read_aiohttp(url, answers))
    else:
        spent = uvloop.run(_read_httpx(url, answers, client == "httpx-aiohttp"))
    print(json.dumps(spent))


def _measure(client: str, url: str, answers: int) -> float:
    out = subprocess.run([sys.executable, "-m", "bench.http_client", "--child", client,
                          "--url", url, "--answers", str(answers)],
                         capture_output=True, text=True, timeout=600, check=True)
    return statistics.median(json.loads(out.stdout)) * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--answers", type=int, default=6)
    p.add_argument("--child", choices=CLIENTS, help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    ModelProfile(ttft=0.05, tps=200.0, tokens=300, embed_latency=0.0).add_arguments(p)
    args = p.parse_args()
    if args.child:
        _child(args.child, args.url, args.answers)
        return
    profile = ModelProfile.from_args(args)
    with Bench("http_client", module="http_client") as bench:
        fake, url = start_fake(profile, bench.log_dir)
        bench.child(fake)
        per_client: dict[str, list[float]] = {c: [] for c in CLIENTS}
        for r in range(args.rounds):
            order = CLIENTS if r % 2 == 0 else CLIENTS[::-1]
            for client in order:
                per_client[client].append(round(_measure(client, url, args.answers), 1))
            print(f"round {r + 1}: " + ", ".join(f"{c} {per_client[c][-1]}" for c in order),
                  flush=True)
        base = statistics.median(per_client["httpx"])
        rows: list[dict[str, Any]] = [
            {"client": c, "rounds": ", ".join(map(str, v)), "median": statistics.median(v),
             "ratio": round(statistics.median(v) / base, 2)} for c, v in per_client.items()]
        print(f"\n{profile.tokens} events at {profile.tps}/s, {args.answers} answers per client "
              f"per round, {args.rounds} rounds\n")
        print(table(rows, [("client", "client"), ("rounds", "CPU ms per answer, each round"),
                           ("median", "median"), ("ratio", "/ httpx")]))
        bench.save({"model_profile": profile.as_dict(), "answers": args.answers,
                    "rounds": args.rounds, "rows": rows})


if __name__ == "__main__":
    main()
