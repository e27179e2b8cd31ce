"""Schemathesis over every operation of our own /openapi.json, against the real served app.

The schemathesis command line runs its coverage phase (boundary and invalid values of every
parameter and body field, wrong types, missing fields, undeclared media types and methods) and
its fuzzing phase (positive and negative data), over real HTTP, with these checks:

- `not_a_server_error`: no 5xx, whatever is sent;
- `status_code_conformance` (ST103): every status answered is documented;
- `positive_data_acceptance` (ST202): schema-valid data is accepted, except the rejections a
  JSON Schema cannot express, allowed per operation in tests/schemathesis.toml;
- `allow_header_conformance` (ST205) and `unsupported_method` (ST204): an undeclared method is
  a 405 whose `Allow` lists the methods the schema declares for the path.

The app runs on the fake Cohere (its chain runs in many cases), SQLite history, the admin token,
MAX_BATCH_SIZE 3 (each input is an answer) and a 1 MiB body limit (the size limit is not
expressible in a schema: a schema-valid batch of long questions would be a 413). No error may
reach the app's, uvicorn's or LangServe's log.

Schemathesis reads only the first ~2.6 KB of a server-sent event stream and then closes the
connection, so many /api/chat and /chat/stream answers are cut by their client mid-stream; the
cancelled model stream is then sometimes reported by asyncio's async-generator finalizer
("Task exception was never retrieved ... aclose(): asynchronous generator is already running").
That cancellation path is the chat turn's (service/api/turn.py), not this edge's; it is left
out of the check here.

In the suite: `FUZZ_EXAMPLES` (default 10) examples per operation and phase, about 2,100 cases
(35 s on an idle 2-core machine). The larger run, done for issue 13 and recorded here:

    FUZZ_EXAMPLES=100 .venv/bin/python -m pytest -q tests/test_schemathesis.py

2 December 2026, this machine (2 cores, shared): 37 of 37 operations, 4,389 cases (coverage
17 s, fuzzing 76 s), seed 1: no failure of any of the checks (then the first three), so 0 server errors and no
ST103/ST202 finding. With FUZZ_EXAMPLES=300 FUZZ_SEED=2: 9,391 cases (coverage 31 s, fuzzing
219 s), no failure either. The same command line with `not_a_server_error` alone and 10 examples, run
against the code before these edge checks, found 14 operations answering 500 (batch inputs,
config null, invalid batch items, ...).

(`FUZZ_SEED` changes the seed; default 1.) One worker: with two, schemathesis' generator
sometimes fails inside Python 3.11's compile() ("AST constructor recursion depth mismatch"), a
thread-safety problem of the tool, not of the app.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server import create_app
from tests.conftest import PROJECT, offline_settings
from tests.support import ServerThread

TOKEN = "schemathesis-admin-" + "3" * 16
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("FUZZ_SEED", "1"))
CHECKS = ("not_a_server_error,status_code_conformance,positive_data_acceptance,"
          "allow_header_conformance,unsupported_method")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def api(tmp_path_factory, fake_cohere):
    fake_cohere.reset()  # no fault left armed by an earlier test
    settings = offline_settings(
        tmp_path_factory.mktemp("fuzz"), admin_token=TOKEN, cohere_api_key="co-fuzz-key",
        cohere_base_url=fake_cohere.url, cohere_embed_model="embed-english-v3.0",
        max_batch_size=3, max_body_bytes=1024 * 1024,
    )
    srv = ServerThread(create_app(settings)).start()
    srv.wait_healthy()
    yield srv
    srv.stop()


def test_every_operation_under_schemathesis(api, tmp_path):
    errors = _Records()
    logging.getLogger().addHandler(errors)
    try:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "--config-file", str(PROJECT / "tests" / "schemathesis.toml"),
                "run", api.url + "/openapi.json",
                "--phases", "coverage,fuzzing", "--checks", CHECKS,
                "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "1",
                "--header", f"Authorization: Bearer {TOKEN}", "--request-timeout", "60",
                "--suppress-health-check", "all", "--no-color",
            ],
            cwd=tmp_path, capture_output=True, text=True, timeout=3000,
        )
    finally:
        logging.getLogger().removeHandler(errors)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    generated = re.search(r"(\d+) generated", report)
    assert generated is not None, report[-2000:]
    assert int(generated.group(1)) >= 2000 or EXAMPLES < 10, report[-2000:]
    tested = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", report)
    assert tested is not None and len(set(tested.groups())) == 1, report[-2000:]  # all of them
    print(f"schemathesis: {generated.group(1)} cases, seed {SEED}, no failure")
    ours = [r for r in errors.records if r.name.startswith(("bookchat", "uvicorn", "langserve"))]
    assert not ours, [r.getMessage() for r in ours]
