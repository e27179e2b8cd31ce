"""The callback that meters chat answers.

`ChatMeter` is a LangChain callback handler. It reaches every run of a request through a configure
hook on a contextvar (`arm_meter`), so LangServe's endpoints, POST /api/chat and the WebSocket
are metered alike without passing callbacks through each route: time to the answer's first token,
answer tokens (the model's usage when it reports one, else characters / 4) handed to `spend`, and
failures of retrieval and of the model by kind. It knows nothing of limits: whoever arms it says
where the tokens go (service/api/admission.py charges the client's daily budget).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from langchain_core.tracers.context import register_configure_hook

from chains import names
from service.api.metrics import Metrics


def approx_tokens(text: str) -> int:
    """Characters / 4, rounded up: close enough for budgets across languages."""
    return math.ceil(len(text) / 4)


def _usage_tokens(response: LLMResult) -> int | None:
    for generations in response.generations:
        for generation in generations:
            usage = getattr(getattr(generation, "message", None), "usage_metadata", None)
            if usage and usage.get("output_tokens"):
                return int(usage["output_tokens"])
    return None


def _text_of(response: LLMResult) -> str:
    return "".join(g.text for generations in response.generations for g in generations)


class ChatMeter(BaseCallbackHandler):
    """Meters the answering model's runs of one request; `spend` charges the token budget."""

    run_inline = True  # cheap bookkeeping: no thread hop per token
    # Only a run's first token is read (the time to it); the count comes from the run's end, or
    # from the partial answer an error hands over. clients/text_run.py then skips the rest.
    every_token = False

    def __init__(self, metrics: Metrics, spend: Callable[[int], None]) -> None:
        self.metrics = metrics
        self.spend = spend
        self.started = time.monotonic()
        self._runs: dict[UUID, bool] = {}  # the answer model's runs: first token seen?

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        if kwargs.get("name") == names.ANSWER_MODEL:
            self._runs[run_id] = False

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        if token and self._runs.get(run_id) is False:
            self._runs[run_id] = True
            self.metrics.ttft.observe(time.monotonic() - self.started)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        streamed = self._runs.pop(run_id, None)
        if streamed is None:
            return
        if not streamed:  # not streamed: the whole answer came at once
            self.metrics.ttft.observe(time.monotonic() - self.started)
        self._charge(_usage_tokens(response) or approx_tokens(_text_of(response)))
        self.metrics.answers.labels("completed").inc()

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        if self._runs.pop(run_id, None) is None:
            return
        # what was generated before the failure still cost: langchain-core's stream (and
        # text_run) hand the partial answer over as `response`
        partial = kwargs.get("response")
        if isinstance(partial, LLMResult):
            self._charge(approx_tokens(_text_of(partial)))
        cancelled = type(error).__name__ == "CancelledError"
        self.metrics.answers.labels("cancelled" if cancelled else "failed").inc()
        if not cancelled:
            self.metrics.errors.labels("model").inc()

    def on_retriever_error(self, error: BaseException, **kwargs: Any) -> None:
        if type(error).__name__ != "CancelledError":
            self.metrics.errors.labels("retrieval").inc()

    def _charge(self, tokens: int) -> None:
        if tokens > 0:
            self.metrics.answer_tokens.inc(tokens)
            self.spend(tokens)


_METER: ContextVar[ChatMeter | None] = ContextVar("bookchat_chat_meter", default=None)
register_configure_hook(_METER, inheritable=True)


def arm_meter(meter: ChatMeter) -> None:
    """Meter every LangChain run started from now on in this request's context."""
    _METER.set(meter)
