"""The conversational RAG chain: condense → retrieve → answer, with history.

History is a small step of our own (RunnableWithMessageHistory is deprecated in langchain-core
≥ 1.3.3): it loads the session's turns, streams the answer through, and stores the turn only
when the answer completed, so a cut or cancelled stream never leaves a half answer in the history.

A reader may send the passage they selected and the page they are on: the passage goes into the
prompt as a quoted <selection> block, and the retriever is called with `passage=` and `page_url=`
so the passage's own sections come first (see chains/focus_retriever.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import BaseMessage
from langchain_core.runnables import (
    ConfigurableFieldSpec,
    Runnable,
    RunnableConfig,
    RunnableGenerator,
)
from langchain_core.runnables.config import (
    ensure_config,
    get_async_callback_manager_for_config,
    patch_config,
)

from chains import names
from chains.answer import LeanAnswer, answer_inputs, events_streamed, stream_listener
from chains.inputs import SESSION_ID_SPEC, ChatInput
from chains.prompt_budget import trim_history
from chains.sources import source_list
from stores.history import HistoryStore, answer_id, new_turn, parse_session_id


class _ConversationRunnable(RunnableGenerator):
    """A generator runnable that declares the session_id it reads from the config, and streams
    its chunks without langchain-core's asyncio task per chunk.

    RunnableGenerator's stream (`_atransform_stream_with_config`) takes every chunk in a task of
    its own, so that code called without a config still finds this run in its context. The
    conversation passes its config to every step, so `astream` here makes the same run (start
    with deferred input, the stream_events / stream_log tap, end or error with input and output)
    and reads the generator directly: one task switch per token fewer (bench/RESULTS.md, issue
    12, round 2). Should langchain-core move the tap's class, the library's own stream is used."""

    def __init__(self, converse: Callable[..., AsyncIterator[str]], *, name: str) -> None:
        super().__init__(converse, name=name)
        self._converse = converse

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        return [SESSION_ID_SPEC]

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        config = ensure_config(config)
        manager = get_async_callback_manager_for_config(config)
        listener = stream_listener(manager.handlers)
        if listener is False or kwargs:
            async for chunk in super().astream(input, config, **kwargs):
                yield chunk
            return
        run = await manager.on_chain_start(
            None, {"input": ""}, name=config.get("run_name") or self.get_name(),
            run_id=config.pop("run_id", None), defers_inputs=True,
        )
        stream = self._converse(_one(input), patch_config(config, callbacks=run.get_child()))
        chunks = stream if listener is None else listener.tap_output_aiter(run.run_id, stream)
        parts: list[str] = []
        try:
            async for chunk in chunks:
                yield chunk
                parts.append(chunk)
        except BaseException as exc:
            await run.on_chain_error(exc, inputs=input)
            raise
        finally:
            await stream.aclose()
        await run.on_chain_end("".join(parts) if parts else None, inputs=input)


async def _one(value: Any) -> AsyncIterator[Any]:
    yield value


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
