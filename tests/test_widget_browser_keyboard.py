"""The widget's panel is a keyboard dialog (point 4): Enter on the launcher opens it with focus
in the question box, Tab and Shift+Tab stay inside, Escape closes it from anywhere and focus goes
back to the launcher."""

from __future__ import annotations

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
