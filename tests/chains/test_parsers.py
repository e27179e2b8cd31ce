"""The answer parser streams what StrOutputParser streams, without the executor."""

from __future__ import annotations

from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser, transform

from chains.parsers import InlineStrOutputParser


def _model() -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage("An IMU measures angular velocity [1].")]))


async def test_streams_the_same_chunks_as_str_output_parser_on_the_loop(monkeypatch):
    expected = [c async for c in (_model() | StrOutputParser()).astream("q")]

    def no_executor(*args, **kwargs):
        raise AssertionError("a thread hop per token")

    monkeypatch.setattr(transform, "run_in_executor", no_executor)
    got = [c async for c in (_model() | InlineStrOutputParser()).astream("q")]
    assert got == expected and len(got) > 3
    assert "".join(got) == "An IMU measures angular velocity [1]."
    async for chunk in InlineStrOutputParser().astream("plain text"):
        assert chunk == "plain text"


async def test_content_blocks_give_the_text_str_output_parser_gives():
    from langchain_core.messages import AIMessageChunk

    chunks = [AIMessageChunk(content="plain "),
              AIMessageChunk(content=[{"type": "text", "text": "block", "index": 1}]),
              AIMessageChunk(content=[{"type": "reasoning", "summary": []}])]

    async def source():
        for chunk in chunks:
            yield chunk

    async def source2():
        for chunk in chunks:
            yield chunk

    got = [c async for c in InlineStrOutputParser().atransform(source())]
    expected = [c async for c in StrOutputParser().atransform(source2())]
    assert got == expected == ["plain ", "block", ""]
