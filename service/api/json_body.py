"""What every JSON request body must be, checked at the edge before any route reads it.

Pure functions, used by the JSON body middleware (service/api/json_edge.py) for HTTP bodies and
by WS /api/ws for its frames, so both refuse and clean alike:

- the media type is JSON (`application/json`, a `+json` type; a charset other than UTF-8 is
  refused): 415, so a page on another site cannot post a `text/plain` body without a CORS
  preflight;
- the bytes are UTF-8: 400;
- arrays and objects nest at most `MAX_DEPTH` deep, counted without recursion before parsing
  (a deeper body would exhaust the parser's or the validators' recursion): 400;
- the text is JSON without `NaN`/`Infinity` (no JSON response could echo them): 400;
- no string holds a lone surrogate (`"\\udfff"`: no valid UTF-8 can carry it): 422;
- NUL and the Unicode non-characters are removed from every string, keys included, so the same
  text reaches the model and both history backends (PostgreSQL refuses NUL in text).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64

_JSON_MEDIA = re.compile(r"application/(?:[a-z0-9.!#$&^_-]+\+)?json")
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_CHARACTERS = "\x00\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_STRIPPED = re.compile(f"[{_NON_CHARACTERS}]")


class BodyError(ValueError):
    """A body refused at the edge: the status and the message the client gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_json_media_type(content_type: str) -> bool:
    """Whether a Content-Type names JSON in UTF-8 (the default, or said so)."""
    media, _, params = content_type.partition(";")
    if not _JSON_MEDIA.fullmatch(media.strip().lower()):
        return False
    for param in params.split(";"):
        name, _, value = param.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in {"utf-8", "utf8"}:
            return False
    return True


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays/objects nest deeper than `limit` (strings skipped; no recursion)."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def clean(value: Any) -> Any:
    """`value` with NUL and non-characters removed from every string; BodyError(422) when a
    string holds a lone surrogate. Depth is bounded by `too_deep` before this runs."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise BodyError(422, "a string in the request holds a lone UTF-16 surrogate")
        return _STRIPPED.sub("", value)
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {clean(key): clean(item) for key, item in value.items()}
    return value


def parse_text(text: str, limit: int = MAX_DEPTH, subject: str = "the request body") -> Any:
    """The cleaned JSON value of `text`; BodyError (400 or 422) when it is refused."""
    if too_deep(text, limit):
        raise BodyError(400, f"{subject} is nested too deeply (at most {limit} levels)")
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except ValueError:
        raise BodyError(400, f"{subject} is not valid JSON") from None
    return clean(value)


def parse_body(body: bytes, limit: int = MAX_DEPTH) -> Any:
    """The cleaned JSON value of a request body; BodyError when it is refused."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError(400, "the request body is not valid UTF-8") from None
    return parse_text(text, limit)
