"""The apply step: create or update the Space, set its secrets and variables, upload the build
context, follow the build, and call the Space's /api/health until it says healthy.

Only huggingface_hub's public `HfApi` talks to the Hub, so the endpoint (HF_ENDPOINT) and the
token are the library's own business.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from huggingface_hub import HfApi

from deploy.display import Display
from deploy.plan import Plan

BUILDING = {"BUILDING", "RUNNING_BUILDING"}  # a new image is being built: our commit
SERVING = {"RUNNING", "SLEEPING"}  # a sleeping Space wakes on the health call
STOPPED = {
    "NO_APP_FILE": "the Space has no Dockerfile: upload it (is it in the file list above?)",
    "CONFIG_ERROR": "the Space's configuration is invalid (README front matter or settings)",
    "PAUSED": "the Space is paused: restart it from its settings page, then run again",
    "STOPPED": "the Space is stopped: restart it from its settings page, then run again",
    "DELETING": "the Space is being deleted",
}
LOG_LINES = 30
GRACE_SECONDS = 60.0  # without a commit id in the runtime, how long a stale stage is believed


class DeployError(RuntimeError):
    """The deploy stopped; the message is safe to print and says what to do."""


@dataclass
class Clock:
    """Time and sleep, replaceable in tests."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@contextmanager
