"""/openapi.json tells the real contract (issue 13, point 6): the errors each operation answers
with the app's error body, session ids as UUIDs, batch sizes."""

from __future__ import annotations

import pytest

from server import create_app
from tests.conftest import offline_settings


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    app = create_app(offline_settings(tmp_path_factory.mktemp("openapi"), max_batch_size=7))
    return app.openapi()


LANGSERVE_POSTS = ["/chat/invoke", "/chat/batch", "/chat/stream", "/chat/stream_log",
                   "/chat/stream_events", "/chat/c/{config_hash}/invoke", "/search/invoke",
                   "/search/batch", "/search/stream_log", "/search/c/{config_hash}/batch"]


@pytest.mark.parametrize("path", LANGSERVE_POSTS)
def test_langserve_operations_list_their_error_statuses(spec, path):
    responses = spec["paths"][path]["post"]["responses"]
    for status in ("400", "413", "415", "422", "429", "503"):
        content = responses[status]["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/Error"}, (path, status)


def test_the_error_schema_is_the_apps_error_body(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["properties"]) == {"status", "message", "details"}


def test_session_ids_are_uuids(spec):
    schemas = spec["components"]["schemas"]
    configurable = schemas["chatConfigurable"]
    assert configurable["properties"]["session_id"]["format"] == "uuid"
    assert "default" not in configurable["properties"]["session_id"]
    assert configurable["required"] == ["session_id"]
    assert "config" in schemas["chatInvokeRequest"]["required"]
    assert schemas["Conversation"]["properties"]["session_id"]["format"] == "uuid"
    body = spec["paths"]["/api/chat"]["post"]["requestBody"]["content"]["application/json"]
    assert {"type": "string", "format": "uuid"} in body["schema"]["properties"]["session_id"]["anyOf"]
    for op in (spec["paths"]["/api/conversation/{session_id}"]["get"],
               spec["paths"]["/api/conversation/{session_id}"]["delete"]):
        (param,) = [p for p in op["parameters"] if p["name"] == "session_id"]
        assert param["schema"]["format"] == "uuid"
        assert {"400", "404"} <= set(op["responses"])


def test_batches_say_how_many_inputs_they_take(spec):
    batch = spec["components"]["schemas"]["chatBatchRequest"]["properties"]
    assert batch["inputs"]["maxItems"] == 7
    assert spec["components"]["schemas"]["searchBatchRequest"]["properties"]["inputs"][
        "maxItems"] == 7
