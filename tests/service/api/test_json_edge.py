"""Malformed bodies at the edge (issue 13, points 2, 3 and 6): every one a short 4xx JSON error,
on the LangServe routes (and their /c/{config_hash}/ forms) as on ours; never a 500."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from server import create_app
from tests.conftest import offline_settings
from tests.support import ServerThread, http

SID = "6f1c2d3e-0000-4000-8000-000000000000"
CFG = {"configurable": {"session_id": SID}}
# the /c/{config_hash}/ form of the routes (the edge answers before the hash is read)
HASHED = "/c/N4XyA"
DEEP = b"[" * 15_000 + b"]" * 15_000  # ~30 KB, under MAX_BODY_BYTES


def _post(url: str, path: str, body: bytes | str | dict, content_type: str = "application/json"):
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    return http.post(url + path, content=content, headers={"content-type": content_type},
                      timeout=60)


def _refused(r: httpx.Response, status: int, words: str = "") -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert error["status"] == status and words in json.dumps(error), error
    assert "Traceback" not in r.text
    return error


ANSWERING = ["/chat/invoke", "/chat/batch", "/chat/stream", "/chat/stream_log",
             "/chat/stream_events", "/search/invoke", "/search/batch", "/search/stream_log",
             f"/chat{HASHED}/invoke", f"/chat{HASHED}/batch", f"/search{HASHED}/invoke",
             "/api/chat", "/api/feedback"]


@pytest.mark.parametrize("path", ANSWERING)
def test_a_body_that_is_not_utf8_is_400(offline_server, path):
    _refused(_post(offline_server.url, path, b'{"input": "\xff\xfe"}'), 400, "not valid UTF-8")


@pytest.mark.parametrize("path", ANSWERING)
def test_a_deeply_nested_body_is_400_not_a_recursion_error(offline_server, path):
    _refused(_post(offline_server.url, path, DEEP), 400, "nested too deeply")


@pytest.mark.parametrize("path", ANSWERING)
def test_a_text_plain_post_is_415(offline_server, path):
    """A page on another site can send text/plain without a CORS preflight: never parse it."""
    body = json.dumps({"input": {"question": "hi"}, "config": CFG, "message": "hi"})
    _refused(_post(offline_server.url, path, body, "text/plain"), 415, "application/json")
    _refused(_post(offline_server.url, path, body, "application/x-www-form-urlencoded"), 415)


def test_json_spelled_otherwise_is_accepted(offline_server):
    for content_type in ("application/json; charset=UTF-8", "application/vnd.api+json"):
        r = _post(offline_server.url, "/search/invoke", {"input": "IMU"}, content_type)
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", ["/chat/invoke", "/chat/stream", f"/chat{HASHED}/invoke",
                                  "/chat/batch", "/search/invoke", "/search/batch"])
def test_config_null_is_422(offline_server, path):
    body = {"config": None, "input": {"question": "hi"}, "inputs": [{"question": "hi"}]}
    if path.startswith("/search"):
        body.update(input="hi", inputs=["hi"])
    _refused(_post(offline_server.url, path, body), 422, "config must be")


@pytest.mark.parametrize("inputs", [None, 5, "abc", {}, {"question": "hi"}])
@pytest.mark.parametrize("path", ["/chat/batch", f"/chat{HASHED}/batch", "/search/batch"])
def test_batch_inputs_that_are_not_a_list_are_422(offline_server, path, inputs):
    _refused(_post(offline_server.url, path, {"inputs": inputs, "config": CFG}), 422,
             "inputs must be a list")


@pytest.mark.parametrize(("path", "inputs", "where"), [
    ("/chat/batch", [{"question": "hi"}, {"question": 5}], ["inputs", 1, "question"]),
    ("/chat/batch", [{"question": "hi"}, {}], ["inputs", 1, "question"]),
    ("/chat/batch", [{"question": "hi"}, "hi"], ["inputs", 1]),
    ("/search/batch", ["IMU", {"q": 1}], ["inputs", 1]),
    ("/search/batch", ["IMU", None], ["inputs", 1]),
])
def test_one_invalid_input_in_a_batch_is_422_naming_it(offline_server, path, inputs, where):
    error = _refused(_post(offline_server.url, path, {"inputs": inputs, "config": CFG}), 422)
    assert error["details"][0]["loc"] == where


@pytest.mark.parametrize(("config", "words"), [
    ([CFG], "1 items for 2 inputs"),
    ([CFG, 5], "each config must be an object"),
    (7, "config must be an object or a list of objects"),
])
def test_a_batch_config_list_must_match_its_inputs(offline_server, config, words):
    body = {"inputs": [{"question": "a"}, {"question": "b"}], "config": config}
    _refused(_post(offline_server.url, "/chat/batch", body), 422, words)


@pytest.mark.parametrize("path", ["/search/invoke", "/search/stream_log", "/chat/invoke"])
def test_a_lone_surrogate_is_422(offline_server, path):
    body = b'{"input": "\\udfff", "config": {"configurable": {"session_id": "' + SID.encode() + b'"}}}'
    _refused(_post(offline_server.url, path, body), 422, "lone UTF-16 surrogate")


def test_kwargs_must_be_an_object(offline_server):
    _refused(_post(offline_server.url, "/search/invoke", {"input": "IMU", "kwargs": 3}), 422,
             "kwargs must be an object")


def test_a_post_without_a_body_still_reaches_the_route(offline_server):
    r = http.post(offline_server.url + "/search/invoke", timeout=30)
    _refused(r, 422)


def test_a_string_as_batch_inputs_costs_nothing_against_the_rate_limit(tmp_path):
    """The batch cost is its number of inputs: a string's characters never count."""
    srv = ServerThread(create_app(offline_settings(tmp_path, rate_limit="5/minute"))).start()
    try:
        srv.wait_healthy()
        _refused(_post(srv.url, "/search/batch", {"inputs": "abcdefghijklmnop"}), 422)
        r = _post(srv.url, "/search/batch", {"inputs": ["IMU", "ROS 2 topic"]})
        assert r.status_code == 200, r.text
        assert len(r.json()["output"]) == 2
    finally:
        srv.stop()


