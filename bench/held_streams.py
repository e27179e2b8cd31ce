"""The load generator's `hold` command: many /chat/stream answers opened over a ramp and kept
until they end, for bench/streams.py."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx

from bench.stats import summary
from bench.wire import chat_body, failed, new_client, question_for, sse, text_of
from bench.workers import Sample, own_cpu_seconds


async def _held_stream(client: httpx.AsyncClient, i: int, state: dict[str, int],
                       expect: str | None) -> Sample:
    """One /chat/stream answer, counted as open from its response headers until it ends."""
    t0 = time.perf_counter()
    ttft, parts, ended = None, [], False
    async with client.stream("POST", "/chat/stream",
                             json=chat_body(question_for(i), str(uuid.uuid4()))) as r:
        state["open"] += 1
        state["peak"] = max(state["peak"], state["open"])
        try:
            if r.status_code != 200:
                await r.aread()
                return failed(t0, f"http {r.status_code}")
            async for event, data in sse(r):
                if event == "error":
                    return failed(t0, "error event")
                ended = ended or event == "end"
                piece = text_of(json.loads(data)) if event == "data" else ""
                ttft = ttft if ttft is not None or not piece else time.perf_counter() - t0
                parts.append(piece)
        finally:
            state["open"] -= 1
    if not ended or (expect is not None and "".join(parts).strip() != expect):
        return failed(t0, "incomplete stream")
    return {"ok": True, "error": None, "ttft": ttft, "latency": time.perf_counter() - t0}


def _hold_result(samples: list[Sample], streams: int) -> dict[str, Any]:
    ok = [s for s in samples if s["ok"]]
    kinds: dict[str, int] = {}
    for s in samples:
        if not s["ok"]:
            kinds[s["error"]] = kinds.get(s["error"], 0) + 1
    return {
        "streams": streams,
        "completed": len(ok),
        "errors": streams - len(ok),
        "error_kinds": kinds,
        "ttft": summary([s["ttft"] for s in ok if s["ttft"] is not None]),
        "latency": summary([s["latency"] for s in ok]),
    }


async def hold(*, base: str, streams: int, ramp: float, deadline: float,
               expect: str | None = None) -> dict[str, Any]:
    """Open `streams` /chat/stream requests over `ramp` seconds and keep them all open until
    they end; counts errors and the peak number of streams open at once."""
    state = {"open": 0, "peak": 0}
    samples: list[Sample] = []

    async def one(client: httpx.AsyncClient, i: int) -> None:
        await asyncio.sleep(ramp * i / streams)
        t0 = time.perf_counter()
        try:
            samples.append(await _held_stream(client, i, state, expect))
        except httpx.HTTPError as exc:
            samples.append(failed(t0, type(exc).__name__))
        except asyncio.CancelledError:
            samples.append(failed(t0, "still open at the deadline"))
            raise

    cpu0 = own_cpu_seconds()
    start = time.perf_counter()
    async with new_client(base, timeout=deadline) as client:
        tasks = [asyncio.create_task(one(client, i)) for i in range(streams)]
        _, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return {**_hold_result(samples, streams), "peak_open": state["peak"],
            "wall_s": round(time.perf_counter() - start, 2),
            "client_cpu_s": round(own_cpu_seconds() - cpu0, 2)}
