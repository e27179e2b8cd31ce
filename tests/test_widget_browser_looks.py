"""How the widget sits on a page: dark mode follows the page, then the reader's toggle (point 3);
the placement options of its script tag and a default z-index below a Docusaurus drawer
(point 2)."""

from __future__ import annotations

import pytest

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
