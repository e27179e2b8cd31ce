"""The ingest command line, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import MODEL_DIR, PROJECT


def _ingest(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COHERE_", "QDRANT_", "DATABASE_"))}
    env.update(DATA_DIR=str(tmp_path / "data"), EMBED_MODEL_DIR=str(MODEL_DIR))
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_summary_then_noop_rerun_as_json(tmp_path):
    first = _ingest(tmp_path, "sample_book", "--base-url", "https://example.org/book")
    assert first.returncode == 0, first.stderr
    assert "5 files" in first.stdout and "unchanged 0" in first.stdout
    again = _ingest(tmp_path, "sample_book", "--json", "--base-url", "https://example.org/book")
    report = json.loads(again.stdout)
    assert report["added"] == 0 and report["unchanged"] == report["chunks"] > 0


def test_errors_are_one_line_without_traceback(tmp_path):
    missing = _ingest(tmp_path, "no/such/dir")
    assert missing.returncode == 1 and "docs folder not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_env = subprocess.run([sys.executable, "-m", "ingest", "sample_book"], cwd=PROJECT,
                             env={**os.environ, "PORT": "x"}, capture_output=True, text=True)
    assert bad_env.returncode == 2 and "PORT" in bad_env.stderr and "Traceback" not in bad_env.stderr


def test_route_base_options(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "docusaurus.config.js").write_text("module.exports = {docs: {routeBasePath: BASE}};")
    unreadable = _ingest(tmp_path, "sample_book", "--site-dir", str(site))
    assert unreadable.returncode == 1 and "--route-base" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr
    given = _ingest(tmp_path, "sample_book", "--site-dir", str(site), "--route-base", "/", "--json")
    assert given.returncode == 0, given.stderr
