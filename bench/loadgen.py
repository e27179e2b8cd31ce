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
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from bench.procs import API_KEY
from bench.workers import Sample, closed_loop, serve_worker

QUESTIONS = (
    "What does an inertial measurement unit measure on a humanoid robot?",
    "How do ROS 2 nodes talk to each other?",
    "What is the difference between a topic and a service?",
    "Why do simulators matter for training robot policies?",
    "How is a digital twin kept in sync with the physical robot?",
    "What sensors help a robot keep its balance?",
    "How does a vision-language-action model choose an action?",
    "What is sim-to-real transfer and why is it hard?",
)
# A system prompt about as long as the app's (four quoted sources); its words are made up.
SYSTEM = "Answer from the sources. " + " ".join(f"lorem{i % 97}" for i in range(600))

Request = Callable[[httpx.AsyncClient, int], Awaitable[Sample]]


def _question(i: int) -> str:
    return QUESTIONS[i % len(QUESTIONS)]


def _fail(t0: float, error: str) -> Sample:
    return {"ok": False, "error": error, "latency": time.perf_counter() - t0, "ttft": None}


async def sse(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a server-sent event stream; LangServe's `end` has no data."""
    event, data = "message", []
    async for line in response.aiter_lines():
        if not line:
            if data or event != "message":
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
    if data:
        yield event, "\n".join(data)


def _chat_body(question: str, session_id: str) -> dict[str, Any]:
    return {"input": {"question": question}, "config": {"configurable": {"session_id": session_id}}}


async def _invoke(client: httpx.AsyncClient, question: str, sid: str, expect: str | None,
                  t0: float) -> Sample:
    r = await client.post("/chat/invoke", json=_chat_body(question, sid))
    latency = time.perf_counter() - t0
    if r.status_code != 200:
        return _fail(t0, f"http {r.status_code}")
    if expect is not None and r.json().get("output") != expect:
        return _fail(t0, "unexpected output")
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
            return _fail(t0, f"http {r.status_code}")
        async for event, data in sse(r):
            if event == token_event:
                piece = _text_of(json.loads(data))
                if piece and ttft is None:
                    ttft = time.perf_counter() - t0
                parts.append(piece)
            elif event == "error":
                return _fail(t0, "error event")
            elif event == end_event:
                ended = True
    latency = time.perf_counter() - t0
    if not ended:
        return _fail(t0, "no end event")
    if expect is not None and "".join(parts).strip() != expect:
        return _fail(t0, "unexpected output")
    return {"ok": True, "error": None, "latency": latency, "ttft": ttft}


def _text_of(value: Any) -> str:
    """A text piece from a data event: a JSON string, or an object with a text-like field."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("text", "delta", "content", "token", "chunk"):
            if isinstance(value.get(key), str):
                return value[key]
    return ""


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
            return _fail(t0, "fake condense failed")
    r = await client.post("/v1/embed", json={
        "model": "embed-v4.0", "texts": [question], "input_type": "search_query",
        "embedding_types": ["float"]})
    if r.status_code != 200:
        return _fail(t0, f"embed http {r.status_code}")
    ttft, ok = await _fake_chat_stream(client, question, t0)
    if not ok:
        return _fail(t0, "fake chat failed")
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
        return await _stream(client, "/chat/stream", _chat_body(question, sid), expect, t0)
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
        question, sid = _question(i), str(uuid.uuid4())
        t0 = time.perf_counter()
        try:
            if followup and kind != "fake":
                first = await _invoke(client, _question(i + 1), sid, None, time.perf_counter())
                if not first["ok"]:
                    return first
            return await _measured(kind, client, question, sid, expect, followup, api_chat)
        except httpx.HTTPError as exc:
            return _fail(t0, type(exc).__name__)

    return one


def _client(base: str, **kw: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {API_KEY}"},
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
        timeout=httpx.Timeout(kw.pop("timeout", 300.0), connect=60.0),
        **kw,
    )


async def load(*, base: str, kind: str, concurrency: int, requests: int | None = None,
               duration: float | None = None, warmup: int = 0, expect: str | None = None,
               followup: bool = False, api_chat: dict | None = None) -> dict[str, Any]:
    one = make_request(kind, expect=expect, followup=followup, api_chat=api_chat)
    async with _client(base) as client:
        return await closed_loop(lambda i: one(client, i), concurrency=concurrency,
                                 requests=requests, duration=duration, warmup=warmup)


async def handle(command: dict[str, Any]) -> dict[str, Any]:
    from bench.held_streams import hold

    op = command.pop("op")
    if op == "load":
        return await load(**command)
    if op == "hold":
        return await hold(**command)
    raise ValueError(f"unknown op {op}")


if __name__ == "__main__":
    serve_worker(handle)
