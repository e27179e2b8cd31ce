"""Request-scoped dependencies shared by the routes."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.resources import Resources
from stores.history import parse_session_id


def get_resources(request: Request) -> Resources:
    """The lifespan's resources; 503 while the app is still opening them."""
    res: Resources | None = getattr(request.app.state, "resources", None)
    if res is None:
        raise HTTPException(503, "the service is starting", headers={"Retry-After": "5"})
    return res


def get_ready_resources(res: Annotated[Resources, Depends(get_resources)]) -> Resources:
    """Resources that can answer now: 503 while starting, or when start-up failed."""
    if res.phase == "starting":
        raise HTTPException(503, "the service is starting", headers={"Retry-After": "5"})
    if res.phase == "failed":
        raise HTTPException(503, "the service failed to start; see /api/health")
    return res


def valid_session_id(session_id: str) -> str:
    """A path or body session id in canonical form; 400 unless it is a UUID."""
    try:
        return parse_session_id(session_id)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


_bearer = HTTPBearer(auto_error=False, description="ADMIN_TOKEN")


def require_admin(
    res: Annotated[Resources, Depends(get_resources)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Admin routes: absent (404) unless ADMIN_TOKEN is set, then `Authorization: Bearer` it."""
    token = res.settings.admin_token
    if token is None:
        raise HTTPException(404, "Not Found")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise HTTPException(
            401, "a valid admin bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )


ResourcesDep = Annotated[Resources, Depends(get_resources)]
ReadyDep = Annotated[Resources, Depends(get_ready_resources)]
AdminDep = Depends(require_admin)
