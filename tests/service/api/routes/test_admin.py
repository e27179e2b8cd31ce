"""Admin routes: absent without ADMIN_TOKEN, 401 without the right bearer token, and working
with it — a live re-ingest through the server's own embedded Qdrant, and deleting any
conversation."""

from __future__ import annotations

import shutil
import time
import uuid

import pytest

from server import create_app
from tests.conftest import PROJECT, offline_settings
from tests.support import ServerThread, http

TOKEN = "admin-TEST-token-" + "7" * 16
RIGHT = {"Authorization": f"Bearer {TOKEN}"}
WRONG = {"Authorization": "Bearer " + "x" * len(TOKEN)}


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "docs"
    shutil.copytree(PROJECT / "sample_book", path)
    return path


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory, docs_dir):
    settings = offline_settings(tmp_path_factory.mktemp("admin"), admin_token=TOKEN,
                                docs_dir=docs_dir)
    srv = ServerThread(create_app(settings)).start()
    srv.wait_healthy()
    yield srv
    srv.stop()


def _ingest_and_wait(srv) -> dict:
    started = http.post(srv.url + "/api/admin/ingest", headers=RIGHT)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "running"
    assert started.headers["location"] == "/api/admin/ingest"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = http.get(srv.url + "/api/admin/ingest", headers=RIGHT).json()
        if job["status"] != "running":
            assert job["id"] == started.json()["id"]
            return job
        time.sleep(0.05)
    raise TimeoutError("ingest still running")


def _chat(srv, session_id: str) -> None:
    r = http.post(srv.url + "/chat/invoke", json={
        "input": {"question": "What is a ROS 2 node?"},
        "config": {"configurable": {"session_id": session_id}},
    }, timeout=30)
    assert r.status_code == 200


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/admin/ingest"), ("GET", "/api/admin/ingest"),
    ("DELETE", f"/api/admin/conversation/{uuid.uuid4()}"),
])
def test_without_admin_token_the_routes_do_not_exist(offline_server, method, path):
    r = http.request(method, offline_server.url + path, headers=RIGHT)
    assert r.status_code == 404
    paths = http.get(offline_server.url + "/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/api/admin")]


@pytest.mark.parametrize("headers", [{}, WRONG, {"Authorization": TOKEN},
                                     {"Authorization": f"Basic {TOKEN}"}])
@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/admin/ingest"), ("GET", "/api/admin/ingest"),
    ("DELETE", f"/api/admin/conversation/{uuid.uuid4()}"),
])
def test_a_missing_or_wrong_token_is_401(admin_server, headers, method, path):
    r = http.request(method, admin_server.url + path, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"]["status"] == 401
    assert TOKEN not in r.text


def test_ingest_runs_against_the_live_collection_and_picks_up_a_new_page(admin_server, docs_dir):
    first = _ingest_and_wait(admin_server)
    assert first["status"] == "done", first
    assert first["report"]["added"] == 0 and first["report"]["unchanged"] > 0

    (docs_dir / "03-new-page.md").write_text(
        "---\ntitle: Zorblax calibration\n---\n\n## Zorblax\n\n"
        "The zorblax gyroscope is calibrated by spinning it on a turntable for ten minutes.\n"
    )
    second = _ingest_and_wait(admin_server)
    assert second["status"] == "done" and second["report"]["added"] >= 1
    docs = http.post(admin_server.url + "/search/invoke", json={"input": "zorblax gyroscope"})
    assert docs.json()["output"][0]["metadata"]["path"] == "03-new-page.md"
    assert http.get(admin_server.url + "/api/health").json()["status"] == "healthy"


def test_a_failed_ingest_reports_its_error(admin_server, docs_dir, tmp_path):
    hidden = tmp_path / "moved"
    docs_dir.rename(hidden)
    try:
        job = _ingest_and_wait(admin_server)
    finally:
        hidden.rename(docs_dir)
    assert job["status"] == "failed"
    assert job["error"].startswith("FileNotFoundError: docs folder not found")


def test_an_admin_deletes_any_conversation(admin_server):
    sid = str(uuid.uuid4())
    _chat(admin_server, sid)
    url = f"{admin_server.url}/api/admin/conversation/{sid}"
    assert http.delete(url, headers=WRONG).status_code == 401
    assert http.get(f"{admin_server.url}/api/conversation/{sid}").status_code == 200
    r = http.delete(url, headers=RIGHT)
    assert r.status_code == 204 and r.content == b""
    assert http.get(f"{admin_server.url}/api/conversation/{sid}").status_code == 404
    assert http.delete(url, headers=RIGHT).status_code == 404
    bad = http.delete(f"{admin_server.url}/api/admin/conversation/not-a-uuid", headers=RIGHT)
    assert bad.status_code == 400
