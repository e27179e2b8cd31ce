"""Scheduled failures for the fake Cohere server: error statuses, hangs and dropped connections.

Faults are armed per route for the next N requests, so a test can make exactly the first call fail
and watch the client recover, or fail every attempt and watch the error surface.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Send

from .cohere_payloads import error_body

ROUTES = frozenset({"chat", "embed", "rerank", "models", "*"})
NAMED_KINDS = frozenset({"hang", "cut"})
HANG_SECONDS = 3600.0


@dataclass
class Fault:
    """One armed failure; `remaining` None means every request until reset."""

    kind: str
    remaining: int | None = 1
    retry_after: int = 1
    cut_after: int = 3

    @property
    def status(self) -> int | None:
        """The HTTP status to answer with, or None for hang and cut."""
        return int(self.kind) if self.kind.isdigit() else None


def route_name(route: str) -> str:
    """Accept "chat" as well as "/v2/chat", so callers can name a route by its path."""
    name = route.strip().rstrip("/").rsplit("/", 1)[-1]
    if name not in ROUTES:
        raise ValueError(f"unknown route {route!r}; expected one of {sorted(ROUTES)}")
    return name


def check_kind(kind: str | int) -> str:
    """A fault kind is "hang", "cut" or an HTTP error status such as "429" or "500"."""
    text = str(kind).strip().lower()
    if text in NAMED_KINDS or (text.isdigit() and 400 <= int(text) <= 599):
        return text
    raise ValueError(f"unknown fault kind {kind!r}; expected hang, cut or a 4xx/5xx status")


class FaultBook:
    """Faults by route, shared between the test thread that arms them and the server thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}

    def arm(self, route: str, fault: Fault) -> None:
        """Arm `fault` for `route`, replacing any fault already armed there."""
        with self._lock:
            self._faults[route_name(route)] = fault

    def take(self, route: str) -> Fault | None:
        """The fault for this request, if any, counting it off; a named route beats "*"."""
        with self._lock:
            for key in (route, "*"):
                fault = self._faults.get(key)
                if fault is None:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        del self._faults[key]
                return fault
        return None

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Armed faults as JSON-ready dicts, for the control endpoint."""
        with self._lock:
            return {route: asdict(fault) for route, fault in self._faults.items()}


def error_response(fault: Fault) -> JSONResponse:
    """A Cohere-like error body; 429 carries Retry-After, which the SDK honours when retrying."""
    status = fault.status or 500
    headers = {"Retry-After": str(fault.retry_after)} if status == 429 else None
    message = "too many requests (fake fault)" if status == 429 else f"fake fault {status}"
    return JSONResponse(error_body(message), status_code=status, headers=headers)


async def hang(request: Request, stopping: threading.Event) -> Response:
    """Answer nothing until the client gives up or the server stops, so shutdown stays prompt."""
    deadline = time.monotonic() + HANG_SECONDS
    while time.monotonic() < deadline and not stopping.is_set():
        if await request.is_disconnected():
            break
        await asyncio.sleep(0.05)
    return JSONResponse(error_body("fake hang ended"), status_code=503)


class TruncatedStream(StreamingResponse):
    """A response that stops without its final chunk, so uvicorn drops the connection mid-body."""

    async def stream_response(self, send: Send) -> None:
        """Send the head and the chunks, but never the closing empty chunk."""
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        async for chunk in self.body_iterator:
            if isinstance(chunk, str):
                chunk = chunk.encode(self.charset)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


def truncated_json(body: bytes) -> TruncatedStream:
    """Half of a JSON body under a Content-Length for all of it: the client sees a broken read."""

    async def half() -> Any:
        yield body[: len(body) // 2]

    return TruncatedStream(
        half(), media_type="application/json", headers={"content-length": str(len(body))}
    )
