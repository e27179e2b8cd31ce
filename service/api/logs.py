"""Logging: one handler on the root logger, text or JSON lines, each with the request id.

The request id lives in a contextvar that the request middleware sets
(service/api/request_context.py), so every line logged while a request is served carries it,
whichever library logs. The formatter masks any configured secret that still reaches a line
with `***`: the code logs lengths and type names, never contents, and this keeps a library's
debug line from undoing that.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from typing import TextIO
from urllib.parse import urlsplit

from pythonjsonlogger.json import JsonFormatter

from config.settings import Settings

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a short plain token, else a fresh uuid4."""
    if header and _SANE_ID.match(header):
        return header
    return uuid.uuid4().hex


def secrets_of(settings: Settings) -> list[str]:
    """The secret values a log line must never show: keys, tokens and the database password."""
    values = []
    for secret in (
        settings.cohere_api_key, settings.qdrant_api_key, settings.admin_token,
        settings.database_url, settings.redis_url,
    ):
        if secret is not None:
            values.append(secret.get_secret_value())
    for url in (settings.database_url, settings.redis_url):
        password = urlsplit(url.get_secret_value()).password if url is not None else None
        if password:
            values.append(password)
    return [v for v in values if len(v) >= 4]


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value replaced by ***."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or "-" outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class RedactingFormatter(logging.Formatter):
    """Formats with `inner`, then masks every secret in the finished line (exceptions too)."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        escaped = {json.dumps(s)[1:-1] for s in secrets}  # as it reads inside a JSON line
        self.secrets = sorted(set(secrets) | escaped, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)


def make_handler(
    log_format: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """A stream handler with the request id, the chosen format and the redaction."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        inner: logging.Formatter = JsonFormatter(
            JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}
        )
    else:
        inner = logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(RedactingFormatter(inner, secrets))
    return handler


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Route every logger through one handler at LOG_LEVEL in LOG_FORMAT; returns the handler."""
    handler = make_handler(settings.log_format, secrets_of(settings), stream)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # in case uvicorn set them up
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    return handler
