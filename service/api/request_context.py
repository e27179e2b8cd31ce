"""Pure ASGI middleware: the request context (id, access log, metrics, last-resort 500) and the
request body limit. Pure ASGI rather than BaseHTTPMiddleware, so streams pass through untouched
and the contextvars set here reach the endpoint and its tasks."""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.logs import REQUEST_ID, request_id_from
from service.api.metrics import Metrics

log = logging.getLogger("bookchat")
access = logging.getLogger("bookchat.access")

ERROR_KINDS = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "body_too_large", 422: "invalid_request",
    429: "rate_limited", 500: "internal", 502: "bad_gateway", 503: "unavailable", 504: "timeout",
}


def error_messages(
    status: int, message: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> tuple[Message, Message]:
    """The two ASGI messages of the app's JSON error shape."""
    body = json.dumps({"error": {"status": status, "message": message}}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded label values), "unmatched" otherwise."""
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return path if isinstance(path, str) else "unmatched"


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
        status = 500
        started = chunked = finished = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started, chunked, finished
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                chunked = not any(k.lower() == b"content-length" for k, _ in headers)
                message["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        begun = time.perf_counter()
        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error(
                "unhandled %s on %s %s", type(exc).__name__, scope["method"], route_template(scope)
            )
            self.metrics.errors.labels("unhandled").inc()
            if not started:
                status = 500
                for message in error_messages(500, "internal error"):
                    await send_with_id(message)
            elif chunked and not finished:
                # A stream that failed after its error event (LangServe re-raises): end it
                # properly instead of leaving the client an unterminated chunked body.
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.metrics.in_progress.dec()
            self._record(scope, status, time.perf_counter() - begun)

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
