"""Retrieved chunks as numbered, quoted sources for the prompt and as citations for clients."""

from __future__ import annotations

import html
from collections.abc import Sequence

from langchain_core.documents import Document


def _attr(value: object) -> str:
    return html.escape(str(value or ""), quote=True)


def format_sources(docs: Sequence[Document]) -> str:
    """Number the documents 1..n as <source> blocks; their text is data, so tags are escaped."""
    blocks = []
    for n, doc in enumerate(docs, start=1):
        meta = doc.metadata
        heading = " > ".join(meta.get("heading_path") or [])
        text = doc.page_content
        if heading and text.startswith(heading + "\n"):
            text = text[len(heading) :].lstrip("\n")  # the breadcrumb line is the attribute
        text = text.replace("</source", "&lt;/source").replace("<source", "&lt;source")
        blocks.append(
            f'<source id="{n}" title="{_attr(meta.get("title"))}" '
            f'section="{_attr(meta.get("section"))}" heading="{_attr(heading)}" '
            f'url="{_attr(meta.get("url"))}">\n{text}\n</source>'
        )
    return "\n".join(blocks) if blocks else "(no passages of the book matched this question)"


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
