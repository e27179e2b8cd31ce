"""One chat turn as the widget's event contract, read from the chain's own output and callbacks.

LangServe's /chat and these events come from the same chain. The answer text is the chain's
`astream` output; an inline callback handler (service/api/turn_watch.py) watches the runs by the
names the chain sets — retrieval ends with the numbered documents, the answering model with the
token usage — and which step is running, for the error code. (`astream_events` gives the same,
but taps every run's stream per token: bench/RESULTS.md, run 3.) The chain runs in its own task
so `sources` goes out as soon as retrieval ends, before the model's first token.

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
        """session, sources, token…, then done or error."""
        yield "session", {"session_id": self.session_id}
        queue: asyncio.Queue[Event] = asyncio.Queue()
        watch = TurnWatch(queue.put_nowait)
        sources: list[dict[str, object]] = []
        parts: list[str] = []
        task = asyncio.create_task(self._run(queue, watch))
        try:
            while (event := await queue.get())[0] != _END:
                name, data = event
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
        yield "done", self._done("".join(parts), sources, watch)

    async def _run(self, queue: asyncio.Queue[Event], watch: TurnWatch) -> None:
        """The chain's text as `token` events, then _END; _FAILED with the exception instead."""
        config = {
            "configurable": {"session_id": self.session_id, "message_id": self.message_id},
            "callbacks": [watch],
        }
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


_END = "_end"
_FAILED = "_failed"


def _failure(exc: BaseException, stage: str | None) -> tuple[str, str]:
    if isinstance(exc, psycopg.OperationalError):
        return HISTORY_DOWN
    return FAILURES.get(stage, FAILURES[None])
