"""The conversational RAG chain: condense → retrieve → answer, with history.

History is a small step of our own (RunnableWithMessageHistory is deprecated in langchain-core
≥ 1.3.3): it loads the session's turns, streams the answer through, and stores the turn only
when the answer completed, so a cut or cancelled stream never leaves a half answer in the history.

A reader may send the passage they selected and the page they are on: the passage goes into the
prompt as a quoted <selection> block, and the retriever is called with `passage=` and `page_url=`
so the passage's own sections come first (see chains/focus_retriever.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import BaseMessage
from langchain_core.runnables import (
    ConfigurableFieldSpec,
    Runnable,
    RunnableConfig,
    RunnableGenerator,
)

from chains import names
from chains.answer import LeanAnswer, answer_inputs, events_streamed
from chains.inputs import SESSION_ID_SPEC, ChatInput
from chains.prompt_budget import trim_history
from chains.sources import source_list
from stores.history import HistoryStore, answer_id, new_turn, parse_session_id


class _ConversationRunnable(RunnableGenerator):
    """A generator runnable that declares the session_id it reads from the config."""

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        return [SESSION_ID_SPEC]


def build_rag_chain(
    *,
    retriever: Runnable[str, list[Document]],
    answer: Runnable[dict, str],
    condense: Runnable[dict, str],
    history: HistoryStore,
    max_history_messages: int = 12,
    max_history_chars: int = 8000,
    lean_answer: LeanAnswer | None = None,
) -> Runnable[ChatInput, str]:
    """The published chat chain: ChatInput → answer text, history keyed by session_id.

    `answer` takes `chains.answer.answer_inputs`; `condense` takes {question, history}. The
    config's `message_id`, when given, becomes the stored answer's id. `lean_answer`, when
    given, streams the same answer for calls no stream_events client listens to."""
    condense = condense.with_config(run_name=names.CONDENSE)
    retrieve = retriever.with_config(run_name=names.RETRIEVE)

    # The steps are awaited in order rather than composed with RunnablePassthrough.assign: each
    # assign layer is a RunnableParallel whose runs, callbacks and stream plumbing cost more CPU
    # per answer than the steps themselves (bench/RESULTS.md, "What the composition costs").
    async def converse(inputs: AsyncIterator[Any], config: RunnableConfig) -> AsyncIterator[str]:
        last = None
        async for item in inputs:
            last = item
        request = ChatInput.of(last)
        configurable = config.get("configurable", {})
        session_id = parse_session_id(configurable.get("session_id"))
        message_id = answer_id(configurable.get("message_id"))
        past: list[BaseMessage] = await history.get_messages(session_id)
        past = trim_history(past, max_messages=max_history_messages, max_chars=max_history_chars)
        # A question about a selection is not condensed: the selection, not the earlier turns,
        # is what it refers to.
        question = request.question
        if past and not request.selected_text:
            question = await condense.ainvoke({"question": question, "history": past}, config)
        docs = await retrieve.ainvoke(question, config, **request.focus())
        parts: list[str] = []
        inputs = answer_inputs(request, past, docs)
        lean = lean_answer is not None and not events_streamed(config)
        stream = lean_answer(inputs, config) if lean else answer.astream(inputs, config)
        async for chunk in stream:
            parts.append(chunk)
            yield chunk
        await history.add_turn(
            new_turn(
                session_id,
                request.question,
                "".join(parts),
                message_id=message_id,
                sources=source_list(docs),
                selected_text=request.selected_text,
                page_url=request.page_url,
            )
        )

    return (
        _ConversationRunnable(converse, name=names.CHAT)
        .with_types(input_type=ChatInput, output_type=str)
        .with_config(run_name=names.CHAT)
    )
