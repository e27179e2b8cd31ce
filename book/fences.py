"""Fenced code blocks, the one construct every other pass must step around.

CommonMark rules: a run of three or more backticks or tildes opens a block, and a line holding
only a run of the same character, at least as long, closes it; an unclosed block runs to the end.
Indentation is not limited because MDX (Docusaurus v3's default format) has no indented code and
fences nested in list items are indented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class Fence:
    """An opening fence: its marker run and its info string (language and meta)."""

    marker: str
    info: str

    @property
    def lang(self) -> str:
        return self.info.split(maxsplit=1)[0].lower() if self.info else ""


def open_fence(line: str) -> Fence | None:
    """The fence this line opens, if any (a backtick fence's info may not hold a backtick)."""
    match = _OPEN.match(line)
    if not match:
        return None
    marker, info = match.groups()
    if marker[0] == "`" and "`" in info:
        return None
    return Fence(marker, info.strip())


def closes(line: str, fence: Fence) -> bool:
    """Whether this line closes the open fence."""
    stripped = line.strip()
    return len(stripped) >= len(fence.marker) and set(stripped) == {fence.marker[0]}


def code_lines(text: str) -> Iterator[tuple[str, bool]]:
    """Each line with whether it belongs to a fenced block (its fences included)."""
    fence: Fence | None = None
    for line in text.split("\n"):
        if fence is None:
            fence = open_fence(line)
            yield line, fence is not None
        else:
            yield line, True
            if closes(line, fence):
                fence = None


def segments(text: str) -> Iterator[tuple[Fence | None, str]]:
    """Split text into runs of prose (fence None) and whole fenced blocks, lines kept intact."""
    lines = text.split("\n")
    buf: list[str] = []
    fence: Fence | None = None
    for line in lines:
        if fence is None:
            opened = open_fence(line)
            if opened is None:
                buf.append(line)
                continue
            if buf:
                yield None, "\n".join(buf)
            buf, fence = [line], opened
        else:
            buf.append(line)
            if closes(line, fence):
                yield fence, "\n".join(buf)
                buf, fence = [], None
    if buf:
        yield fence, "\n".join(buf)


def drop_fences(text: str, langs: frozenset[str]) -> str:
    """Remove fenced blocks whose language is in langs (e.g. mermaid diagrams)."""
    kept = [seg for fence, seg in segments(text) if fence is None or fence.lang not in langs]
    return "\n".join(kept)
