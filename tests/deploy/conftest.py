"""Fixtures for the deploy tests: the fake Hub, a server answering one status, fake embeddings."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from huggingface_hub import HfApi
from langchain_core.embeddings import Embeddings
from qdrant_client import QdrantClient, models

from config.settings import Settings, load_settings
from stores.vectorstore import create_collection
from tests.fakes.hub_server import TOKEN, FakeHub


def deploy_settings(**extra) -> Settings:
    """Settings with every service unset (no keys, no URLs) except what `extra` names."""
    base = dict(cohere_api_key=None, qdrant_url=None, qdrant_api_key=None, database_url=None,
                admin_token=None, allowed_origins="", cohere_base_url=None)
    return load_settings(**{**base, **extra})


def assert_safe(verdict, *values: str) -> None:
    """No secret (or other value that must not be shown) appears in the verdict's message."""
    for value in values:
        assert value not in verdict.message


@pytest.fixture
def hub():
    with FakeHub() as fake:
        yield fake


@pytest.fixture
def api(hub) -> HfApi:
    return HfApi(endpoint=hub.url, token=TOKEN)


class StatusServer:
    """An HTTP server on 127.0.0.1 answering every request with one status (e.g. the 404 a
    suspended Qdrant Cloud cluster gives), or with each of `script`'s (status, JSON body) in
    turn, the last one repeated; it keeps each request's Authorization header."""

    def __init__(self, status: int = 200, script: list[tuple[int, dict]] | None = None) -> None:
        outer = self
        self.hits = 0
        self.authorizations: list[str | None] = []
        answers = list(script or [(status, {"status": {"error": "fake"}})])

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.hits += 1
                outer.authorizations.append(self.headers.get("authorization"))
                code, payload = answers.pop(0) if len(answers) > 1 else answers[0]
                body = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> StatusServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class NamedEmbeddings(Embeddings):
    """Constant vectors under a model name: enough for the collection's model stamp."""

    def __init__(self, model_name: str, dim: int = 8) -> None:
        self.model_name, self.dim = model_name, dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [1.0] + [0.0] * (self.dim - 1)


@pytest.fixture
def local_qdrant(tmp_path):
    """An embedded Qdrant folder and a factory that opens it (one client at a time)."""
    path = str(tmp_path / "qdrant")
    return path, lambda settings: QdrantClient(path=path)


def make_collection(path, name, model, points):
    """An embedded collection stamped with `model`, holding `points` vectors."""
    client = QdrantClient(path=path)
    embeddings = NamedEmbeddings(model)
    info = create_collection(client, name, embeddings)
    if points:
        client.upsert(name, [models.PointStruct(id=i, vector={info.vector_name: [1.0] * 8},
                                                payload={}) for i in range(points)])
    client.close()
