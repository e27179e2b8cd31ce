"""Rerankers: reorder retrieval candidates with a model that reads question and chunk together.

With COHERE_API_KEY, Cohere's rerank endpoint (COHERE_RERANK_MODEL, default rerank-v3.5).
Offline there is none: no cross-encoder ships its weights inside a package we can install
(bench/RESULTS.md, "Retrieval, issue 11", says what was checked), and weights cannot be
downloaded at run time.

A reranker is an optional improvement, so its failures are never the reader's: a timeout, an
error status or a dropped connection returns None (the caller keeps its own order), logs one
warning line and calls every fallback listener (the app's metrics count them). The SDK's own
retries are off for this call: waiting seconds for a better order is worse than the fused one.

The async call's answer is read as JSON, not built into the SDK's models (a type-hint walk per
result, ~10% of the event loop's time per answer: bench/RESULTS.md, issue 12, round 2); the SDK's
own HTTP wrapper still sends it (clients/patches/cohere_embed_decoding.py says how and when not).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import httpx
from pydantic import SecretStr

from clients.patches.cohere_embed_decoding import api_error, sdk_http

log = logging.getLogger("bookchat.rerank")

Order = list[tuple[int, float]]  # (candidate index, relevance), best first
Scores = list[tuple[Any, Any]]  # (index, relevance_score) of each result, as the API sent them
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
        return _order(_scores(response), len(texts))

    async def arerank(self, query: str, texts: Sequence[str]) -> Order | None:
        try:
            scores = await self._ascores(query, list(texts))
        except Exception as exc:  # any failure: keep the fused order
            fallback(failure_reason(exc))
            return None
        return _order(scores, len(texts))

    async def _ascores(self, query: str, documents: list[str]) -> Scores:
        """The SDK's request, its answer read as JSON; the SDK's own call when we cannot."""
        http = sdk_http(self._async, "rerank")
        if http is None:
            response = await self._async.rerank(
                model=self.model, query=query, documents=documents, top_n=len(documents),
                request_options=self._options(),
            )
            return _scores(response)
        response = await http.request(
            "v2/rerank",
            method="POST",
            json={"model": self.model, "query": query, "documents": documents,
                  "top_n": len(documents)},
            headers={"content-type": "application/json"},
            request_options=self._options(),
        )
        if not 200 <= response.status_code < 300:
            raise api_error(response, response.text)
        results = response.json().get("results")
        return [
            (r.get("index"), r.get("relevance_score"))
            for r in results if isinstance(r, dict)
        ] if isinstance(results, list) else []


def _scores(response: Any) -> Scores:
    """The (index, relevance_score) pairs of the SDK's rerank response."""
    return [(r.index, r.relevance_score) for r in getattr(response, "results", None) or []]


def _order(scores: Scores, count: int) -> Order | None:
    """The valid (index, relevance) pairs, best first as sent; None if there is none."""
    order = [
        (index, float(score))
        for index, score in scores
        if isinstance(index, int) and 0 <= index < count and isinstance(score, int | float)
    ]
    if not order:
        fallback("empty")
        return None
    return order
