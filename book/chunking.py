"""A section's text cut into chunks sized for the embedding model, on natural boundaries.

Size is counted in characters, a cheap stand-in for word pieces: all-MiniLM-L6-v2 reads at most
256 word pieces and truncates the rest; plain prose runs about four characters per word piece,
code, symbols and emoji fewer (about 3.3 over the sample books).

Blocks (paragraphs, lists, tables, fenced code) are packed whole. A block that alone is too big
is cut: prose at lines, then sentences, then words; a table by rows with its header repeated;
code by lines, each piece fenced again so it still reads as code. A short lead-in ending in a
colon ("Run this:") stays in front of the code it introduces. Consecutive chunks share up to
`overlap` characters of trailing prose (whole lines or sentences), never code. Horizontal rules
are dropped: they separate, they do not say anything.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from book.fences import closes, open_fence, segments

_RULE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_NOT_LIST_NUMBER = r"(?<!^[0-9][.)])(?<![\n ][0-9][.)])(?<!^[0-9][0-9][.)])"
_SENTENCE_END = re.compile(rf"(?<=[.!?…]){_NOT_LIST_NUMBER}\s+(?=\S)", re.MULTILINE)
_TAIL_BOUNDARY = re.compile(rf"\n|(?<=[.!?…]){_NOT_LIST_NUMBER}[ \t]+", re.MULTILINE)
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_SPLITTERS: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    ("\n", lambda text: text.split("\n")),
    (" ", _SENTENCE_END.split),
    (" ", str.split),
)


@dataclass(frozen=True)
class _Block:
    text: str
    code: bool
    lead: str = ""  # for code: the short prose that introduces it, kept in front of it


def split_text(text: str, *, size: int, overlap: int) -> list[str]:
    """Chunks of at most about `size` characters; [] when the text holds nothing."""
    if size <= 0 or overlap < 0 or overlap >= size:
        raise ValueError(f"need 0 <= chunk_overlap < chunk_size, got {overlap} and {size}")
    blocks = [piece for block in _blocks(text) for piece in _fit(block, size, overlap)]
    return _pack(blocks, size, overlap)


def _blocks(text: str) -> list[_Block]:
    """Fenced code blocks whole, prose split into paragraphs, rules and blank lines gone."""
    blocks: list[_Block] = []
    for fence, segment in segments(text):
        if fence is not None:
            code = segment.strip("\n")
            if blocks and _leads_in(blocks[-1]):
                lead = blocks.pop().text
                blocks.append(_Block(f"{lead}\n\n{code}", code=True, lead=lead))
            else:
                blocks.append(_Block(code, code=True))
            continue
        for paragraph in _PARAGRAPH_BREAK.split(segment):
            lines = [line.rstrip() for line in paragraph.split("\n") if not _RULE.match(line)]
            kept = "\n".join(line for line in lines if line.strip())
            if kept:
                blocks.append(_Block(_unindent(kept), code=False))
    return blocks


def _unindent(text: str) -> str:
    """Dedent prose indented 4+ (it would read as code); smaller indents are list nesting."""
    indent = min(len(line) - len(line.lstrip()) for line in text.split("\n"))
    return textwrap.dedent(text) if indent >= 4 else text


def _fit(block: _Block, size: int, overlap: int) -> list[_Block]:
    """The block, or its pieces when it alone is longer than size; prose pieces leave room
    for the overlap that will start the next chunk."""
    if len(block.text) <= size:
        return [block]
    if block.code:
        lead = f"{block.lead}\n\n" if block.lead else ""
        pieces = _split_code(block.text[len(lead) :], size, reserve=len(lead))
        return [_Block(lead + pieces[0], code=True), *(_Block(p, code=True) for p in pieces[1:])]
    lines = block.text.split("\n")
    if _is_table(lines):
        return [_Block(piece, code=False) for piece in _split_table(lines, size)]
    return [_Block(piece, code=False) for piece in _split_prose(block.text, size - overlap)]


def _is_table(lines: list[str]) -> bool:
    return len(lines) > 2 and "|" in lines[0] and bool(_TABLE_RULE.match(lines[1]))


def _greedy(units: list[str], budget: int, sep: str, reserve: int = 0) -> list[list[str]]:
    """Group units in order, each group within budget if it can be (the first within
    budget - reserve), with sizes evened out so no piece is a small leftover."""
    groups = _fill(units, budget, sep, reserve)
    if len(groups) > 1:
        total = sum(len(unit) + len(sep) for unit in units) + reserve
        even = -(-total // len(groups)) + budget // 10
        balanced = _fill(units, min(budget, even), sep, reserve)
        if len(balanced) == len(groups):
            return balanced
    return groups


def _fill(units: list[str], budget: int, sep: str, reserve: int) -> list[list[str]]:
    groups: list[list[str]] = []
    length = 0
    for unit in units:
        limit = budget - reserve if len(groups) == 1 else budget
        if groups and length + len(sep) + len(unit) <= limit:
            groups[-1].append(unit)
            length += len(sep) + len(unit)
        else:
            groups.append([unit])
            length = len(unit)
    return groups


def _split_code(code: str, size: int, reserve: int = 0) -> list[str]:
    lines = code.split("\n")
    fence = open_fence(lines[0])
    if fence is None:
        return [code]
    body = lines[1:-1] if len(lines) > 1 and closes(lines[-1], fence) else lines[1:]
    closing = lines[0][: len(lines[0]) - len(lines[0].lstrip())] + fence.marker
    budget = size - len(lines[0]) - len(closing) - 2
    groups = [_trim_blank(group) for group in _greedy(body, budget, "\n", reserve)]
    return ["\n".join([lines[0], *group, closing]) for group in groups if group]


def _trim_blank(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


def _split_table(lines: list[str], size: int) -> list[str]:
    header = lines[:2]
    budget = size - len("\n".join(header)) - 1
    return ["\n".join(header + group) for group in _greedy(lines[2:], budget, "\n")]


def _split_prose(text: str, size: int, level: int = 0) -> list[str]:
    """Split at the coarsest boundary that works: lines, then sentences, then words."""
    if len(text) <= size:
        return [text]
    if level == len(_SPLITTERS):
        return [text[i : i + size] for i in range(0, len(text), size)]
    sep, split = _SPLITTERS[level]
    units = [unit for unit in split(text) if unit.strip()]
    if len(units) <= 1:
        return _split_prose(text, size, level + 1)
    pieces = [piece for unit in units for piece in _split_prose(unit, size, level + 1)]
    return [sep.join(group) for group in _greedy(pieces, size, sep)]


def _pack(blocks: list[_Block], size: int, overlap: int) -> list[str]:
    """Fill chunks with whole blocks; a new chunk starts with the last one's prose tail."""
    chunks: list[list[_Block]] = []
    current: list[_Block] = []
    length = 0
    for block in blocks:
        if current and length + 2 + len(block.text) > size:
            chunks.append(current)
            tail = _tail(current[-1], overlap)
            fits = tail is not None and len(tail) + 2 + len(block.text) <= size
            current = [_Block(tail, code=False)] if tail and fits else []
            length = len(tail) if tail and fits else 0
        length += len(block.text) + (2 if current else 0)
        current.append(block)
    if current:
        chunks.append(current)
    return ["\n\n".join(b.text for b in chunk) for chunk in chunks]


def _leads_in(block: _Block) -> bool:
    """A short prose block ending in a colon introduces the code after it."""
    return not block.code and block.text.rstrip().endswith(":") and len(block.text) <= 200


def _tail(block: _Block, overlap: int) -> str | None:
    """The last whole lines or sentences of a prose block that fit in `overlap` characters
    (none from code or tables: a fragment of either reads wrong on its own)."""
    if block.code or overlap == 0 or block.text.lstrip().startswith("|"):
        return None
    text = block.text
    for match in _TAIL_BOUNDARY.finditer(text):
        if len(text) - match.end() <= overlap:
            return text[match.end() :].strip() or None
    return None
