"""Log lines: text or JSON, each with the request id, and never a configured secret."""

from __future__ import annotations

import io
import json
import logging

import pytest

from config.settings import load_settings
from service.api.logs import (
    REQUEST_ID,
    configure_logging,
    make_handler,
    request_id_from,
    secrets_of,
)

KEY = "co-LOGS-SECRET-4242"
PASSWORD = "pw-LOGS-SECRET-77"


def _emit(handler: logging.Handler, msg: str, *args, exc: BaseException | None = None) -> str:
    logger = logging.getLogger("bookchat.test-logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        if exc is None:
            logger.info(msg, *args)
        else:
            try:
                raise exc
            except type(exc):
                logger.exception(msg, *args)
    finally:
        logger.removeHandler(handler)
    return handler.stream.getvalue()


def test_json_lines_carry_the_request_id():
    handler = make_handler("json", stream=io.StringIO())
    token = REQUEST_ID.set("req-7")
    try:
        line = json.loads(_emit(handler, "answered in %d ms", 12))
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "answered in 12 ms"
    assert line["request_id"] == "req-7" and line["level"] == "INFO"
    assert line["logger"] == "bookchat.test-logs" and line["time"]


def test_text_lines_carry_the_request_id_or_a_dash():
    text = _emit(make_handler("text", stream=io.StringIO()), "hello")
    assert " INFO bookchat.test-logs [-] hello" in text


def test_secrets_are_masked_in_messages_arguments_and_exceptions():
    settings = load_settings(
        cohere_api_key=KEY, database_url=f"postgresql://app:{PASSWORD}@db.example/x",
        admin_token="a" * 32, redis_url="redis://default:rd-LOGS-SECRET-55@cache:6379/0",
    )
    assert set(secrets_of(settings)) >= {KEY, PASSWORD, "a" * 32, "rd-LOGS-SECRET-55"}
    handler = make_handler("json", secrets_of(settings), io.StringIO())
    out = _emit(handler, "calling with %s and %s", KEY, f"postgresql://app:{PASSWORD}@db")
    out += _emit(handler, "failed", exc=RuntimeError(f"bad key {KEY}"))
    assert KEY not in out and PASSWORD not in out
    assert "***" in out


@pytest.mark.parametrize(("given", "kept"), [
    ("abc-123", True), ("A.b_c:d-9", True), ("x" * 128, True),
    ("", False), ("x" * 129, False), ("a b", False), ("-leading", False), ('a"b', False),
])
def test_only_a_sane_incoming_request_id_is_kept(given, kept):
    assert (request_id_from(given) == given) is kept


def test_configure_logging_routes_every_logger_through_one_handler():
    loggers = [logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    stream = io.StringIO()
    try:
        configure_logging(load_settings(log_format="JSON", log_level="warning"), stream)
        logging.getLogger("uvicorn.error").warning("from uvicorn")
        logging.getLogger("bookchat").info("below the level")
    finally:
        for lg, (handlers, level, propagate) in zip(loggers, saved, strict=True):
            lg.handlers[:], lg.propagate = handlers, propagate
            lg.setLevel(level)
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert [x["message"] for x in lines] == ["from uvicorn"]
