"""Rerankers: reorder retrieval candidates with a model that reads question and chunk together.

With COHERE_API_KEY, Cohere's rerank endpoint (COHERE_RERANK_MODEL, default rerank-v3.5).
Offline there is none: no cross-encoder ships its weights inside a package we can install
(bench/RESULTS.md, "Retrieval, issue 11", says what was checked), and weights cannot be
downloaded at run time.

A reranker is an optional improvement, so its failures are never the reader's: a timeout, an
error status or a dropped connection returns None (the caller keeps its own order), logs one
warning line and calls every fallback listener (the app's metrics count them). The SDK's own
retries are off for this call: waiting seconds for a better order is worse than the fused one.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import httpx
from pydantic import SecretStr

log = logging.getLogger("bookchat.rerank")

Order = list[tuple[int, float]]  # (candidate index, relevance), best first
_listeners: list[weakref.ref[Callable[[str], None]]] = []


@runtime_checkable
class Reranker(Protocol):
    """Candidate indices best first with their relevance, or None when reranking failed."""

    def rerank(self, query: str, texts: Sequence[str]) -> Order | None: ...

    async def arerank(self, query: str, texts: Sequence[str]) -> Order | None: ...


def add_fallback_listener(listener: Callable[[str], None]) -> None:
    """Call `listener(reason)` on every fallback in this process. Held weakly (bound methods
    too), so an app's metrics that are gone stop counting instead of staying alive. Process-wide:
    with two apps in one process (tests) both count; a served process has one."""
    bound = hasattr(listener, "__self__")
    ref: weakref.ref[Any] = weakref.WeakMethod(listener) if bound else weakref.ref(listener)  # type: ignore[arg-type]
    _listeners.append(ref)


def fallback(reason: str) -> None:
    """Record that a reranker failed and its caller kept its own order."""
    log.warning("rerank unavailable (%s): keeping the fused order", reason)
    for ref in list(_listeners):
        listener = ref()
        if listener is None:
            _listeners.remove(ref)
        else:
            listener(reason)


def failure_reason(exc: BaseException) -> str:
    """A short, secret-free label for a failed rerank call (also the metric's label)."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return "rate_limited" if status == 429 else f"status_{status // 100}xx"
    if isinstance(exc, httpx.TimeoutException) or "Timeout" in type(exc).__name__:
        return "timeout"
    if isinstance(exc, httpx.TransportError | ConnectionError):
        return "unreachable"
    return "error"


class CohereReranker:
    """Cohere's /v2/rerank through the official SDK; the async client shares the app's pool."""

    def __init__(
        self,
        *,
        api_key: SecretStr,
        model: str,
        base_url: str | None,
        timeout: float,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        import cohere

        key = api_key.get_secret_value()
        self.model = model
        self.timeout = timeout
        self._sync = cohere.ClientV2(api_key=key, base_url=base_url, timeout=timeout)
        self._async = cohere.AsyncClientV2(
            api_key=key, base_url=base_url, timeout=timeout, httpx_client=http
        )

    def _options(self) -> dict[str, Any]:
        return {"max_retries": 0, "timeout_in_seconds": self.timeout}

    def rerank(self, query: str, texts: Sequence[str]) -> Order | None:
        try:
            response = self._sync.rerank(
                model=self.model, query=query, documents=list(texts), top_n=len(texts),
                request_options=self._options(),
            )
        except Exception as exc:  # any failure: keep the fused order
            fallback(failure_reason(exc))
            return None
        return _order(response, len(texts))

    async def arerank(self, query: str, texts: Sequence[str]) -> Order | None:
        try:
            response = await self._async.rerank(
                model=self.model, query=query, documents=list(texts), top_n=len(texts),
                request_options=self._options(),
            )
        except Exception as exc:  # any failure: keep the fused order
            fallback(failure_reason(exc))
            return None
        return _order(response, len(texts))


def _order(response: Any, count: int) -> Order | None:
    """The (index, relevance) pairs of a rerank response; None if it names no valid index."""
    order = [
        (r.index, float(r.relevance_score))
        for r in getattr(response, "results", None) or []
        if isinstance(r.index, int) and 0 <= r.index < count
    ]
    if not order:
        fallback("empty")
        return None
    return order
