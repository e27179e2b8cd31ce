"""The history that goes back into the prompt stays within its message and character bounds."""

from __future__ import annotations

import uuid

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableLambda

from chains.answer import build_answer_chain
from chains.condense import heuristic_condenser
from chains.conversation import build_rag_chain
from chains.prompt_budget import trim_history
from stores.history import Turn
from stores.history_sqlite import SQLiteHistoryStore
from stores.sqlite import SQLiteDatabase

TURNS = [
    HumanMessage("q1" * 5), AIMessage("a1" * 50),
    HumanMessage("q2" * 5), AIMessage("a2" * 10),
    HumanMessage("q3" * 2), AIMessage("a3" * 2),
]


def _texts(messages):
    return [m.content[:2] for m in messages]


def test_everything_fits_a_large_budget():
    assert trim_history(TURNS, max_messages=12, max_chars=10_000) == TURNS


def test_the_newest_turns_that_fit_are_kept_whole_starting_on_a_question():
    kept = trim_history(TURNS, max_messages=12, max_chars=40)
    assert _texts(kept) == ["q2", "a2", "q3", "a3"]
    assert sum(len(m.content) for m in kept) <= 40


def test_a_budget_that_cuts_inside_a_turn_drops_the_orphaned_answer():
    assert _texts(trim_history(TURNS, max_messages=12, max_chars=25)) == ["q3", "a3"]


def test_the_message_count_applies_first():
    assert _texts(trim_history(TURNS, max_messages=3, max_chars=10_000)) == ["q3", "a3"]


def test_zero_means_no_history():
    assert trim_history(TURNS, max_messages=0, max_chars=100) == []
    assert trim_history(TURNS, max_messages=12, max_chars=0) == []


class _Prompts(BaseCallbackHandler):
    """Records the messages each chat model call was given."""

    def __init__(self):
        self.seen = []

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self.seen.append(messages[0])


async def test_the_chain_sends_only_the_history_that_fits_the_budget(tmp_path):
    db = SQLiteDatabase(tmp_path / "h.sqlite3")
    history = SQLiteHistoryStore(db)
    await history.setup()
    sid = str(uuid.uuid4())
    for question, answer in [("old question " + "x" * 3000, "old answer " + "y" * 3000),
                             ("recent question", "recent answer")]:
        await history.add_turn(Turn(sid, HumanMessage(question, id=str(uuid.uuid4())),
                                    AIMessage(answer, id=str(uuid.uuid4()))))
    chain = build_rag_chain(
        retriever=RunnableLambda(lambda q: [Document("IMUs measure motion.", metadata={})]),
        answer=build_answer_chain(GenericFakeChatModel(messages=iter([AIMessage("ok [1]")]))),
        history=history, condense=heuristic_condenser(), max_history_chars=1000,
    )
    prompts = _Prompts()
    await chain.ainvoke({"question": "and then?"},
                        {"configurable": {"session_id": sid}, "callbacks": [prompts]})
    db.close()
    (sent,) = prompts.seen
    texts = [str(m.content) for m in sent[1:]]  # after the system prompt
    assert texts == ["recent question", "recent answer", "and then?"]
