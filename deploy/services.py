"""Preflight probes of the services the Space will use: Qdrant, PostgreSQL and Cohere.

Each answers a `Verdict` that names the variable and the fix. Library error texts are classified,
never echoed: they can carry hosts, user names or worse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from langchain_core.embeddings import Embeddings
from qdrant_client import QdrantClient
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from clients.embeddings import embedding_model_id
from config.settings import Settings
from stores.vectorstore import CollectionInfo, describe

Status = Literal["ok", "warn", "fail"]
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}
SECURE_SSLMODES = {"require", "verify-ca", "verify-full"}
SUSPENDED = (
    "a suspended free-tier Qdrant Cloud cluster answers like this: open cloud.qdrant.io, "
    "select the cluster and press Resume, then run again; else check QDRANT_URL"
)


@dataclass(frozen=True)
class Verdict:
    """One preflight line: what was checked, how it went, and what to do."""

    name: str
    status: Status
    message: str


def check_qdrant(
    settings: Settings, open_client: Callable[[Settings], QdrantClient]
) -> tuple[Verdict, CollectionInfo | None]:
    """QDRANT_URL answers and holds the collection, with vectors."""
    try:
        client = open_client(settings)
        try:
            info = describe(client, settings.qdrant_collection)
        finally:
            client.close()
    except UnexpectedResponse as exc:
        if exc.status_code in {401, 403}:
            return Verdict("QDRANT_API_KEY", "fail", "the cluster refused the key "
                           f"({exc.status_code}): copy the API key of this cluster"), None
        if exc.status_code == 404:
            return Verdict("QDRANT_URL", "fail", f"answered 404 Not Found; {SUSPENDED}"), None
        return Verdict("QDRANT_URL", "fail",
                       f"answered HTTP {exc.status_code}; check the cluster's status"), None
    except ResponseHandlingException as exc:
        return Verdict("QDRANT_URL", "fail", _unreachable(exc.source)), None
    if not info.exists:
        return Verdict("QDRANT_COLLECTION", "fail", "the collection does not exist on the "
                       "cluster: ingest the book first (./dev ingest path/to/docs)"), info
    if info.points == 0:
        return Verdict("QDRANT_COLLECTION", "fail", "the collection is empty: ingest the "
                       "book (./dev ingest path/to/docs)"), info
    return Verdict("QDRANT_URL", "ok", f"collection found with {info.points} vectors"), info


def _unreachable(exc: BaseException | None) -> str:
    text = f"{type(exc).__name__} {exc}".lower()
    if "refused" in text:
        return f"connection refused; {SUSPENDED}"
    if "timeout" in text:
        return "did not answer in time: check QDRANT_URL and your network"
    if "name" in text and ("resolve" in text or "known" in text):
        return "its host name does not resolve: check QDRANT_URL"
    return f"cannot connect ({type(exc).__name__}): check QDRANT_URL"


def check_model(info: CollectionInfo | None, embeddings: Embeddings, *, cohere: bool) -> Verdict:
    """The collection was filled by the model the Space will embed questions with."""
    wanted = embedding_model_id(embeddings)
    variable = "COHERE_EMBED_MODEL" if cohere else "COHERE_API_KEY"
    if info is None or not info.exists:
        return Verdict(variable, "warn", "not compared: no collection to read")
    if info.vector_name != wanted:
        fix = (
            "set COHERE_EMBED_MODEL to that model" if cohere
            else "the Space would embed with the offline MiniLM: set COHERE_API_KEY"
        )
        return Verdict(variable, "fail", f"the collection was filled by {info.vector_name!r}, "
                       f"not by the configured model: {fix}, or re-ingest with the configured "
                       "model (./dev ingest path/to/docs --full)")
    return Verdict(variable, "ok", f"the collection was filled by the same model ({wanted})")


def check_database(url: str) -> Verdict:
    """DATABASE_URL connects, and asks for TLS when the server is not on this machine."""
    parts = urlsplit(url)
    sslmode = parse_qs(parts.query).get("sslmode", [""])[-1]
    if (parts.hostname or "") not in LOCAL_HOSTS and sslmode not in SECURE_SSLMODES:
        return Verdict("DATABASE_URL", "fail", "a remote database needs TLS: end the URL "
                       "with ?sslmode=require (Neon's connection string has it)")
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return Verdict("DATABASE_URL", "fail", _db_problem(str(exc).lower()))
    return Verdict("DATABASE_URL", "ok", "connected")


def _db_problem(text: str) -> str:
    if "password authentication failed" in text or ("role" in text and "does not exist" in text):
        return "the server refused the user or password: copy the connection string again"
    if "database" in text and "does not exist" in text:
        return "the database named in the URL does not exist: check its name"
    if "refused" in text:
        return "connection refused: is the database running (a Neon branch may be suspended)?"
    if "timeout" in text or "timed out" in text:
        return "no answer within 10 s: check the host and that the database is awake"
    if "translate host name" in text or "name or service" in text:
        return "its host name does not resolve: check the URL"
    if "ssl" in text:
        return "the TLS handshake failed: check sslmode in the URL"
    return "cannot connect: check the connection string"


def check_cohere(settings: Settings) -> list[Verdict]:
    """COHERE_API_KEY is accepted (one models listing: no tokens billed), and the configured
    chat and embedding models are offered to it."""
    import cohere
    import httpx
    from cohere.core.api_error import ApiError

    assert settings.cohere_api_key is not None
    client = cohere.ClientV2(
        api_key=settings.cohere_api_key.get_secret_value(),
        base_url=settings.cohere_base_url or "https://api.cohere.com",
        timeout=min(settings.cohere_timeout_seconds, 30),
    )
    try:
        listing = client.models.list(page_size=1000)
    except ApiError as exc:
        if exc.status_code in {401, 403}:
            return [Verdict("COHERE_API_KEY", "fail", f"Cohere refused the key ({exc.status_code})"
                            ": copy a key from dashboard.cohere.com/api-keys")]
        if exc.status_code == 429:
            return [Verdict("COHERE_API_KEY", "fail", "Cohere answered 429 (rate limited): a trial "
                            "key's monthly limit may be spent; wait or use a production key")]
        return [Verdict("COHERE_API_KEY", "fail",
                        f"Cohere answered HTTP {exc.status_code}; try again later")]
    except httpx.HTTPError as exc:
        where = "COHERE_BASE_URL" if settings.cohere_base_url else "COHERE_API_KEY"
        return [Verdict(where, "fail", f"Cohere is unreachable ({type(exc).__name__})")]
    offered: dict[str, set[str]] = {}
    for model in listing.models or []:
        for endpoint in model.endpoints or []:
            offered.setdefault(endpoint, set()).add(model.name or "")
    verdicts = [Verdict("COHERE_API_KEY", "ok", "accepted")]
    for variable, endpoint, name in (
        ("COHERE_CHAT_MODEL", "chat", settings.cohere_chat_model),
        ("COHERE_EMBED_MODEL", "embed", settings.cohere_embed_model),
    ):
        if name not in offered.get(endpoint, set()):
            verdicts.append(Verdict(variable, "fail", f"Cohere does not offer this model for "
                                    f"{endpoint} to this key: pick one listed at "
                                    "docs.cohere.com/docs/models"))
    return verdicts
