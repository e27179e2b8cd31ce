"""The answering step: both answerers run the same named steps; the offline one is handed the
retrieved Documents and the selection as objects."""

from __future__ import annotations

from itertools import cycle

from langchain_core.documents import Document
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from chains import names
from chains.answer import answer_inputs, build_answer_chain, build_offline_answer_chain
from chains.inputs import ChatInput
from chains.offline import ExtractiveChatModel

DOCS = [Document("An IMU reports angular velocity of the torso.", metadata={"url": "/s#imu"})]


class _Recording(GenericFakeChatModel):
    """Records the messages and keywords of each streamed call."""

    seen: list = []

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append((messages, kwargs))
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            yield chunk


def _inputs(question: str = "What does an IMU report?", selected: str = "") -> dict:
    return answer_inputs(ChatInput(question=question, selected_text=selected), [], DOCS)


async def _run_names(chain, inputs) -> list[str]:
    names_seen = []
    async for event in chain.astream_events(inputs, version="v2"):
        if event["event"].endswith("_start"):
            names_seen.append(event["name"])
    return names_seen


async def test_the_prompt_carries_the_numbered_sources_and_the_selection():
    model = _Recording(messages=cycle([AIMessage("ok [1]")]), seen=[])
    chain = build_answer_chain(model)
    text = "".join([c async for c in chain.astream(_inputs(selected="An IMU reports it."))])
    assert text == "ok [1]"
    (messages, kwargs), = model.seen
    assert isinstance(messages[0], SystemMessage) and isinstance(messages[-1], HumanMessage)
    assert '<source id="1"' in messages[0].content and "<selection" in messages[0].content
    assert "documents" not in kwargs  # a real model is never handed Python objects


async def test_the_offline_answerer_gets_the_documents_and_the_selection_as_objects():
    model = _Recording(messages=cycle([AIMessage("ok")]), seen=[])
    await build_offline_answer_chain(model).ainvoke(_inputs(selected="Drift grows."))
    (messages, kwargs), = model.seen
    assert kwargs["documents"] is not None and kwargs["documents"][0].page_content == (
        DOCS[0].page_content)
    assert kwargs["selected_text"] == "Drift grows."
    assert messages[-1].content == "What does an IMU report?"


async def test_both_answerers_run_the_same_named_steps():
    expected = [names.ANSWER, names.ANSWER_PROMPT, names.ANSWER_MODEL, names.ANSWER_PARSER]
    cohere_like = build_answer_chain(GenericFakeChatModel(messages=cycle([AIMessage("a [1]")])))
    offline = build_offline_answer_chain(ExtractiveChatModel())
    assert await _run_names(cohere_like, _inputs()) == expected
    assert await _run_names(offline, _inputs()) == expected


async def test_the_offline_answer_quotes_the_document_it_was_given():
    text = await build_offline_answer_chain(ExtractiveChatModel()).ainvoke(_inputs())
    assert "angular velocity" in text and "[1]" in text
