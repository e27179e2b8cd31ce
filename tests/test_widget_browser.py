"""The website widget in headless Chromium on the /demo page: it asks, streams, cites, asks about
a selection, rates an answer and restores the conversation after a reload exactly as it showed
it; it shows an error with a retry, and works from a docs site on another origin. Its keyboard
dialog, its looks (dark mode, placement) and its Markdown are in the sibling
test_widget_browser_*.py files; tests/test_widget_docusaurus.py runs it on a real Docusaurus
build."""

from __future__ import annotations

import pytest

from tests.widget_page import ask

SELECTED = (
    "Joint encoders report the angle of each joint, and an IMU reports linear acceleration and "
    "angular velocity of the torso."
)

# Counts the streamed updates of the answer bubble, to tell streaming from one final paint.
COUNT_UPDATES = """() => {
  const log = document.querySelector('bookchat-widget').shadowRoot.querySelector('.log');
  window.__updates = 0;
  new MutationObserver((records) => { window.__updates += records.length; })
    .observe(log, {subtree: true, childList: true, characterData: true});
}"""

# Scrolls the chat so the last question and its answer start at the top, for the screenshots.
SHOW_LAST_QUESTION = """() => {
  const root = document.querySelector('bookchat-widget').shadowRoot;
  const questions = root.querySelectorAll('.msg.user');
  root.querySelector('.log').scrollTop = questions[questions.length - 1].offsetTop - 12;
}"""

# What the reader sees of each turn: HTML of the questions and of the answers' text and Sources,
# and whether an answer can still be rated.
SHOWN = """() => {
  const root = document.querySelector('bookchat-widget').shadowRoot;
  const bots = [...root.querySelectorAll('.msg.bot')];
  return {
    users: [...root.querySelectorAll('.msg.user')].map((n) => n.innerHTML),
    answers: bots.map((n) => n.querySelector('.body').innerHTML
      + (n.querySelector('.sources') || {outerHTML: ''}).outerHTML),
    rated: bots.map((n) => !!n.querySelector('.rate button')),
  };
}"""

