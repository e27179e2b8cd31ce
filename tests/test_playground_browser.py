"""The LangServe playground loads in headless Chromium and answers a question about the book."""

from __future__ import annotations

import uuid


def test_playground_answers_with_citations(browser, offline_server, artifacts_dir):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(offline_server.url + "/chat/playground/")
    page.locator("textarea[id='#/properties/session_id-input']").click()
    page.keyboard.type(str(uuid.uuid4()))
    page.locator("textarea[id='#/properties/question-input']").click()
    page.keyboard.type("What does an IMU measure?")
    page.get_by_role("button", name="Start").click()
    page.get_by_text("angular velocity").first.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "playground.png"), full_page=True)
    body = page.inner_text("body")
    assert "Offline mode" in body and "[1]" in body
    page.close()
