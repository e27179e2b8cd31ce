"""The fake Hub's state: users, Spaces with their files, secrets, variables and scripted build
stages, and the thread that serves the app."""

from __future__ import annotations

import hashlib
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
import yaml
from starlette.responses import JSONResponse

INITIAL_README = b"---\ntitle: New Space\nsdk: docker\napp_port: 7860\n---\n"
INITIAL_ATTRIBUTES = b"*.png filter=lfs diff=lfs merge=lfs -text\n"


def git_blob_oid(data: bytes) -> str:
    """Git's blob id, which the Hub reports for regular files (and the client compares)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def hub_error(status: int, message: str, *, code: str | None = None) -> JSONResponse:
    """An error as the Hub sends it: JSON body plus X-Error-* headers the client reads."""
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def parse_body(raw: bytes, content_type: str) -> Any:
    """JSON, or the commit's NDJSON as a list of its lines."""
    if content_type.startswith("application/x-ndjson"):
        return [json.loads(line) for line in raw.splitlines() if line.strip()]
    return json.loads(raw) if raw else None


def front_matter_errors(readme: str, repo_type: str | None) -> list[dict[str, str]]:
    """What the Hub's YAML validation says of a README: a Space's front matter names its SDK."""
    head = readme.split("---", 2)[1] if readme.startswith("---") else ""
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError:
        return [{"message": "the front matter is not valid YAML"}]
    if repo_type == "space" and (not isinstance(meta, dict) or "sdk" not in meta):
        return [{"message": '"sdk" is required'}]
    return []


def new_oid() -> str:
    return hashlib.sha1(secrets.token_bytes(16)).hexdigest()


@dataclass
class HubUser:
    """A token's owner: their name, their orgs and the token's role."""

    name: str
    orgs: list[str] = field(default_factory=list)
    role: str = "write"

    def may_use(self, owner: str) -> bool:
        return owner == self.name or owner in self.orgs


@dataclass
class Recorded:
    """A request as the fake received it, minus its Authorization header."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class SpaceState:
    """One Space: its files at head, secrets, variables and the stages its runtime will show."""

    id: str
    sdk: str
    private: bool
    files: dict[str, bytes]
    head: str
    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    stages: list[tuple[str, str]] = field(default_factory=list)  # (stage, commit) per poll
    build_log: list[str] = field(default_factory=list)
    run_log: list[str] = field(default_factory=list)
    commits: list[dict[str, bytes | None]] = field(default_factory=list)
    _announced: bool = True

    @classmethod
    def created(cls, space_id: str, *, sdk: str, private: bool) -> SpaceState:
        """What the Hub makes on create: a first commit with .gitattributes and a README."""
        files = {".gitattributes": INITIAL_ATTRIBUTES, "README.md": INITIAL_README}
        head = new_oid()
        return cls(space_id, sdk, private, files, head, stages=[("NO_APP_FILE", head)])

    @property
    def owner(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def host(self) -> str:
        return self.id.replace("/", "-").replace("_", "-").replace(".", "-").lower() + ".hf.space"

    def commit(
        self, changes: dict[str, bytes | None], *, build_polls: int, stale_polls: int,
        failure: list[str] | None,
    ) -> str:
        """Apply a commit and script the build it starts; for `stale_polls` polls the runtime
        still shows the previous stage and commit, as the real Hub does for a moment."""
        for path, data in changes.items():
            if data is None:
                self.files.pop(path, None)
            else:
                self.files[path] = data
        self.commits.append(changes)
        previous, self.head = self.stages[0], new_oid()
        if "Dockerfile" not in self.files:
            script = ["NO_APP_FILE"]
        elif failure is not None:
            script = ["BUILDING"] * build_polls + ["BUILD_ERROR"]
            self.build_log = ["Step 1/9 : FROM python:3.11-slim", *failure]
        else:
            script = ["BUILDING"] * build_polls + ["APP_STARTING", "RUNNING"]
            self._announced = False
        self.stages = [previous] * stale_polls + [(stage, self.head) for stage in script]
        return self.head

    def next_stage(self) -> tuple[str, str, bool]:
        """The stage this poll shows, its commit, and whether it is this build's first RUNNING."""
        stage, sha = self.stages.pop(0) if len(self.stages) > 1 else self.stages[0]
        first = stage == "RUNNING" and sha == self.head and not self._announced
        if first:
            self._announced = True
        return stage, sha, first


class ThreadedServer:
    """Serves `self.app` with uvicorn on a free port of 127.0.0.1 in a daemon thread."""

    app: Any
    url: str | None = None
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(self.app, log_level="warning", access_log=False,
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=type(self).__name__, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{type(self).__name__} did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
