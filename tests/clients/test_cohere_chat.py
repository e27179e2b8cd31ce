"""StreamingChatCohere: the same request, text, closing chunk and stream events as
langchain-cohere's ChatCohere; text deltas already received are coalesced, and none waits for one
that has not arrived."""

from __future__ import annotations

import asyncio

import pytest
from langchain_cohere import ChatCohere
from langchain_core.messages import HumanMessage, SystemMessage

from clients.cohere_chat import StreamingChatCohere, fast_path_available
from clients.cohere_stream import stream_chunks
from tests.fakes import cohere_payloads as payloads

MESSAGES = [SystemMessage("Answer from the book."), HumanMessage("What does an IMU measure?")]


def _model(cls, url: str):
    return cls(cohere_api_key="co-test", model="command-a-03-2025", base_url=url,
               temperature=0.2)


def _sse(*events: dict) -> bytes:
    return b"".join(payloads.sse(e) for e in events)


async def _collect(model) -> list:
    return [chunk async for chunk in model.astream(MESSAGES)]


def test_the_sdk_still_exposes_the_response_we_read():
    assert fast_path_available()


async def test_same_request_text_and_closing_chunk_as_langchain_cohere(cohere):
    cohere.tokens_per_second = 400.0
    ours = await _collect(_model(StreamingChatCohere, cohere.url))
    theirs = await _collect(_model(ChatCohere, cohere.url))
    first, second = (r.body for r in cohere.requests_to("/v2/chat"))
    assert first == second
    assert "".join(c.content for c in ours) == "".join(c.content for c in theirs) != ""
    for field in ("additional_kwargs", "usage_metadata", "chunk_position"):
        assert getattr(ours[-1], field) == getattr(theirs[-1], field)
    assert ours[-1].response_metadata == theirs[-1].response_metadata


async def test_a_stream_events_client_sees_the_same_runs_and_text(cohere):
    cohere.tokens_per_second = 400.0

    async def events(cls):
        seen, text = [], []
        async for e in _model(cls, cohere.url).astream_events(MESSAGES, version="v2"):
            if e["event"] == "on_chat_model_stream":
                text.append(e["data"]["chunk"].content)
            if not seen or seen[-1] != e["event"]:
                seen.append(e["event"])
        return seen, "".join(text)

    assert await events(StreamingChatCohere) == await events(ChatCohere)


async def test_errors_are_the_sdks(cohere):
    from cohere.core.api_error import ApiError

    cohere.set_fault("chat", 429)
    with pytest.raises(ApiError) as raised:
        await _collect(_model(StreamingChatCohere, cohere.url).with_retry(stop_after_attempt=1))
    assert raised.value.status_code == 429


async def test_deltas_that_arrived_meanwhile_are_one_chunk_and_split_events_wait_for_their_end():
    head = _sse(*payloads.stream_head("m"))
    split = _sse(payloads.stream_delta("c"))
    tail = _sse(*payloads.stream_tail("m", 5, 3))

    async def body():  # everything is there before the reader looks: one chunk per HTTP piece
        for part in (head, _sse(payloads.stream_delta("a ")), _sse(payloads.stream_delta("b ")),
                     split[:20]):
            yield part
        await asyncio.sleep(0.05)
        yield split[20:] + tail

    chunks = [c async for c in stream_chunks(body())]
    assert [c.text for c in chunks] == ["a b ", "c", ""]
    assert chunks[-1].message.usage_metadata == {
        "input_tokens": 5.0, "output_tokens": 3.0, "total_tokens": 8.0}


async def test_a_broken_body_raises_in_the_reader():
    async def body():
        yield _sse(payloads.stream_delta("a "))
        await asyncio.sleep(0)
        raise ConnectionResetError("cut")

    with pytest.raises(ConnectionResetError):
        [c async for c in stream_chunks(body())]


async def test_a_token_goes_out_before_the_next_has_arrived():
    reads: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def body():
        while (part := await reads.get()) is not None:
            yield part

    stream = stream_chunks(body())
    reads.put_nowait(_sse(payloads.stream_delta("first ")))
    chunk = await asyncio.wait_for(anext(stream), timeout=10)
    assert chunk.text == "first "  # while the next delta has not been sent
    reads.put_nowait(_sse(payloads.stream_delta("second")))
    assert (await asyncio.wait_for(anext(stream), timeout=10)).text == "second"
    reads.put_nowait(None)
    assert [c async for c in stream] == []


async def test_requests_with_tools_take_langchain_coheres_path(cohere, monkeypatch):
    calls = []
    original = ChatCohere._astream

    async def spy(self, *args, **kwargs):
        calls.append(kwargs)
        async for chunk in original(self, *args, **kwargs):
            yield chunk

    monkeypatch.setattr(ChatCohere, "_astream", spy)
    tool = {"type": "function", "function": {"name": "search", "description": "Search.",
                                             "parameters": {"type": "object", "properties": {}}}}
    model = _model(StreamingChatCohere, cohere.url).bind(tools=[tool])
    await _collect(model)
    assert calls and calls[0].get("tools")


async def test_a_conversation_goes_out_as_the_sdk_writes_it(cohere):
    from langchain_core.messages import AIMessage

    talk = [*MESSAGES, AIMessage("It measures motion."), HumanMessage("And a lidar?")]
    for cls in (StreamingChatCohere, ChatCohere):
        model = _model(cls, cohere.url).bind(stop=["END"])
        assert [c async for c in model.astream(talk)]
    ours, sdks = (r.body for r in cohere.requests_to("/v2/chat"))
    assert ours == sdks and ours["messages"][2] == {"role": "assistant",
                                                    "content": "It measures motion."}


async def test_a_wrapper_that_no_longer_takes_our_arguments_leaves_it_to_the_raw_client(
    cohere, caplog, renamed_sdk_argument
):
    for _ in range(2):
        text = "".join(c.content for c in await _collect(_model(StreamingChatCohere,
                                                                cohere.url)))
        assert text != ""
    warned = [r for r in caplog.records if "chat decoding left to the SDK" in r.getMessage()]
    assert len(warned) == 1 and len(cohere.requests_to("/v2/chat")) == 2
