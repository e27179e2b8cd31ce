"""Every request body checked and cleaned before a route reads it, as pure ASGI middleware.

A POST/PUT/PATCH with a body must be JSON as service/api/json_body.py defines it; the body the
route then reads is the cleaned one (NUL and non-characters removed), re-encoded only when
something was removed. Bodies to LangServe's endpoints also get their shape checked
(service/api/langserve_body.py), since LangServe reads them itself.

While a LangServe /invoke or /batch runs (they answer only once done), the client's connection
is watched: a client that leaves before the response starts cancels the route's task, so
nothing keeps answering for nobody, and the request is logged and counted as 499. Streams see
the disconnect through `receive` as before and stop themselves.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import error_messages
from service.api.json_body import BodyError, is_json_media_type, parse_body
from service.api.langserve_body import LangServeRoute, check_body, endpoint_of

log = logging.getLogger("bookchat")

BODY_METHODS = {"POST", "PUT", "PATCH"}
UNSTREAMED = {"invoke", "batch"}  # LangServe endpoints that answer only once they are done
CLIENT_CLOSED = 499  # nginx's "client closed request": logged and counted, never received


class _ClientGone(Exception):
    """The client disconnected while its body was being read."""


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        body += message.get("body", b"")
        if not message.get("more_body"):
            return bytes(body)


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


def _with_length(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k not in {b"content-length",
                                                                   b"transfer-encoding"}]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` that gives the body read already, then the connection's own messages."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class JsonBodyMiddleware:
    """415/400/422/413 for bodies refused at the edge; the cleaned body for the rest."""

    def __init__(
        self,
        app: ASGIApp,
        langserve: Callable[[], dict[str, LangServeRoute]] = dict,
        max_batch: int = 20,
    ) -> None:
        self.app = app
        self.langserve = langserve  # read per request: routes are added after the middleware
        self.max_batch = max_batch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not _has_body(headers):
            await self.app(scope, receive, send)
            return
        if not is_json_media_type(headers.get("content-type", "")):
            await self._refuse(send, BodyError(415, "the request body must be JSON "
                                                    "(Content-Type: application/json)"))
            return
        target = endpoint_of(scope["path"], self.langserve())
        try:
            body = await _read_body(receive)
            cleaned = self._checked(target, body)
        except _ClientGone:
            await self._refuse(send, BodyError(CLIENT_CLOSED, "the client closed the request"))
            return
        except BodyError as refused:
            await self._refuse(send, refused)
            return
        if cleaned is not None:
            body = json.dumps(cleaned, ensure_ascii=False).encode()
            scope = _with_length(scope, len(body))
        if target is not None and target[1] in UNSTREAMED:
            await self._run_watched(scope, body, receive, send)
            return
        await self.app(scope, _replaying(body, receive), send)

    def _checked(self, target: tuple[LangServeRoute, str] | None, body: bytes) -> Any:
        """The cleaned value when cleaning changed the body, else None; BodyError if refused
        (also for a LangServe endpoint's body of the wrong shape)."""
        value = parse_body(body)
        if target is not None:
            check_body(*target, value, self.max_batch)
        return value if value != json.loads(body) else None

    async def _run_watched(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        """The app on the read body; cancelled if the client leaves before the response."""
        gone = asyncio.Event()
        delivered = started = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        task = asyncio.create_task(self.app(scope, replay, tracked_send))

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()
            if not started:
                task.cancel()

        watcher = asyncio.create_task(watch())
        try:
            await task
        except asyncio.CancelledError:
            if not gone.is_set() or asyncio.current_task().cancelling():
                raise
            log.info("client left before the response: %s %s cancelled",
                     scope["method"], scope["path"])
            await self._refuse(send, BodyError(CLIENT_CLOSED, "the client closed the request"))
        finally:
            watcher.cancel()

    async def _refuse(self, send: Send, refused: BodyError) -> None:
        """The error as the response (a 499 goes nowhere: uvicorn drops it, the log counts it)."""
        details = getattr(refused, "details", None)
        for message in error_messages(refused.status, refused.message, details=details):
            await send(message)
