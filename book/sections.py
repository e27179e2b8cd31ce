"""A page cut into sections at its headings, each carrying the id Docusaurus gives its heading.

Headings follow CommonMark as MDX reads it: ATX (`## Title`, optional closing `#`s, any
indentation because MDX has no indented code) and setext (a paragraph underlined with `===` or
`---`); never inside a fenced block. The first heading, when it is an H1, is the page's content
title (Docusaurus `contentTitle`): the text around it is the page intro (anchor ""), but its id
still takes its slug, as the page renders it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from book.anchors import Slugger, heading_text_and_id
from book.fences import code_lines

_ATX = re.compile(r"^[ \t]*(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+$")
_SETEXT = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
_OTHER_BLOCK = re.compile(r"^[ \t]*(?:[-*+][ \t]|[0-9]+[.)](?:[ \t]|$)|>|\|)")


@dataclass(frozen=True)
class Section:
    """The text under one heading, up to the next heading of any level."""

    level: int  # 0 for the page intro
    heading: str  # plain heading text; "" for the intro
    anchor: str  # heading id; "" for the intro
    trail: tuple[str, ...]  # enclosing headings, outermost first, this one last
    body: str


@dataclass(frozen=True)
class ParsedPage:
    """A page's content title (first heading if H1), sections, and every heading id on it."""

    content_title: str | None
    sections: list[Section]
    heading_ids: list[str]


Item = str | tuple[int, str]  # a body line, or (level, raw heading text)


def parse_sections(markdown: str) -> ParsedPage:
    """Sections in page order; the intro comes first and may be empty."""
    slugger = Slugger()
    sections: list[Section] = []
    heading_ids: list[str] = []
    content_title: str | None = None
    stack: list[tuple[int, str]] = []
    current = Section(0, "", "", (), "")
    body: list[str] = []
    for item in _items(markdown):
        if isinstance(item, str):
            body.append(item)
            continue
        level, raw = item
        text, anchor = heading_text_and_id(raw, slugger)
        first = not heading_ids
        heading_ids.append(anchor)
        if first and level == 1:
            content_title = text
            continue
        sections.append(_with_body(current, body))
        body = []
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
        current = Section(level, text, anchor, tuple(t for _, t in stack), "")
    sections.append(_with_body(current, body))
    return ParsedPage(content_title, sections, heading_ids)


def _with_body(section: Section, lines: list[str]) -> Section:
    return replace(section, body="\n".join(lines))


def _items(markdown: str) -> list[Item]:
    """Lines and headings; a setext underline turns its paragraph into one heading."""
    items: list[Item] = []
    paragraph: int | None = None  # index where the current paragraph began, -1 if not one
    for line, code in code_lines(markdown):
        atx = None if code else _ATX.match(line)
        if code or atx is not None:
            items.append(line if atx is None else (len(atx.group(1)), _content(atx.group(2))))
            paragraph = None
            continue
        if paragraph is not None and paragraph >= 0 and _SETEXT.match(line):
            raw = " ".join(str(item).strip() for item in items[paragraph:])
            del items[paragraph:]
            items.append((1 if "=" in line else 2, raw))
            paragraph = None
            continue
        if not line.strip():
            paragraph = None
        elif paragraph is None:
            paragraph = -1 if _OTHER_BLOCK.match(line) else len(items)
        items.append(line)
    return items


def _content(raw: str | None) -> str:
    """ATX heading content without its optional closing sequence of `#`s."""
    return _ATX_CLOSING.sub("", raw or "").strip()
