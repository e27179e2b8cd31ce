"""The request body limit, as pure ASGI middleware (streams pass through untouched)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import error_messages


class BodyTooLarge(Exception):
    """Raised into the app when a streamed body grows past the limit; answered with 413."""


class BodyLimitMiddleware:
    """413 when Content-Length, or the bytes actually received, exceed `max_bytes`.

    A declared length over the limit is refused before the app runs. A chunked body is counted
    while the app reads it: past the limit the app's read raises, and whatever it answers then is
    replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.message = f"the request body must be at most {max_bytes // 1024} KiB"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        exceeded = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge(self.message)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if not exceeded:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(send)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not refused:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        for message in error_messages(413, self.message, ((b"connection", b"close"),)):
            await send(message)
