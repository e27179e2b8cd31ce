"""The real Docusaurus fixture site (tests/docusaurus/): installed, built and served for tests.

`npm ci` runs only when package-lock.json changed since the last install, `docusaurus build`
only when one of the site's inputs changed since the last build (stamps hold their hashes), so
a second run costs a hash of a few files. Both outputs (node_modules/, build/) are git-ignored.
`python -m tests.docusaurus_site` does the same from `./dev test`, before pytest starts.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

SITE = Path(__file__).resolve().parent / "docusaurus"
BUILD = SITE / "build"
DOCS = SITE / "docs"
# The backend's URL in the site's config; the static server puts the real one in its place.
BOOKCHAT_PLACEHOLDER = "http://bookchat.invalid"
_INPUTS = ("package-lock.json", "docusaurus.config.js", "docs", "blog", "src", "static")
_LOCK_STAMP = SITE / "node_modules" / ".bookchat-lock.sha256"
_BUILD_STAMP = BUILD / ".bookchat-inputs.sha256"
NO_NODE = (
    "node and npm are not installed: the real-Docusaurus tests need Node 20+ and npm "
    "(tests/docusaurus/package.json)"
)


class SiteUnavailable(RuntimeError):
    """The fixture site could not be installed or built; the message says why."""


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.relative_to(SITE).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def _input_files() -> list[Path]:
    found: list[Path] = []
    for name in _INPUTS:
        path = SITE / name
        found += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return found


def _run(args: list[str], log: Path) -> None:
    with log.open("w") as out:
        done = subprocess.run(args, cwd=SITE, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SiteUnavailable(f"`{' '.join(args)}` failed ({done.returncode}):\n{tail}")


def ensure_built(*, quiet: bool = False) -> Path:
    """The built site's folder, installing and building first when needed."""
    if not node_available():
        raise SiteUnavailable(NO_NODE)
    say = (lambda msg: None) if quiet else partial(print, file=sys.stderr, flush=True)
    with (SITE / ".bookchat.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second run waits for the first one's build
        lock_hash = _digest([SITE / "package-lock.json"])
        if not _LOCK_STAMP.is_file() or _LOCK_STAMP.read_text() != lock_hash:
            say("docusaurus fixture: npm ci (package-lock.json changed)…")
            _run(["npm", "ci", "--no-audit", "--no-fund"], SITE / ".npm-ci.log")
            _LOCK_STAMP.write_text(lock_hash)
        inputs_hash = _digest(_input_files())
        if not _BUILD_STAMP.is_file() or _BUILD_STAMP.read_text() != inputs_hash:
            say("docusaurus fixture: building the site (its inputs changed)…")
            _run(["npx", "--no-install", "docusaurus", "build"], SITE / ".build.log")
            _BUILD_STAMP.write_text(inputs_hash)
        else:
            say("docusaurus fixture: build is up to date")
    return BUILD


def axe_script() -> Path:
    """axe-core, installed with the site (a devDependency of its package.json)."""
    return SITE / "node_modules" / "axe-core" / "axe.min.js"


class _Handler(SimpleHTTPRequestHandler):
    """Serves the build like a static host does (`/page` -> `/page/index.html`), with the
    backend's URL put in place of the placeholder in HTML pages."""

    backend_url = ""

    def log_message(self, format: str, *args: object) -> None:  # quiet in test output
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        elif not path.exists() and path.with_suffix(".html").is_file():
            path = path.with_suffix(".html")
        if path.suffix != ".html":
            return super().send_head()
        status = 200
        if not path.is_file():
            path, status = BUILD / "404.html", 404
        body = path.read_bytes().replace(BOOKCHAT_PLACEHOLDER.encode(), self.backend_url.encode())
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return BytesIO(body)


class SiteServer:
    """The built site on http://localhost:PORT in a thread."""

    def __init__(self, build: Path, port: int, backend_url: str) -> None:
        handler = type("Handler", (_Handler,), {"backend_url": backend_url})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=build))
        self.url = f"http://localhost:{port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> SiteServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> int:
    if not node_available():
        print(f"docusaurus fixture: skipped, {NO_NODE}", file=sys.stderr)
        return 0
    try:
        ensure_built()
    except SiteUnavailable as exc:
        print(f"docusaurus fixture: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
