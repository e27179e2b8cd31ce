"""What a chunk says to the embedding model and to the reader.

The breadcrumb line tells the model (and the answer's reader) where the text sits in the book,
which short sections need to be findable. It lives in this one function so an eval can change
what gets embedded without touching the parsing.
"""

from __future__ import annotations

from collections.abc import Sequence


def page_path(breadcrumbs: Sequence[str], title: str) -> list[str]:
    """The page's place in the book: its categories, then its title. A folder's index page
    (README, index) is named after its folder's category, so the title is said once."""
    if breadcrumbs and breadcrumbs[-1].strip().casefold() == title.strip().casefold():
        breadcrumbs = breadcrumbs[:-1]
    return [*breadcrumbs, title]


def render_page_content(heading_path: Sequence[str], text: str) -> str:
    """`Module > Page title > Section` on the first line, then the section text."""
    return f"{' > '.join(heading_path)}\n\n{text}"
