"""POST /api/chat: one answer as server-sent events, for the website widget.

LangServe's /chat/stream carries text chunks only; the widget also needs the session, the
numbered sources, the id of the stored answer and the citations, so it gets this contract,
served by the same chain (see service/api/turn.py). Every problem with the request is an HTTP
status before the stream starts; once it has started, a failure is an `error` event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sse_starlette import EventSourceResponse

from service.api.admission import admit
from service.api.deps import ReadyDep
from service.api.json_body import BodyError, parse_body
from service.api.schemas import ChatRequest
from service.api.turn import Turn

router = APIRouter(prefix="/api", tags=["widget"])

PING_SECONDS = 15.0  # keep-alive comments while the model thinks; proxies drop idle streams

EVENTS_DOC = """Server-sent events, in order:

- `session` `{session_id}`
- `sources` `[{n, title, section, url, path, score}]`
- `token` `{text}`, many
- `done` `{session_id, message_id, citations: [{n, url}], usage?}`

or, on a failure once streaming started, `error` `{code, message}` and the stream ends.
Lines starting with `:` are keep-alive comments."""


async def read_json(request: Request, limit: int) -> Any:
    """The JSON body, at most `limit` bytes: 413 when larger, 400 when not JSON."""
    too_big = HTTPException(413, f"the request body must be at most {limit // 1024} KiB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_big
    try:
        return parse_body(bytes(body))  # already checked at the edge; the same rules here
    except BodyError as refused:
        raise HTTPException(refused.status, refused.message) from None


def parse_request(payload: Any) -> ChatRequest:
    """A ChatRequest, else the app's 422 with each field's problem."""
    try:
        return ChatRequest.model_validate(payload)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_input=False)]
        raise RequestValidationError(errors) from None


def sse_event(name: str, data: Any) -> bytes:
    """One event, written as ServerSentEvent(event=name, data=<JSON>, sep="\n") writes it: the
    JSON is one line (orjson escapes control characters), so it needs none of its line splitting."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def _sse(turn: Turn) -> AsyncIterator[bytes]:
    async with aclosing(turn.events()) as events:
        async for name, data in events:
            yield sse_event(name, data)


@router.post(
    "/chat",
    summary="Ask the book; the answer streams as server-sent events",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": EVENTS_DOC},
        400: {"description": "Not JSON, or session_id is not a UUID"},
        413: {"description": "Body over MAX_BODY_BYTES (32 KiB by default)"},
        422: {"description": "A field is missing or out of bounds"},
        429: {"description": "Over the client's rate limit or daily token budget"},
        503: {"description": "The service is starting"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ChatRequest.model_json_schema()}},
        }
    },
)
async def chat(request: Request, res: ReadyDep) -> EventSourceResponse:
    body = parse_request(await read_json(request, res.settings.max_body_bytes))
    try:
        turn = body.turn(res.chat_chain)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    admit(request, turn.session_id if body.session_id else None)  # 429, or counted and metered
    return EventSourceResponse(_sse(turn), ping=PING_SECONDS, sep="\n")
