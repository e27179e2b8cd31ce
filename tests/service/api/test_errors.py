"""One error shape for every failure, with honest statuses for failing dependencies and nothing
of the exception's text in the response."""

from __future__ import annotations

import httpx
import pytest
from cohere.core.api_error import ApiError
from fastapi import FastAPI, HTTPException
from psycopg import OperationalError
from pydantic import BaseModel
from qdrant_client.http.exceptions import UnexpectedResponse

from service.api.errors import error_body, install_error_handlers

SECRET = "https://user:SECRET@host/v2/chat?key=SECRET"


class Body(BaseModel):
    n: int


def _app(exc: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    @app.post("/typed")
    async def typed(body: Body) -> int:
        return body.n

    return app


async def _get(app: FastAPI, path: str = "/boom", **kw) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as client:
        if path == "/typed":
            return await client.post(path, **kw)
        return await client.get(path)


@pytest.mark.parametrize(
    ("exc", "status", "retry_after", "words"),
    [
        (ApiError(status_code=429, headers={"retry-after": "7"}, body=SECRET), 503, "7",
         "rate limited"),
        (ApiError(status_code=429, headers={}, body=SECRET), 503, "5", "rate limited"),
        (ApiError(status_code=500, headers={}, body=SECRET), 502, None, "error (500)"),
        (httpx.ReadTimeout(SECRET), 504, None, "did not answer in time"),
        (httpx.ConnectError(SECRET), 502, None, "could not be reached"),
        (OperationalError(SECRET), 503, "5", "conversation store"),
        (UnexpectedResponse(500, "boom", SECRET.encode(), httpx.Headers()), 503, "5",
         "search index"),
        (HTTPException(409, "already running"), 409, None, "already running"),
        (RuntimeError(SECRET), 500, None, "internal error"),
    ],
)
async def test_each_failure_has_its_status_and_no_detail(exc, status, retry_after, words):
    r = await _get(_app(exc))
    assert r.status_code == status
    body = r.json()
    assert body["error"]["status"] == status and words in body["error"]["message"]
    assert r.headers.get("retry-after") == retry_after
    assert "SECRET" not in r.text


async def test_an_invalid_body_is_422_with_details():
    r = await _get(_app(RuntimeError()), "/typed", json={"n": "x"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["message"] == "invalid request"
    assert error["details"][0]["loc"] == ["body", "n"]


def test_the_body_shape():
    assert error_body(404, "gone") == {"error": {"status": 404, "message": "gone"}}
    assert error_body(422, "bad", [{"loc": ["x"], "msg": "m"}])["error"]["details"]
