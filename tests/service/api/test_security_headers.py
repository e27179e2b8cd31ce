"""Every response carries the security headers /demo has (issue 13, point 6), each page with a
Content-Security-Policy that lets its own code run and nothing else."""

from __future__ import annotations

import pytest

from service.api.routes.widget import DEMO_HEADERS
from service.api.security_headers import (
    API_POLICY,
    DOCS_POLICY,
    PLAYGROUND_POLICY,
    content_security_policy,
)
from tests.support import http


@pytest.mark.parametrize(("method", "path", "policy"), [
    ("GET", "/", API_POLICY),
    ("GET", "/docs", DOCS_POLICY),
    ("GET", "/redoc", DOCS_POLICY),
    ("GET", "/chat/playground/", PLAYGROUND_POLICY),
    ("GET", "/search/playground/", PLAYGROUND_POLICY),
    ("GET", "/openapi.json", API_POLICY),
    ("GET", "/api/health", API_POLICY),
    ("GET", "/no/such/page", API_POLICY),
    ("POST", "/chat/invoke", API_POLICY),  # an error made by the edge
    ("GET", "/demo", DEMO_HEADERS["Content-Security-Policy"]),  # the route's own wins
])
def test_every_response_has_the_security_headers(offline_server, method, path, policy):
    r = http.request(method, offline_server.url + path, timeout=30, content=b"x",
                      headers={"content-type": "text/plain"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert r.headers["content-security-policy"] == policy
    assert len(r.headers.get_list("content-security-policy")) == 1


def test_no_page_may_be_framed_and_the_api_loads_nothing():
    for path in ("/", "/docs", "/chat/playground/index.html"):
        assert "frame-ancestors 'none'" in content_security_policy(path)
    assert content_security_policy("/api/chat").startswith("default-src 'none'")
