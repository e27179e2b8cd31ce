"""What the load generator sends and reads: the questions, request bodies, an SSE reader, the
client every generator uses, and the sample of a failed request (bench/loadgen.py,
bench/held_streams.py)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from bench.procs import API_KEY
from bench.workers import Sample

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

def question_for(i: int) -> str:
    return QUESTIONS[i % len(QUESTIONS)]


def failed(t0: float, error: str) -> Sample:
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


def chat_body(question: str, session_id: str) -> dict[str, Any]:
    return {"input": {"question": question}, "config": {"configurable": {"session_id": session_id}}}


def text_of(value: Any) -> str:
    """A text piece from a data event: a JSON string, or an object with a text-like field."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("text", "delta", "content", "token", "chunk"):
            if isinstance(value.get(key), str):
                return value[key]
    return ""


def new_client(base: str, **kw: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {API_KEY}"},
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
        timeout=httpx.Timeout(kw.pop("timeout", 300.0), connect=60.0),
        **kw,
    )
