"""GET /api/health: cheap per-service checks, 200 only when everything is healthy."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.api.deps import ResourcesDep
from service.resources import Resources
from stores import vectorstore

router = APIRouter(prefix="/api", tags=["service"])
CHECK_TIMEOUT = 3.0


def _error_text(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    if status == 404:
        return "not found (404): the Qdrant cluster may be suspended or the URL is wrong"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"unreachable ({type(exc).__name__})"


async def _qdrant(res: Resources) -> dict[str, Any]:
    name = res.settings.qdrant_collection
    try:
        info = await asyncio.wait_for(
            asyncio.to_thread(vectorstore.describe, res.qdrant, name), CHECK_TIMEOUT
        )
    except Exception as exc:
        return {"status": "unhealthy", "collection": name, "error": _error_text(exc)}
    if not info.exists:
        return {"status": "unhealthy", "collection": name, "error": "collection missing: ingest"}
    return {
        "status": "healthy",
        "collection": name,
        "vectors": info.points,
        "embedding_model": info.vector_name,
        "dimension": info.dimension,
    }


async def _history(res: Resources) -> dict[str, Any]:
    try:
        await asyncio.wait_for(res.history.ping(), CHECK_TIMEOUT)
    except Exception as exc:
        return {"status": "unhealthy", "backend": res.history.kind, "error": _error_text(exc)}
    return {"status": "healthy", "backend": res.history.kind}


def _chat_model(res: Resources) -> dict[str, Any]:
    s = res.settings
    if s.offline_chat:
        return {"status": "healthy", "provider": "offline", "model": "offline-extractive"}
    return {"status": "healthy", "provider": "cohere", "model": s.cohere_chat_model}


def overall(phase: str, services: dict[str, dict[str, Any]]) -> str:
    """starting while the lifespan works; Qdrant down is unhealthy, history down degraded."""
    if phase == "starting":
        return "starting"
    if phase == "failed" or services["qdrant"]["status"] != "healthy":
        return "unhealthy"
    if any(s["status"] != "healthy" for s in services.values()):
        return "degraded"
    return "healthy"


@router.get("/health", summary="Service health")
async def health(res: ResourcesDep) -> JSONResponse:
    qdrant, history = await asyncio.gather(_qdrant(res), _history(res))
    services = {"qdrant": qdrant, "history": history, "chat_model": _chat_model(res)}
    status = overall(res.phase, services)
    body: dict[str, Any] = {"status": status, "services": services}
    if res.startup_error:
        body["error"] = res.startup_error
    return JSONResponse(body, status_code=200 if status == "healthy" else 503)
