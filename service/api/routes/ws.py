"""WS /api/ws: the questions and events of POST /api/chat over one WebSocket, with cancel.

Client → server, JSON text frames:
- `{"type": "ask", "message": ..., "session_id"?, "selected_text"?, "page_url"?}` (`type` may be
  left out): one question; its events follow.
- `{"type": "cancel"}`: stop the answer in flight. Generation stops, nothing is stored, and the
  reply is an `error` event with code `cancelled`. A cancel with no answer in flight, or after
  the answer completed (its `done` is on its way), is ignored.

Server → client: `{"type": "session"|"sources"|"token"|"done"|"error", "data": ...}`, the same
payloads as the SSE events. A question while another answer streams gets an `error` with code
`busy`, one over the client's rate limits an `error` with code `rate_limited` and `retry_after`;
the connection stays open. Bad input closes the connection: 1003 for a binary frame, 1009 for a
frame over MAX_BODY_BYTES (32 KiB by default), 1008 (with the reason) for anything else
malformed, checked and cleaned as HTTP bodies are (service/api/json_body.py: nesting, lone
surrogates refused; NUL and non-characters removed). A service that is not ready closes with
1013, an origin not in ALLOWED_ORIGINS is refused at the handshake.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from langchain_core.runnables import Runnable
from pydantic import ValidationError

from service.api.admission import admit
from service.api.json_body import BodyError, parse_text
from service.api.limits import RateLimited
from service.api.schemas import ChatRequest
from service.api.turn import CANCELLED, Turn, error_data

router = APIRouter(tags=["widget"])

BUSY = error_data("busy", "An answer is still streaming: cancel it or wait for done.")
MAX_REASON_BYTES = 123  # what a close frame can carry


class BadInput(Exception):
    """Close the connection with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason.encode()[:MAX_REASON_BYTES].decode(errors="ignore")


def origin_allowed(ws: WebSocket, allowed: list[str]) -> bool:
    """Browsers send Origin: it must be listed, or be this server's own page (the demo)."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser: CORS-like checks protect browser users only
    return origin.rstrip("/") in allowed or urlsplit(origin).netloc == ws.headers.get("host")


def _request_of(text: str | None, max_bytes: int) -> dict[str, Any]:
    """The decoded JSON object of a text frame; BadInput otherwise."""
    if text is None:
        raise BadInput(1003, "send JSON text frames")
    if len(text.encode()) > max_bytes:
        raise BadInput(1009, f"a message must be at most {max_bytes // 1024} KiB")
    try:
        data = parse_text(text, subject="a message")  # as HTTP bodies are checked
    except BodyError as refused:
        raise BadInput(1008, refused.message) from None
    if not isinstance(data, dict):
        raise BadInput(1008, "a message must be a JSON object")
    return data


def _validation_reason(exc: ValidationError) -> str:
    first = exc.errors(include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "message"
    return f"invalid request: {where}: {first['msg']}"


class ChatSocket:
    """One connection: reads questions and cancels, streams one answer at a time."""

    def __init__(self, ws: WebSocket, chain: Runnable, max_bytes: int) -> None:
        self.ws = ws
        self.chain = chain
        self.max_bytes = max_bytes
        self.turn: Turn | None = None
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                try:
                    await self._handle(_request_of(message.get("text"), self.max_bytes))
                except BadInput as bad:
                    await self._stop()
                    await self.ws.close(code=bad.code, reason=bad.reason)
                    return
        finally:
            await self._stop()

    async def _handle(self, data: dict[str, Any]) -> None:
        kind = data.pop("type", "ask")
        if kind == "cancel":
            await self._cancel()
            return
        if kind != "ask":
            raise BadInput(1008, "unknown message type: expected ask or cancel")
        if self.task is not None and not self.task.done():
            await self.ws.send_json({"type": "error", "data": BUSY})
            return
        try:
            turn = ChatRequest.model_validate(data).turn(self.chain)
        except ValidationError as exc:
            raise BadInput(1008, _validation_reason(exc)) from None
        except ValueError as exc:
            raise BadInput(1008, str(exc)) from None
        try:
            admit(self.ws, turn.session_id if data.get("session_id") else None)
        except RateLimited as refused:
            await self.ws.send_json({"type": "error", "data": refused.event_data()})
            return
        self.turn = turn
        self.task = asyncio.create_task(self._stream(turn))

    async def _stream(self, turn: Turn) -> None:
        try:
            async with aclosing(turn.events()) as events:
                async for name, data in events:
                    await self.ws.send_json({"type": name, "data": data})
        except (WebSocketDisconnect, RuntimeError):
            pass  # the client left; the turn was cancelled with the stream

    async def _cancel(self) -> None:
        task, turn = self.task, self.turn
        if task is None or task.done() or turn is None or turn.completed:
            return
        task.cancel()
        await asyncio.wait([task])
        await self.ws.send_json({"type": "error", "data": CANCELLED})

    async def _stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            await asyncio.wait([self.task])


@router.websocket("/api/ws")
async def chat_socket(ws: WebSocket) -> None:
    res = getattr(ws.app.state, "resources", None)
    allowed = res.settings.allowed_origins if res is not None else []
    if not origin_allowed(ws, allowed):
        await ws.close(code=1008, reason="origin not allowed")
        return
    await ws.accept()
    if res is None or res.phase != "ready":
        await ws.close(code=1013, reason="the service is not ready; try again shortly")
        return
    await ChatSocket(ws, res.chat_chain, res.settings.max_body_bytes).run()
