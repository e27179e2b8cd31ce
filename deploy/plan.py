"""What a deploy will do, computed before anything is sent: the Space, its secrets (by name), its
variables, the CORS origins and the files. `--dry-run` prints this and stops after the preflight.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from huggingface_hub.utils import HFValidationError, validate_repo_id

from config.settings import Settings
from deploy.dockerignore import select

# Secret values are write-only on the Hub and never printed here; variables are plain settings.
SECRETS = ("COHERE_API_KEY", "QDRANT_API_KEY", "DATABASE_URL", "ADMIN_TOKEN")
VARIABLES = (
    "QDRANT_URL", "QDRANT_COLLECTION", "COHERE_CHAT_MODEL", "COHERE_EMBED_MODEL",
    "COHERE_BASE_URL", "ALLOWED_ORIGINS", "DOCS_BASE_URL", "LOG_LEVEL",
)


class PlanError(ValueError):
    """A command-line value cannot be deployed; the message says which and why."""


def space_url(space_id: str) -> str:
    """The Space's own host: https://{owner}-{name}.hf.space, lower case, `_` and `.` as `-`."""
    host = space_id.replace("/", "-").replace("_", "-").replace(".", "-").lower()
    return f"https://{host}.hf.space"


@dataclass(frozen=True)
class SiteOrigin:
    """The reader-facing site's origin from --frontend, or why it cannot be one."""

    origin: str | None
    problem: str | None = None
    dropped: str = ""  # the path/query that an origin cannot carry


def site_origin(frontend: str | None) -> SiteOrigin:
    if frontend is None:
        return SiteOrigin(None)
    text = frontend.strip()
    if "*" in text:
        return SiteOrigin(None, "--frontend: a wildcard is never allowed; give the site's URL")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return SiteOrigin(None, "--frontend: not an http(s) URL like https://you.github.io")
    origin = f"{parts.scheme}://{parts.netloc.lower()}"
    dropped = text[len(origin):] if text.lower().startswith(origin) else ""
    return SiteOrigin(origin, None, "" if dropped in {"", "/"} else dropped)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass
class Plan:
    """Everything the apply step does, in order."""

    space_id: str
    url: str
    private: bool
    site: SiteOrigin
    secrets: dict[str, str] = field(repr=False)
    variables: dict[str, str]
    files: list[str]
    untracked: list[str]
    root: Path

    @property
    def origins(self) -> list[str]:
        return [o for o in self.variables.get("ALLOWED_ORIGINS", "").split(",") if o]

    def size(self) -> int:
        return sum((self.root / f).stat().st_size for f in self.files)

    def render(self) -> list[str]:
        """The plan as lines; secrets by name only."""
        visibility = "private" if self.private else "public"
        lines = [
            f"Space {self.space_id} ({visibility}, Docker SDK): created if missing, else updated",
            f"  URL {self.url}",
            "  secrets (values never shown): " + (", ".join(self.secrets) or "none"),
            "  variables:",
            *(f"    {k}={v}" for k, v in self.variables.items()),
            f"  files: {len(self.files)} ({self.size() / 1e6:.1f} MB), the image's build context"
            " per .dockerignore, plus Dockerfile and .dockerignore:",
            "    " + _summary(self.files),
            "  files on the Space that are not in this list are deleted (.gitattributes kept)",
        ]
        if self.untracked:
            lines.append(
                f"  left out, not tracked by git ({len(self.untracked)}): "
                + ", ".join(self.untracked[:8]) + (" …" if len(self.untracked) > 8 else "")
            )
        lines.append("  then: follow the build, wait for /api/health to say healthy")
        return lines

    def snippet(self) -> str:
        """The entry for docusaurus.config.js, with this Space's URL."""
        return (
            "scripts: [\n"
            f"  {{src: '{self.url}/widget.js', async: true, 'data-api': '{self.url}'}},\n"
            "],"
        )


def _summary(files: list[str]) -> str:
    """Top-level files by name, folders with their file counts."""
    top = [f for f in files if "/" not in f]
    folders = Counter(f.split("/", 1)[0] for f in files if "/" in f)
    return ", ".join(top + [f"{name}/ ({n})" for name, n in sorted(folders.items())])


def _variables(settings: Settings, origins: list[str]) -> dict[str, str]:
    values = {
        "QDRANT_URL": settings.qdrant_url,
        "QDRANT_COLLECTION": settings.qdrant_collection,
        "COHERE_CHAT_MODEL": settings.cohere_chat_model,
        "COHERE_EMBED_MODEL": settings.cohere_embed_model,
        "COHERE_BASE_URL": settings.cohere_base_url,
        "ALLOWED_ORIGINS": ",".join(origins),
        "DOCS_BASE_URL": settings.docs_base_url,
        "LOG_LEVEL": settings.log_level,
    }
    return {k: v for k, v in values.items() if v}


def _secrets(settings: Settings) -> dict[str, str]:
    values = {
        "COHERE_API_KEY": settings.cohere_api_key,
        "QDRANT_API_KEY": settings.qdrant_api_key,
        "DATABASE_URL": settings.database_url,
        "ADMIN_TOKEN": settings.admin_token,
    }
    return {k: v.get_secret_value() for k, v in values.items() if v is not None}


def build(
    settings: Settings, *, space: str, frontend: str | None, private: bool,
    url: str | None, root: Path,
) -> Plan:
    """The plan for `space` from the settings and the command line (PlanError if unusable)."""
    try:
        validate_repo_id(space)
    except HFValidationError:
        raise PlanError("--space: expected USER/NAME, e.g. you/book-chat") from None
    if "/" not in space:
        raise PlanError("--space: expected USER/NAME, e.g. you/book-chat")
    own = (url or space_url(space)).rstrip("/")
    parts = urlsplit(own)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path:
        raise PlanError("--space-url: expected the Space's origin, e.g. https://you-name.hf.space")
    site = site_origin(frontend)
    origins = _unique(([site.origin] if site.origin else []) + settings.allowed_origins + [own])
    chosen = select(root)
    return Plan(
        space_id=space, url=own, private=private, site=site, secrets=_secrets(settings),
        variables=_variables(settings, origins), files=chosen.files,
        untracked=chosen.untracked, root=root,
    )
