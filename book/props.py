"""The text a reader sees in a component's props: `<InstallationStep title="Install"
description="..."/>`, `<TroubleshootingAccordion entries={[{problem: "...", solutions: [...]}]}/>`.

A component renders some props as text and uses others for behaviour or styling; without
running it we cannot tell which, so we keep every string literal of a capitalised component's
props (strings, and the literals inside array and object expressions) except the ones that
read as machinery: props and object keys known to hold ids, URLs, styles or choices (`id`,
`href`, `className`, `value`, `type`...), and values with no letter, or one word that is a
URL, a path or an identifier (`ts-driver-too-old`). Lowercase HTML elements are skipped: their
attributes (`alt`, `title`) are not body text.
"""

from __future__ import annotations

import re
import textwrap

from book.jsx import Tag, literal_strings

_NON_TEXT = frozenset(
    "id key className class style href src to url link path slug target rel type value icon "
    "emojiPrefix language groupId color variant size width height queryString".split()
)
# One token (no white space) that is a URL, a path, a fragment, a package or an identifier.
_MACHINE = re.compile(
    r"^(?:(?:[a-z][a-z0-9+.-]*://|mailto:|\.{0,2}/|#|@)\S*"
    r"|[a-z0-9]+(?:[-_.][a-z0-9]+)+)$"  # an identifier like ts-driver-too-old
)
_HEADING_START = re.compile(r"^([ \t]*)(#{1,6}(?:[ \t]|$))", re.MULTILINE)


def prop_texts(tag: Tag) -> list[str]:
    """Reader-visible strings of a component's props, in source order, as Markdown lines."""
    if not tag.name[:1].isupper():
        return []
    texts = []
    for name, value, expression in tag.props:
        if name in _NON_TEXT:
            continue
        pairs = literal_strings(value) if expression else [(None, value)]
        texts += [_as_block(v) for key, v in pairs if key not in _NON_TEXT and _is_text(v)]
    return texts


def _is_text(value: str) -> bool:
    stripped = value.strip()
    return any(ch.isalpha() for ch in stripped) and not _MACHINE.match(stripped)


def _as_block(value: str) -> str:
    """A value as its own lines; a line starting with `#` would turn into a heading."""
    text = textwrap.dedent(value.strip("\n")).strip()
    return _HEADING_START.sub(r"\1\\\2", text)
