"""Docusaurus front matter: the YAML block between `---` lines at the very top of a doc.

Follows gray-matter, which Docusaurus uses (`@docusaurus/utils` `parseFrontMatter`): the first
line must be `---`, the block ends at the next `---` line, and the rest is the document body.
Only the fields bookchat needs are typed; the rest of the YAML is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

_DELIMITER = "---"


@dataclass(frozen=True)
class FrontMatter:
    """The front matter fields that shape a doc's URL, title and metadata."""

    title: str | None = None
    id: str | None = None
    slug: str | None = None
    sidebar_label: str | None = None
    sidebar_position: float | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    draft: bool = False
    parse_number_prefixes: bool = True


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(raw YAML or None, body); the body keeps its text exactly as written."""
    text = text.removeprefix("\ufeff")
    first, sep, rest = text.partition("\n")
    if first.rstrip() != _DELIMITER or not sep:
        return None, text
    lines = rest.split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() == _DELIMITER:
            return "\n".join(lines[:i]), "\n".join(lines[i + 1 :])
    return None, text


def parse_front_matter(text: str, source: str) -> tuple[FrontMatter, str]:
    """Front matter and body of a doc; invalid YAML fails naming the file, as a build would."""
    raw, body = split_front_matter(text)
    if raw is None:
        return FrontMatter(), body
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: invalid front matter: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{source}: front matter must be a mapping, got {type(data).__name__}")
    return _typed(data), body


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value).strip()


def _tags(value: Any) -> tuple[str, ...]:
    """Tags are strings, or objects with a label (Docusaurus accepts both)."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    tags = []
    for item in items:
        label = item.get("label") if isinstance(item, dict) else item
        if label is not None and str(label).strip():
            tags.append(str(label).strip())
    return tuple(tags)


def _typed(data: dict[str, Any]) -> FrontMatter:
    position = data.get("sidebar_position")
    return FrontMatter(
        title=_text(data.get("title")),
        id=_text(data.get("id")),
        slug=_text(data.get("slug")),
        sidebar_label=_text(data.get("sidebar_label")),
        sidebar_position=float(position) if isinstance(position, int | float) else None,
        description=_text(data.get("description")),
        tags=_tags(data.get("tags")),
        draft=data.get("draft") is True,
        parse_number_prefixes=data.get("parse_number_prefixes") is not False,
    )
