"""Every error the app answers, in one shape: `{"error": {"status", "message"}}` (plus `details`
for a 422), the right status, never a stack trace or an exception's text.

Dependency failures escaping a route get honest statuses instead of a bare 500:

| dependency fails            | status | error kind (metrics)        |
|-----------------------------|--------|-----------------------------|
| Cohere answers 429          | 503 + Retry-After | model_rate_limited |
| Cohere answers another error| 502    | model_failed                |
| Cohere times out            | 504    | model_timeout               |
| Cohere unreachable, cut off | 502    | model_unreachable           |
| Postgres (history) down     | 503 + Retry-After | history_unavailable |
| Qdrant down                 | 503 + Retry-After | vector_store_unavailable |

Only the exception's type and the upstream status reach the log; never its text, which may carry
a URL or a request. Streams report failures as `error` events instead (LangServe's own, and
POST /api/chat's codes: service/api/turn.py).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from cohere.core.api_error import ApiError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg import OperationalError
from qdrant_client.http.exceptions import ApiException as QdrantError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

log = logging.getLogger("bookchat")
RETRY_SECONDS = 5

# The metrics' error kind of a status, when the handler did not name a finer one.
ERROR_KINDS = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "body_too_large", 415: "unsupported_media",
    422: "invalid_request", 429: "rate_limited", 499: "client_closed", 500: "internal",
    502: "bad_gateway", 503: "unavailable", 504: "timeout",
}


def error_body(status: int, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    """The JSON body of every error."""
    error: dict[str, Any] = {"status": status, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def error_response(
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, message, details), status_code=status, headers=headers)


def error_messages(
    status: int,
    message: str,
    headers: tuple[tuple[bytes, bytes], ...] = (),
    details: list[dict[str, Any]] | None = None,
) -> tuple[Message, Message]:
    """The same error as the two ASGI messages, for pure ASGI middleware."""
    body = json.dumps(error_body(status, message, details)).encode()
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


def _upstream(
    request: Request, exc: Exception, status: int, kind: str, message: str, retry: int | None
) -> JSONResponse:
    request.state.error_kind = kind  # read by the request middleware for the errors metric
    upstream = getattr(exc, "status_code", None)
    log.warning(
        "%s: %s%s on %s %s", kind, type(exc).__name__, f" ({upstream})" if upstream else "",
        request.method, request.url.path,
    )
    return error_response(status, message, {"Retry-After": str(retry)} if retry else None)


async def _model_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ApiError) and exc.status_code == 429:
        retry = (exc.headers or {}).get("retry-after", "")
        seconds = int(retry) if retry.isdigit() else RETRY_SECONDS
        return _upstream(request, exc, 503, "model_rate_limited",
                         "the language model is rate limited; try again shortly", seconds)
    if isinstance(exc, httpx.TimeoutException):
        return _upstream(request, exc, 504, "model_timeout",
                         "the language model did not answer in time", None)
    if isinstance(exc, httpx.TransportError):
        return _upstream(request, exc, 502, "model_unreachable",
                         "the language model could not be reached", None)
    status = getattr(exc, "status_code", None)
    return _upstream(request, exc, 502, "model_failed",
                     f"the language model answered with an error ({status or 'unknown'})", None)


async def _history_error(request: Request, exc: Exception) -> JSONResponse:
    return _upstream(request, exc, 503, "history_unavailable",
                     "the conversation store is unavailable; see /api/health", RETRY_SECONDS)


async def _vector_store_error(request: Request, exc: Exception) -> JSONResponse:
    return _upstream(request, exc, 503, "vector_store_unavailable",
                     "the book's search index is unavailable; see /api/health", RETRY_SECONDS)


def _allowed_methods(request: Request) -> str | None:
    """The methods /openapi.json declares for this path (Starlette's 405 names only the first
    route's, and FastAPI makes a route per method); None for a path it does not describe."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), request.url.path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods)) or None


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    headers = getattr(exc, "headers", None)
    allowed = _allowed_methods(request) if exc.status_code == 405 else None
    if allowed:
        headers = {**(headers or {}), "Allow": allowed}
    return error_response(exc.status_code, exc.detail, headers)


async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    details = [  # LangServe raises a bare string for a body that is not JSON
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", "")}
        if isinstance(e, dict) else {"loc": ["body"], "msg": str(e)}
        for e in exc.errors()
    ]
    return error_response(422, "invalid request", details=details)


async def _crashed(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(500, "internal error")


Handler = Callable[[Request, Any], Awaitable[JSONResponse]]
HANDLERS: dict[type[Exception], Handler] = {
    StarletteHTTPException: _http_error,
    RequestValidationError: _invalid,
    ApiError: _model_error,
    httpx.TransportError: _model_error,  # Cohere's SDK lets httpx's errors through
    OperationalError: _history_error,  # psycopg, PoolTimeout included
    QdrantError: _vector_store_error,
    Exception: _crashed,
}


def install_error_handlers(app: FastAPI) -> None:
    """Every exception escaping a route becomes the JSON error shape with its status."""
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)
