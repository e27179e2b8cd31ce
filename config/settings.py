"""The one reader of the environment.

Every value is stripped of surrounding white space (a trailing space pasted into a Spaces secret is
the most common outage), empty values count as unset, and a malformed value fails at start-up with
a message that names the variable and never echoes a secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
_PG_SCHEMES = {"postgres", "postgresql"}
_REDIS_SCHEMES = {"redis", "rediss"}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is safe to print."""


class Settings(BaseSettings):
    """Typed configuration; see the README's environment table."""

    model_config = SettingsConfigDict(extra="ignore", str_strip_whitespace=True)

    cohere_api_key: SecretStr | None = None
    cohere_chat_model: str = "command-a-03-2025"
    cohere_embed_model: str = "embed-v4.0"
    cohere_base_url: str | None = None
    cohere_timeout_seconds: float = Field(60.0, gt=0, le=600)
    # Connections to Cohere shared by every answer in flight (one per streaming answer).
    cohere_max_connections: int = Field(1000, ge=1, le=10_000)

    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = Field("bookchat", pattern=r"^[A-Za-z0-9_.-]{1,128}$")

    database_url: SecretStr | None = None
    # How long a request waits for a pooled Postgres connection (e.g. through a restart).
    database_wait_seconds: float = Field(5.0, gt=0, le=60)
    admin_token: SecretStr | None = None

    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    port: int = Field(7860, ge=1, le=65535)
    data_dir: Path = Path("data")
    embed_model_dir: Path | None = None

    docs_dir: Path = PROJECT_DIR / "sample_book"
    docs_base_url: str = ""
    # The docs' routeBasePath; unset: read from the docusaurus.config next to DOCS_DIR, else /docs.
    docs_route_base: str | None = None
    # Retrieval (chains/retriever.py; values chosen in bench/RESULTS.md, "Retrieval, issue 11").
    retrieval_k: int = Field(10, ge=1, le=20)
    retrieval_candidates: int = Field(50, ge=1, le=100)
    retrieval_page_cap: int = Field(1, ge=0, le=20)
    retrieval_hybrid: bool = True
    retrieval_fusion: Literal["rrf", "dbsf"] = "dbsf"
    cohere_rerank_model: str = "rerank-v3.5"
    retrieval_rerank: bool = True
    rerank_timeout_seconds: float = Field(3.0, gt=0, le=60)
    history_max_messages: int = Field(12, ge=0, le=100)
    history_max_chars: int = Field(8000, ge=0, le=100_000)

    # Guards for the open web (service/guards.py): request bodies, per-client rates, tokens.
    max_body_bytes: int = Field(32 * 1024, ge=1024, le=16 * 1024 * 1024)
    rate_limit: str = "30/minute;300/day"
    daily_token_budget: int = Field(100_000, ge=0, le=1_000_000_000)
    # A /chat or /search batch: at most this many inputs (413 beyond), run this many at a time.
    max_batch_size: int = Field(20, ge=1, le=1000)
    batch_concurrency: int = Field(4, ge=1, le=64)
    log_format: Literal["text", "json"] = "text"
    # Proxies in front of us that append to X-Forwarded-For (Spaces: one); 0 ignores the header.
    forwarded_trusted_hops: int = Field(1, ge=0, le=10)

    # Several processes (server.py main): only when the stores are servers (QDRANT_URL and a
    # Postgres DATABASE_URL); limits then shared through Redis when REDIS_URL is set.
    web_concurrency: int = Field(1, ge=1, le=64)
    redis_url: SecretStr | None = None
    redis_key_prefix: str = Field("bookchat", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    # Test and bench only: with Postgres history, run WEB_CONCURRENCY workers on the embedded
    # store, each on its own copy of DATA_DIR/qdrant (embedded Qdrant is one process per folder).
    qdrant_embedded_copy_per_worker: bool = False

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: object) -> object:
        if isinstance(data, dict):
            return {
                k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())
            }
        return data

    @field_validator("rate_limit")
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        if value.lower() == "off":
            return "off"
        try:
            items = parse_many(value)
        except ValueError:
            items = []
        if not items or any(item.amount < 1 for item in items):
            raise ValueError('must be like "30/minute;300/day", or "off"')
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("retrieval_fusion", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for number, origin in enumerate(value or [], start=1):
            if origin == "*":
                raise ValueError("a wildcard is not allowed; list the exact origins")
            parts = urlsplit(origin)
            bad_path = parts.path not in {"", "/"}
            if parts.scheme not in {"http", "https"} or not parts.netloc or bad_path:
                raise ValueError(f"origin #{number} is not like https://example.org")
        return [o.rstrip("/") for o in value or []]

    @field_validator("docs_route_base")
    @classmethod
    def _route_base(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "://" in value or any(ch.isspace() for ch in value):
            raise ValueError("must be a path like /docs or / (the site's routeBasePath)")
        return "/" + value.strip("/")

    @field_validator("cohere_base_url", "qdrant_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("cohere_base_url")
    @classmethod
    def _no_version_suffix(cls, value: str | None) -> str | None:
        # The Cohere SDK appends /v1 or /v2 itself: ".../v1" would call /v1/v2/chat.
        if value is not None and value.rsplit("/", 1)[-1] in {"v1", "v2"}:
            raise ValueError("must be the bare host (drop the trailing /v1 or /v2)")
        return value

    @field_validator("admin_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (e.g. openssl rand -hex 32)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and urlsplit(value.get_secret_value()).scheme not in _REDIS_SCHEMES:
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value()
        scheme = urlsplit(raw).scheme.split("+", 1)[0]
        if scheme not in _PG_SCHEMES:
            raise ValueError("must be a postgresql:// URL")
        # SQLAlchemy-style drivers ("postgresql+psycopg://") are not libpq URLs.
        return SecretStr(scheme + raw[raw.index(":"):])

    @property
    def offline_chat(self) -> bool:
        """No Cohere key: answer with the offline extractive model."""
        return self.cohere_api_key is None

    @property
    def stores_are_servers(self) -> bool:
        """Qdrant and history are servers every process can share (or the test-only copies)."""
        shared_qdrant = self.qdrant_url is not None or self.qdrant_embedded_copy_per_worker
        return shared_qdrant and self.database_url is not None

    @property
    def embedded_qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "bookchat.sqlite3"

    @property
    def record_db_url(self) -> str:
        """SQLAlchemy URL of the ingest record manager: the history's database."""
        if self.database_url is not None:
            raw = self.database_url.get_secret_value()
            return "postgresql+psycopg" + raw[raw.index(":"):]
        return f"sqlite:///{self.sqlite_path}"

    @property
    def model_dir(self) -> Path:
        return self.embed_model_dir or self.data_dir / "models" / "all-MiniLM-L6-v2-int8"


def load_settings(**overrides: object) -> Settings:
    """Read the environment, turning validation errors into a message without values."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_input=False, include_url=False):
            name = "_".join(str(p) for p in err["loc"]).upper() or "settings"
            lines.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
