"""Two changes to how the Cohere SDK runs under us, both measured in bench/RESULTS.md.

- Connections: the SDK's own httpx client keeps httpx's default pool of 100 connections, so the
  101st concurrent answer waits inside the SDK for a free one. The chat model and the embedder
  share one async client with a pool sized by COHERE_MAX_CONNECTIONS.
- Stream parsing: cohere 5.x parses every streamed chat event with `parse_obj_as`, which builds
  a new pydantic TypeAdapter and walks the event union's type hints looking for alias metadata
  (`FieldMetadata`), per event — about 2.8 ms of CPU for each of an answer's 40+ events, most of
  the server's CPU under load. The chat stream's event types carry no such metadata, so the walk
  changes nothing: for that one type, one cached TypeAdapter validates the event. The check that
  the types really carry none runs when the cache is installed; on an SDK where they do, the
  SDK's own path stays.
"""

from __future__ import annotations

import functools
import inspect
import typing
from typing import Any

import httpx
import pydantic


def pooled_http_client(max_connections: int, timeout: float) -> httpx.AsyncClient:
    """The async HTTP client the Cohere clients share; closed in the lifespan."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.AsyncClient(timeout=timeout, limits=limits)


def async_cohere_client(
    api_key: str, base_url: str | None, timeout: float, http: httpx.AsyncClient
) -> Any:
    """A cohere.AsyncClient on the shared pool (langchain-cohere builds its own otherwise)."""
    import cohere

    return cohere.AsyncClient(
        api_key=api_key, base_url=base_url, timeout=timeout, client_name="langchain:partner",
        httpx_client=http,
    )


def has_alias_metadata(type_: Any, _seen: set[int] | None = None) -> bool:
    """Whether any annotation reachable from `type_` carries the SDK's FieldMetadata."""
    from cohere.core.serialization import FieldMetadata

    seen = _seen if _seen is not None else set()
    if id(type_) in seen:
        return False
    seen.add(id(type_))
    if typing.get_origin(type_) is typing.Annotated:
        args = typing.get_args(type_)
        if any(isinstance(meta, FieldMetadata) for meta in args[1:]):
            return True
        return has_alias_metadata(args[0], seen)
    if inspect.isclass(type_) and issubclass(type_, pydantic.BaseModel):
        hints = typing.get_type_hints(type_, include_extras=True)
        return any(has_alias_metadata(hint, seen) for hint in hints.values())
    return any(has_alias_metadata(arg, seen) for arg in typing.get_args(type_))


def cache_stream_event_parsing() -> bool:
    """Parse chat stream events with one cached TypeAdapter; False when left to the SDK."""
    from cohere.core import pydantic_utilities
    from cohere.v2.types import V2ChatStreamResponse

    if hasattr(pydantic_utilities.parse_obj_as, "sdk"):  # installed already
        return True
    if has_alias_metadata(V2ChatStreamResponse):
        return False
    sdk_parse = pydantic_utilities.parse_obj_as
    adapter = functools.cache(pydantic.TypeAdapter)

    def parse_obj_as(type_: Any, object_: Any) -> Any:
        if type_ is V2ChatStreamResponse:
            return adapter(type_).validate_python(object_)
        return sdk_parse(type_, object_)

    parse_obj_as.sdk = sdk_parse  # type: ignore[attr-defined]  # marks it; the tests compare
    # parse_sse_obj looks parse_obj_as up in its module at call time
    pydantic_utilities.parse_obj_as = parse_obj_as
    return True
