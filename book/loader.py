"""A Docusaurus docs folder as LangChain Documents: one per chunk, each linking to its section.

Drafts (`draft: true`) are left out, as production builds leave them out. A heading with no text
under it (`## Requirements` right before `### Hardware`) still gets one chunk, its heading, so
a question about it can cite it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from langchain_core.documents import Document

from book.categories import CategoryLabels
from book.chunking import split_text
from book.content import page_path, render_page_content
from book.pages import doc_files, read_doc
from book.routes import doc_slug, page_url
from book.sections import Section

# Characters of page_content. all-MiniLM-L6-v2 truncates at 256 word pieces and these books run
# ~3.3 characters per word piece (code and emoji are dense): at 500 no chunk is truncated. Chosen
# by bench/eval_retrieval.py: against 800, MRR +3 points and hit@1 +4 on both corpora
# (bench/RESULTS.md, "Retrieval eval").
DEFAULT_CHUNK_SIZE = 500
DEFAULT_CHUNK_OVERLAP = 120
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://bookchat.invalid/chains/book")


@dataclass(frozen=True)
class _Page:
    """What every chunk of a page shares."""

    path: str
    url: str
    title: str
    breadcrumbs: tuple[str, ...]
    description: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class _Options:
    base_url: str
    route_base: str
    chunk_size: int
    chunk_overlap: int
    keep_mermaid: bool

    def __post_init__(self) -> None:
        if not 0 <= self.chunk_overlap < self.chunk_size // 2:
            raise ValueError(
                "need 0 <= chunk_overlap < chunk_size / 2, "
                f"got {self.chunk_overlap} and {self.chunk_size}"
            )


def load_page(
    path: Path,
    docs_dir: Path,
    *,
    base_url: str = "",
    route_base: str = "/docs",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP,
    keep_mermaid: bool = True,
) -> list[Document]:
    """The chunks of one doc file, in page order; [] for a draft.

    chunk_size bounds the characters of each chunk's page_content, breadcrumb line included
    (the text always gets at least half); chunk_overlap is the prose repeated from one chunk of
    a section to the next.
    """
    options = _Options(base_url, route_base, chunk_size, chunk_overlap, keep_mermaid)
    return _load(Path(path), Path(docs_dir), CategoryLabels(Path(docs_dir)), options)


def load_book(
    docs_dir: Path,
    *,
    base_url: str = "",
    route_base: str = "/docs",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP,
    keep_mermaid: bool = True,
) -> list[Document]:
    """Every published doc of the folder, chunked; files in path order, chunks in page order."""
    docs_dir = Path(docs_dir)
    if not docs_dir.is_dir():
        raise FileNotFoundError(f"docs folder not found: {docs_dir}")
    options = _Options(base_url, route_base, chunk_size, chunk_overlap, keep_mermaid)
    labels = CategoryLabels(docs_dir)
    return [doc for path in doc_files(docs_dir) for doc in _load(path, docs_dir, labels, options)]


def _load(path: Path, docs_dir: Path, labels: CategoryLabels, options: _Options) -> list[Document]:
    doc = read_doc(path, docs_dir, keep_mermaid=options.keep_mermaid)
    if doc.front.draft:
        return []
    info = _Page(
        path=doc.rel.as_posix(),
        url=page_url(
            doc_slug(doc.rel, doc.front), base_url=options.base_url, route_base=options.route_base
        ),
        title=doc.title,
        breadcrumbs=tuple(labels.breadcrumbs(doc.rel)),
        description=doc.front.description or "",
        tags=doc.front.tags,
    )
    pieces = [
        (section, part, chunk)
        for section in doc.page.sections
        for part, chunk in enumerate(
            _split(info, section, options.chunk_size, options.chunk_overlap)
            # a heading with no body of its own still shows on the page: findable by its name
            or ([section.heading] if section.level else [])
        )
    ]
    if not pieces:  # a page with no prose of its own can still be found by its title
        pieces = [(doc.page.sections[0], 0, info.description or info.title)]
    seen: set[tuple[str, int]] = set()
    documents = []
    for index, (section, part, chunk) in enumerate(pieces):
        doc_id = chunk_id(info.path, _id_anchor(section, part, seen), part)
        documents.append(_document(info, section, doc_id, chunk, index))
    return documents


def chunk_id(path: str, anchor: str, part: int) -> str:
    """Stable id: the same file, section anchor and position in that section give the same id,
    so an edit elsewhere in the page leaves it alone."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{path}#{anchor}#{part}"))


def _id_anchor(section: Section, part: int, seen: set[tuple[str, int]]) -> str:
    """The section's anchor, suffixed when a page repeats an explicit heading id."""
    anchor, n = section.anchor, 0
    while (anchor, part) in seen:
        n += 1
        anchor = f"{section.anchor}~{n}"
    seen.add((anchor, part))
    return anchor


def _heading_path(page: _Page, section: Section) -> list[str]:
    return [*page_path(page.breadcrumbs, page.title), *section.trail]


def _split(page: _Page, section: Section, size: int, overlap: int) -> list[str]:
    """The section's text in pieces sized so each whole page_content stays within size."""
    overhead = len(render_page_content(_heading_path(page, section), ""))
    return split_text(section.body, size=max(size - overhead, size // 2), overlap=overlap)


def _document(page: _Page, section: Section, doc_id: str, text: str, index: int) -> Document:
    heading_path = _heading_path(page, section)
    metadata = {
        "path": page.path,
        "page_url": page.url,
        "url": f"{page.url}#{section.anchor}" if section.anchor else page.url,
        "anchor": section.anchor,
        "title": page.title,
        "section": section.heading or page.title,
        "heading_path": heading_path,
        "breadcrumbs": list(page.breadcrumbs),
        "chunk_index": index,
        "description": page.description,
        "tags": list(page.tags),
        "id": doc_id,
    }
    content = render_page_content(heading_path, text)
    return Document(page_content=content, metadata=metadata, id=doc_id)
