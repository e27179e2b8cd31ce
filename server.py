"""bookchat's HTTP app: LangServe routes for the chat chain and the retriever, plus health,
conversations and service info. Only this file knows LangServe; `create_app` only assembles.

Run: python server.py  (embedded defaults: offline answers, embedded Qdrant, SQLite history)
"""

from __future__ import annotations

import os

# Before numpy loads (qdrant-client imports it): embedded Qdrant's per-query matrix product
# otherwise wakes an OpenBLAS worker that spins on the second core (bench/RESULTS.md: 253 → 141
# ms CPU per answer). The Dockerfile and ./dev serve set it too; an explicit value wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from langchain_core.documents import Document
from langserve import add_routes
from langserve.callbacks import AsyncEventAggregatorCallback
from sse_starlette.sse import AppStatus

from chains import names
from chains.inputs import SESSION_ID_SPEC, ChatInput
from config.settings import Settings, SettingsError, load_settings
from service.api.admission import Guards, admit_langserve_call
from service.api.body_limit import BodyLimitMiddleware
from service.api.deps import get_ready_resources, get_resources
from service.api.errors import install_error_handlers
from service.api.json_edge import JsonBodyMiddleware
from service.api.langserve_body import LangServeRoute
from service.api.late_bound import LateBound
from service.api.limits import RateLimiter, limit_storage
from service.api.logs import configure_logging
from service.api.metrics import Metrics
from service.api.openapi_doc import document
from service.api.request_context import RequestContextMiddleware
from service.api.routes import (
    admin,
    chat_api,
    conversation,
    feedback,
    health,
    info,
    metrics,
    widget,
    ws,
)
from service.processes import run_workers, worker_count, worker_settings
from service.resources import close_resources
from service.wiring import open_resources
from stores.history import parse_session_id

log = logging.getLogger("bookchat")


async def _chat_config(config: dict[str, Any], request: Request) -> dict[str, Any]:
    """LangServe per-request hook for /chat: ready service, a UUID session id and the client
    under its rate limits, else 4xx/503."""
    get_ready_resources(get_resources(request))
    configurable = config.get("configurable") or {}
    try:
        configurable["session_id"] = parse_session_id(configurable.get("session_id"))
    except ValueError:
        raise HTTPException(
            400, 'config.configurable.session_id must be a UUID, e.g. {"session_id": '
            '"6f1c2d3e-0000-4000-8000-000000000000"}'
        ) from None
    await admit_langserve_call(request, configurable["session_id"])
    return {**config, "configurable": configurable}


async def _search_config(config: dict[str, Any], request: Request) -> dict[str, Any]:
    """LangServe per-request hook for /search: 503 until the service is ready, 429 over limits."""
    get_ready_resources(get_resources(request))
    await admit_langserve_call(request, chat=False)
    return config


def _install_middleware(app: FastAPI, settings: Settings, registry: Metrics) -> None:
    """JSON body checks inside the body limit (which counts what they read), request context
    around them, CORS outermost, so the 4xx made inside reach browsers with its headers."""
    app.add_middleware(
        JsonBodyMiddleware,
        langserve=lambda: app.state.langserve_routes,
        max_batch=settings.max_batch_size,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=registry)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_credentials=False,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Retry-After", "X-Request-ID"],
        max_age=600,
    )


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI app; clients are opened in its lifespan and closed there."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.resources = await open_resources(settings)
        try:
            yield
        finally:
            await close_resources(app.state.resources)
            app.state.resources = None

    app = FastAPI(
        title="bookchat",
        version="0.1.0",
        description="Chat with the Physical AI & Humanoid Robotics book.",
        lifespan=lifespan,
    )
    app.state.resources = None
    registry = Metrics()
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    limiter = RateLimiter(
        settings.rate_limit, settings.daily_token_budget, registry,
        storage=limit_storage(redis_url, settings.redis_key_prefix),
    )
    app.state.guards = Guards(registry, limiter, settings.forwarded_trusted_hops)
    _install_middleware(app, settings, registry)
    install_error_handlers(app)
    routers = [info, health, metrics, conversation, chat_api, ws, feedback, widget]
    if settings.admin_token is not None:
        routers.append(admin)  # absent (404, not in /openapi.json) without ADMIN_TOKEN
    for module in routers:
        app.include_router(module.router)

    chat = LateBound(
        lambda: app.state.resources.chat_chain,
        input_type=ChatInput,
        output_type=str,
        config_specs=[SESSION_ID_SPEC],
        name=names.CHAT,
        max_concurrency=settings.batch_concurrency,
        # The routes do not return callback events (include_callback_events is off), so
        # LangServe's aggregator of them would only cost CPU per streamed token.
        unused_callbacks=(AsyncEventAggregatorCallback,),
    )
    search = LateBound(
        lambda: app.state.resources.retriever,
        input_type=str,
        output_type=list[Document],
        name=names.SEARCH,
        max_concurrency=settings.batch_concurrency,
    )
    app.state.langserve_routes = {
        "/chat": LangServeRoute(chat.input_schema), "/search": LangServeRoute(search.input_schema),
    }
    add_routes(
        app,
        chat,
        path="/chat",
        enabled_endpoints=(
            "invoke", "batch", "stream", "stream_events", "playground",
            # the playground itself streams through stream_log and re-reads the schemas
            # under /c/{config_hash}/ once a session id is typed in
            "stream_log", "input_schema", "output_schema", "config_schema", "config_hashes",
        ),
        per_req_config_modifier=_chat_config,
    )
    add_routes(
        app,
        search,
        path="/search",
        enabled_endpoints=(
            "invoke", "batch", "stream_log", "playground", "input_schema", "output_schema",
            "config_hashes",
        ),
        per_req_config_modifier=_search_config,
    )
    _document_openapi(app, settings)
    return app


def worker_app() -> FastAPI:
    """One worker's app when main() runs several (uvicorn imports it by name in each)."""
    settings = worker_settings(load_settings())
    configure_logging(settings)
    logging.getLogger("uvicorn.access").propagate = False  # access_log=False, as in main()
    AppStatus.disable_automatic_graceful_drain()
    return create_app(settings)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app (the tests serve theirs the same way)."""
    return dict(
        host="0.0.0.0",
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's loggers go through ours (request id, format, redaction)
        access_log=False,  # the request middleware writes the access line, with the route
        # X-Forwarded-For is read by service/api/client_address.py, trusting exactly
        # FORWARDED_TRUSTED_HOPS proxies; uvicorn's reading would trust the client's own entries.
        proxy_headers=False,
        timeout_graceful_shutdown=20,
    )


def _document_openapi(app: FastAPI, settings: Settings) -> None:
    """/openapi.json with the errors each operation answers, UUID session ids and batch bounds
    (service/api/openapi_doc.py), built once like FastAPI's own."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            document(spec, max_batch=settings.max_batch_size, session_routes=("/chat",))
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def main() -> int:
    """Entry point: read settings, configure logging, serve on PORT with WEB_CONCURRENCY
    processes when the stores are servers (service/processes.py), else one."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings)
    # On SIGTERM, answers already streaming finish (within the graceful timeout below) instead
    # of being cut by sse-starlette's default drain.
    AppStatus.disable_automatic_graceful_drain()
    workers = worker_count(settings)
    if workers > 1:
        return run_workers("server:worker_app", workers, uvicorn_options(settings))
    uvicorn.run(create_app(settings), **uvicorn_options(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
