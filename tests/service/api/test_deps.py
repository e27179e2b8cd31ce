"""The routes' dependencies: 503 until the resources are ready, 400 for a session id that is not
a UUID, and the admin bearer check (404 without ADMIN_TOKEN, 401 with a wrong token)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from fastapi import HTTPException
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import SecretStr

from service.api.deps import get_ready_resources, get_resources, require_admin, valid_session_id


def _request(resources) -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(resources=resources)))


def _res(phase: str = "ready", admin_token: str | None = None) -> SimpleNamespace:
    token = SecretStr(admin_token) if admin_token else None
    return SimpleNamespace(phase=phase, settings=SimpleNamespace(admin_token=token))


def test_no_resources_yet_is_503_with_retry_after():
    with pytest.raises(HTTPException) as err:
        get_resources(_request(None))
    assert err.value.status_code == 503 and err.value.headers == {"Retry-After": "5"}
    res = _res()
    assert get_resources(_request(res)) is res


@pytest.mark.parametrize(("phase", "message"), [("starting", "starting"), ("failed", "failed")])
def test_only_ready_resources_answer(phase, message):
    with pytest.raises(HTTPException) as err:
        get_ready_resources(_res(phase))
    assert err.value.status_code == 503 and message in err.value.detail
    ready = _res("ready")
    assert get_ready_resources(ready) is ready


def test_session_ids_are_canonical_uuids_or_400():
    sid = uuid.uuid4()
    assert valid_session_id(str(sid).upper()) == str(sid)
    with pytest.raises(HTTPException) as err:
        valid_session_id("nope")
    assert err.value.status_code == 400


def test_admin_routes_are_absent_without_a_token_and_need_the_right_one():
    with pytest.raises(HTTPException) as err:
        require_admin(_res(), None)
    assert err.value.status_code == 404
    res = _res(admin_token="a-very-long-admin-token")
    for given in (None, HTTPAuthorizationCredentials(scheme="Bearer", credentials="wrong")):
        with pytest.raises(HTTPException) as err:
            require_admin(res, given)
        assert err.value.status_code == 401 and err.value.headers["WWW-Authenticate"] == "Bearer"
    ok = HTTPAuthorizationCredentials(scheme="Bearer", credentials="a-very-long-admin-token")
    assert require_admin(res, ok) is None
