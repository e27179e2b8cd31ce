"""Honest statuses when a dependency fails under a request, instead of a bare 500.

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
POST /api/chat's codes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
from cohere.core.api_error import ApiError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg import OperationalError
from qdrant_client.http.exceptions import ApiException as QdrantError

log = logging.getLogger("bookchat")
RETRY_SECONDS = 5


def _answer(
    request: Request, exc: Exception, status: int, kind: str, message: str, retry: int | None
) -> JSONResponse:
    request.state.error_kind = kind  # read by the request middleware for the errors metric
    upstream = getattr(exc, "status_code", None)
    log.warning(
        "%s: %s%s on %s %s", kind, type(exc).__name__, f" ({upstream})" if upstream else "",
        request.method, request.url.path,
    )
    headers = {"Retry-After": str(retry)} if retry else None
    return JSONResponse(
        {"error": {"status": status, "message": message}}, status_code=status, headers=headers
    )


async def _model_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ApiError) and exc.status_code == 429:
        retry = (exc.headers or {}).get("retry-after", "")
        seconds = int(retry) if retry.isdigit() else RETRY_SECONDS
        return _answer(request, exc, 503, "model_rate_limited",
                       "the language model is rate limited; try again shortly", seconds)
    if isinstance(exc, httpx.TimeoutException):
        return _answer(request, exc, 504, "model_timeout",
                       "the language model did not answer in time", None)
    if isinstance(exc, httpx.TransportError):
        return _answer(request, exc, 502, "model_unreachable",
                       "the language model could not be reached", None)
    status = getattr(exc, "status_code", None)
    return _answer(request, exc, 502, "model_failed",
                   f"the language model answered with an error ({status or 'unknown'})", None)


async def _history_error(request: Request, exc: Exception) -> JSONResponse:
    return _answer(request, exc, 503, "history_unavailable",
                   "the conversation store is unavailable; see /api/health", RETRY_SECONDS)


async def _vector_store_error(request: Request, exc: Exception) -> JSONResponse:
    return _answer(request, exc, 503, "vector_store_unavailable",
                   "the book's search index is unavailable; see /api/health", RETRY_SECONDS)


HANDLERS: dict[type[Exception], Callable] = {
    ApiError: _model_error,
    httpx.TransportError: _model_error,  # Cohere's SDK lets httpx's errors through
    OperationalError: _history_error,  # psycopg, PoolTimeout included
    QdrantError: _vector_store_error,
}


def install_upstream_errors(app: FastAPI) -> None:
    """Map dependency failures escaping a route to 502/503/504 with a short JSON error."""
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)
