"""A docs folder cut into the chunks a config embeds: the loader's, or a naive 1,000-char split."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter

from bench.eval.configs import Config
from book import doc_files, load_book, render_page_content
from book.anchors import Slugger, heading_text_and_id
from book.fences import closes, open_fence

_ATX = re.compile(r"^[ \t]*(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Chunk:
    """One retrievable unit: where it cites (path, anchor) and the text that is embedded."""

    path: str
    anchor: str
    text: str

    @property
    def cite(self) -> str:
        return f"{self.path}#{self.anchor}" if self.anchor else self.path


def build_chunks(docs_dir: Path, config: Config) -> list[Chunk]:
    """The config's chunks for every published page, in page order."""
    if config.splitter == "naive":
        return naive_chunks(docs_dir, config.chunk_size, config.chunk_overlap)
    docs = load_book(
        docs_dir,
        chunk_size=config.chunk_size,
        chunk_overlap=config.chunk_overlap,
        keep_mermaid=config.mermaid,
    )
    chunks = []
    for doc in docs:
        meta = doc.metadata
        heading_path = list(meta["heading_path"])
        prefix = render_page_content(heading_path, "")
        if not doc.page_content.startswith(prefix):
            raise ValueError(f"chunk of {meta['path']} does not start with its heading path")
        body = doc.page_content[len(prefix) :]
        if config.embed == "text":
            text = body
        elif config.embed == "trail":
            text = render_page_content(heading_path[len(meta["breadcrumbs"]) :], body)
        else:
            text = doc.page_content
        chunks.append(Chunk(meta["path"], meta["anchor"], text))
    return chunks


def loader_anchors(docs_dir: Path) -> dict[str, set[str]]:
    """Every page path the default loader produces, with the section anchors it cites."""
    anchors: dict[str, set[str]] = {}
    for doc in load_book(docs_dir):
        anchors.setdefault(doc.metadata["path"], set()).add(doc.metadata["anchor"])
    return anchors


def naive_chunks(docs_dir: Path, size: int, overlap: int) -> list[Chunk]:
    """LangChain's tutorial splitter on each raw file; a chunk cites the nearest heading at or
    before its first character (the page itself before any heading or under the first H1)."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size, chunk_overlap=overlap, add_start_index=True
    )
    chunks = []
    for path in doc_files(docs_dir):
        rel = path.relative_to(docs_dir).as_posix()
        raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        offsets, anchors = _heading_offsets(raw)
        for piece in splitter.create_documents([raw]):
            at = bisect.bisect_right(offsets, piece.metadata["start_index"]) - 1
            chunks.append(Chunk(rel, anchors[at] if at >= 0 else "", piece.page_content))
    return chunks


def _heading_offsets(raw: str) -> tuple[list[int], list[str]]:
    """Character offsets of ATX headings outside front matter and code fences, with the ids
    Docusaurus gives them; a first-heading H1 maps to "" (the page URL), as the loader does."""
    front = _FRONT_MATTER.match(raw)
    offset = front.end() if front else 0
    slugger = Slugger()
    offsets: list[int] = []
    anchors: list[str] = []
    fence = None
    for line in raw[offset:].split("\n"):
        if fence is not None:
            if closes(line, fence):
                fence = None
        elif (fence := open_fence(line)) is None and (match := _ATX.match(line)):
            _, anchor = heading_text_and_id(match.group(2), slugger)
            first_h1 = not anchors and len(match.group(1)) == 1
            offsets.append(offset)
            anchors.append("" if first_h1 else anchor)
        offset += len(line) + 1
    return offsets, anchors
