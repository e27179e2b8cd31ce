"""The conversation chain: history in, turn out — stored whole with its sources and selection
only when the answer completed; follow-ups condensed, selection questions not; the reader's
focus handed to the retriever."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from itertools import cycle

import pytest
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda

from chains import names
from chains.answer import build_answer_chain
from chains.conversation import build_rag_chain
from stores.history import new_turn
from stores.history_sqlite import SQLiteHistoryStore
from stores.sqlite import SQLiteDatabase

DOC = Document("IMUs measure motion.", metadata={"url": "/docs/s#imu", "title": "Sensors",
                                                 "section": "IMU", "path": "s.md"})


class _Recorder(BaseRetriever):
    """Returns DOC and records each query with its focus keywords."""

    calls: list = []

    def _get_relevant_documents(self, query, *, run_manager, **focus):
        raise NotImplementedError

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **focus
    ) -> list[Document]:
        self.calls.append((query, focus))
        return [DOC]


class _Breaks(GenericFakeChatModel):
    async def _astream(self, *args, **kwargs) -> AsyncIterator:
        async for chunk in super()._astream(*args, **kwargs):
            yield chunk
            raise TimeoutError("the model went away")


@pytest.fixture
async def history(tmp_path):
    db = SQLiteDatabase(tmp_path / "h.sqlite3")
    store = SQLiteHistoryStore(db)
    await store.setup()
    yield store
    db.close()


def _chain(history, *, model=None, condensed: list | None = None):
    model = model or GenericFakeChatModel(messages=cycle([AIMessage("They measure motion [1].")]))

    def condense(inputs: dict) -> str:
        if condensed is not None:
            condensed.append(inputs)
        return "standalone: " + inputs["question"]

    retriever = _Recorder(calls=[])
    chain = build_rag_chain(
        retriever=retriever, answer=build_answer_chain(model), condense=RunnableLambda(condense),
        history=history,
    )
    return chain, retriever


def _config(sid: str, message_id: str | None = None) -> dict:
    configurable = {"session_id": sid}
    if message_id:
        configurable["message_id"] = message_id
    return {"configurable": configurable}


async def test_a_completed_answer_is_stored_with_its_sources_and_selection(history):
    chain, retriever = _chain(history)
    sid, mid = str(uuid.uuid4()), str(uuid.uuid4())
    inputs = {"question": "What does this mean?", "selected_text": "An IMU measures motion.",
              "page_url": "https://b.org/docs/s"}
    assert await chain.ainvoke(inputs, _config(sid, mid)) == "They measure motion [1]."
    messages = await history.get_messages(sid)
    assert [(m.type, m.content) for m in messages] == [
        ("human", "What does this mean?"), ("ai", "They measure motion [1].")]
    assert messages[1].id == mid
    extras = (await history.get_extras(sid))[mid]
    assert extras.sources[0]["url"] == "/docs/s#imu" and extras.sources[0]["n"] == 1
    assert extras.selected_text == "An IMU measures motion."
    assert extras.page_url == "https://b.org/docs/s"
    assert retriever.calls == [("What does this mean?", {
        "passage": "An IMU measures motion.", "page_url": "https://b.org/docs/s"})]


async def test_an_answer_that_fails_midway_stores_nothing(history):
    model = _Breaks(messages=iter([AIMessage("They measure motion [1].")]))
    chain, _ = _chain(history, model=model)
    sid = str(uuid.uuid4())
    with pytest.raises(TimeoutError):
        await chain.ainvoke({"question": "What is an IMU?"}, _config(sid))
    assert await history.get_messages(sid) == []


async def test_a_follow_up_is_condensed_with_the_history_a_selection_question_is_not(history):
    condensed: list = []
    chain, retriever = _chain(history, condensed=condensed)
    sid = str(uuid.uuid4())
    await history.add_turn(new_turn(sid, "What is an IMU?", "It measures motion [1]."))
    await chain.ainvoke({"question": "and its drift?"}, _config(sid))
    assert [m.content for m in condensed[0]["history"]] == [
        "What is an IMU?", "It measures motion [1]."]
    assert retriever.calls[-1] == ("standalone: and its drift?", {})
    await chain.ainvoke({"question": "what does this say?", "selected_text": "Drift grows."},
                        _config(sid))
    assert len(condensed) == 1  # not condensed: the selection is what it refers to
    assert retriever.calls[-1] == ("what does this say?", {"passage": "Drift grows."})


async def test_a_first_question_is_not_condensed(history):
    condensed: list = []
    chain, retriever = _chain(history, condensed=condensed)
    await chain.ainvoke({"question": "What is an IMU?"}, _config(str(uuid.uuid4())))
    assert condensed == [] and retriever.calls == [("What is an IMU?", {})]


async def test_the_session_id_must_be_a_uuid(history):
    chain, _ = _chain(history)
    with pytest.raises(ValueError, match="UUID"):
        await chain.ainvoke({"question": "hi"}, _config("not-a-uuid"))


def test_the_chain_declares_its_types_and_session_id():
    chain, _ = _chain(None)
    assert [spec.id for spec in chain.config_specs] == ["session_id"]
    assert chain.get_input_schema().model_json_schema()["title"] == "ChatInput"
    assert chain.get_name() == names.CHAT


async def test_the_lean_answer_streams_the_same_text_and_stream_events_get_every_run(history):
    from langchain_core.callbacks import BaseCallbackHandler

    from chains.answer import lean_answerer

    class Runs(BaseCallbackHandler):
        def __init__(self) -> None:
            self.names: list[str] = []

        def on_chain_start(self, serialized, inputs, **kw) -> None:
            self.names.append(kw.get("name"))

        def on_chat_model_start(self, serialized, messages, **kw) -> None:
            self.names.append(kw.get("name"))

    def model():
        return GenericFakeChatModel(messages=cycle([AIMessage("They measure motion [1].")]))

    full, _ = _chain(history, model=model())
    lean_model = model()
    lean = build_rag_chain(
        retriever=_Recorder(calls=[]), answer=build_answer_chain(lean_model),
        condense=RunnableLambda(lambda x: x["question"]), history=history,
        lean_answer=lean_answerer(lean_model),
    )
    runs = Runs()
    config = {**_config(str(uuid.uuid4())), "callbacks": [runs]}
    expected = [c async for c in full.astream({"question": "IMU?"}, _config(str(uuid.uuid4())))]
    assert [c async for c in lean.astream({"question": "IMU?"}, config)] == expected
    assert names.ANSWER_PROMPT in runs.names and names.ANSWER_MODEL in runs.names
    assert names.ANSWER not in runs.names and names.ANSWER_PARSER not in runs.names

    async def event_runs(chain) -> tuple[list[str], str]:
        started, text = [], []
        async for e in chain.astream_events({"question": "IMU?"},
                                            _config(str(uuid.uuid4())), version="v2"):
            if e["event"].endswith("_start"):
                started.append(e["name"])
            if e["event"] == "on_chain_stream" and e["name"] == names.CHAT:
                text.append(e["data"]["chunk"])
        return started, "".join(text)

    assert await event_runs(lean) == await event_runs(full)
    started, text = await event_runs(lean)
    assert names.ANSWER in started and names.ANSWER_PARSER in started
    assert text == "".join(expected)


async def test_the_chat_run_streams_as_langchain_cores_own_stream_would(history, monkeypatch):
    from langchain_core.runnables import RunnableGenerator

    from chains.conversation import _ConversationRunnable

    async def log_of(chain) -> tuple[list, str]:
        streamed, final = [], None
        async for patch in chain.astream_log({"question": "IMU?"}, _config(str(uuid.uuid4()))):
            for op in patch.ops:
                if op["path"] == "/streamed_output/-":
                    streamed.append(op["value"])
                if op["path"] == "/final_output":
                    final = op["value"]
        return streamed, final

    chain, _ = _chain(history)
    ours = await log_of(chain)
    text = await chain.ainvoke({"question": "IMU?"}, _config(str(uuid.uuid4())))
    monkeypatch.setattr(_ConversationRunnable, "astream", RunnableGenerator.astream)
    assert await log_of(chain) == ours  # the same streamed and final output as the library's
    assert await chain.ainvoke({"question": "IMU?"}, _config(str(uuid.uuid4()))) == text
    assert "".join(ours[0]) == text != ""
