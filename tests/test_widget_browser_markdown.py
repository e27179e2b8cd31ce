"""Answers render a Markdown subset as DOM nodes, never as HTML (point 5): emphasis, code,
nested lists, code blocks, quotes, safe links only; raw HTML and javascript: links stay text."""

from __future__ import annotations

import json

from tests.widget_page import ask

MARKDOWN = (
    "**Bold** and *italic* and _under_ with `code` [1].\n\n"
    "1. first\n2. second\n   - nested **deep**\n\n- after\n\n"
    "```python\nprint(\"<b>not html</b>\")\n```\n\n"
    "> quoted line\n\n"
    "See [the site](https://example.org/page), [bad](javascript:alert(1)) and "
    "<img src=x onerror=\"window.__xss=1\">."
)


def _sse(events: list[tuple[str, object]]) -> str:
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)


def test_answers_render_a_safe_markdown_subset(page, offline_server, artifacts_dir):
    tokens = [MARKDOWN[i : i + 7] for i in range(0, len(MARKDOWN), 7)]
    body = _sse([
        ("session", {"session_id": "5b8e2a8e-8a4c-4f57-9d0a-2f3c1c2a4b6d"}),
        ("sources", [{"n": 1, "title": "Sensors", "section": "IMU", "url": "/docs/s#imu",
                      "path": "s.md", "score": 0.5}]),
        *[("token", {"text": t}) for t in tokens],
        ("done", {"session_id": "5b8e2a8e-8a4c-4f57-9d0a-2f3c1c2a4b6d", "message_id": "m-1",
                  "citations": [{"n": 1, "url": "/docs/s#imu"}]}),
    ])
    page.route("**/api/chat", lambda route: route.fulfill(
        status=200, headers={"content-type": "text/event-stream"}, body=body))
    page.goto(offline_server.url + "/demo")
    widget = page.locator("bookchat-widget")
    widget.get_by_role("button", name="Ask the book").click()
    ask(page, "Show me everything")
    answer = widget.locator(".msg.bot .body")
    widget.locator(".msg.bot .sources").wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts_dir / "widget-markdown.png"))
    assert answer.locator("strong").first.inner_text() == "Bold"
    assert answer.locator("em").all_inner_texts() == ["italic", "under"]
    assert answer.locator("p code").first.inner_text() == "code"
    assert answer.locator("ol > li").count() == 2
    assert answer.locator("ol > li ul > li").inner_text() == "nested deep"
    assert answer.locator("ol + ul > li").inner_text() == "after"
    assert answer.locator("pre code").inner_text() == 'print("<b>not html</b>")'
    assert answer.locator("blockquote").inner_text() == "quoted line"
    assert answer.locator("a.cite").get_attribute("href") == offline_server.url + "/docs/s#imu"
    links = answer.locator("a:not(.cite)")
    assert links.count() == 1 and links.get_attribute("href") == "https://example.org/page"
    assert "[bad](javascript:alert(1))" in answer.inner_text()  # not a link: text
    assert '<img src=x onerror="window.__xss=1">' in answer.inner_text()  # text, not an element
    assert answer.locator("img, b, script").count() == 0
    assert page.evaluate("window.__xss") is None
