"""The LangServe playground loads in headless Chromium and answers a question about the book."""

from __future__ import annotations

import uuid


def _type_into(page, field: str, text: str) -> None:
    """Type into a form field until it holds the text: once a session id is typed in, the
    playground re-reads its schemas and redraws the form, which can drop keystrokes."""
    box = page.locator(f"textarea[id='#/properties/{field}-input']")
    for _ in range(5):
        box.click()
        box.press("Control+a")
        page.keyboard.type(text)
        page.wait_for_load_state("networkidle")  # the schema re-read, if this typing caused one
        if box.input_value() == text:
            return
    raise AssertionError(f"the playground's {field} field did not keep {text!r}")


def test_playground_answers_with_citations(browser, offline_server, artifacts_dir):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(offline_server.url + "/chat/playground/")
    _type_into(page, "session_id", str(uuid.uuid4()))
    _type_into(page, "question", "What does an IMU measure?")
    page.get_by_role("button", name="Start").click()
    page.get_by_text("angular velocity").first.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "playground.png"), full_page=True)
    body = page.inner_text("body")
    assert "Offline mode" in body and "[1]" in body
    page.close()
