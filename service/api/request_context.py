"""The request context, as pure ASGI middleware: request id, security headers, access log, HTTP
metrics, and the last-resort 500. Pure ASGI rather than BaseHTTPMiddleware, so streams pass
through untouched and the contextvars set here reach the endpoint and its tasks."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import ERROR_KINDS, error_messages
from service.api.logs import REQUEST_ID, request_id_from
from service.api.metrics import Metrics
from service.api.security_headers import with_security_headers

log = logging.getLogger("bookchat")
access = logging.getLogger("bookchat.access")


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded label values), "unmatched" otherwise."""
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return path if isinstance(path, str) else "unmatched"


class _Response:
    """What the app has sent so far, and the send that stamps the request id on it."""

    def __init__(self, send: Send, request_id: str, path: str = "") -> None:
        self._send = send
        self._id = request_id.encode()
        self._path = path
        self.status = 500
        self.started = self.chunked = self.finished = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
            self.chunked = not any(k.lower() == b"content-length" for k, _ in headers)
            headers = with_security_headers(self._path, headers)
            message["headers"] = [*headers, (b"x-request-id", self._id)]
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            self.finished = True
        await self._send(message)

    async def fail(self) -> None:
        """Answer the JSON 500 if nothing was sent yet; else end an unterminated stream."""
        if not self.started:
            for message in error_messages(500, "internal error"):
                await self.send(message)
            self.status = 500
        elif self.chunked and not self.finished:
            # A stream that failed after its error event (LangServe re-raises): end it
            # properly instead of leaving the client an unterminated chunked body.
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})


class RequestContextMiddleware:
    """Request id (X-Request-ID in and out, and on every log line), access log, HTTP metrics.

    An exception that escapes the app before it answered becomes the app's JSON 500 here, so
    even that response carries the request id; only its type reaches the log.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = request_id_from(headers.get(b"x-request-id", b"").decode("latin-1"))
        REQUEST_ID.set(request_id)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        response = _Response(send, request_id, scope["path"])
        begun = time.perf_counter()
        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, response.send)
        except Exception as exc:
            log.error(
                "unhandled %s on %s %s", type(exc).__name__, scope["method"], route_template(scope)
            )
            self.metrics.errors.labels("unhandled").inc()
            await response.fail()
        finally:
            self.metrics.in_progress.dec()
            self._record(scope, response.status, time.perf_counter() - begun)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route, method = route_template(scope), scope["method"]
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(seconds)
        if status >= 400:
            kind = (scope.get("state") or {}).get("error_kind")  # set by service/api/errors.py
            self.metrics.errors.labels(kind or ERROR_KINDS.get(status, f"http_{status}")).inc()
        access.info(
            "%s %s %d %.0fms", method, route if route != "unmatched" else scope["path"],
            status, seconds * 1000,
        )
