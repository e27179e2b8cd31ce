"""The sources of the hand-written baseline (bench/baseline_app.py): the retrieved chunks it
keeps (at most one per page in the top k) and the numbered <source> blocks of its system prompt,
written as the app writes them."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<(/?)(sources?|selection)\b", re.IGNORECASE)


def top_per_page(points: list, k: int) -> list[dict]:
    """At most one chunk per page in the first k; skipped ones fill any gap."""
    chosen, skipped, pages = [], [], set()
    for p in points:
        page = p.payload["metadata"].get("page_url") or p.payload["metadata"].get("path")
        (skipped if page in pages else chosen).append(p)
        pages.add(page)
    return [{**p.payload["metadata"], "text": p.payload["page_content"], "score": p.score}
            for p in (chosen + skipped)[:k]]


def source_blocks(docs: list[dict]) -> str:
    """The numbered <source> blocks of the system prompt, as the app writes them."""
    blocks = []
    for n, d in enumerate(docs, start=1):
        heading = " > ".join(d.get("heading_path") or [])
        text = d["text"]
        if heading and text.startswith(heading + "\n"):
            text = text[len(heading):].lstrip("\n")
        a = {k: html.escape(str(d.get(k) or ""), quote=True) for k in ("title", "section", "url")}
        text = _TAG.sub(r"&lt;\1\2", text)
        blocks.append(f'<source id="{n}" title="{a["title"]}" section="{a["section"]}" '
                      f'heading="{html.escape(heading, quote=True)}" url="{a["url"]}">\n'
                      f'{text}\n</source>')
    return "\n".join(blocks)
