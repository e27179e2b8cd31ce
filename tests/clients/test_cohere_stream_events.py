"""The Cohere SDK tuning: the cached stream-event parser gives what the SDK's own parser gives,
the guard refuses types with alias metadata, the SDK's own parser stays (one warning, start-up
goes on) when the internals the patch expects are not there, and the clients share the pooled
connection."""

from __future__ import annotations

import json
import sys
import types

import httpx
import pytest
from cohere.core import pydantic_utilities
from cohere.core.http_sse._models import ServerSentEvent
from cohere.types import EmbedByTypeResponse
from cohere.v2.types import V2ChatStreamResponse
from pydantic import SecretStr, ValidationError

from clients import factory
from clients.patches import cohere_stream_events as cohere_tuning
from config.settings import load_settings
from tests.conftest import MODEL_DIR
from tests.fakes import cohere_payloads as payloads

CITATION = {
    "type": "citation-start",
    "index": 0,
    "delta": {"message": {"citations": {
        "start": 10, "end": 24, "text": "inertial units", "type": "TEXT_CONTENT",
        "sources": [{"type": "document", "id": "doc-1", "document": {"id": "doc-1", "t": "x"}}],
    }}},
}
TOOL_EVENTS = [
    {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": "I will search."}}},
    {"type": "tool-call-start", "index": 0, "delta": {"message": {"tool_calls": {
        "id": "call-1", "type": "function",
        "function": {"name": "search", "arguments": ""}}}}},
    {"type": "tool-call-delta", "index": 0, "delta": {"message": {"tool_calls": {
        "function": {"arguments": "{\"q\": \"imu\"}"}}}}},
    {"type": "tool-call-end", "index": 0},
]


def _stream_events() -> list[dict]:
    return [
        *payloads.stream_head("m-1"),
        payloads.stream_delta("An IMU measures "),
        payloads.stream_delta("acceleration [1]."),
        CITATION,
        {"type": "citation-end", "index": 0},
        *TOOL_EVENTS,
        *payloads.stream_tail("m-1", 120, 8),
        {"type": "debug", "prompt": "..."},
    ]


@pytest.fixture(scope="module")
def installed():
    assert cohere_tuning.cache_stream_event_parsing() is True
    return pydantic_utilities.parse_obj_as


@pytest.mark.parametrize("event", _stream_events(), ids=lambda e: e["type"])
def test_cached_parsing_gives_what_the_sdk_gives(installed, event):
    ours = pydantic_utilities.parse_sse_obj(
        ServerSentEvent(event=event["type"], data=json.dumps(event)), V2ChatStreamResponse
    )
    sdk = installed.sdk(V2ChatStreamResponse, event)
    assert type(ours) is type(sdk)
    assert ours == sdk
    assert ours.model_dump() == sdk.model_dump()


def test_an_event_type_the_sdk_does_not_declare_is_refused_as_the_sdk_refuses_it(installed):
    event = {"type": "brand-new-event", "index": 0, "delta": {"x": 1}}
    with pytest.raises(ValidationError) as sdk:
        installed.sdk(V2ChatStreamResponse, event)
    with pytest.raises(ValidationError) as ours:
        pydantic_utilities.parse_sse_obj(
            ServerSentEvent(event=event["type"], data=json.dumps(event)), V2ChatStreamResponse
        )
    assert ours.value.errors() == sdk.value.errors()  # the error came from the SDK's own path


def test_events_are_dispatched_on_their_type_not_tried_in_turn():
    adapter = cohere_tuning.discriminated_adapter(V2ChatStreamResponse)
    schema = adapter.core_schema
    while schema["type"] != "tagged-union":  # unwrap definitions/metadata layers
        schema = schema["schema"]
    assert schema["discriminator"] == "type"
    assert "content-delta" in schema["choices"] and "message-end" in schema["choices"]


def test_a_union_without_type_literals_is_left_to_the_sdk():
    assert cohere_tuning.discriminated_adapter(EmbedByTypeResponse | V2ChatStreamResponse) is None


def test_other_types_still_take_the_sdk_path(installed):
    body = payloads.embed_response(["a"], [[0.5, 0.25]], by_type=True, input_tokens=1)
    assert installed(EmbedByTypeResponse, body) == installed.sdk(EmbedByTypeResponse, body)


def test_the_guard_sees_alias_metadata():
    assert cohere_tuning.has_alias_metadata(EmbedByTypeResponse)  # embeddings.float_ ← "float"
    assert not cohere_tuning.has_alias_metadata(V2ChatStreamResponse)


@pytest.fixture
def sdk_parser(monkeypatch):
    """The SDK's own parse_obj_as in place for one test (the module fixture may have patched it)."""
    current = pydantic_utilities.parse_obj_as
    monkeypatch.setattr(pydantic_utilities, "parse_obj_as", getattr(current, "sdk", current))
    return pydantic_utilities.parse_obj_as


def _fallback_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "stream parsing left to the SDK" in r.getMessage()]


