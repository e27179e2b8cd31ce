"""The website widget's files: /widget.js for any site, and /demo, a page that hosts it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from service.api.security_headers import LOCKED_POLICY

router = APIRouter(include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# The demo page loads only its own files; the widget talks to this same origin. The other
# security headers come with every response (service/api/security_headers.py).
DEMO_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; " + LOCKED_POLICY
    ),
    "Cache-Control": "no-cache",
}
# The script is embedded by other sites: cacheable, and loadable from cross-origin-isolated pages.
SCRIPT_HEADERS = {
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Cache-Control": "public, max-age=300",
}


@cache
def _read(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


@router.get("/widget.js")
async def widget_js() -> Response:
    return Response(
        _read("widget.js"), media_type="text/javascript; charset=utf-8", headers=SCRIPT_HEADERS
    )


@router.get("/demo")
async def demo_page() -> Response:
    return Response(_read("demo.html"), media_type="text/html; charset=utf-8", headers=DEMO_HEADERS)


@router.get("/demo.css")
async def demo_css() -> Response:
    return Response(_read("demo.css"), media_type="text/css; charset=utf-8", headers=DEMO_HEADERS)
