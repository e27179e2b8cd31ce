"""The answering step: the question, the history and the retrieved sections in, text out.

Two answerers take the same inputs (`answer_inputs`): a chat model behind the answer prompt,
and the offline extractive model, which reads the retrieved `Document`s and the reader's
selection as they are instead of parsing them back out of a rendered prompt. In both, the
model's run is named `names.ANSWER_MODEL`, the run that metering and the widget's watcher read.

`lean_answerer` is the chat model's answer step for a caller nobody streams run events to (no
stream_events or stream_log client): the same prompt and model runs, without the sequence and
parser runs around them, whose stream plumbing (a task and a tee per layer) ran once per token
(bench/RESULTS.md, issue 12). With such a client, the chain takes the full answer runnable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from langchain_core.callbacks import BaseCallbackManager
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator
from langchain_core.runnables.config import patch_config

from chains import names
from chains.inputs import ChatInput
from chains.parsers import InlineStrOutputParser, message_text
from chains.prompts import load_prompt
from chains.sources import format_selection, format_sources

try:  # the base of astream_events' and astream_log's handlers
    from langchain_core.tracers._streaming import _StreamingCallbackHandler as _Streaming
except ImportError:  # moved: every call then takes the full answer runnable
    _Streaming = None

BOOK_TITLE = "Physical AI & Humanoid Robotics"
LeanAnswer = Callable[[dict, RunnableConfig], AsyncIterator[str]]


def answer_inputs(
    request: ChatInput, history: Sequence[BaseMessage], documents: list[Document]
) -> dict[str, Any]:
    """What either answerer reads: the prompt's rendered parts and the objects behind them."""
    return {
        "question": request.question,
        "history": list(history),
        "documents": documents,
        "selected_text": request.selected_text,
        "page_url": request.page_url,
        "sources": format_sources(documents),
        "selection": format_selection(request.selected_text, request.page_url),
    }


def _answer_prompt(book_title: str) -> Runnable[dict, Any]:
    return (
        ChatPromptTemplate.from_messages(
            [
                ("system", load_prompt("answer_system")),
                MessagesPlaceholder("history"),
                ("human", "{question}"),
            ]
        )
        .partial(book_title=book_title)
        .with_config(run_name=names.ANSWER_PROMPT)
    )


def _parser() -> Runnable[Any, str]:
    return InlineStrOutputParser().with_config(run_name=names.ANSWER_PARSER)


def build_answer_chain(llm: BaseChatModel, book_title: str = BOOK_TITLE) -> Runnable[dict, str]:
    """answer_inputs → streamed answer text: prompt → chat model → parser."""
    return (
        _answer_prompt(book_title) | llm.with_config(run_name=names.ANSWER_MODEL) | _parser()
    ).with_config(run_name=names.ANSWER)


def events_streamed(config: RunnableConfig) -> bool:
    """Whether a stream_events / stream_log client listens to this call's runs (or we cannot
    tell: then the answer must be the full runnable)."""
    callbacks = config.get("callbacks")
    if isinstance(callbacks, BaseCallbackManager):
        callbacks = callbacks.handlers
    return stream_listener(callbacks or ()) is not None  # False (cannot tell) counts as yes


def stream_listener(handlers: Sequence[Any]) -> Any:
    """The stream_events / stream_log handler among a run's handlers (it taps the run's output),
    None when there is none, and `False` when langchain-core moved the class we look for."""
    if _Streaming is None:
        return False
    return next((h for h in handlers if isinstance(h, _Streaming)), None)


def lean_answerer(llm: BaseChatModel, book_title: str = BOOK_TITLE) -> LeanAnswer:
    """answer_inputs → streamed answer text, as build_answer_chain streams it, with only the
    prompt's and the model's runs (see the module docstring)."""
    prompt = _answer_prompt(book_title)
    named = llm.with_config(run_name=names.ANSWER_MODEL)
    text_stream = getattr(llm, "text_stream", None)  # clients/cohere_chat.py's model has one

    async def answer(inputs: dict, config: RunnableConfig) -> AsyncIterator[str]:
        messages = await prompt.ainvoke(inputs, config)
        text = None
        if text_stream is not None:
            text = text_stream(messages.to_messages(),
                               patch_config(config, run_name=names.ANSWER_MODEL))
        if text is not None:
            async for piece in text:
                yield piece
            return
        async for chunk in named.astream(messages, config):
            yield message_text(chunk)

    return answer


def build_offline_answer_chain(
    model: BaseChatModel, book_title: str = BOOK_TITLE
) -> Runnable[dict, str]:
    """The same steps and run names for a model that reads `documents=` and `selected_text=`
    (chains/offline.py): it is handed the rendered prompt too, and answers from the objects."""
    prompt = _answer_prompt(book_title)
    named = model.with_config(run_name=names.ANSWER_MODEL)
    parser = _parser()

    async def answer(inputs: AsyncIterator[dict], config: RunnableConfig) -> AsyncIterator[str]:
        last: dict = {}
        async for item in inputs:
            last = item
        messages = await prompt.ainvoke(last, config)
        stream = named.astream(
            messages, config, documents=last["documents"], selected_text=last["selected_text"]
        )
        async for text in parser.atransform(stream, config):
            yield text

    return RunnableGenerator(answer, name=names.ANSWER).with_config(run_name=names.ANSWER)
