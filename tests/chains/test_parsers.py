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
