"""HTML character references (`&amp;`, `&nbsp;`, `&#8594;`) as the text a reader sees.

MDX decodes them in text and in JSX attribute strings, never in code. A reference that decodes
to Markdown or JSX punctuation (`&lt;` -> `<`) is escaped where the text is parsed again (heading
lines: `\\<`), so it stays text there; elsewhere it is just the character.
"""

from __future__ import annotations

import html
import re

ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PUNCTUATION = frozenset("\\`*_{}[]<>()#+-.!|~&")


def decode(reference: str, *, escape: bool = False) -> str:
    """One reference decoded (unchanged when unknown), escaped for Markdown if asked."""
    char = html.unescape(reference)
    if escape and char in _PUNCTUATION:
        return "\\" + char
    return char


def decode_all(text: str) -> str:
    """Every reference in a run of text decoded."""
    return ENTITY.sub(lambda m: decode(m.group()), text)
