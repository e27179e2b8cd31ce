"""Prometheus metrics: one registry per app, rendered at /metrics."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from clients import rerank

_LATENCY = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_TTFT = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60)
disable_created_metrics()  # process-wide: the *_created series only double the page


class Metrics:
    """The app's instruments; `render()` is the /metrics body."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "bookchat_http_requests", "HTTP requests by method, route template and status",
            ["method", "route", "status"], registry=r,
        )
        self.latency = Histogram(
            "bookchat_http_request_duration_seconds",
            "Time to the end of the response (streams included), by route template",
            ["method", "route"], buckets=_LATENCY, registry=r,
        )
        self.in_progress = Gauge(
            "bookchat_http_requests_in_progress", "Requests being served", registry=r
        )
        self.errors = Counter(
            "bookchat_errors", "Errors by kind: an HTTP error status, or a failed chain step",
            ["kind"], registry=r,
        )
        self.rate_limited = Counter(
            "bookchat_rate_limited", "Requests refused by a limit, by key scope and limit",
            ["scope", "limit"], registry=r,
        )
        self.ttft = Histogram(
            "bookchat_time_to_first_token_seconds",
            "From the request to the answer's first token", buckets=_TTFT, registry=r,
        )
        self.answer_tokens = Counter(
            "bookchat_answer_tokens", "Answer tokens (reported by the model, else chars/4)",
            registry=r,
        )
        self.answers = Counter(
            "bookchat_answers", "Answers by outcome: completed, failed or cancelled",
            ["outcome"], registry=r,
        )
        self.rerank_fallbacks = Counter(
            "bookchat_rerank_fallbacks",
            "Searches that kept the fused order because the reranker failed, by reason",
            ["reason"], registry=r,
        )
        rerank.add_fallback_listener(self._count_rerank_fallback)

    def _count_rerank_fallback(self, reason: str) -> None:
        self.rerank_fallbacks.labels(reason).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
