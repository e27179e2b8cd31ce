"""The OpenAPI document as the app really behaves, post-processed once from FastAPI's.

FastAPI and LangServe describe the happy path and FastAPI's own 422 shape. Here every operation
also lists the errors it can answer, each with the app's one error body; session ids are
declared as UUIDs (and required where the app requires them); a batch says how many inputs it
takes. Clients and schema-driven testers then know the real contract.
"""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
DESCRIPTIONS = {
    400: "Malformed: not UTF-8, not JSON, nested too deeply, a session id that is not a UUID, "
    "or a config_hash that is not one LangServe made",
    401: "A valid admin bearer token is required",
    404: "Not found",
    413: "Body over MAX_BODY_BYTES, or a batch over MAX_BATCH_SIZE inputs",
    415: "The body is not application/json",
    422: "A field is missing, of the wrong type or out of bounds",
    429: "Over the client's rate limit or daily token budget (Retry-After says when to retry)",
    503: "The service is starting, or a dependency is unavailable (see /api/health)",
}
ANSWERING = ("/chat/", "/search/", "/api/chat")  # rate limited: service/api/admission.py
NEVER_UNAVAILABLE = {("get", "/"), ("get", "/metrics")}


def _statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses this operation can answer."""
    statuses: set[int] = set()
    if (method, path) not in NEVER_UNAVAILABLE:
        statuses.add(503)
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    params = {(p.get("name"), p.get("in")) for p in operation.get("parameters", [])}
    if ("session_id", "path") in params:
        statuses |= {400, 404, 422}
    if ("config_hash", "path") in params:
        statuses |= {400, 422}  # LangServe's opaque config hash: 400 when it is not one
    if method == "post" and path.startswith(ANSWERING):
        statuses |= {400, 429}
    if operation.get("security"):
        statuses.add(401)
    return statuses


def _document_errors(method: str, path: str, operation: dict[str, Any]) -> None:
    """The operation's error statuses, each (its own ones too) with the app's error body."""
    responses = operation.setdefault("responses", {})
    for status in sorted(_statuses(method, path, operation)):
        responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
    for status, entry in responses.items():
        if status.startswith(("4", "5")):
            entry["content"] = {"application/json": {"schema": ERROR_REF}}


def _uuid_session_ids(node: Any) -> None:
    """Every `session_id` property or parameter: a UUID string (no "" default)."""
    if isinstance(node, list):
        for item in node:
            _uuid_session_ids(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("name") == "session_id" and "schema" in node:
        node["schema"]["format"] = "uuid"
    session_id = node.get("properties", {}).get("session_id")
    if isinstance(session_id, dict):
        for schema in session_id.get("anyOf", [session_id]):
            if schema.get("type") == "string":
                schema["format"] = "uuid"
        if session_id.get("default") == "":
            del session_id["default"]
    for value in node.values():
        _uuid_session_ids(value)


def _require(schema: dict[str, Any], name: str) -> None:
    if name in schema.get("properties", {}) and name not in schema.setdefault("required", []):
        schema["required"].append(name)


def _chat_needs_session(spec: dict[str, Any], prefix: str) -> None:
    """A /chat request needs config.configurable.session_id (400 without): say it is required."""
    route = prefix.strip("/")
    for name, schema in spec["components"]["schemas"].items():
        if not name.startswith(route):
            continue
        if name.endswith("Request"):
            _require(schema, "config")
        if name.endswith("Config"):
            _require(schema, "configurable")
        if name == f"{route}Configurable":
            _require(schema, "session_id")


def _bound_batches(spec: dict[str, Any], max_batch: int) -> None:
    for name, schema in spec["components"]["schemas"].items():
        if not name.endswith("BatchRequest"):
            continue
        props = schema.get("properties", {})
        if "inputs" in props:
            props["inputs"]["maxItems"] = max_batch
            _require(schema, "inputs")
        for option in props.get("config", {}).get("anyOf", []):
            if option.get("type") == "array":
                option["maxItems"] = max_batch


def document(spec: dict[str, Any], *, max_batch: int, session_routes: tuple[str, ...]) -> None:
    """Post-process FastAPI's OpenAPI document in place."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            _document_errors(method, path, operation)
    _uuid_session_ids(spec)
    for prefix in session_routes:
        _chat_needs_session(spec, prefix)
    _bound_batches(spec, max_batch)