def staged(plan: Plan) -> Iterator[Path]:
    """The files to upload, copied into a folder of their own: upload_folder sends a folder, and
    this one holds exactly the plan's list."""
    with tempfile.TemporaryDirectory(prefix="bookchat-deploy-") as tmp:
        for name in plan.files:
            target = Path(tmp, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(plan.root / name, target)
        yield Path(tmp)


class Deployer:
    """Runs the plan against the Hub with progress on the display."""

    def __init__(
        self, api: HfApi, plan: Plan, display: Display, *, token: str | None,
        timeout: float, poll: float, clock: Clock | None = None,
    ) -> None:
        self.api, self.plan, self.out = api, plan, display
        self.token, self.timeout, self.poll = token, timeout, poll
        self.clock = clock or Clock()

    def apply(self) -> None:
        plan, space = self.plan, self.plan.space_id
        with self.out.step(f"Space {space} ready (Docker SDK)"):
            self.api.create_repo(space, repo_type="space", space_sdk="docker",
                                 private=plan.private, exist_ok=True)
        if plan.secrets:
            with self.out.step("secrets set: " + ", ".join(plan.secrets)):
                for name, value in plan.secrets.items():
                    self.api.add_space_secret(space, name, value)
        with self.out.step("variables set: " + ", ".join(plan.variables)):
            for name, value in plan.variables.items():
                self.api.add_space_variable(space, name, value)
        before = self.api.space_info(space).sha
        with self.out.step(f"{len(plan.files)} files uploaded"), staged(plan) as folder:
            try:
                commit = self.api.upload_folder(
                    repo_id=space, repo_type="space", folder_path=folder, delete_patterns="*",
                    commit_message="Deploy bookchat (./dev deploy)",
                )
            except ValueError as exc:  # the Hub's verdict on README.md's front matter
                raise DeployError(f"the Hub refused the upload: {exc}") from None
        rebuilt = commit.oid != before
        if not rebuilt:
            self.out.mark("info", "no file changed: the Space keeps its image")
        start = self.clock.now()
        deadline = start + self.timeout
        stage = self.follow(commit.oid, rebuilt, deadline)
        self.out.mark("ok", f"Space {stage} after {self._since(start)}")
        self.wait_healthy(deadline)
        self.out.mark("ok", f"/api/health says healthy after {self._since(start)}")

    def _since(self, start: float) -> str:
        seconds = int(self.clock.now() - start)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def follow(self, commit: str, rebuilt: bool, deadline: float) -> str:
        """Poll the runtime until our commit runs; a failed stage raises with its log's tail."""
        start, seen_build = self.clock.now(), False
        while True:
            runtime = self.api.get_space_runtime(self.plan.space_id)
            stage, raw = str(runtime.stage), runtime.raw
            self.out.status(f"Space {stage} ({self._since(start)})", key=stage)
            seen_build = seen_build or stage in BUILDING
            if self._current(raw.get("sha"), commit, rebuilt, seen_build, start):
                if stage in SERVING:
                    return stage
                self._stop_if_failed(stage, raw)
            if self.clock.now() > deadline:
                raise DeployError(f"the Space is still {stage} after {self._since(start)}: "
                                  "see its logs on the Hub, or run again with a larger --timeout")
            self.clock.sleep(self.poll)

    def _current(
        self, sha: str | None, commit: str, rebuilt: bool, seen_build: bool, start: float
    ) -> bool:
        """Whether the runtime describes our commit rather than the one before it."""
        if sha:
            return sha == commit
        return not rebuilt or seen_build or self.clock.now() - start > GRACE_SECONDS

    def _stop_if_failed(self, stage: str, raw: dict) -> None:
        if stage in STOPPED:
            raise DeployError(STOPPED[stage] + _error_message(raw))
        if stage in {"BUILD_ERROR", "RUNTIME_ERROR"}:
            build = stage == "BUILD_ERROR"
            what = "the image failed to build" if build else "the app failed at start-up"
            lines = self._log_tail(build)
            raise DeployError(f"{what}{_error_message(raw)}; last lines of the "
                              f"{'build' if build else 'run'} log:\n" + "\n".join(lines))

    def _log_tail(self, build: bool) -> list[str]:
        try:
            lines = list(islice(self.api.fetch_space_logs(self.plan.space_id, build=build), 5000))
        except Exception as exc:  # the logs are a courtesy: report the stage even without them
            return [f"    (logs unavailable: {type(exc).__name__})"]
        return ["    " + line.rstrip("\n") for line in lines[-LOG_LINES:]]

    def wait_healthy(self, deadline: float) -> dict:
        """GET {url}/api/health until `healthy`."""
        last = "no answer yet"
        headers = health_headers(self.plan.url, self.plan.private, self.token)
        with httpx.Client(timeout=30, headers=headers) as http:
            while True:
                try:
                    reply = http.get(self.plan.url + "/api/health")
                    body = reply.json() if reply.headers.get("content-type", "").startswith(
                        "application/json") else {}
                    if reply.status_code == 200 and body.get("status") == "healthy":
                        return body
                    last = _health_summary(reply.status_code, body)
                except httpx.HTTPError as exc:
                    last = f"not answering ({type(exc).__name__})"
                self.out.status(f"/api/health: {last}", key=last)
                if self.clock.now() > deadline:
                    raise DeployError(f"the Space did not become healthy in time (last: {last})"
                                      ": see its logs on the Hub")
                self.clock.sleep(self.poll)


def health_headers(url: str, private: bool, token: str | None) -> dict[str, str]:
    """A private Space answers only with the Hub token, which goes to *.hf.space only: never
    to another host named by --space-url."""
    host = urlsplit(url).hostname or ""
    if private and token and host.endswith(".hf.space"):
        return {"Authorization": f"Bearer {token}"}
    return {}


def _error_message(raw: dict) -> str:
    message = raw.get("errorMessage")
    return f" ({message.strip()})" if isinstance(message, str) and message.strip() else ""


def _health_summary(status: int, body: dict) -> str:
    """`starting`, or `unhealthy (qdrant: collection missing: ingest)`: what the Space says."""
    state = body.get("status", f"HTTP {status}")
    services = body.get("services") or {}
    problems = [
        f"{name}: {info.get('error') or info.get('status')}"
        for name, info in services.items()
        if isinstance(info, dict) and info.get("status") != "healthy"
    ]
    if body.get("error"):
        problems.append(str(body["error"]))
    return f"{state}" + (f" ({'; '.join(problems)})" if problems else "")
