"""The website widget in headless Chromium on the /demo page: it asks, streams, cites, asks about
a selection, rates an answer and restores the conversation after a reload exactly as it showed
it; it is a keyboard dialog, follows dark mode, renders its Markdown subset as DOM nodes only,
and takes its placement options. tests/test_widget_docusaurus.py runs it on a real Docusaurus
build."""

from __future__ import annotations

import json

import pytest

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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


def _ask(page, question: str) -> None:
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def test_widget_streams_cites_and_answers_about_a_selection(page, offline_server, artifacts_dir):
    page.goto(offline_server.url + "/demo")
    widget = page.locator("bookchat-widget")
    widget.get_by_role("button", name="Ask the book").click()
    page.evaluate(COUNT_UPDATES)

    _ask(page, "What does an IMU measure?")
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
    _ask(page, "What does an IMU measure?")
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
    _ask(page, "What is a ROS 2 topic?")
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
    _ask(page, "What does an IMU measure?")
    cite = widget.locator(".msg.bot a.cite").first
    cite.wait_for(timeout=30_000)
    assert cite.get_attribute("href").startswith(origin + "/docs/")
    post = next(r for r in chats if r.method == "POST")
    assert post.header_value("origin") == origin
    assert post.response().header_value("access-control-allow-origin") == origin
    assert page.console_errors == []


# --- point 4: a keyboard dialog ------------------------------------------------------------

ACTIVE = """() => {
  const root = document.querySelector('bookchat-widget').shadowRoot;
  const el = root.activeElement;
  return el ? {label: el.getAttribute('aria-label') || el.textContent.trim(),
               inPanel: root.querySelector('.panel').contains(el),
               open: !root.querySelector('.panel').hidden} : null;
}"""


def _focus_on(page, label: str, key: str = "Tab") -> None:
    for _ in range(12):
        if (page.evaluate(ACTIVE) or {}).get("label") == label:
            return
        page.keyboard.press(key)
    raise AssertionError(f"Tab never reached {label!r}")


def test_the_panel_is_a_keyboard_dialog(page, offline_server, artifacts_dir):
    page.goto(offline_server.url + "/demo")
    launcher = page.locator("bookchat-widget").get_by_role("button", name="Ask the book")
    launcher.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE) == {"label": "Your question", "inPanel": True, "open": True}
    seen = set()
    for key in ["Tab"] * 7 + ["Shift+Tab"] * 7:  # around the dialog both ways: focus stays in
        page.keyboard.press(key)
        active = page.evaluate(ACTIVE)
        assert active["inPanel"], f"{key} left the dialog for {active}"
        seen.add(active["label"])
    assert {"New chat", "Close", "Conversation", "Your question", "Send"} <= seen
    page.screenshot(path=str(artifacts_dir / "widget-keyboard.png"))
    for label in ["New chat", "Close", "Send"]:  # Escape closes from anywhere inside
        _focus_on(page, label)
        page.keyboard.press("Escape")
        assert page.evaluate(ACTIVE) == {"label": "Ask the book", "inPanel": False, "open": False}
        page.keyboard.press("Enter")  # the launcher has focus: open again
    page.locator("bookchat-widget").get_by_role("button", name="Close").click()
    assert page.evaluate(ACTIVE)["label"] == "Ask the book"  # focus back on the launcher
    role = page.locator("bookchat-widget .panel")
    assert role.get_attribute("role") == "dialog" and role.get_attribute("aria-modal") == "true"


# --- point 3: dark mode ----------------------------------------------------------------------

PANEL_COLOURS = """() => {
  const root = document.querySelector('bookchat-widget').shadowRoot;
  const style = (sel) => getComputedStyle(root.querySelector(sel));
  return [style('.panel').backgroundColor, style('.log').backgroundColor, style('textarea').color];
}"""
LIGHT = ["rgb(255, 255, 255)", "rgb(246, 247, 248)", "rgb(28, 30, 33)"]
DARK = ["rgb(36, 37, 38)", "rgb(27, 27, 29)", "rgb(227, 227, 227)"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dark_mode_follows_the_page_then_the_reader(browser, offline_server, artifacts_dir, scheme):
    context = browser.new_context(viewport={"width": 1000, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    page.goto(offline_server.url + "/demo")
    page.locator("bookchat-widget").get_by_role("button", name="Ask the book").click()
    # no html[data-theme]: prefers-color-scheme decides
    assert page.evaluate(PANEL_COLOURS) == (DARK if scheme == "dark" else LIGHT)
    page.screenshot(path=str(artifacts_dir / f"widget-{scheme}.png"))
    # a Docusaurus-style toggle: html[data-theme] wins, and its changes are followed
    other = "light" if scheme == "dark" else "dark"
    page.evaluate(f"document.documentElement.dataset.theme = '{other}'")
    page.wait_for_function(f"() => document.querySelector('bookchat-widget').dataset.theme === '{other}'")
    assert page.evaluate(PANEL_COLOURS) == (DARK if other == "dark" else LIGHT)
    context.close()


# --- point 5: Markdown as DOM nodes, never HTML ----------------------------------------------

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
    _ask(page, "Show me everything")
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


# --- point 2: placement options --------------------------------------------------------------

PLACED = """<!doctype html><html><head><meta charset="utf-8"><title>placed</title>
<script src="/widget.js" async data-api="/" data-position="left" data-offset-x="30"
  data-offset-y="2.5rem" data-z-index="123"></script></head><body><p>Page</p></body></html>"""


def test_placement_options(page, offline_server):
    page.route("**/placed", lambda route: route.fulfill(status=200, content_type="text/html",
                                                          body=PLACED))
    page.goto(offline_server.url + "/placed")
    launcher = page.locator("bookchat-widget .launcher")
    launcher.wait_for()
    box = launcher.bounding_box()
    assert (box["x"], 900 - box["y"] - box["height"]) == (30, 40)  # left 30px, bottom 2.5rem
    assert launcher.evaluate("(el) => getComputedStyle(el).zIndex") == "123"
    launcher.click()
    panel = page.locator("bookchat-widget .panel").bounding_box()
    assert panel["x"] == 30 and panel["y"] + panel["height"] < box["y"]  # above, same side


def test_the_default_z_index_stays_below_a_docusaurus_drawer(page, offline_server):
    page.goto(offline_server.url + "/demo")
    launcher = page.locator("bookchat-widget .launcher")
    assert int(launcher.evaluate("(el) => getComputedStyle(el).zIndex")) < 200  # --ifm-z-index-fixed
