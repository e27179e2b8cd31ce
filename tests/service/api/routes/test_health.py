"""GET /api/health: per-service checks and the overall status — starting, healthy, degraded
(history down: search still works) or unhealthy (Qdrant down or its collection missing)."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from qdrant_client import QdrantClient, models

from service.api.routes import health
from tests.support import free_port

COLLECTION = "book"


class _History:
    kind = "fake"

    def __init__(self, down: bool = False) -> None:
        self.down = down

    async def ping(self) -> None:
        if self.down:
            raise OSError("connection refused by postgres://user:SECRET@db")


def _qdrant(with_collection: bool) -> QdrantClient:
    client = QdrantClient(":memory:")
    if with_collection:
        client.create_collection(
            COLLECTION, vectors_config={"model-x": models.VectorParams(
                size=4, distance=models.Distance.COSINE)},
        )
    return client


def _res(qdrant, history, phase="ready", offline=True, startup_error=None) -> SimpleNamespace:
    settings = SimpleNamespace(qdrant_collection=COLLECTION, offline_chat=offline,
                               cohere_chat_model="command-x")
    return SimpleNamespace(settings=settings, qdrant=qdrant, history=history, phase=phase,
                           startup_error=startup_error)


async def _health(res) -> httpx.Response:
    app = FastAPI()
    app.state.resources = res
    app.include_router(health.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as client:
        return await client.get("/api/health")


async def test_healthy_is_200_with_per_service_detail():
    r = await _health(_res(_qdrant(True), _History()))
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "healthy"
    assert body["services"]["qdrant"] == {"status": "healthy", "collection": COLLECTION,
                                          "vectors": 0, "embedding_model": "model-x",
                                          "dimension": 4}
    assert body["services"]["chat_model"]["provider"] == "offline"


async def test_history_down_is_degraded_without_the_error_text():
    r = await _health(_res(_qdrant(True), _History(down=True)))
    assert r.status_code == 503 and r.json()["status"] == "degraded"
    assert r.json()["services"]["history"]["error"] == "unreachable (OSError)"
    assert "SECRET" not in r.text


async def test_a_missing_collection_is_unhealthy():
    r = await _health(_res(_qdrant(False), _History()))
    assert r.status_code == 503 and r.json()["status"] == "unhealthy"
    assert "ingest" in r.json()["services"]["qdrant"]["error"]


async def test_an_unreachable_qdrant_is_unhealthy():
    down = QdrantClient(url=f"http://127.0.0.1:{free_port()}", timeout=2, check_compatibility=False)
    r = await _health(_res(down, _History()))
    assert r.json()["status"] == "unhealthy"
    assert r.json()["services"]["qdrant"]["error"].startswith("unreachable")


@pytest.mark.parametrize(("phase", "status"), [("starting", "starting"), ("failed", "unhealthy")])
async def test_the_start_up_phase_comes_first(phase, status):
    r = await _health(_res(_qdrant(True), _History(), phase=phase,
                           startup_error="FileNotFoundError: docs folder not found"))
    assert r.status_code == 503 and r.json()["status"] == status
    assert r.json()["error"] == "FileNotFoundError: docs folder not found"


def test_error_texts_name_the_cause_not_the_detail():
    assert "suspended" in health._error_text(SimpleNamespace(status_code=404))
    assert health._error_text(TimeoutError()) == "timed out"
    assert health._error_text(ConnectionError("x")) == "unreachable (ConnectionError)"
