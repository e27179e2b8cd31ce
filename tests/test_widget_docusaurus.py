"""The widget on a real Docusaurus 3 build (tests/docusaurus) in headless Chromium, added with
the README's `scripts` entry, bookchat serving the fixture book with DOCS_BASE_URL and
ALLOWED_ORIGINS set to the site. One reader's visit, step by step, a screenshot each
(artifacts/docusaurus-*.png): the theme's back-to-top button and table of contents uncovered,
ask and stream, an accessibility scan (axe-core), follow a citation, the conversation restored
with its citations on the cited page, dark mode with the site's toggle, a question about a
selection; on a phone, the navigation drawer over the launcher.
"""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect

from tests.conftest import PROJECT, offline_settings
from tests.docusaurus_site import (
    DOCS,
    SiteServer,
    SiteUnavailable,
    ensure_built,
    node_available,
)
from tests.docusaurus_widget import (
    COUNT_UPDATES,
    HIT,
    LAUNCHER_RECT,
    PANEL_BG,
    SELECT,
    SHOW_LAST_QUESTION,
    W,
    ask,
    axe_scan,
    overlap,
    rect,
    show_back_to_top,
    watch,
)
from tests.support import ServerThread, free_port

DOCS_SCREENSHOT = PROJECT / "docs" / "widget-screenshot.png"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built fixture site on its own origin and bookchat (offline) serving its book."""
    if not node_available():
        pytest.skip("node is not installed: no real Docusaurus build (tests/docusaurus)")
    if not shutil.which("chromium"):
        pytest.fail("chromium is required for the browser tests (apt-get install chromium)")
    try:
        build = ensure_built(quiet=True)
    except SiteUnavailable as exc:
        pytest.fail(f"the Docusaurus fixture site did not build: {exc}")
    port = free_port()
    origin = f"http://localhost:{port}"
    from server import create_app

    settings = offline_settings(tmp_path_factory.mktemp("docusaurus"), docs_dir=DOCS,
                                docs_base_url=origin, allowed_origins=origin)
    backend = ServerThread(create_app(settings)).start()
    static = SiteServer(build, port, backend.url).start()
    backend.wait_healthy()
    yield origin
    static.stop()
    backend.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    yield ctx
    ctx.close()


def test_a_reader_visits_the_built_site(site, context, artifacts_dir):
    page = context.new_page()
    errors = watch(page)
    shot = lambda name: page.screenshot(path=str(artifacts_dir / f"docusaurus-{name}.png"))  # noqa: E731
    widget = page.locator(W)

    # 1. Nothing of the theme is covered: back-to-top (shown once scrolled), the TOC's end
    # (a window short enough for the TOC to reach the bottom: it scrolls in its own box).
    page.set_viewport_size({"width": 1280, "height": 640})
    page.goto(site + "/")
    widget.locator(".launcher").wait_for()
    show_back_to_top(page)
    back = page.locator(".theme-back-to-top-button")
    launcher = page.evaluate(LAUNCHER_RECT)
    assert not overlap(launcher, rect(page, ".theme-back-to-top-button"))
    assert page.evaluate(HIT, [".theme-back-to-top-button", 0])["ok"]  # the element there is its
    toc = page.locator(".theme-doc-toc-desktop")
    assert toc.evaluate("(el) => el.scrollHeight > el.clientHeight")  # it is as tall as it gets
    toc.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
    assert not overlap(launcher, rect(page, ".theme-doc-toc-desktop"))
    assert page.evaluate(HIT, [".table-of-contents__link", -1])["ok"]
    shot("1-theme-uncovered")
    assert back.is_visible()
    page.set_viewport_size({"width": 1280, "height": 720})

    # 2. Ask from another page: the answer streams in, cites the book's sections on this site.
    page.goto(site + "/edge-cases/anchors")
    widget.get_by_role("button", name="Ask the book").click()
    page.evaluate(COUNT_UPDATES)
    ask(page, "What does an IMU measure?")
    answer = widget.locator(".msg.bot").last
    answer.locator(".sources").wait_for(timeout=60_000)
    assert page.evaluate("window.__updates") > 10  # token by token
    assert "angular velocity" in answer.inner_text()
    cite = answer.locator("a.cite").first
    href = cite.get_attribute("href")
    assert href.startswith(site + "/") and "#" in href
    page.evaluate(SHOW_LAST_QUESTION)
    shot("2-answer")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):  # refresh the README's picture on purpose
        page.screenshot(path=str(DOCS_SCREENSHOT))

    # 3. Accessibility: no serious or critical axe-core violation in the widget.
    assert axe_scan(page) == []

    # 4. Follow a citation: a full page load onto the cited heading.
    assert href.startswith(site + "/#")  # the intro page: not the page the question was on
    cite.click()
    page.wait_for_url(href, timeout=30_000)
    anchor = href.split("#", 1)[1]
    heading = page.locator(f"[id='{anchor}']")
    assert heading.evaluate("(el) => /^H[2-6]$/.test(el.tagName)")
    page.wait_for_function(
        "(id) => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }", arg=anchor, timeout=10_000)
    shot("3-cited-section")

    # 5. The conversation is back on the new page, its citations, Sources and thumbs with it.
    widget.get_by_role("button", name="Ask the book").click()
    restored = widget.locator(".msg.bot").last
    restored.locator(".sources").wait_for(timeout=10_000)
    assert restored.locator("a.cite").first.get_attribute("href") == href
    assert restored.get_by_role("button", name="Helpful", exact=True).is_visible()
    shot("4-restored")

    # 6. Dark mode with the site's own toggle: the panel follows, still no violation.
    light = page.evaluate(PANEL_BG)
    page.locator(".navbar button[aria-label*='dark and light mode']").first.click()
    page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    page.wait_for_function(f"(light) => ({PANEL_BG})() !== light", arg=light)
    assert page.evaluate(PANEL_BG) == "rgb(36, 37, 38)"
    assert axe_scan(page) == []
    shot("5-dark")

    # 7. A question about a selection on the install page.
    answers = widget.locator(".msg.bot").count()
    page.goto(site + "/getting-started/install")
    widget.locator(".launcher").wait_for()
    phrase = "Download the archive, unpack it, and run"
    assert page.evaluate(SELECT, phrase)
    ask_selection = widget.get_by_role("button", name="Ask about this selection")
    ask_selection.wait_for(state="visible", timeout=5_000)
    ask_selection.click()
    assert phrase in widget.locator(".context").inner_text()
    # the restored answers first (else `.last` may still be one of them), then the new one
    expect(widget.locator(".msg.bot")).to_have_count(answers, timeout=30_000)
    ask(page, "How do I unpack the archive?")
    grounded = widget.locator(".msg.bot").nth(answers)
    grounded.locator(".sources").wait_for(timeout=60_000)
    assert "From the passage you selected" in grounded.inner_text()
    assert phrase in widget.locator(".msg.user").last.inner_text()
    shot("6-selection")
    assert errors == []


def test_on_a_phone_the_drawer_covers_the_launcher(site, browser, artifacts_dir):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                              has_touch=True)
    page = ctx.new_page()
    errors = watch(page)
    page.goto(site + "/")
    page.locator(W).locator(".launcher").wait_for()
    launcher = page.evaluate(LAUNCHER_RECT)
    show_back_to_top(page)
    assert not overlap(launcher, rect(page, ".theme-back-to-top-button"))
    page.locator(".navbar__toggle").click()
    page.locator(".navbar-sidebar").wait_for(state="visible")
    page.wait_for_timeout(400)  # the drawer slides in
    x = (launcher["left"] + launcher["right"]) / 2
    y = (launcher["top"] + launcher["bottom"]) / 2
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest("
                           "'.navbar-sidebar, .navbar-sidebar__backdrop') !== null", [x, y])
    page.screenshot(path=str(artifacts_dir / "docusaurus-7-phone-drawer.png"))
    assert on_top  # the drawer (or its backdrop) is above the launcher, not under it
    assert errors == []
    ctx.close()
