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
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app with its body counted as it reads it; a 413 instead once past the limit."""
        guard = _Counted(self, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except BodyTooLarge:
            pass
        except Exception:
            if not guard.exceeded:
                raise
        if guard.exceeded and not guard.refused:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        for message in error_messages(413, self.message, ((b"connection", b"close"),)):
            await send(message)


class _Counted:
    """One request's receive (counting, raising past the limit) and send (the 413 instead)."""

    def __init__(self, limit: BodyLimitMiddleware, receive: Receive, send: Send) -> None:
        self.limit = limit
        self._receive = receive
        self._send = send
        self.received = 0
        self.exceeded = self.refused = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.max_bytes:
                self.exceeded = True
                raise BodyTooLarge(self.limit.message)
        return message

    async def send(self, message: Message) -> None:
        if not self.exceeded:
            await self._send(message)
        elif not self.refused:
            self.refused = True
            await self.limit._refuse(self._send)
