"""The anchor oracle: our loader against a real Docusaurus build of the fixture book.

Every URL a chunk cites must exist in the built site, with that id on a heading whose text is
the chunk's section; every heading id of the build must be cited by some chunk (headings with
and without body text alike), and every built doc page too. The route base comes from the
site's docusaurus.config.js (`routeBasePath: '/'`), as `python -m ingest --site-dir` reads it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from book import load_book
from book.site import docs_route_base
from tests.docusaurus_site import DOCS, SITE, SiteUnavailable, ensure_built, node_available

_HEADING = re.compile(r"^h[1-6]$")


@dataclass
class BuiltHeading:
    level: int
    id: str | None
    text: str = ""
    body: str = ""  # text up to the next heading


@dataclass
class BuiltPage:
    headings: list[BuiltHeading] = field(default_factory=list)
    is_doc: bool = False


class _PageParser(HTMLParser):
    """Headings of a doc's Markdown container with their text and the text after them.
    Left out as the reader's eye leaves them out: the hash link the theme appends to each
    heading, footnote markers in headings (`<sup>`), and remark-gfm's footnote section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = BuiltPage()
        self.depth = 0  # open elements inside the .theme-doc-markdown container
        self.skip_at = 0  # depth of an element whose text is not counted (0: none)
        self.heading_at = 0  # depth of the open heading (0: none)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if not self.depth:
            if "theme-doc-markdown" in classes:
                self.page.is_doc = True
                self.depth = 1
            return
        if tag in _VOID:
            return
        self.depth += 1
        if self.skip_at:
            return
        if "hash-link" in classes or tag == "sup" or "data-footnotes" in a:
            self.skip_at = self.depth
        elif _HEADING.match(tag):
            self.page.headings.append(BuiltHeading(int(tag[1]), a.get("id")))
            self.heading_at = self.depth

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or tag in _VOID:
            return
        if self.skip_at == self.depth:
            self.skip_at = 0
        if self.heading_at == self.depth:
            self.heading_at = 0
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth or self.skip_at or not self.page.headings:
            return
        heading = self.page.headings[-1]
        if self.heading_at:
            heading.text += data
        else:
            heading.body += data


_VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area"}


def _read_build(build: Path) -> dict[str, BuiltPage]:
    """URL path (`/`, `/getting-started/install`) -> the built doc page."""
    pages = {}
    for index in build.rglob("index.html"):
        parser = _PageParser()
        parser.feed(index.read_text(encoding="utf-8"))
        page = parser.page
        if page.is_doc:
            path = "/" + index.parent.relative_to(build).as_posix()
            pages[path.rstrip("/.") or "/"] = page
    return pages


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def build() -> dict[str, BuiltPage]:
    if not node_available():
        pytest.skip("node is not installed: no real Docusaurus build to compare with")
    try:
        return _read_build(ensure_built(quiet=True))
    except SiteUnavailable as exc:
        pytest.fail(f"the Docusaurus fixture site did not build: {exc}")


@pytest.fixture(scope="module")
def chunks():
    return load_book(DOCS, route_base=docs_route_base(SITE))


def test_the_route_base_is_read_from_the_site_config():
    assert docs_route_base(SITE) == "/"  # the blog's routeBasePath ('news') is not the docs'


def test_every_cited_url_is_a_heading_of_the_same_text_in_the_build(build, chunks):
    assert len(build) == 3  # the fixture's three doc pages were found in the build
    wrong = []
    for doc in chunks:
        page_path, _, anchor = doc.metadata["url"].partition("#")
        page = build.get(page_path.rstrip("/") or "/")
        if page is None:
            wrong.append(f"{doc.metadata['url']}: no such page in the build")
            continue
        if not anchor:
            continue
        found = [h for h in page.headings if h.id == anchor]
        if not found:
            wrong.append(f"{doc.metadata['url']}: no heading with this id")
        elif _norm(found[0].text) != _norm(doc.metadata["section"]):
            wrong.append(f"{doc.metadata['url']}: {found[0].text!r} != {doc.metadata['section']!r}")
    assert wrong == []


def test_every_heading_id_of_the_build_is_cited(build, chunks):
    cited = defaultdict(set)
    for doc in chunks:
        page_path, _, anchor = doc.metadata["url"].partition("#")
        cited[page_path.rstrip("/") or "/"].add(anchor)
    with_body, without_body = [], []
    for path, page in build.items():
        assert "" in cited[path], f"{path}: no chunk cites the page"
        for h in page.headings:
            if h.id and h.id not in cited[path]:
                (with_body if h.body.strip() else without_body).append(f"{path}#{h.id}")
    assert with_body == []
    assert without_body == []  # point 7: a heading with no body is still findable
    ids = {h.id for p in build.values() for h in p.headings if h.id}
    # the cases the fixture is there for (point 8) are in the build, so the test covers them
    assert {"a-heading-ontwo-lines", "below-a-rule", "footnotes-in-headings", "hidden-words-",
            "shown--a-note--words", "install", "quoted-heading", "listed-heading",
            "hardware"} <= ids
