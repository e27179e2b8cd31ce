"""The widget on the built Docusaurus site (tests/test_widget_docusaurus.py): scripts that probe
the page (what is on top where, the launcher's rect, the panel's colour, streamed updates, a
text selection, an axe-core scan) and the reader's actions (scroll for back-to-top, ask)."""

from __future__ import annotations

from tests.docusaurus_site import axe_script

W = "bookchat-widget"

# Is the element at the centre of a rect the given element (or inside it)? Pierces no shadow
# root: a hit on our widget comes back as the <bookchat-widget> host.
HIT = """([selector, which]) => {
  const els = document.querySelectorAll(selector);
  const el = els[which < 0 ? els.length + which : which];
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {ok: !!hit && (hit === el || el.contains(hit)), hit: hit && hit.outerHTML.slice(0, 80)};
}"""
LAUNCHER_RECT = f"""() => {{
  const r = document.querySelector('{W}').shadowRoot.querySelector('.launcher')
    .getBoundingClientRect();
  return {{left: r.left, top: r.top, right: r.right, bottom: r.bottom}};
}}"""
AXE = f"""async () => {{
  const result = await axe.run(document, {{resultTypes: ['violations']}});
  return result.violations
    .map((v) => ({{id: v.id, impact: v.impact, nodes: v.nodes.map((n) => JSON.stringify(n.target))
      .filter((t) => t.includes('{W}'))}}))
    .filter((v) => v.nodes.length && ['serious', 'critical'].includes(v.impact));
}}"""
COUNT_UPDATES = f"""() => {{
  const log = document.querySelector('{W}').shadowRoot.querySelector('.log');
  window.__updates = 0;
  new MutationObserver((records) => {{ window.__updates += records.length; }})
    .observe(log, {{subtree: true, childList: true, characterData: true}});
}}"""
SELECT = """(phrase) => {
  const walker = document.createTreeWalker(document.querySelector('article'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, start = node.data.indexOf(phrase);
    if (start < 0) continue;
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + phrase.length);
    document.getSelection().removeAllRanges();
    document.getSelection().addRange(range);
    return true;
  }
  return false;
}"""
SHOW_LAST_QUESTION = f"""() => {{
  const root = document.querySelector('{W}').shadowRoot;
  const questions = root.querySelectorAll('.msg.user');
  root.querySelector('.log').scrollTop = questions[questions.length - 1].offsetTop - 12;
}}"""
PANEL_BG = f"""() => getComputedStyle(document.querySelector('{W}').shadowRoot
  .querySelector('.panel')).backgroundColor"""


def show_back_to_top(page) -> None:
    """The theme shows its back-to-top button when the reader scrolls up, far from the top."""
    page.mouse.move(400, 400)
    page.mouse.wheel(0, 4000)
    page.wait_for_function("() => window.scrollY > 600")
    page.mouse.wheel(0, -300)
    page.wait_for_function("() => getComputedStyle(document.querySelector("
                           "'.theme-back-to-top-button')).opacity === '1'")


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and (
        b["top"] < a["bottom"])


def rect(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "(el) => { const r = el.getBoundingClientRect();"
        " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }")


def watch(page) -> list[str]:
    """The page's console errors and uncaught exceptions, collected as they come."""
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def ask(page, question: str) -> None:
    box = page.locator(W).get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def axe_scan(page) -> list[dict]:
    """axe-core's serious and critical violations inside the widget."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    return page.evaluate(AXE)
