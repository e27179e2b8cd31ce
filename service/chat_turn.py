"""One chat turn as the widget's event contract, read from the chain's own stream of events.

LangServe's /chat and these events come from the same chain: `astream_events(version="v2")`,
picked by the run names the chain sets — "Retrieve" ends with the numbered documents,
"AnswerParser" streams the answer text, "ChatModel" ends with the token usage.

Events, in order: `session` → `sources` → `token`… → `done`; on a failure an `error` event ends
the turn instead. The turn is stored in the history by the chain itself, only when the answer
completed, so a turn cancelled or cut before `done` leaves nothing behind.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import psycopg
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict, Field

from chains.history import parse_session_id
from chains.rag import MAX_PAGE_URL_CHARS, MAX_QUESTION_CHARS, MAX_SELECTION_CHARS
from chains.sources import cited_sources, source_list

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
        config = {"configurable": {"session_id": self.session_id, "message_id": self.message_id}}
        sources: list[dict[str, object]] = []
        parts: list[str] = []
        usage: dict[str, int] | None = None
        stage: str | None = None
        try:
            stream = self.chain.astream_events(self.inputs, config, version="v2")
            async with aclosing(stream) as events:
                async for event in events:
                    kind, name = event["event"], event["name"]
                    if kind == "on_retriever_start":
                        stage = "retrieval"
                    elif kind == "on_chat_model_start":
                        stage = "model"
                    elif kind == "on_retriever_end" and name == "Retrieve":
                        stage = None
                        sources = source_list(event["data"].get("output") or [])
                        yield "sources", sources
                    elif kind == "on_parser_stream" and name == "AnswerParser":
                        text = event["data"].get("chunk")
                        if text:
                            parts.append(text)
                            yield "token", {"text": text}
                    elif kind == "on_chat_model_end":
                        stage = None
                        if name == "ChatModel":
                            usage = _usage(event["data"].get("output"))
        except Exception as exc:
            failure = FAILURES.get(stage, FAILURES[None])
            code, message = HISTORY_DOWN if isinstance(exc, psycopg.OperationalError) else failure
            log.warning("chat turn failed (%s): %s", code, type(exc).__name__)
            yield "error", error_data(code, message)
            return
        self.completed = True
        done: dict[str, Any] = {
            "session_id": self.session_id,
            "message_id": self.message_id,
            "citations": cited_sources("".join(parts), sources),
        }
        if usage:
            done["usage"] = usage
        yield "done", done
