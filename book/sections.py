"""A page cut into sections at its headings, each carrying the id Docusaurus gives its heading.

Headings follow CommonMark as MDX reads it: ATX (`## Title`, optional closing `#`s, any
indentation because MDX has no indented code, also as the first thing in a blockquote or a list
item: `> ## Title`, `- ## Title`) and setext (a paragraph underlined with `===` or `---`, its
lines kept apart; a thematic break such as `---` or `***` is never part of one); never inside a
fenced block. The first heading, when it is an H1, is the page's content title (Docusaurus
`contentTitle`): the text around it is the page intro. Every heading takes its slug, but the
theme renders level-one headings without an id (`@theme/Heading`), so an H1 section's anchor is
"" and its chunks link to the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from book.anchors import Slugger, heading_text_and_id
from book.fences import code_lines

# What may stand before a heading's `#`s on its line: blockquote markers and list item markers.
CONTAINERS = r"(?:[ \t]*(?:>[ \t]?|(?:[-*+]|[0-9]{1,9}[.)])[ \t]+))*"
_ATX = re.compile(rf"^{CONTAINERS}[ \t]*(#{{1,6}})(?:[ \t]+(.*?))?[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
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
    heading_ids: list[str]  # the ids the page renders (h2-h6)


Item = str | tuple[int, str]  # a body line, or (level, raw heading text)


def parse_sections(markdown: str) -> ParsedPage:
    """Sections in page order; the intro comes first and may be empty."""
    slugger = Slugger()
    sections: list[Section] = []
    heading_ids: list[str] = []
    seen_heading = False
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
        first = not seen_heading
        seen_heading = True
        if level == 1:
            anchor = ""  # the theme gives h1 no id: link the page
        else:
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
            raw = "\n".join(str(item).strip() for item in items[paragraph:])
            del items[paragraph:]
            items.append((1 if "=" in line else 2, raw))
            paragraph = None
            continue
        if not line.strip() or _THEMATIC_BREAK.match(line):
            paragraph = None
        elif paragraph is None:
            paragraph = -1 if _OTHER_BLOCK.match(line) else len(items)
        items.append(line)
    return items


def _content(raw: str | None) -> str:
    """ATX heading content without its optional closing sequence of `#`s."""
    return _ATX_CLOSING.sub("", raw or "").strip()
