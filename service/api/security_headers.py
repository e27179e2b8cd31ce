"""The security headers every response carries, with a Content-Security-Policy per kind of page.

A route's own headers win (/demo sets its policy: service/api/routes/widget.py); the others
get these. API responses are never documents, so their policy allows nothing; the pages
that third-party code draws get what that code needs and no more: Swagger UI and ReDoc load from
jsDelivr with an inline boot script, LangServe's playground boots inline and compiles its JSON
Schema forms with `new Function` (ajv).
"""

from __future__ import annotations

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}

LOCKED_POLICY = "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; connect-src 'self'; " + LOCKED_POLICY
)
PLAYGROUND_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; " + LOCKED_POLICY
)


def content_security_policy(path: str) -> str:
    """The policy for a response to `path`."""
    if path in {"/docs", "/redoc", "/docs/oauth2-redirect"}:
        return DOCS_POLICY
    if "/playground/" in path:
        return PLAYGROUND_POLICY
    return API_POLICY


def with_security_headers(
    path: str, headers: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`headers` plus each security header the response does not set itself."""
    present = {name.lower() for name, _ in headers}
    wanted = {**BASE_HEADERS, "content-security-policy": content_security_policy(path)}
    added = [(k.encode(), v.encode()) for k, v in wanted.items() if k.encode() not in present]
    return [*headers, *added]