SELECT_TEXT = """(phrase) => {
  const text = document.getElementById('imu').firstChild;
  const start = text.data.indexOf(phrase);
  const range = document.createRange();
  range.setStart(text, start);
  range.setEnd(text, start + phrase.length);
  const selection = document.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


def test_widget_streams_cites_and_answers_about_a_selection(page, offline_server, artifacts_dir):
    page.goto(offline_server.url + "/demo")
    widget = page.locator("bookchat-widget")
    widget.get_by_role("button", name="Ask the book").click()
    page.evaluate(COUNT_UPDATES)

    ask(page, "What does an IMU measure?")
    answer = widget.locator(".msg.bot").last
    answer.locator(".sources").wait_for(timeout=30_000)  # the answer is done
    cite = answer.locator("a.cite").first
    assert page.evaluate("window.__updates") > 10  # token by token, not one paint
    assert "angular velocity" in answer.inner_text()
    href = cite.get_attribute("href")
    assert href.startswith(offline_server.url + "/docs/") and "#" in href
    assert answer.locator(".sources a").count() >= 1
    page.evaluate(SHOW_LAST_QUESTION)
    page.screenshot(path=str(artifacts_dir / "widget-answer.png"))

    answer.get_by_role("button", name="Helpful", exact=True).click()
    answer.get_by_text("Thanks for your feedback.").wait_for(timeout=10_000)

    page.evaluate(SELECT_TEXT, SELECTED)
    ask_selection = widget.get_by_role("button", name="Ask about this selection")
    ask_selection.wait_for(state="visible", timeout=5_000)
    page.screenshot(path=str(artifacts_dir / "widget-ask-selection.png"))
    ask_selection.click()
    assert SELECTED in widget.locator(".context").inner_text()
    ask(page, "What does an IMU measure?")
    grounded = widget.locator(".msg.bot").nth(1)
    grounded.locator("a.cite").first.wait_for(timeout=30_000)
    text = grounded.inner_text()
    assert "From the passage you selected" in text
    assert "From the passage you selected:" in text
    assert grounded.locator("blockquote").first.inner_text() == SELECTED
    assert SELECTED in widget.locator(".msg.user").nth(1).inner_text()  # the quoted selection
    page.evaluate(SHOW_LAST_QUESTION)
    page.screenshot(path=str(artifacts_dir / "widget-selection.png"))

    live = page.evaluate(SHOWN)
    page.reload()
    page.locator("bookchat-widget").get_by_role("button", name="Ask the book").click()
    restored = page.locator("bookchat-widget .msg.user")
    restored.nth(1).wait_for(timeout=10_000)
    widget.locator(".msg.bot .sources").nth(1).wait_for(timeout=10_000)
    assert restored.count() == 2  # the session survived the page load
    shown = page.evaluate(SHOWN)
    # point 1: restored turns look exactly as they did live: the questions with the quoted
    # selection, the answers with [n] linked, their Sources list, and thumbs to rate them
    assert shown["users"] == live["users"]
    assert shown["answers"] == live["answers"]
    assert shown["rated"] == [True, True] and live["rated"] == [False, True]  # one was rated live
    assert widget.locator(".msg.bot").first.locator("a.cite").count() >= 1
    assert page.console_errors == []  # no CSP violation, no script error


def test_widget_shows_an_error_and_retries(page, offline_server, artifacts_dir):
    page.goto(offline_server.url + "/demo")
    calls = []

    def fail_once(route):
        calls.append(route.request.url)
        if len(calls) == 1:
            route.fulfill(status=503, json={"error": {"status": 503, "message": "starting"}})
        else:
            route.continue_()

    page.route("**/api/chat", fail_once)
    widget = page.locator("bookchat-widget")
    widget.get_by_role("button", name="Ask the book").click()
    ask(page, "What is a ROS 2 topic?")
    error = widget.locator(".msg.error")
    error.wait_for(timeout=10_000)
    assert "starting up" in error.inner_text()
    page.screenshot(path=str(artifacts_dir / "widget-error.png"))
    error.get_by_role("button", name="Retry").click()
    widget.locator(".msg.bot a.cite").first.wait_for(timeout=30_000)
    assert widget.locator(".msg.error").count() == 0
    assert len(calls) == 2
    assert [e for e in page.console_errors if "503" not in e] == []


DOCS_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Sensors</title>
<link rel="icon" href="data:,">
<script src="{api}/widget.js" async data-api="{api}"></script></head>
<body><h1>Sensors of a humanoid robot</h1>
<p>Joint encoders report the angle of each joint, and an IMU reports linear acceleration.</p>
</body></html>"""


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory):
    """A stand-in Docusaurus site on its own origin, and a backend that lists it in
    ALLOWED_ORIGINS (both on loopback: Chromium keeps public pages off local addresses)."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from server import create_app
    from tests.conftest import offline_settings
    from tests.support import ServerThread, free_port

    origin = f"http://localhost:{free_port()}"
    backend = ServerThread(create_app(offline_settings(
        tmp_path_factory.mktemp("cross-origin"), allowed_origins=origin))).start()
    page = HTMLResponse(DOCS_PAGE.format(api=backend.url))
    site = Starlette(routes=[Route("/docs/{path:path}", lambda request: page)])
    docs = ServerThread(site, port=int(origin.rsplit(":", 1)[1])).start()
    backend.wait_healthy()
    yield origin, backend
    docs.stop()
    backend.stop()


def test_widget_on_the_docs_site_talks_to_the_backend_across_origins(page, docs_site):
    """The Docusaurus case: the page is on the docs origin, the script and the API on the
    backend's (CORS preflight, SSE through CORS); citations link to the docs origin."""
    origin, backend = docs_site
    chats = []
    page.on("request", lambda r: "/api/chat" in r.url and chats.append(r))
    page.goto(origin + "/docs/foundations/humanoid-sensors")
    widget = page.locator("bookchat-widget")
    widget.get_by_role("button", name="Ask the book").click()
    ask(page, "What does an IMU measure?")
    cite = widget.locator(".msg.bot a.cite").first
    cite.wait_for(timeout=30_000)
    assert cite.get_attribute("href").startswith(origin + "/docs/")
    post = next(r for r in chats if r.method == "POST")
    assert post.header_value("origin") == origin
    assert post.response().header_value("access-control-allow-origin") == origin
    assert page.console_errors == []
