"""One turn's events from a chain's event stream: the order, and which failure code a reader
sees depending on the step that failed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda

from chains import names
from service.api.schemas import ChatRequest
from service.api.turn import Turn


class _Docs(BaseRetriever):
    fail: bool = False

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        if self.fail:
            raise ConnectionError("qdrant at http://secret-host:6333 refused")
        return [Document("A topic is a named channel.", metadata={"url": "/docs/ros#topics"})]


class _Breaks(GenericFakeChatModel):
    async def _astream(self, *args, **kwargs) -> AsyncIterator:
        n = 0
        async for chunk in super()._astream(*args, **kwargs):
            n += 1
            if n > 2:
                raise TimeoutError("upstream timed out")
            yield chunk


class _Gated(GenericFakeChatModel):
    """Streams only once the test opens the gate."""

    gate: asyncio.Event

    async def _astream(self, *args, **kwargs) -> AsyncIterator:
        await self.gate.wait()
        async for chunk in super()._astream(*args, **kwargs):
            yield chunk


def _chain(*, retrieval_fails: bool = False, model=None):
    model = model or GenericFakeChatModel(messages=iter([AIMessage("Topics carry messages [1].")]))
    docs = RunnableLambda(lambda x: x["question"]) | _Docs(fail=retrieval_fails).with_config(
        run_name=names.RETRIEVE)
    return (
        docs
        | RunnableLambda(lambda d: d[0].page_content)
        | model.with_config(run_name=names.ANSWER_MODEL)
        | StrOutputParser().with_config(run_name=names.ANSWER_PARSER)
    )


async def _events(chain) -> list:
    turn = Turn(chain, {"question": "What is a topic?"}, str(uuid.uuid4()))
    return [event async for event in turn.events()], turn


async def test_a_turn_streams_session_sources_tokens_done():
    events, turn = await _events(_chain())
    names = [name for name, _ in events]
    assert names[:2] == ["session", "sources"] and names[-1] == "done"
    assert "".join(d["text"] for n, d in events if n == "token") == "Topics carry messages [1]."
    assert events[-1][1] == {"session_id": turn.session_id, "message_id": turn.message_id,
                             "citations": [{"n": 1, "url": "/docs/ros#topics"}]}
    assert turn.completed


async def test_sources_go_out_when_retrieval_ends_not_with_the_first_token():
    gate = asyncio.Event()
    model = _Gated(messages=iter([AIMessage("Topics carry messages [1].")]), gate=gate)
    turn = Turn(_chain(model=model), {"question": "What is a topic?"}, str(uuid.uuid4()))
    events = turn.events()
    assert (await anext(events))[0] == "session"
    name, data = await asyncio.wait_for(anext(events), timeout=5)  # the model is still waiting
    assert name == "sources" and data[0]["url"] == "/docs/ros#topics" and not gate.is_set()
    gate.set()
    rest = [name async for name, _ in events]
    assert rest[0] == "token" and rest[-1] == "done" and turn.completed


async def _held_at_sources(gate: asyncio.Event):
    """A turn whose model waits on `gate`, read up to its sources; and the tasks it started."""
    model = _Gated(messages=iter([AIMessage("never sent")]), gate=gate)
    turn = Turn(_chain(model=model), {"question": "What is a topic?"}, str(uuid.uuid4()))
    others = asyncio.all_tasks()
    events = turn.events()
    assert [(await anext(events))[0] for _ in range(2)] == ["session", "sources"]
    return turn, events, asyncio.all_tasks() - others


async def test_closing_the_events_mid_answer_cancels_the_chain():
    gate = asyncio.Event()
    turn, events, chain_tasks = await _held_at_sources(gate)
    assert chain_tasks and not any(t.done() for t in chain_tasks)
    await events.aclose()
    assert all(t.cancelled() for t in chain_tasks)
    gate.set()
    await asyncio.sleep(0.05)
    assert not turn.completed


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"retrieval_fails": True}, "retrieval_failed"),
    ({"model": _Breaks(messages=iter([AIMessage("one two three four five")]))}, "model_failed"),
])
async def test_a_failure_is_one_error_event_naming_the_step(kwargs, code, caplog):
    events, turn = await _events(_chain(**kwargs))
    name, data = events[-1]
    assert name == "error" and data["code"] == code
    assert "secret-host" not in data["message"] and "secret-host" not in caplog.text
    assert not turn.completed and "done" not in [n for n, _ in events]


def test_a_request_without_session_starts_one_and_a_bad_one_is_refused():
    turn = ChatRequest(message=" What is ROS? ").turn(RunnableLambda(lambda x: x))
    assert uuid.UUID(turn.session_id).version == 4
    assert turn.inputs == {"question": "What is ROS?", "selected_text": None, "page_url": None}
    with pytest.raises(ValueError, match="UUID"):
        ChatRequest(message="hi", session_id="1234").turn(RunnableLambda(lambda x: x))


async def test_a_chain_cancelled_from_outside_ends_the_turn_with_an_error():
    turn, events, chain_tasks = await _held_at_sources(asyncio.Event())
    for task in chain_tasks:
        task.cancel()  # e.g. the server shutting down under it
    name, data = await asyncio.wait_for(anext(events), timeout=5)
    assert name == "error" and data["code"] == "internal_error" and not turn.completed
