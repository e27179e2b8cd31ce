"""/widget.js and /demo are served with the headers an embeddable script and a page need."""

from __future__ import annotations

from tests.support import http


def test_the_script_is_javascript_that_any_site_can_load(offline_server):
    r = http.get(offline_server.url + "/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "customElements.define(\"bookchat-widget\"" in r.text
    assert "document.currentScript" in r.text and "process.env" not in r.text


def test_the_demo_page_hosts_the_widget_under_a_strict_policy(offline_server):
    r = http.get(offline_server.url + "/demo")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "connect-src 'self'",
                      "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "*" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert '<script src="/widget.js" async data-api="/"></script>' in r.text
    assert "<style" not in r.text and " style=" not in r.text  # nothing inline for the CSP
    css = http.get(offline_server.url + "/demo.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_the_widget_routes_are_in_the_api_docs(offline_server):
    paths = http.get(offline_server.url + "/openapi.json").json()["paths"]
    assert "/api/chat" in paths and "/api/feedback" in paths
    assert "delete" in paths["/api/conversation/{session_id}"]
    body = paths["/api/chat"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"message", "session_id", "selected_text", "page_url"}
    assert "/widget.js" not in paths and "/demo" not in paths
