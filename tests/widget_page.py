"""Shared by the widget's browser tests (tests/test_widget_browser*.py): asking a question in
the widget's panel."""

from __future__ import annotations


def ask(page, question: str) -> None:
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
