"""`python -m deploy` run as an author would, against the fake Hub, the fake Cohere and the real
local PostgreSQL. The end-to-end test serves the "Space" with a bookchat app configured only by
the secrets and variables the fake Hub received, started when the fake build reaches RUNNING.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest

from config.settings import load_settings
from deploy.dockerignore import select
from tests.conftest import MODEL_DIR, PROJECT
from tests.fakes.hub_server import TOKEN
from tests.support import ServerThread, free_port, http

KEY = "co-SECRET-KEY-cli-5f4e3d2c"
PASSWORD = "pw-SECRET-cli-987"
ADMIN = "admin-SECRET-TOKEN-cli-1a2b3c"
SECRETS = [KEY, PASSWORD, ADMIN, TOKEN]
CLEARED = ("COHERE_", "QDRANT_", "DATABASE_", "HF_", "ADMIN_", "ALLOWED_", "DOCS_", "LOG_",
           "DATA_DIR", "EMBED_MODEL_DIR", "HUGGING")


def _with_password(url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}:{PASSWORD}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def env(hub, cohere, pg_url, tmp_path):
    """The author's environment: every variable set, the Cohere key pasted with white space."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED)}
    return {
        **clean, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HOME": str(tmp_path / "hf"),
        "COHERE_API_KEY": f" {KEY}\n", "COHERE_BASE_URL": cohere.url,
        "DATABASE_URL": _with_password(pg_url), "ADMIN_TOKEN": ADMIN,
        "DATA_DIR": str(tmp_path / "data"), "EMBED_MODEL_DIR": str(MODEL_DIR),
    }


def _deploy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=600)


def _assert_no_secret(done: subprocess.CompletedProcess) -> None:
    for secret in SECRETS:
        assert secret not in done.stdout and secret not in done.stderr, secret


def test_dry_run_prints_the_plan_and_the_verdicts_and_writes_nothing(hub, env):
    done = _deploy(env, "--dry-run", "--space", "you/book-chat", "--frontend",
                   "https://you.github.io", "--verbose")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for expected in [
        "Plan (dry run: nothing is sent to the Hub)",
        "Space you/book-chat (public, Docker SDK)",
        "secrets (values never shown): COHERE_API_KEY, DATABASE_URL, ADMIN_TOKEN",
        "ALLOWED_ORIGINS=https://you.github.io,https://you-book-chat.hf.space",
        f"files: {len(select(PROJECT).files)} (",
        "! COHERE_API_KEY: had white space around it",
        "✓ HF_TOKEN: logged in as you; Space you/book-chat does not exist yet",
        "✓ COHERE_API_KEY: accepted",
        "✓ DATABASE_URL: connected",
        "Dry run: the preflight passed",
    ]:
        assert expected in out, out
    assert hub.writes() == [] and hub.spaces == {}
    _assert_no_secret(done)


def test_a_preflight_failure_stops_before_anything_is_sent(hub, cohere, env):
    cohere.set_fault("models", 401, count=None)
    done = _deploy(env, "--space", "you/book-chat", "--frontend", "https://you.github.io")
    assert done.returncode == 1
    assert "✗ COHERE_API_KEY: Cohere refused the key (401)" in done.stdout
    assert "Preflight failed (1 to fix): nothing was sent to the Hub." in done.stdout
    assert hub.writes() == [] and hub.spaces == {}
    assert "Traceback" not in done.stdout + done.stderr
    _assert_no_secret(done)


def test_unusable_arguments_and_settings_are_one_line_errors(env):
    bad_space = _deploy(env, "--space", "book-chat")
    assert bad_space.returncode == 2 and "--space: expected USER/NAME" in bad_space.stdout
    bad_env = _deploy({**env, "PORT": "x"}, "--space", "you/book-chat")
    assert bad_env.returncode == 2 and "PORT" in bad_env.stdout
    assert "Traceback" not in bad_space.stderr + bad_env.stderr


def _serve_space(space, port, data_dir, started):
    """Run the "Space": bookchat configured by what the Hub holds for it, like the container."""
    given = {k.lower(): v for k, v in {**space.variables, **space.secrets}.items()}
    settings = load_settings(**given, data_dir=data_dir, embed_model_dir=MODEL_DIR, port=port)
    from server import create_app

    started.append(ServerThread(create_app(settings), port=port).start())


def test_a_deploy_end_to_end(hub, env, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started: list[ServerThread] = []
    hub.on_running = lambda space: threading.Thread(
        target=_serve_space, args=(space, port, tmp_path / "space", started), daemon=True
    ).start()
    try:
        done = _deploy(env, "--space", "you/book-chat", "--frontend", "https://you.github.io/book",
                       "--space-url", url, "--poll", "0.2", "--timeout", "300", "--verbose")
        assert done.returncode == 0, done.stdout + done.stderr
        health = http.get(url + "/api/health", timeout=30).json()
    finally:
        for server in started:
            server.stop()

    writes = [r.path.removeprefix("/api/spaces/you/book-chat/") for r in hub.writes()]
    secrets = ["COHERE_API_KEY", "DATABASE_URL", "ADMIN_TOKEN"]
    variables = ["QDRANT_COLLECTION", "COHERE_CHAT_MODEL", "COHERE_EMBED_MODEL", "COHERE_BASE_URL",
                 "ALLOWED_ORIGINS", "LOG_LEVEL"]
    assert writes == ["/api/repos/create", *["secrets"] * 3, *["variables"] * 6,
                      "/api/validate-yaml", "preupload/main", "commit/main"]
    assert [r.body["key"] for r in hub.writes() if r.path.endswith("/secrets")] == secrets
    assert [r.body["key"] for r in hub.writes() if r.path.endswith("/variables")] == variables
    space = hub.spaces["you/book-chat"]
    assert space.sdk == "docker" and not space.private
    assert space.secrets == {"COHERE_API_KEY": KEY, "DATABASE_URL": _with_password(
        env["DATABASE_URL"]), "ADMIN_TOKEN": ADMIN}
    assert space.variables["ALLOWED_ORIGINS"] == f"https://you.github.io,{url}"
    assert space.variables["COHERE_BASE_URL"] == env["COHERE_BASE_URL"]
    uploaded = set(space.commits[-1])
    assert uploaded == set(select(PROJECT).files)
    assert set(space.files) == uploaded | {".gitattributes"}
    assert space.files["Dockerfile"] == (PROJECT / "Dockerfile").read_bytes()

    out = done.stdout
    order = ["✓ Space you/book-chat ready", "✓ secrets set: " + ", ".join(secrets),
             "✓ variables set: " + ", ".join(variables), f"✓ {len(uploaded)} files uploaded",
             "… Space BUILDING", "… Space APP_STARTING", "✓ Space RUNNING",
             "✓ /api/health says healthy", f"Deployed: {url}",
             f"{{src: '{url}/widget.js', async: true, 'data-api': '{url}'}},"]
    positions = [out.find(line) for line in order]
    assert -1 not in positions and positions == sorted(positions), out
    assert health["status"] == "healthy"
    assert health["services"]["history"]["backend"] == "postgres"
    assert health["services"]["chat_model"]["provider"] == "cohere"
    _assert_no_secret(done)
