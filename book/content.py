"""What a chunk says to the embedding model and to the reader.

The breadcrumb line tells the model (and the answer's reader) where the text sits in the book,
which short sections need to be findable. It lives in this one function so an eval can change
what gets embedded without touching the parsing.
"""

from __future__ import annotations

from collections.abc import Sequence


def render_page_content(heading_path: Sequence[str], text: str) -> str:
    """`Module > Page title > Section` on the first line, then the section text."""
    return f"{' > '.join(heading_path)}\n\n{text}"
