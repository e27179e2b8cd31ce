"""One chat turn as the widget's event contract, read from the chain's own output and callbacks.

LangServe's /chat and these events come from the same chain. The answer text is the chain's
`astream` output; an inline callback handler (service/api/turn_watch.py) watches the runs by the
names the chain sets — retrieval ends with the numbered documents, the answering model with the
token usage — and which step is running, for the error code. (`astream_events` gives the same,
but taps every run's stream per token: bench/RESULTS.md, run 3.) Until the answer's first token
the chain runs in its own task, so `sources` goes out as soon as retrieval ends, before the
model's first token; the tokens are then read in the caller's task.

Events, in order: `session` → `sources` → `token`… → `done`; on a failure an `error` event ends
the turn instead. The turn is stored in the history by the chain itself, only when the answer
completed, so a turn cancelled or cut before `done` leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import psycopg
from langchain_core.runnables import Runnable

from chains.sources import cited_sources
from service.api.turn_watch import Event, TurnWatch

log = logging.getLogger("bookchat")

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


@dataclass
class Turn:
    """A question to the chat chain in one session; `events()` runs it once."""

    chain: Runnable
    inputs: dict[str, Any]
    session_id: str
    message_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    completed: bool = False  # the chain finished and stored the turn: too late to cancel

    async def events(self) -> AsyncIterator[Event]:
        """session, sources, token…, then done or error.

        Until the answer's first token the chain runs in a task of its own, so `sources` goes
        out as soon as retrieval ends (the watch queues it); from the first token on, this
        generator reads the chain's stream itself, without a hand-over between tasks per token
        (bench/RESULTS.md, issue 12)."""
        yield "session", {"session_id": self.session_id}
        queue: asyncio.Queue[Event] = asyncio.Queue()
        watch = TurnWatch(queue.put_nowait)
        config = {
            "configurable": {"session_id": self.session_id, "message_id": self.message_id},
            "callbacks": [watch],
        }
        sources: list[dict[str, object]] = []
        parts: list[str] = []
        stream = self.chain.astream(self.inputs, config)
        first: asyncio.Future[Any] = asyncio.ensure_future(anext(stream, _END))
        try:
            try:
                async with aclosing(_until(first, queue)) as early:
                    async for event in early:
                        sources = event[1] if event[0] == "sources" else sources
                        yield event
                text = _first_token(first)
                while text is not _END:
                    if text:
                        parts.append(text)
                        yield "token", {"text": text}
                    text = await anext(stream, _END)
            except Exception as exc:
                code, message = _failure(exc, watch.stage)
                log.warning("chat turn failed (%s): %s", code, type(exc).__name__)
                yield "error", error_data(code, message)
                return
            self.completed = True
        finally:
            if not first.done():
                first.cancel()
                await asyncio.wait([first])
            await stream.aclose()
        yield "done", self._done("".join(parts), sources, watch)

    def _done(self, answer: str, sources: list[dict[str, object]], watch: TurnWatch
              ) -> dict[str, Any]:
        done: dict[str, Any] = {
            "session_id": self.session_id,
            "message_id": self.message_id,
            "citations": cited_sources(answer, sources),
        }
        if watch.usage:
            done["usage"] = watch.usage
        return done


class _Ended:
    """anext's default once the chain's stream has ended."""


_END: Any = _Ended()


async def _until(first: asyncio.Future[Any], queue: asyncio.Queue[Event]
                 ) -> AsyncIterator[Event]:
    """The watch's events as they come until `first` is done (result or failure), then those
    it queued meanwhile."""
    while not first.done():
        getter = asyncio.ensure_future(queue.get())
        try:
            await asyncio.wait([first, getter], return_when=asyncio.FIRST_COMPLETED)
        finally:
            got = getter.done()
            if not got:  # an event not taken stays in the queue, for below
                getter.cancel()
        if got and not getter.cancelled():  # cancelled from outside: nothing was taken
            yield getter.result()
    while not queue.empty():
        yield queue.get_nowait()


def _first_token(first: asyncio.Future[Any]) -> Any:
    """The chain's first token; a chain task cancelled from outside (the server shutting down
    under it) is a failure like any other, not this caller's cancellation."""
    if first.cancelled():
        raise _ChainCancelled("the chain was cancelled")
    return first.result()


class _ChainCancelled(Exception):
    """The chain's task was cancelled by someone other than the turn's reader."""


def _failure(exc: BaseException, stage: str | None) -> tuple[str, str]:
    if isinstance(exc, psycopg.OperationalError):
        return HISTORY_DOWN
    return FAILURES.get(stage, FAILURES[None])