def _without_parse_obj_as(monkeypatch):
    monkeypatch.delattr(pydantic_utilities, "parse_obj_as")


def _without_the_event_union(monkeypatch):
    # cohere.v2.types resolves its names lazily: stand in a module that has none of them
    monkeypatch.setitem(sys.modules, "cohere.v2.types", types.ModuleType("cohere.v2.types"))


@pytest.mark.parametrize("remove", [_without_parse_obj_as, _without_the_event_union])
def test_missing_sdk_internals_leave_the_sdks_parsing_with_one_warning(
    sdk_parser, monkeypatch, caplog, remove
):
    remove(monkeypatch)
    assert cohere_tuning.cache_stream_event_parsing() is False
    assert getattr(pydantic_utilities, "parse_obj_as", sdk_parser) is sdk_parser  # nothing replaced
    assert len(_fallback_warnings(caplog)) == 1


def test_changed_event_types_leave_the_sdks_parsing_with_one_warning(sdk_parser, monkeypatch, caplog):
    # a release whose stream event union carries alias metadata (here: one more member that does)
    changed = types.ModuleType("cohere.v2.types")
    changed.V2ChatStreamResponse = EmbedByTypeResponse | V2ChatStreamResponse
    monkeypatch.setitem(sys.modules, "cohere.v2.types", changed)
    assert cohere_tuning.cache_stream_event_parsing() is False
    assert pydantic_utilities.parse_obj_as is sdk_parser
    assert len(_fallback_warnings(caplog)) == 1
    event = payloads.stream_delta("An IMU measures ")
    parsed = pydantic_utilities.parse_sse_obj(
        ServerSentEvent(event=event["type"], data=json.dumps(event)), V2ChatStreamResponse
    )
    assert parsed == sdk_parser(V2ChatStreamResponse, event)


def test_a_surprise_inside_the_sdk_types_leaves_the_sdks_parsing(sdk_parser, monkeypatch, caplog):
    def broken(*_args, **_kwargs):  # e.g. typing.get_type_hints meeting an unresolvable name
        raise NameError("SomeNewType")

    monkeypatch.setattr(cohere_tuning, "has_alias_metadata", broken)
    assert cohere_tuning.cache_stream_event_parsing() is False
    assert pydantic_utilities.parse_obj_as is sdk_parser
    assert len(_fallback_warnings(caplog)) == 1


async def test_the_chat_model_and_embedder_share_the_pooled_client(tmp_path):
    settings = load_settings(
        data_dir=tmp_path, embed_model_dir=MODEL_DIR, cohere_api_key=SecretStr("co-pool-key"),
        cohere_base_url="http://127.0.0.1:9", cohere_max_connections=1500, qdrant_url=None,
        database_url=None,
    )
    http = factory.make_cohere_http(settings)
    try:
        llm = factory.make_cohere_chat(settings, http)
        embeddings = factory.make_embeddings(settings, http)
        for client in (llm.async_client, embeddings.async_client):
            assert client._client_wrapper.httpx_client.httpx_client is http
        assert http._transport.inner.limits.max_connections == 1500  # aiohttp's connector limit
    finally:
        await http.aclose()
    assert factory.make_cohere_http(load_settings(data_dir=tmp_path, cohere_api_key=None)) is None
    assert isinstance(http, httpx.AsyncClient)
