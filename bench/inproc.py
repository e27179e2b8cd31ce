"""The in-process baseline: the same chat chain the server publishes, opened with
`service.wiring.open_resources(settings)` and called directly (no HTTP, no LangServe), in a
worker process driven like the load generator. Settings come from this process's environment,
exactly as the server reads them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from bench.wire import question_for
from bench.workers import Sample, closed_loop, serve_worker

_state: dict[str, Any] = {}


async def _open() -> dict[str, Any]:
    from config.settings import load_settings
    from service.wiring import open_resources

    t0 = time.perf_counter()
    res = await open_resources(load_settings())
    while res.phase == "starting":
        if time.perf_counter() - t0 > 300:
            raise TimeoutError("resources still starting after 300 s")
        await asyncio.sleep(0.05)
    if res.phase != "ready":
        raise RuntimeError(f"start-up failed: {res.startup_error}")
    _state["res"] = res
    return {"phase": res.phase, "seconds": round(time.perf_counter() - t0, 2), "mode": res.mode}


async def _close() -> None:
    from service.resources import close_resources

    if "res" in _state:
        await close_resources(_state.pop("res"))


def _request(kind: str, expect: str | None, followup: bool):
    chain = _state["res"].chat_chain

    async def one(i: int) -> Sample:
        config = {"configurable": {"session_id": str(uuid.uuid4())}}
        t0 = time.perf_counter()
        try:
            if followup:
                await chain.ainvoke({"question": question_for(i + 1)}, config)
            t0 = time.perf_counter()
            ttft = None
            if kind == "invoke":
                text = await chain.ainvoke({"question": question_for(i)}, config)
            else:
                parts = []
                async for chunk in chain.astream({"question": question_for(i)}, config):
                    if chunk and ttft is None:
                        ttft = time.perf_counter() - t0
                    parts.append(chunk)
                text = "".join(parts)
            latency = time.perf_counter() - t0
        except Exception as exc:  # counted, like an HTTP error would be
            return {"ok": False, "error": type(exc).__name__, "ttft": None,
                    "latency": time.perf_counter() - t0}
        if expect is not None and text.strip() != expect:
            return {"ok": False, "error": "unexpected output", "ttft": None, "latency": latency}
        return {"ok": True, "error": None, "ttft": ttft, "latency": latency}

    return one


async def handle(command: dict[str, Any]) -> dict[str, Any]:
    op = command.pop("op")
    if op == "open":
        return await _open()
    if op == "load":
        one = _request(command.pop("kind"), command.pop("expect", None),
                       command.pop("followup", False))
        return await closed_loop(one, **command)
    raise ValueError(f"unknown op {op}")


if __name__ == "__main__":
    serve_worker(handle, _close)
