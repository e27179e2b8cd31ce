"""A small lexer for the JavaScript inside MDX: JSX tags, `{...}` expressions and literals.

It does not parse JavaScript; it only finds where a tag or an expression ends, stepping over
strings, template literals (with `${}` nesting) and comments, which is all MDX needs to know to
decide what is markup and what is text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from book.entities import decode_all

_NAME = re.compile(r"[A-Za-z_$][\w$-]*(?:[.:][A-Za-z_$][\w$-]*)*")
_ATTR_NAME = re.compile(r"[A-Za-z_$][\w$.:-]*")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": ""}


@dataclass
class Tag:
    """One JSX/HTML tag: `<Name a="b">`, `</Name>`, `<Name />` or a fragment (name "")."""

    name: str
    end: int
    closing: bool = False
    self_closing: bool = False
    attrs: dict[str, str] = field(default_factory=dict)  # string values only
    # Every named prop in source order: (name, value, whether value is a `{...}` expression).
    props: list[tuple[str, str, bool]] = field(default_factory=list)


def string_end(text: str, i: int) -> int | None:
    """Index after the quoted JS string starting at i (strings cannot span lines)."""
    quote, j, n = text[i], i + 1, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
        elif ch == quote:
            return j + 1
        elif ch == "\n":
            return None
        else:
            j += 1
    return None


def template_end(text: str, i: int) -> int | None:
    """Index after the template literal starting at i."""
    j, n = i + 1, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
        elif ch == "`":
            return j + 1
        elif text.startswith("${", j):
            end = expression_end(text, j + 2)
            if end is None:
                return None
            j = end
        else:
            j += 1
    return None


def expression_end(text: str, i: int) -> int | None:
    """Index after the `}` that closes an expression whose body starts at i."""
    depth, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            end = string_end(text, i)
        elif ch == "`":
            end = template_end(text, i)
        elif text.startswith("/*", i):
            found = text.find("*/", i + 2)
            end = None if found < 0 else found + 2
        elif text.startswith("//", i):
            found = text.find("\n", i)
            end = n if found < 0 else found
        else:
            if ch in "{[(":
                depth += 1
            elif ch in "}])":
                if depth == 0:
                    return i + 1 if ch == "}" else None
                depth -= 1
            i += 1
            continue
        if end is None:
            return None
        i = end
    return None


def is_balanced(code: str) -> bool:
    """Whether every bracket, string and comment in a JS snippet is closed."""
    return expression_end(code + "}", 0) == len(code) + 1


def literal_value(expression: str) -> str | None:
    """The value of an expression that is one string or template literal, else None."""
    s = expression.strip()
    if len(s) < 2 or s[0] not in "\"'`" or s[-1] != s[0]:
        return None
    end = template_end(s, 0) if s[0] == "`" else string_end(s, 0)
    if end != len(s) or (s[0] == "`" and "${" in s):
        return None
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), s[1:-1])


_KEY_BEFORE = re.compile(r"""([A-Za-z_$][\w$]*|"[^"\n]*"|'[^'\n]*')\s*:\s*$""")


def literal_strings(expression: str) -> Iterator[tuple[str | None, str]]:
    """The string and template literals of a JS expression (arrays, objects, nesting), each
    with the object key it is the value of (None in an array): `[{problem: 'x'}]` gives
    ('problem', 'x'). Template literals with `${}` and everything that is not a literal are
    skipped."""
    i, n = 0, len(expression)
    while i < n:
        ch = expression[i]
        if ch in "\"'`":
            end = template_end(expression, i) if ch == "`" else string_end(expression, i)
            if end is None:
                return
            value = literal_value(expression[i:end])
            key = _KEY_BEFORE.search(expression[max(0, i - 200) : i])
            if value is not None and not _is_key(expression, end):
                yield (key.group(1).strip("\"'") if key else None), value
            i = end
        elif expression.startswith("/*", i):
            found = expression.find("*/", i + 2)
            i = n if found < 0 else found + 2
        elif expression.startswith("//", i):
            found = expression.find("\n", i)
            i = n if found < 0 else found
        else:
            i += 1


def _is_key(expression: str, end: int) -> bool:
    """Whether the literal ending at `end` is a quoted object key (`{'a b': 1}`)."""
    return expression[end:].lstrip().startswith(":")


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def parse_tag(text: str, i: int) -> Tag | None:
    """The tag starting at text[i] == '<', or None when this `<` is plain text."""
    j = i + 1
    closing = text.startswith("/", j)
    if closing:
        j += 1
    if text.startswith(">", j):
        return Tag("", j + 1, closing=closing)
    match = _NAME.match(text, j)
    if not match:
        return None
    name, j = match.group(), match.end()
    if closing:
        j = _skip_space(text, j)
        return Tag(name, j + 1, closing=True) if text.startswith(">", j) else None
    return _opening_tag(text, name, j)


def _opening_tag(text: str, name: str, j: int) -> Tag | None:
    """The attributes of `<name` up to its `>` or `/>`; `{...spread}` is stepped over."""
    tag = Tag(name, j)
    while True:
        k = _skip_space(text, j)
        if k >= len(text):
            return None
        if text.startswith(">", k) or text.startswith("/>", k):
            tag.self_closing = text[k] == "/"
            tag.end = k + 1 + tag.self_closing
            return tag
        if text[k] == "{":
            end = expression_end(text, k + 1)
        else:
            attr = _ATTR_NAME.match(text, k)
            if attr is None or k == j:
                return None
            end = _attribute_end(text, attr.end(), attr.group(), tag.attrs, tag.props)
        if end is None:
            return None
        j = end


def _attribute_end(
    text: str, i: int, key: str, attrs: dict[str, str], props: list[tuple[str, str, bool]]
) -> int | None:
    """Read `=value` after an attribute name; string values are recorded in attrs (character
    references decoded, as MDX decodes them), every value in props."""
    k = _skip_space(text, i)
    if not text.startswith("=", k):
        attrs[key] = ""
        return i
    v = _skip_space(text, k + 1)
    if v >= len(text):
        return None
    quote = text[v]
    if quote in "\"'":
        end = text.find(quote, v + 1)
        if end < 0:
            return None
        attrs[key] = decode_all(text[v + 1 : end])
        props.append((key, attrs[key], False))
        return end + 1
    if quote == "{":
        end = expression_end(text, v + 1)
        if end is None:
            return None
        value = literal_value(text[v + 1 : end - 1])
        if value is not None:
            attrs[key] = value
        props.append((key, text[v + 1 : end - 1], True))
        return end
    return None
