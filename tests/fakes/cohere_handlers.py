"""The fake Cohere endpoints' answers, computed from the request body and a latency profile.

Each handler returns a JSON-ready dict or a finished Response (a 400, or a chat stream); the
server wraps them with what all routes share: recording, auth and faults.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from . import cohere_payloads as payloads
from .cohere_faults import Fault, TruncatedStream
from .cohere_text import (
    cited_reply,
    embed_text,
    message_texts,
    overlap_score,
    split_tokens,
    word_count,
)

Reply = str | Callable[[dict[str, Any]], str]
Answer = dict[str, Any] | Response
INPUT_TYPES = frozenset({"search_document", "search_query", "classification", "clustering"})


@dataclass(kw_only=True)
class Profile:
    """How the fake model behaves: vector size, reply and the latencies benchmarks need."""

    dim: int = 1024
    ttft: float = 0.0
    tokens_per_second: float = 0.0
    embed_latency: float = 0.0
    rerank_latency: float = 0.0
    reply: Reply | None = None
    chat_model: str = "command-a-03-2025"


def bad_request(message: str) -> JSONResponse:
    """Cohere answers malformed requests with 400 and a message; so do we, to catch our bugs."""
    return JSONResponse(payloads.error_body(message), status_code=400)


async def chat(profile: Profile, body: dict[str, Any], fault: Fault | None) -> Answer:
    """POST /v2/chat: a JSON answer, or SSE events when the body asks for a stream."""
    messages = body.get("messages")
    if not body.get("model"):
        return bad_request("model is required")
    if not isinstance(messages, list) or not messages:
        return bad_request("messages must be a non-empty list")
    reply = profile.reply if profile.reply is not None else cited_reply
    text = reply if isinstance(reply, str) else reply(body)
    usage = (word_count(message_texts(messages)), word_count([text]))
    pieces = split_tokens(text)
    await asyncio.sleep(profile.ttft)
    if not body.get("stream"):
        # A non-streamed answer arrives only once all of it has been generated.
        tps = profile.tokens_per_second
        await asyncio.sleep(len(pieces) / tps if tps else 0.0)
        return payloads.chat_response(text, *usage)
    if fault is None:
        events = _events(pieces, usage, profile.tokens_per_second, cut_after=None)
        return StreamingResponse(events, media_type="text/event-stream")
    events = _events(pieces, usage, profile.tokens_per_second, cut_after=fault.cut_after)
    return TruncatedStream(events, media_type="text/event-stream")


async def _events(
    pieces: list[str], usage: tuple[int, int], tps: float, *, cut_after: int | None
) -> AsyncIterator[bytes]:
    """The SSE stream, paced on a fixed schedule so sleeps do not drift under load."""
    message_id = payloads.new_id()
    for event in payloads.stream_head(message_id):
        yield payloads.sse(event)
    start = time.monotonic()
    for i, piece in enumerate(pieces[:cut_after]):
        if tps and i:
            await asyncio.sleep(max(0.0, start + i / tps - time.monotonic()))
        yield payloads.sse(payloads.stream_delta(piece))
    if cut_after is None:
        for event in payloads.stream_tail(message_id, *usage):
            yield payloads.sse(event)


async def embed(profile: Profile, body: dict[str, Any], fault: Fault | None) -> Answer:
    """POST /v1/embed: float vectors; v3 models require input_type, as the real API does."""
    texts, input_type, types = (
        body.get("texts"),
        body.get("input_type"),
        body.get("embedding_types"),
    )
    if not body.get("model"):
        return bad_request("model is required")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return bad_request("texts must be a list of strings")
    if input_type not in INPUT_TYPES and (input_type or "v3" in body["model"]):
        return bad_request(f"input_type must be one of {sorted(INPUT_TYPES)}")
    if types is not None and set(types) != {"float"}:
        return bad_request("the fake only produces float embeddings")
    await asyncio.sleep(profile.embed_latency)
    vectors = [embed_text(text, profile.dim) for text in texts]
    return payloads.embed_response(
        texts, vectors, by_type=types is not None, input_tokens=word_count(texts)
    )


async def rerank(profile: Profile, body: dict[str, Any], fault: Fault | None) -> Answer:
    """POST /v1|v2/rerank: documents by share of query words they contain, best first."""
    query, documents, top_n = body.get("query"), body.get("documents"), body.get("top_n")
    if not body.get("model") or not isinstance(query, str) or not isinstance(documents, list):
        return bad_request("model, query and documents are required")
    await asyncio.sleep(profile.rerank_latency)
    texts = [d.get("text", "") if isinstance(d, dict) else str(d) for d in documents]
    scores = [(i, overlap_score(query, text)) for i, text in enumerate(texts)]
    ranked = sorted(scores, key=lambda pair: (-pair[1], pair[0]))
    return payloads.rerank_response(ranked[:top_n] if top_n else ranked)


async def models(profile: Profile, query: dict[str, Any], fault: Fault | None) -> Answer:
    """GET /v1/models: ChatCohere without a model asks for endpoint=chat&default_only=true."""
    default_only = str(query.get("default_only", "")).lower() == "true"
    return payloads.models_response(query.get("endpoint"), default_only, profile.chat_model)
