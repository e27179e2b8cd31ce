"""Property-based requests from our own OpenAPI schema against the real app: never a 5xx.

Every operation in /openapi.json gets a bounded number of generated requests (admin routes
included, with the token). LangServe's streaming endpoints are left out: their failures are
events in a 200 stream by design, and /chat/invoke and /chat/batch run the same chain. The
operations are listed from the app's schema at collection time (no server needed), one test
each; the requests go over real HTTP to a served app.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from server import create_app
from tests.conftest import offline_settings
from tests.support import ServerThread

TOKEN = "schemathesis-admin-" + "3" * 16
STREAMS = re.compile(r"/(stream|stream_log|stream_events)$")


def _settings(data_dir: Path, cohere_url: str = "http://127.0.0.1:9"):
    """The app on the fake Cohere (fast, so the chain runs in many examples) and SQLite."""
    return offline_settings(
        data_dir, admin_token=TOKEN, cohere_api_key="co-fuzz-key", cohere_base_url=cohere_url,
        cohere_embed_model="embed-english-v3.0",
    )


def _operations() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as data_dir:
        paths = create_app(_settings(Path(data_dir))).openapi()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if not STREAMS.search(path)
        for method in operations
    ]


@pytest.fixture(scope="module")
def api(tmp_path_factory, fake_cohere):
    fake_cohere.reset()  # no fault left armed by an earlier test
    settings = _settings(tmp_path_factory.mktemp("fuzz"), fake_cohere.url)
    srv = ServerThread(create_app(settings)).start()
    srv.wait_healthy()
    yield schemathesis.openapi.from_url(srv.url + "/openapi.json")
    srv.stop()


def _valid_ids(case, session_id: str) -> None:
    """Give the case a real session id, so the chain and the stores run, not only the 400s."""
    if case.path_parameters and "session_id" in case.path_parameters:
        case.path_parameters["session_id"] = session_id
    if isinstance(case.body, dict) and case.operation.path.startswith("/chat/"):
        config = {"configurable": {"session_id": session_id}}
        inputs = case.body.get("inputs")
        if isinstance(inputs, list):
            inputs[2:] = []  # each input is one answer: keep the run short
        many = isinstance(case.body.get("config"), list) and isinstance(inputs, list)
        case.body["config"] = [config] * len(inputs) if many else config


@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_operation_answers_5xx(api, method, path):
    operation = api[path][method]

    @given(case=operation.as_strategy(), session=st.uuids(), valid=st.booleans())
    @settings(max_examples=20, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), database=None)
    def check(case, session, valid):
        if valid:
            _valid_ids(case, str(session))
        case.call_and_validate(
            headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error], timeout=30
        )

    check()
