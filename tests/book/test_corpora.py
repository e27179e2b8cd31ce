"""End to end on two real Docusaurus books (read-only, MIT): every page chunks cleanly."""

import re
from pathlib import Path

import pytest

from book import DEFAULT_CHUNK_SIZE, doc_files, load_book
from book.anchors import plain_text, slugify, split_heading_id
from book.fences import segments
from tests.conftest import CORPUS

BOOKS = ["farheenzehra99", "mohsin-raza"]

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")

_ESM = re.compile(r"^\s*(?:import|export)\s")
_JSX = re.compile(r"(?<![\\`])<[A-Z][A-Za-z0-9.]*")
_ATX = re.compile(r"^\s*#{1,6}(?:\s+(.*?))?\s*$")
_CODE_SPAN = re.compile(r"(`+).*?\1")


@pytest.fixture(scope="module", params=BOOKS)
def book(request):
    docs_dir = CORPUS / request.param / "docs"
    return docs_dir, load_book(docs_dir, base_url="https://example.github.io/book")


def lines_outside_fences(text: str) -> list[str]:
    return "\n".join(seg for fence, seg in segments(text) if fence is None).split("\n")


def prose_lines(text: str) -> list[str]:
    """Lines outside fenced code, with inline code removed."""
    return [_CODE_SPAN.sub("", line) for line in lines_outside_fences(text)]


def source_heading_ids(path: Path) -> set[str]:
    """Slugs of every heading-looking line of the raw file (a superset is fine here)."""
    ids = set()
    for line in lines_outside_fences(path.read_text(encoding="utf-8")):
        match = _ATX.match(line)
        if match:
            text, explicit = split_heading_id(plain_text(match.group(1) or ""))
            ids.add(explicit or slugify(text.strip()))
    return ids


def test_every_file_yields_chunks(book):
    docs_dir, chunks = book
    paths = {c.metadata["path"] for c in chunks}
    assert paths == {p.relative_to(docs_dir).as_posix() for p in doc_files(docs_dir)}


def test_no_mdx_residue(book):
    _, chunks = book
    for chunk in chunks:
        for line in prose_lines(chunk.page_content):
            where = f"{chunk.metadata['url']}: {line!r}"
            assert not _ESM.match(line), where
            assert not _JSX.search(line), where
            assert ":::" not in line, where
            assert not re.search(r"\{/\*|<!--", line), where
            assert not _ATX.match(line), where  # a heading inside a chunk means a missed split


def test_code_fences_in_chunks_are_closed(book):
    _, chunks = book
    for chunk in chunks:
        for fence, segment in segments(chunk.page_content):
            if fence is not None:
                last = segment.split("\n")[-1].strip()
                assert last and set(last) == {fence.marker[0]}, chunk.metadata["url"]


def test_anchors_are_heading_ids_of_the_page(book):
    docs_dir, chunks = book
    ids = {}
    for chunk in chunks:
        path = chunk.metadata["path"]
        anchor = chunk.metadata["anchor"]
        if path not in ids:
            ids[path] = source_heading_ids(docs_dir / path)
        if anchor:
            assert anchor in ids[path] or re.sub(r"-\d+$", "", anchor) in ids[path], (path, anchor)
            assert chunk.metadata["url"] == f"{chunk.metadata['page_url']}#{anchor}"
        else:
            assert chunk.metadata["url"] == chunk.metadata["page_url"]


def test_ids_unique_and_stable(book):
    docs_dir, chunks = book
    ids = [c.id for c in chunks]
    assert len(set(ids)) == len(ids)
    assert [c.id for c in load_book(docs_dir, base_url="https://example.github.io/book")] == ids


def test_chunks_fit_the_size(book):
    _, chunks = book
    assert all(0 < len(c.page_content) <= DEFAULT_CHUNK_SIZE for c in chunks)
