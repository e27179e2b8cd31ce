"""StreamingChatCohere.text_stream (clients/text_run.py): the same text and the same model run as
`astream`, with the handlers told of the first token only; taken only when every handler says
that is enough, and an error or a consumer that leaves ends the run with what was generated."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import HumanMessage, SystemMessage

from clients.cohere_chat import StreamingChatCohere
from tests.fakes.cohere_text import split_tokens

MESSAGES = [SystemMessage("Answer from the book."), HumanMessage("What does an IMU measure?")]


class Recorder(BaseCallbackHandler):
    """Records a model run's events, in order."""

    run_inline = True

    def __init__(self, every_token: bool | None = False) -> None:
        if every_token is not None:
            self.every_token = every_token
        self.events: list[tuple[str, Any]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
        self.events.append(("start", kw.get("name")))

    def on_llm_new_token(self, token: str, **kw: Any) -> None:
        self.events.append(("token", token))

    def on_llm_end(self, response: Any, **kw: Any) -> None:
        self.events.append(("end", response.generations[0][0]))

    def on_llm_error(self, error: BaseException, **kw: Any) -> None:
        self.events.append(("error", (type(error).__name__, kw.get("response"))))

    def of(self, kind: str) -> list[Any]:
        return [data for name, data in self.events if name == kind]


def _model(url: str) -> StreamingChatCohere:
    return StreamingChatCohere(cohere_api_key="co-test", model="command-a-03-2025",
                               base_url=url, temperature=0.2)


def _config(*handlers: BaseCallbackHandler) -> dict:
    return {"callbacks": list(handlers), "run_name": "answer_model"}


async def test_same_text_and_run_end_as_astream_with_only_the_first_token_told(cohere):
    cohere.tokens_per_second = 400.0
    model, lean, full = _model(cohere.url), Recorder(), Recorder()
    stream = model.text_stream(MESSAGES, _config(lean))
    assert stream is not None
    text = [piece async for piece in stream]
    chunks = [c async for c in model.astream(MESSAGES, _config(full))]
    assert "".join(text) == "".join(c.content for c in chunks) != ""
    assert len(split_tokens("".join(text))) > 3

    assert [name for name, _ in lean.events] == ["start", "token", "end"]
    assert lean.of("start") == full.of("start") == ["answer_model"]
    assert lean.of("token") == [text[0]]
    assert len(full.of("token")) > 1  # astream tells every chunk, and the closing one
    ours, theirs = lean.of("end")[0], full.of("end")[0]
    assert ours.text == theirs.text
    assert ours.generation_info == theirs.generation_info
    for field in ("additional_kwargs", "usage_metadata", "response_metadata", "chunk_position"):
        assert getattr(ours.message, field) == getattr(theirs.message, field), field
    assert ours.message.id.startswith("lc_run--") and theirs.message.id.startswith("lc_run--")


async def test_a_handler_that_wants_every_token_gets_astream(cohere):
    model = _model(cohere.url)
    assert model.text_stream(MESSAGES, _config(Recorder(), Recorder(every_token=None))) is None
    assert model.text_stream(MESSAGES, _config(Recorder(every_token=True))) is None
    assert model.text_stream(MESSAGES, _config(Recorder())) is not None


async def test_an_sdk_whose_response_we_cannot_read_gets_astream(cohere, monkeypatch):
    from clients import cohere_chat

    monkeypatch.setattr(cohere_chat, "fast_path_available", lambda: False)
    assert _model(cohere.url).text_stream(MESSAGES, _config(Recorder())) is None


async def test_a_stream_cut_mid_answer_ends_the_run_in_error_with_the_partial_answer(cohere):
    cohere.set_fault("chat", "cut", cut_after=3)
    recorder = Recorder()
    got: list[str] = []
    with pytest.raises(Exception):  # noqa: B017 - the SDK's or httpx's, as astream would raise
        async for piece in _model(cohere.url).text_stream(MESSAGES, _config(recorder)):
            got.append(piece)
    assert len(split_tokens("".join(got))) == 3
    (kind, partial), = recorder.of("error")
    assert partial.generations[0][0].text == "".join(got)
    assert recorder.of("end") == []


async def test_a_consumer_that_leaves_ends_the_run_with_what_it_got(cohere):
    cohere.tokens_per_second = 50.0
    recorder = Recorder()
    stream = _model(cohere.url).text_stream(MESSAGES, _config(recorder))
    first = await anext(stream)
    await stream.aclose()
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not any("pump" in repr(t.get_coro()) for t in others)  # the reader stopped too
    (kind, partial), = recorder.of("error")
    assert kind == "GeneratorExit" and partial.generations[0][0].text == first
    assert recorder.of("end") == []
