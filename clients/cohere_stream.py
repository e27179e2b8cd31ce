"""Cohere's /v2/chat event stream read without the SDK: one `orjson.loads` per event, no pydantic
per event, and every text delta already received in the same network read goes out as one piece
(clients/cohere_chat.py sends the request; bench/RESULTS.md, issue 12).

`stream_pieces` gives (text, closing chunk) pairs, for a run that streams plain text
(clients/text_run.py); `stream_chunks` gives langchain-cohere's chunks: text chunks, then a last
chunk with the finish reason and token counts (`additional_kwargs`, `usage_metadata`,
`generation_info`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import orjson
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

log = logging.getLogger("bookchat")


async def stream_chunks(body: AsyncIterator[bytes]) -> AsyncIterator[ChatGenerationChunk]:
    """Chat chunks from a /v2/chat event stream: one text chunk for all the text deltas that have
    arrived by the time the previous chunk was taken, and the last chunk at `message-end`."""
    async with aclosing(stream_pieces(body)) as pieces:  # closing the chunks stops the reader
        async for text, last in pieces:
            if text:
                yield ChatGenerationChunk(message=AIMessageChunk(content=text))
            if last is not None:
                yield last


async def stream_pieces(
    body: AsyncIterator[bytes],
) -> AsyncIterator[tuple[str, ChatGenerationChunk | None]]:
    """(text, last chunk or None) from a /v2/chat event stream: all the text deltas that have
    arrived by the time the previous piece was taken, and the closing chunk at `message-end`.

    The body is read by a task of its own, so pieces that arrive while the chain is busy with
    the previous chunk wait in `reads` and go out together (httpx hands over one piece per HTTP
    chunk, i.e. per event, however many were in one network read); when nothing is waiting, the
    next piece goes out as soon as it arrives."""
    reads: list[bytes | BaseException | None] = []
    ready = asyncio.Event()

    async def pump() -> None:
        try:
            async for data in body:
                reads.append(data)
                ready.set()
        except Exception as exc:  # handed to the reader, raised there
            reads.append(exc)
        else:
            reads.append(None)
        ready.set()

    task = asyncio.create_task(pump())
    buffer = b""
    try:
        while True:
            await ready.wait()
            ready.clear()
            taken = reads[:]
            reads.clear()
            data = b"".join(x for x in taken if isinstance(x, bytes))
            buffer += data.replace(b"\r\n", b"\n") if b"\r" in data else data
            ended = not isinstance(taken[-1], bytes)
            parts = buffer.split(b"\n\n")
            complete, buffer = (parts, b"") if ended else (parts[:-1], parts[-1])
            text, last = _read_events(complete)
            if text or last is not None:
                yield text, last
            if isinstance(taken[-1], BaseException):
                raise taken[-1]
            if ended:
                return
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait([task])


def _read_events(blocks: list[bytes]) -> tuple[str, ChatGenerationChunk | None]:
    """The text of the content deltas among these events, and the last chunk if one ended."""
    parts: list[str] = []
    last = None
    for block in blocks:
        event = _event_data(block)
        if event is None:
            continue
        kind = event.get("type")
        if kind == "content-delta":
            text = ((event.get("delta") or {}).get("message") or {}).get("content") or {}
            if isinstance(text.get("text"), str):
                parts.append(text["text"])
        elif kind == "message-end":
            last = _last_chunk(event.get("delta") or {})
    return "".join(parts), last


def _event_data(block: bytes) -> dict[str, Any] | None:
    """The JSON object on an event's `data:` line(s); None for comments and bad JSON."""
    lines = [line[5:] for line in block.split(b"\n") if line.startswith(b"data:")]
    if not lines:
        return None
    try:
        event = orjson.loads(b"\n".join(lines))
    except orjson.JSONDecodeError:
        log.warning("skipped a Cohere stream event that is not JSON")
        return None
    return event if isinstance(event, dict) else None


def _last_chunk(delta: dict[str, Any]) -> ChatGenerationChunk:
    """langchain-cohere's closing chunk: finish reason and billed token counts."""
    billed = (delta.get("usage") or {}).get("billed_units") or {}
    # The SDK's models declare the counts as floats; langchain-cohere passes them on as such.
    input_tokens = float(billed.get("input_tokens") or 0)
    output_tokens = float(billed.get("output_tokens") or 0)
    info = {
        "finish_reason": delta.get("finish_reason"),
        "token_count": {
            "total_tokens": input_tokens + output_tokens,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
        },
    }
    message = AIMessageChunk(
        content="",
        additional_kwargs=info,
        tool_call_chunks=[],
        usage_metadata=info["token_count"],
        chunk_position="last",
    )
    return ChatGenerationChunk(message=message, generation_info=info)
