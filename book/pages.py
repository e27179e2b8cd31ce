"""One doc file read the way Docusaurus reads it: which files are docs, front matter, Markdown
body with MDX resolved, sections and title.

Which files count follows the docs plugin defaults (`@docusaurus/plugin-content-docs` option
`include: ['**/*.{md,mdx}']`, `exclude: GlobExcludeDefault` from `@docusaurus/utils`): files and
folders starting with `_` (partials, `__tests__`) are not docs, nor are hidden ones (globby skips
dot files). The title is front matter `title`, else the content title (first heading, if H1),
else the doc id (`docs.ts`), which we humanise because it ends up in citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from book.admonitions import convert_admonitions
from book.fences import drop_fences
from book.frontmatter import FrontMatter, parse_front_matter
from book.mdx import mdx_to_markdown
from book.routes import base_id
from book.sections import ParsedPage, parse_sections

DOC_SUFFIXES = frozenset({".md", ".mdx"})


@dataclass(frozen=True)
class Doc:
    """A parsed doc: its path below the docs folder, front matter, sections and title."""

    rel: PurePosixPath
    front: FrontMatter
    page: ParsedPage
    title: str


def is_doc_path(rel: PurePosixPath) -> bool:
    """Whether Docusaurus publishes a file at this path (relative to the docs folder)."""
    return rel.suffix in DOC_SUFFIXES and not any(p.startswith(("_", ".")) for p in rel.parts)


def doc_files(docs_dir: Path) -> list[Path]:
    """The files Docusaurus would publish as docs, sorted by their path in the folder."""
    found = [
        path
        for path in docs_dir.rglob("*")
        if is_doc_path(PurePosixPath(path.relative_to(docs_dir).as_posix())) and path.is_file()
    ]
    return sorted(found, key=lambda p: p.relative_to(docs_dir).as_posix())


def to_markdown(body: str, *, keep_mermaid: bool = True) -> str:
    """A doc body as plain Markdown: MDX resolved, admonitions as labelled text."""
    markdown = convert_admonitions(mdx_to_markdown(body))
    return markdown if keep_mermaid else drop_fences(markdown, frozenset({"mermaid"}))


def humanise(name: str) -> str:
    """`week-3-ros_basics` -> `Week 3 ros basics`, for pages with no title anywhere."""
    words = re.sub(r"[-_\s]+", " ", name).strip()
    return words[:1].upper() + words[1:]


def read_doc(path: Path, docs_dir: Path, *, keep_mermaid: bool = True) -> Doc:
    """Parse one doc file; invalid front matter fails naming the file."""
    rel = PurePosixPath(Path(path).resolve().relative_to(Path(docs_dir).resolve()).as_posix())
    text = Path(path).read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    front, body = parse_front_matter(text, rel.as_posix())
    page = parse_sections(to_markdown(body, keep_mermaid=keep_mermaid))
    title = front.title or page.content_title or humanise(base_id(rel, front))
    return Doc(rel, front, page, title)
