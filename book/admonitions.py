"""Docusaurus admonitions (`:::tip Title` ... `:::`) turned into plain labelled text.

Syntax followed (`@docusaurus/mdx-loader` `remark/admonitions`, built on remark-directive):
a container opens with three or more colons and a keyword, the title comes either in brackets
(`:::note[Title]`, v3) or after a space (`:::note Title`, v2 style, still accepted), and a line of
colons closes the innermost open container, so nesting uses longer fences outside (`::::`).
The box becomes a line `Tip: Title` (or `Tip:`) followed by its content. Every closing line just
vanishes, so nesting needs no bookkeeping.
"""

from __future__ import annotations

import re

from book.fences import code_lines

_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<colons>:{3,})(?P<kind>[A-Za-z][\w-]*)"
    r"(?:\[(?P<bracket>[^\]]*)\])?(?P<rest>[^{]*?)\s*(?:\{[^}]*\})?\s*$"
)
_CLOSE = re.compile(r"^[ \t]*:{3,}[ \t]*$")


def label_line(indent: str, kind: str, title: str) -> str:
    """The text that stands for an admonition's box: `Tip: Title`."""
    name = kind.replace("-", " ").replace("_", " ").capitalize()
    return f"{indent}{name}: {title}".rstrip()


def convert_admonitions(markdown: str) -> str:
    """Replace admonition fences outside code blocks with their label line."""
    out: list[str] = []
    for line, code in code_lines(markdown):
        if code:
            out.append(line)
            continue
        if _CLOSE.match(line):
            continue
        match = _OPEN.match(line)
        if match:
            title = (match.group("bracket") or match.group("rest") or "").strip()
            out.append(label_line(match.group("indent"), match.group("kind"), title))
            continue
        out.append(line)
    return "\n".join(out)
