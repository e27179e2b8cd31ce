"""Shared fixtures: the real Postgres, the offline embedder, the fake Cohere server, Chromium."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from clients.embedded_model import MODEL_NAME

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT.parent / "shared" / "corpus"
MODEL_DIR = PROJECT / "data" / "models" / MODEL_NAME


@pytest.fixture(scope="session")
def pg_url() -> str:
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required at {PG_URL} (start it, see .ci/run): {exc}")
    return PG_URL


@pytest.fixture(scope="session")
async def pg_pool(pg_url):
    # checked on borrow: the Postgres restart test takes the server away mid-session
    pool = AsyncConnectionPool(pg_url, min_size=1, max_size=4, open=False,
                               check=AsyncConnectionPool.check_connection,
                               kwargs={"autocommit": True})
    await pool.open(wait=True)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def offline_embeddings():
    from clients.embeddings import OfflineEmbeddings

    return OfflineEmbeddings(MODEL_DIR)


@pytest.fixture(scope="session")
def fake_cohere():
    from tests.fakes.cohere_server import FakeCohere

    fake = FakeCohere()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def cohere(fake_cohere):
    """The session's fake Cohere with faults and recorded requests reset for this test, and
    again after it, so a fault left armed cannot reach a session fixture started later."""
    fake_cohere.reset()
    yield fake_cohere
    fake_cohere.reset()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


def offline_settings(data_dir, **extra):
    """Embedded defaults in data_dir, whatever the environment says."""
    from config.settings import load_settings

    base = dict(
        data_dir=data_dir, embed_model_dir=MODEL_DIR, cohere_api_key=None, database_url=None,
        qdrant_url=None, redis_url=None, allowed_origins="https://book.example.org",
        rate_limit="off",  # the whole suite shares 127.0.0.1; limits are tested on their own apps
    )
    return load_settings(**{**base, **extra})


@pytest.fixture(scope="session")
def offline_server(tmp_path_factory):
    """The app on embedded defaults, served over real HTTP for the whole session."""
    from server import create_app
    from tests.support import ServerThread

    srv = ServerThread(create_app(offline_settings(tmp_path_factory.mktemp("offline")))).start()
    srv.wait_healthy()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = PROJECT / "artifacts"
    path.mkdir(exist_ok=True)
    return path


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download is possible here).
    Module scope: Playwright's sync API keeps an event loop running in the main thread while it
    is open, which would break the async tests of later modules."""
    if not shutil.which("chromium"):
        pytest.fail("chromium is required for the browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh 1280x900 page whose console errors and page errors land in page.console_errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own on the local Redis, its keys deleted afterwards; skipped
    when there is no Redis."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"bookchat-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
