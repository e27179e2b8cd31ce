"""One chat turn as the widget's event contract, read from the chain's own output and callbacks.

LangServe's /chat and these events come from the same chain. The answer text is the chain's
`astream` output; an inline callback handler watches the runs by the names the chain sets —
"Retrieve" ends with the numbered documents, "ChatModel" ends with the token usage — and which
step is running, for the error code. (`astream_events` gives the same, but taps every run's
stream per token: 16 ms of CPU per answer, a third of the route's; bench/RESULTS.md, run 3.)
The chain runs in its own task so `sources` goes out as soon as retrieval ends, before the
model's first token.

Events, in order: `session` → `sources` → `token`… → `done`; on a failure an `error` event ends
the turn instead. The turn is stored in the history by the chain itself, only when the answer
completed, so a turn cancelled or cut before `done` leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict, Field

from chains.rag import MAX_PAGE_URL_CHARS, MAX_QUESTION_CHARS, MAX_SELECTION_CHARS
from chains.sources import cited_sources, source_list
from stores.history import parse_session_id

log = logging.getLogger("bookchat")

Event = tuple[str, Any]

# What a reader is told when a step fails; the exception itself only reaches the log, by type.
FAILURES: dict[str | None, tuple[str, str]] = {
    "retrieval": ("retrieval_failed", "Searching the book failed. Please try again."),
    "model": ("model_failed", "The language model failed while answering. Please try again."),
    None: ("internal_error", "Something went wrong while answering. Please try again."),
}
# Whatever the stage: the history could not be read before, or written after, the answer.
HISTORY_DOWN = (
    "history_unavailable",
    "The conversation store is unavailable; nothing was saved. Please try again shortly.",
)
CANCELLED = {"code": "cancelled", "message": "The answer was cancelled; nothing was saved."}


def error_data(code: str, message: str) -> dict[str, str]:
    """The payload of an `error` event."""
    return {"code": code, "message": message}


def _usage(message: Any) -> dict[str, int] | None:
    usage = getattr(message, "usage_metadata", None)
    if not usage:
        return None
    return {key: int(usage[key]) for key in ("input_tokens", "output_tokens") if key in usage}


class ChatRequest(BaseModel):
    """A reader's message, as POST /api/chat and WS /api/ws take it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    message: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS)
    session_id: str | None = Field(
        None, description="UUID of the conversation; null or absent starts a new one."
    )
    selected_text: str | None = Field(
        None,
        max_length=MAX_SELECTION_CHARS,
        description="A passage the reader selected; the answer is grounded in it first.",
    )
    page_url: str | None = Field(
        None,
        max_length=MAX_PAGE_URL_CHARS,
        description="The page the reader is on (location.href); its sections are searched first.",
    )

    def turn(self, chain: Runnable) -> Turn:
        """The turn this message asks for; ValueError when session_id is not a UUID."""
        session_id = parse_session_id(self.session_id) if self.session_id else str(uuid.uuid4())
        inputs = {
            "question": self.message,
            "selected_text": self.selected_text,
            "page_url": self.page_url,
        }
        return Turn(chain, inputs, session_id)


@dataclass
class Turn:
    """A question to the chat chain in one session; `events()` runs it once."""

    chain: Runnable
    inputs: dict[str, Any]
    session_id: str
    message_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    completed: bool = False  # the chain finished and stored the turn: too late to cancel

    async def events(self) -> AsyncIterator[Event]:
        """session, sources, token…, then done or error."""
        yield "session", {"session_id": self.session_id}
        queue: asyncio.Queue[Event] = asyncio.Queue()
        watch = _TurnWatch(queue.put_nowait)
        config = {
            "configurable": {"session_id": self.session_id, "message_id": self.message_id},
            "callbacks": [watch],
        }

        async def run() -> None:
            try:
                async with aclosing(self.chain.astream(self.inputs, config)) as stream:
                    async for text in stream:
                        if text:
                            queue.put_nowait(("token", text))
            except Exception as exc:
                queue.put_nowait((_FAILED, exc))
                return
            except BaseException as exc:  # cancelled from outside: the reader must not wait on
                queue.put_nowait((_FAILED, exc))
                raise
            self.completed = True
            queue.put_nowait((_END, None))

        sources: list[dict[str, object]] = []
        parts: list[str] = []
        task = asyncio.create_task(run())
        try:
            while True:
                name, data = await queue.get()
                if name == _END:
                    break
                if name == _FAILED:
                    code, message = _failure(data, watch.stage)
                    log.warning("chat turn failed (%s): %s", code, type(data).__name__)
                    yield "error", error_data(code, message)
                    return
                if name == "sources":
                    sources = data
                elif name == "token":
                    parts.append(data)
                    data = {"text": data}
                yield name, data
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait([task])
        done: dict[str, Any] = {
            "session_id": self.session_id,
            "message_id": self.message_id,
            "citations": cited_sources("".join(parts), sources),
        }
        if watch.usage:
            done["usage"] = watch.usage
        yield "done", done


_END = "_end"
_FAILED = "_failed"


def _failure(exc: BaseException, stage: str | None) -> tuple[str, str]:
    if isinstance(exc, psycopg.OperationalError):
        return HISTORY_DOWN
    return FAILURES.get(stage, FAILURES[None])


class _TurnWatch(BaseCallbackHandler):
    """Inline callbacks of one turn: the step running, the sources, the answer's usage."""

    run_inline = True  # called on the event loop, in order with the chain's own steps

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit
        self.stage: str | None = None
        self.usage: dict[str, int] | None = None
        self._names: dict[UUID, str | None] = {}

    def on_retriever_start(self, serialized: Any, query: str, *, run_id: UUID, **kw: Any) -> None:
        self.stage = "retrieval"
        self._names[run_id] = kw.get("name")

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kw: Any) -> None:
        if self._names.pop(run_id, None) == "Retrieve":
            self.stage = None
            self.emit(("sources", source_list(documents or [])))

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, **kw: Any
    ) -> None:
        self.stage = "model"
        self._names[run_id] = kw.get("name")

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kw: Any) -> None:
        self.stage = None
        if self._names.pop(run_id, None) == "ChatModel":
            for generations in response.generations:
                for generation in generations:
                    self.usage = _usage(getattr(generation, "message", None)) or self.usage
