"""GET /: what this service is and which providers are live."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from service.api.deps import ResourcesDep

router = APIRouter(tags=["service"])


def _version() -> str:
    try:
        return version("bookchat")
    except PackageNotFoundError:
        return "0+unknown"


@router.get("/", summary="Service info")
async def info(res: ResourcesDep) -> dict[str, object]:
    return {
        "name": "bookchat",
        "version": _version(),
        "status": res.phase,
        "mode": res.mode,
        "endpoints": {
            "playground": "/chat/playground/",
            "chat": "/chat/invoke",
            "search": "/search/invoke",
            "health": "/api/health",
            "widget_chat": "/api/chat",
            "websocket": "/api/ws",
            "widget": "/widget.js",
            "demo": "/demo",
            "metrics": "/metrics",
            "docs": "/docs",
        },
    }
