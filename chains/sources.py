"""Retrieved chunks as numbered, quoted sources for the prompt and as citations for clients;
the reader's selected passage as a quoted block."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from langchain_core.documents import Document

from chains.prompts import load_prompt

# Quoted text must not open or close our own blocks: a passage that says "</source>" would
# otherwise end its block early and whatever follows would read as instructions.
_BLOCK_TAG = re.compile(r"<(/?)(sources?|selection)\b", re.IGNORECASE)
# "[2]", "[2][3]" and the "[2, 3]" some models write.
_CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def _attr(value: object) -> str:
    return html.escape(str(value or ""), quote=True)


def escape_block_tags(text: str) -> str:
    """Neutralise <source>, <sources> and <selection> tags inside quoted text."""
    return _BLOCK_TAG.sub(r"&lt;\1\2", text)


def _heading(doc: Document) -> str:
    return " > ".join(doc.metadata.get("heading_path") or [])


def source_text(doc: Document) -> str:
    """A chunk's text without its leading breadcrumb line (the heading path)."""
    heading, text = _heading(doc), doc.page_content
    if heading and text.startswith(heading + "\n"):
        return text[len(heading) :].lstrip("\n")
    return text


def format_sources(docs: Sequence[Document]) -> str:
    """Number the documents 1..n as <source> blocks; their text is data, so tags are escaped."""
    blocks = []
    for n, doc in enumerate(docs, start=1):
        meta = doc.metadata
        heading = _heading(doc)
        text = escape_block_tags(source_text(doc))  # the breadcrumb line is the attribute
        blocks.append(
            f'<source id="{n}" title="{_attr(meta.get("title"))}" '
            f'section="{_attr(meta.get("section"))}" heading="{_attr(heading)}" '
            f'url="{_attr(meta.get("url"))}">\n{text}\n</source>'
        )
    return "\n".join(blocks) if blocks else "(no passages of the book matched this question)"


def format_selection(text: str | None, page_url: str | None = None) -> str:
    """The reader's selection as a quoted <selection> block with its instructions; "" if none."""
    if not text or not text.strip():
        return ""
    return load_prompt("selection").format(
        page=_attr(page_url or ""), selection=escape_block_tags(text.strip())
    )


def source_list(docs: Sequence[Document]) -> list[dict[str, object]]:
    """The numbered sources as plain dicts, in the order the prompt numbers them."""
    out = []
    for n, doc in enumerate(docs, start=1):
        meta = doc.metadata
        out.append(
            {
                "n": n,
                "title": meta.get("title", ""),
                "section": meta.get("section", ""),
                "url": meta.get("url", ""),
                "path": meta.get("path", ""),
                "score": meta.get("score"),
            }
        )
    return out


def cited_sources(
    answer: str, sources: Sequence[Mapping[str, object]]
) -> list[dict[str, object]]:
    """The sources an answer actually cites with [n], in order of first citation."""
    by_number = {source["n"]: source for source in sources}
    cited: list[int] = []
    for match in _CITATION.finditer(answer):
        for part in match.group(1).split(","):
            n = int(part)
            if n in by_number and n not in cited:
                cited.append(n)
    return [{"n": n, "url": by_number[n].get("url", "")} for n in cited]