def test_no_refusal_reaches_the_log_as_an_error(offline_server, caplog):
    with caplog.at_level("INFO"):
        _post(offline_server.url, "/chat/batch", DEEP)
        _post(offline_server.url, "/chat/batch", {"inputs": 5, "config": CFG})
        _post(offline_server.url, "/search/invoke", b'{"input": "\\udfff"}')
    assert not [r for r in caplog.records if r.levelname in {"ERROR", "CRITICAL"}]
    assert not [r for r in caplog.records if r.exc_info]


def test_the_session_id_in_another_uuid_spelling_is_the_same_conversation(offline_server):
    sid = str(uuid.uuid4())
    for spelling in (sid.upper(), "{" + sid + "}", "urn:uuid:" + sid):
        r = _post(offline_server.url, "/chat/invoke",
                  {"input": {"question": "What does an IMU measure?"},
                   "config": {"configurable": {"session_id": spelling}}})
        assert r.status_code == 200, r.text
    turns = http.get(f"{offline_server.url}/api/conversation/{sid}", timeout=30).json()
    assert turns["session_id"] == sid and len(turns["messages"]) == 6
    again = http.get(f"{offline_server.url}/api/conversation/urn:uuid:{sid.upper()}", timeout=30)
    assert again.json()["session_id"] == sid


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("OPTIONS", "/api/feedback", "GET, POST"),  # two routes, one path: both named
    ("PUT", f"/api/conversation/{SID}", "DELETE, GET"),
    ("GET", "/chat/invoke", "POST"),
])
def test_a_405_names_every_method_the_path_takes(offline_server, method, path, allow):
    r = http.request(method, offline_server.url + path, timeout=30)
    _refused(r, 405)
    assert r.headers["allow"] == allow
