"""How the Cohere SDK runs under us: its connections and its stream parsing, measured in
bench/RESULTS.md.

- Connections: the SDK's own httpx client keeps httpx's default pool of 100 connections, so the
  101st concurrent answer waits inside the SDK for a free one. The chat model and the embedder
  share one async client with COHERE_MAX_CONNECTIONS connections, split over small pools
  because httpcore's pool bookkeeping grows with the square of its size.
- Stream parsing: cohere 5.x parses every streamed chat event with `parse_obj_as`, which builds
  a new pydantic TypeAdapter and walks the event union's type hints looking for alias metadata
  (`FieldMetadata`), per event — about 2.8 ms of CPU for each of an answer's 40+ events, most of
  the server's CPU under load. The chat stream's event types carry no such metadata, so the walk
  changes nothing: for that one type, one cached TypeAdapter validates the event. The check that
  the types really carry none runs when the cache is installed; on an SDK where they do, the
  SDK's own path stays.
- Union dispatch: the event union is a plain Union, so pydantic's smart mode tries the members
  one after another, running each model's alias-coercing `before` validator on the way (~28 runs
  per event, 123 µs). Every member carries its own `type` literal, the field the SDK itself
  dispatches on (its UnionMetadata discriminant), so the cached adapter validates the union
  discriminated by `type`: the one matching member is validated (20 µs), giving the same object.
  An event whose type no member declares goes to the SDK's own parse.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import httpx
import pydantic

from clients.sharded_transport import ShardedTransport
from clients.stale_retry import RetryDropped


def pooled_http_client(max_connections: int, timeout: float) -> httpx.AsyncClient:
    """The async HTTP client the Cohere clients share; closed in the lifespan.

    Its connections are split over small pools (clients/sharded_transport.py); a request the
    server dropped unanswered is sent once more (clients/stale_retry.py)."""
    transport = RetryDropped(ShardedTransport(max_connections))
    return httpx.AsyncClient(timeout=timeout, transport=transport)


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


def discriminated_adapter(union: Any, key: str = "type") -> pydantic.TypeAdapter | None:
    """A TypeAdapter for the SDK's event union, discriminated by `key`; None if it cannot be.

    Needs every member to declare `key` as a literal, as the SDK's own dispatch assumes."""
    members = typing.get_args(_strip_annotated(union))
    for member in members:
        field = getattr(member, "model_fields", {}).get(key)
        if field is None or typing.get_origin(field.annotation) is not typing.Literal:
            return None
    try:
        return pydantic.TypeAdapter(
            # a Union over a runtime tuple: the X | Y spelling cannot express it
            typing.Annotated[typing.Union[members], pydantic.Field(discriminator=key)]  # noqa: UP007
        )
    except pydantic.PydanticUserError:
        return None


def _strip_annotated(type_: Any) -> Any:
    if typing.get_origin(type_) is typing.Annotated:
        return typing.get_args(type_)[0]
    return type_


def cache_stream_event_parsing() -> bool:
    """Parse chat stream events with one cached, discriminated TypeAdapter; False when left to
    the SDK."""
    from cohere.core import pydantic_utilities
    from cohere.v2.types import V2ChatStreamResponse

    if hasattr(pydantic_utilities.parse_obj_as, "sdk"):  # installed already
        return True
    if has_alias_metadata(V2ChatStreamResponse):
        return False
    sdk_parse = pydantic_utilities.parse_obj_as
    adapter = discriminated_adapter(V2ChatStreamResponse)
    if adapter is None:
        return False

    def parse_obj_as(type_: Any, object_: Any) -> Any:
        if type_ is V2ChatStreamResponse:
            try:
                return adapter.validate_python(object_)
            except pydantic.ValidationError:
                return sdk_parse(type_, object_)  # an event type this SDK does not declare
        return sdk_parse(type_, object_)

    parse_obj_as.sdk = sdk_parse  # type: ignore[attr-defined]  # marks it; the tests compare
    # parse_sse_obj looks parse_obj_as up in its module at call time
    pydantic_utilities.parse_obj_as = parse_obj_as
    return True
