"""Heading ids exactly as Docusaurus renders them, so `url#anchor` lands on the section.

Sources followed (Docusaurus v3):
- `@docusaurus/mdx-loader` `remark/headings`: every heading of a page, the H1 included, gets
  an id from one slugger per page, computed from the heading's plain text (`mdast-util-to-string`:
  inline code keeps its content, links and emphasis keep their text, images their alt).
  An explicit `{#custom-id}` at the end wins, is removed from the text and is not counted
  by the slugger; so does the MDX-compatible `{/* #custom-id */}` as the heading's last child.
  The slug text keeps what `mdast-util-to-string` keeps: an MDX comment expression `{/* x */}`
  elsewhere counts as its source `/* x */` (it renders as nothing), an HTML comment (dropped by
  the mdx1Compat comment plugin) counts as nothing but the spaces around it stay, footnote
  references (`[^1]`) count as nothing, and a setext heading's line break is dropped by the
  slugger (`a\nb` -> `ab`).
- `@docusaurus/utils` `createSlugger` wraps `github-slugger` (`script/generate-regex`):
  lowercase, keep letters, marks, decimal and letter numbers, connector punctuation (`_`), `-`
  and spaces, drop the rest, then spaces become `-` (so an emoji-led heading starts with `-`).
  A repeated slug gets `-1`, `-2`...
"""

from __future__ import annotations

import re
import unicodedata

from book.entities import ENTITY, decode

_HEADING_ID = re.compile(r"\s*\{#(?P<id>(?:.(?!\{#|\}))*.)\}$")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^>\s]*)>")
_TAG = re.compile(r"(?<!\\)</?[A-Za-z][\w.:-]*(?:\s[^<>]*)?/?>")
_STRONG = re.compile(r"(?<!\\)(\*\*|__)(?=\S)(.+?)(?<=[^\s\\])\1")
_EM_STAR = re.compile(r"(?<!\\)\*(?=\S)(.+?)(?<=[^\s\\])\*")
_EM_UNDERSCORE = re.compile(r"(?<![\w\\])_(?=\S)(.+?)(?<=[^\s\\])_(?!\w)")
_STRIKE = re.compile(r"(?<!\\)~~(?=\S)(.+?)(?<=[^\s\\])~~")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MDX_COMMENT = re.compile(r"\{(\s*/\*.*?\*/\s*)\}", re.DOTALL)
_ENTITY = re.compile(r"(?<!\\)" + ENTITY.pattern)
_COMMENT_ID = re.compile(r"\{[ \t]*/\*(?P<body>(?:(?!\*/).)*)\*/[ \t]*\}$", re.DOTALL)


class Slugger:
    """github-slugger: one per page, numbering repeated slugs."""

    def __init__(self) -> None:
        self._occurrences: dict[str, int] = {}

    def slug(self, value: str) -> str:
        base = slugify(value)
        slug = base
        while slug in self._occurrences:
            self._occurrences[base] += 1
            slug = f"{base}-{self._occurrences[base]}"
        self._occurrences[slug] = 0
        return slug


def slugify(value: str) -> str:
    """github-slugger's `slug(value)` without the duplicate counter."""
    kept = "".join(ch for ch in value.lower() if _kept(ch))
    return kept.replace(" ", "-")


# Symbols that Unicode counts as alphabetic (circled, squared letters): github-slugger keeps them.
_ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))


def _kept(ch: str) -> bool:
    """github-slugger strips other numbers, punctuation but `_` and `-`, symbols, controls,
    format characters and separators but the space, unless the character is alphabetic."""
    if ch in " -":
        return True
    category = unicodedata.category(ch)
    if category[0] in "LM" or category in {"Nd", "Nl", "Pc"}:
        return True
    return any(low <= ord(ch) <= high for low, high in _ALPHABETIC_SYMBOLS)


def split_heading_id(text: str) -> tuple[str, str | None]:
    """`Title {#my-id}` -> (`Title`, `my-id`) (`parseMarkdownHeadingId`)."""
    match = _HEADING_ID.search(text)
    if not match:
        return text, None
    return text[: match.start()], match.group("id")


def plain_text(markdown: str, *, strip: bool = True) -> str:
    """Inline markdown/JSX reduced to the text a reader sees (`mdast-util-to-string`)."""
    pieces = []
    last = 0
    for match in _CODE_SPAN.finditer(markdown):
        pieces.append(_inline_to_text(markdown[last : match.start()]))
        pieces.append(_code_span_text(match.group(2)))
        last = match.end()
    pieces.append(_inline_to_text(markdown[last:]))
    text = "".join(pieces)
    return text.strip() if strip else text


def _code_span_text(code: str) -> str:
    """CommonMark strips one space from both ends of a code span that has them."""
    if len(code) > 1 and code[0] == code[-1] == " " and code.strip():
        return code[1:-1]
    return code


def _inline_to_text(text: str) -> str:
    text = _FOOTNOTE_REF.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    for pattern in (_STRONG, _EM_STAR, _EM_UNDERSCORE, _STRIKE):
        previous = None
        while previous != text:
            previous = text
            text = pattern.sub(lambda m: m.group(m.lastindex or 0), text)
    # Character references: mdx_to_markdown decodes them already and escapes what it decodes
    # into Markdown punctuation, so a `\&` here is text and must not be decoded twice.
    text = _ENTITY.sub(lambda m: decode(m.group()), text)
    return _ESCAPE.sub(r"\1", text)


def heading_text_and_id(raw: str, slugger: Slugger) -> tuple[str, str]:
    """A heading's display text (white space collapsed) and its id, advancing the page's
    slugger unless the id is explicit."""
    raw, comment_id = _split_comment_id(raw.strip())
    display = " ".join(plain_text(_MDX_COMMENT.sub("", _HTML_COMMENT.sub("", raw))).split())
    if comment_id is not None:
        return display, comment_id
    slug_text = plain_text(_MDX_COMMENT.sub(r"\1", _HTML_COMMENT.sub("", raw)), strip=False)
    text, explicit = split_heading_id(slug_text)
    if explicit is not None:
        return " ".join(text.split()), explicit
    return display, slugger.slug(text)


def _split_comment_id(raw: str) -> tuple[str, str | None]:
    """`Quick start {/* #install */}` -> (`Quick start`, `install`): a last comment whose first
    word starts with `#` is the id; any other comment is not."""
    match = _COMMENT_ID.search(raw)
    if match is None:
        return raw, None
    first = (match.group("body").strip().split(" ") or [""])[0]
    if not first.startswith("#") or len(first) < 2:
        return raw, None
    return raw[: match.start()].rstrip(), first[1:]
