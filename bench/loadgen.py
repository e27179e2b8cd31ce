"""The load generator: async httpx clients in a process of their own, driven by the bench scripts
over stdin/stdout (one JSON command per line, see workers.serve_worker).

Request kinds:
  invoke      POST /chat/invoke (LangServe)
  stream      POST /chat/stream (LangServe SSE); time to first token = first non-empty data event
  api_chat    POST /api/chat (SSE), when the app has it
  fake        the model alone: the fake Cohere's embed, then a streamed chat, like the app calls it
Each runs first turns (a new session per request) or, with followup=true, a second turn in a
session whose first turn is made (unmeasured) just before.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench.held_streams import hold
from bench.wire import SYSTEM, chat_body, failed, new_client, question_for, sse, text_of
from bench.workers import Sample, closed_loop, serve_worker

Request = Callable[[httpx.AsyncClient, int], Awaitable[Sample]]


async def _invoke(client: httpx.AsyncClient, question: str, sid: str, expect: str | None,
                  t0: float) -> Sample:
    r = await client.post("/chat/invoke", json=chat_body(question, sid))
    latency = time.perf_counter() - t0
    if r.status_code != 200:
        return failed(t0, f"http {r.status_code}")
    if expect is not None and r.json().get("output") != expect:
        return failed(t0, "unexpected output")
    return {"ok": True, "error": None, "latency": latency, "ttft": None}


# (event carrying a text piece, event that ends a complete answer) per SSE contract
LANGSERVE_EVENTS = ("data", "end")
API_CHAT_EVENTS = ("token", "done")


async def _stream(client: httpx.AsyncClient, path: str, body: dict[str, Any],
                  expect: str | None, t0: float, events: tuple[str, str] = LANGSERVE_EVENTS
                  ) -> Sample:
    """An SSE answer: text pieces in `events[0]` events, then `events[1]`; `error` fails it."""
    token_event, end_event = events
    ttft, parts, ended = None, [], False
    async with client.stream("POST", path, json=body) as r:
        if r.status_code != 200:
            await r.aread()
            return failed(t0, f"http {r.status_code}")
        async for event, data in sse(r):
            if event == token_event:
                piece = text_of(json.loads(data))
                if piece and ttft is None:
                    ttft = time.perf_counter() - t0
                parts.append(piece)
            elif event == "error":
                return failed(t0, "error event")
            elif event == end_event:
                ended = True
    latency = time.perf_counter() - t0
    if not ended:
        return failed(t0, "no end event")
    if expect is not None and "".join(parts).strip() != expect:
        return failed(t0, "unexpected output")
    return {"ok": True, "error": None, "latency": latency, "ttft": ttft}


async def _fake_chat_stream(client: httpx.AsyncClient, question: str, t0: float
                            ) -> tuple[float | None, bool]:
    """One streamed chat call to the fake; returns (seconds to first text delta, ended)."""
    body = {
        "model": "command-a-03-2025", "stream": True, "temperature": 0.2,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
    }
    ttft, ended = None, False
    async with client.stream("POST", "/v2/chat", json=body) as r:
        if r.status_code != 200:
            await r.aread()
            return None, False
        async for event, _ in sse(r):
            if event == "content-delta" and ttft is None:
                ttft = time.perf_counter() - t0
            elif event == "message-end":
                ended = True
    return ttft, ended


async def _fake_turn(client: httpx.AsyncClient, question: str, followup: bool, t0: float
                     ) -> Sample:
    """The model alone: [the condense call,] the query embedding, then the streamed answer."""
    if followup:  # the condense call comes first
        _, ok = await _fake_chat_stream(client, question, t0)
        if not ok:
            return failed(t0, "fake condense failed")
    r = await client.post("/v1/embed", json={
        "model": "embed-v4.0", "texts": [question], "input_type": "search_query",
        "embedding_types": ["float"]})
    if r.status_code != 200:
        return failed(t0, f"embed http {r.status_code}")
    ttft, ok = await _fake_chat_stream(client, question, t0)
    if not ok:
        return failed(t0, "fake chat failed")
    return {"ok": True, "error": None, "latency": time.perf_counter() - t0, "ttft": ttft}


def _api_chat_body(api_chat: dict | None, question: str, sid: str) -> dict[str, Any]:
    assert api_chat is not None
    return json.loads(json.dumps(api_chat["body"]).replace("$Q", question).replace("$SID", sid))


async def _measured(kind: str, client: httpx.AsyncClient, question: str, sid: str,
                    expect: str | None, followup: bool, api_chat: dict | None) -> Sample:
    """One measured call of `kind`, timed from now."""
    t0 = time.perf_counter()
    if kind == "invoke":
        return await _invoke(client, question, sid, expect, t0)
    if kind == "stream":
        return await _stream(client, "/chat/stream", chat_body(question, sid), expect, t0)
    if kind == "api_chat":
        body = _api_chat_body(api_chat, question, sid)
        return await _stream(client, api_chat["path"], body, expect, t0, API_CHAT_EVENTS)
    if kind == "fake":
        return await _fake_turn(client, question, followup, t0)
    raise ValueError(f"unknown kind {kind}")


def make_request(kind: str, *, expect: str | None, followup: bool, api_chat: dict | None
                 ) -> Request:
    """The measured call for one request kind; with followup, a first turn is made before."""

    async def one(client: httpx.AsyncClient, i: int) -> Sample:
        question, sid = question_for(i), str(uuid.uuid4())
        t0 = time.perf_counter()
        try:
            if followup and kind != "fake":
                first = await _invoke(client, question_for(i + 1), sid, None, time.perf_counter())
                if not first["ok"]:
                    return first
            return await _measured(kind, client, question, sid, expect, followup, api_chat)
        except httpx.HTTPError as exc:
            return failed(t0, type(exc).__name__)

    return one


async def load(*, base: str, kind: str, concurrency: int, requests: int | None = None,
               duration: float | None = None, warmup: int = 0, expect: str | None = None,
               followup: bool = False, api_chat: dict | None = None) -> dict[str, Any]:
    one = make_request(kind, expect=expect, followup=followup, api_chat=api_chat)
    async with new_client(base) as client:
        return await closed_loop(lambda i: one(client, i), concurrency=concurrency,
                                 requests=requests, duration=duration, warmup=warmup)


async def handle(command: dict[str, Any]) -> dict[str, Any]:
    op = command.pop("op")
    if op == "load":
        return await load(**command)
    if op == "hold":
        return await hold(**command)
    raise ValueError(f"unknown op {op}")


if __name__ == "__main__":
    serve_worker(handle)
