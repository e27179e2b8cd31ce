"""The shape of a LangServe request body, checked before LangServe reads it.

LangServe validates its bodies only shallowly: `"config": null`, batch `inputs` that are not a
list and an invalid input inside a batch reach code that raises a bare exception (a 500). Here
each is a 4xx with the app's error body instead, and a batch is bounded (MAX_BATCH_SIZE, 413).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from service.api.json_body import BodyError

# /chat/invoke, /chat/c/{config_hash}/batch, ...: (route prefix, endpoint)
_ENDPOINT = re.compile(r"(/[^/]+)(?:/c/[^/]+)?/(invoke|batch|stream|stream_log|stream_events)")


class InvalidBody(BodyError):
    """A 422 with the app's `details`: where each problem is (in the body; in the input for
    a single input, as LangServe says it) and what it is."""

    def __init__(self, message: str, details: list[dict[str, Any]]) -> None:
        super().__init__(422, message)
        self.details = details


@dataclass(frozen=True)
class LangServeRoute:
    """What a LangServe route takes: its input model (the runnable's `input_schema`)."""

    input_schema: type[BaseModel]


def endpoint_of(path: str, routes: dict[str, LangServeRoute]) -> tuple[LangServeRoute, str] | None:
    """The LangServe route and endpoint (`invoke`, `batch`, ...) a POST path calls, if any."""
    match = _ENDPOINT.fullmatch(path)
    if match is None or match.group(1) not in routes:
        return None
    return routes[match.group(1)], match.group(2)


def _refuse(loc: list[Any], msg: str) -> InvalidBody:
    return InvalidBody("invalid request", [{"loc": loc, "msg": msg}])


def _check_input(route: LangServeRoute, value: Any, loc: list[Any]) -> None:
    try:
        route.input_schema.model_validate(value)
    except ValidationError as exc:
        details = [
            {"loc": [*loc, *e["loc"]], "msg": e["msg"]}
            for e in exc.errors(include_input=False)
        ]
        raise InvalidBody("invalid request", details) from None


def _check_config(config: Any, inputs: int | None) -> None:
    """An object; for a batch (`inputs` given) also a list of one object per input."""
    if isinstance(config, dict):
        return
    if inputs is None or not isinstance(config, list):
        what = "an object" if inputs is None else "an object or a list of objects"
        raise _refuse(["config"], f"config must be {what}")
    if len(config) != inputs:
        raise _refuse(["config"], f"config has {len(config)} items for {inputs} inputs")
    for i, item in enumerate(config):
        if not isinstance(item, dict):
            raise _refuse(["config", i], "each config must be an object")


def _check_batch(route: LangServeRoute, body: dict[str, Any], max_batch: int) -> None:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise _refuse(["inputs"], "inputs must be a list")
    if len(inputs) > max_batch:
        raise BodyError(413, f"a batch takes at most {max_batch} inputs")
    if "config" in body:
        _check_config(body["config"], len(inputs))
    for i, item in enumerate(inputs):
        _check_input(route, item, ["inputs", i])


def check_body(route: LangServeRoute, endpoint: str, body: Any, max_batch: int) -> None:
    """BodyError (4xx) unless `body` is a well-formed request to this LangServe endpoint."""
    if not isinstance(body, dict):
        raise _refuse([], "the request body must be a JSON object")
    if "kwargs" in body and not isinstance(body["kwargs"], dict):
        raise _refuse(["kwargs"], "kwargs must be an object")
    if endpoint == "batch":
        _check_batch(route, body, max_batch)
        return
    if "input" not in body:
        raise _refuse(["input"], "Field required")
    if "config" in body:
        _check_config(body["config"], None)
    _check_input(route, body["input"], [])  # located in the input, as LangServe does
