"""The inline callbacks of one chat turn: which step is running, the sources when retrieval
ends, the answer's token usage. They find the steps by the run names in chains/names.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult

from chains import names
from chains.sources import source_list

Event = tuple[str, Any]


def _usage(message: Any) -> dict[str, int] | None:
    usage = getattr(message, "usage_metadata", None)
    if not usage:
        return None
    return {key: int(usage[key]) for key in ("input_tokens", "output_tokens") if key in usage}


class TurnWatch(BaseCallbackHandler):
    """Inline callbacks of one turn: the step running, the sources, the answer's usage."""

    run_inline = True  # called on the event loop, in order with the chain's own steps
    every_token = False  # reads no token at all (clients/text_run.py)

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit
        self.stage: str | None = None
        self.usage: dict[str, int] | None = None
        self._names: dict[UUID, str | None] = {}

    def on_retriever_start(self, serialized: Any, query: str, *, run_id: UUID, **kw: Any) -> None:
        self.stage = "retrieval"
        self._names[run_id] = kw.get("name")

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kw: Any) -> None:
        if self._names.pop(run_id, None) == names.RETRIEVE:
            self.stage = None
            self.emit(("sources", source_list(documents or [])))

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, **kw: Any
    ) -> None:
        self.stage = "model"
        self._names[run_id] = kw.get("name")

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kw: Any) -> None:
        self.stage = None
        if self._names.pop(run_id, None) == names.ANSWER_MODEL:
            for generations in response.generations:
                for generation in generations:
                    self.usage = _usage(getattr(generation, "message", None)) or self.usage
