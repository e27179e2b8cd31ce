"""What makes the app safe to put on the open web, installed in one call from `create_app`:
the body limit, the request context (id, access log, metrics), the per-client rate limiter,
honest statuses for failing dependencies, /metrics, and the admin routes when ADMIN_TOKEN is set."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from config.settings import Settings
from service.api.errors import install_upstream_errors
from service.api.limits import RateLimiter
from service.api.metrics import Metrics
from service.api.request_context import BodyLimitMiddleware, RequestContextMiddleware
from service.api.routes import admin, metrics


@dataclass(frozen=True)
class Guards:
    """Per-app state the middleware and routes share (`app.state.guards`)."""

    metrics: Metrics
    limiter: RateLimiter


def install_guards(app: FastAPI, settings: Settings) -> None:
    """Add the guards. Call it before adding CORS, so CORS stays outermost and the 413s and
    429s made here reach browsers with its headers."""
    registry = Metrics()
    app.state.guards = Guards(
        registry, RateLimiter(settings.rate_limit, settings.daily_token_budget, registry)
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=registry)
    install_upstream_errors(app)
    app.include_router(metrics.router)
    if settings.admin_token is not None:
        app.include_router(admin.router)
