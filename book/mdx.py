"""MDX reduced to the Markdown a reader sees on the page.

Docusaurus v3 compiles `.md` and `.mdx` as MDX by default, so both go through here. Rules,
following MDX 2/3 (micromark-extension-mdxjs) and Docusaurus' theme components:
- `import`/`export` statements start a top-level line after a blank line and run to the next
  blank line once their brackets balance (mdxjs-esm); they are dropped. Only lines that read as
  statements count, so prose that starts with the word "import" survives.
- `{/* ... */}` and `<!-- ... -->` comments are dropped, except on an ATX heading line (they
  count in its id). Character references (`&amp;`) are decoded (book/entities.py).
- `{expression}`: a string or template literal is unwrapped, anything else dropped. Multi-line
  literals become a fenced code block, since they hold code (`<CodeBlock>{`...`}</CodeBlock>`,
  whose `language` prop names the fence). `{#id}` is kept for the heading pass.
- Elements lose their tags and keep their children; block HTML (`<details>`, `<div>`...) becomes
  line breaks, `<br/>` a space, `<script>`/`<style>` vanish. The text in a component's props
  (`label="Python"`, `entries={[{problem: "..."}]}`) becomes lines (book/props.py).
- Fenced code and inline code are copied untouched.
"""

from __future__ import annotations

import re

from book.entities import ENTITY, decode
from book.fences import closes, open_fence
from book.jsx import Tag, expression_end, is_balanced, literal_value, parse_tag
from book.props import prop_texts
from book.sections import CONTAINERS

_SPECIAL = re.compile(r"[\\`<{\n&]")
_HEADING_LINE = re.compile(rf"{CONTAINERS}[ \t]*#{{1,6}}[ \t]")
_COMMENT_ONLY = re.compile(r"\s*/\*.*\*/\s*", re.DOTALL)
_ESM = re.compile(
    r"""import\s*(?:['"{*]|[\w$]+\s*(?:,|\s+from\b))"""
    r"|export\s*[{*]|export\s+(?:default|const|let|var|function|class|async)\b"
)
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n|$)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_MARKDOWN_START = re.compile(r"#|<|:::|```|~~~")
_BACKTICKS = re.compile(r"`+")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote center details dialog div dl dd dt figcaption figure "
    "footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody "
    "tfoot thead tr ul".split()
)
_CELL_TAGS = frozenset({"td", "th"})
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "source", "track", "wbr", "col", "embed"})
_DROPPED_WITH_CONTENT = frozenset({"script", "style"})


def mdx_to_markdown(text: str) -> str:
    """Plain Markdown: no ESM, comments, JSX tags or JS expressions outside code."""
    return _Converter(text).run()


def fenced(code: str, lang: str = "") -> str:
    """A fenced code block long enough not to be closed by backticks in the code."""
    body = code.strip("\n")
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    marker = "`" * max(3, longest + 1)
    return f"\n{marker}{lang}\n{body}\n{marker}\n"


class _Converter:
    """One left-to-right pass; `stack` holds the open elements, innermost last."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.stack: list[Tag] = []

    def run(self) -> str:
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            if i == 0 or text[i - 1] == "\n":
                skipped = self._line_start(i)
                if skipped is not None:
                    i = skipped
                    continue
            match = _SPECIAL.search(text, i)
            if match is None:
                self.out.append(text[i:])
                break
            if match.start() > i:
                self.out.append(text[i : match.start()])
            i = self._special(match.start())
        return "".join(self.out)

    def _line_start(self, i: int) -> int | None:
        """Copy a fenced block or skip an ESM block starting here; None if neither."""
        text = self.text
        line_end = _line_end(text, i)
        fence = open_fence(text[i:line_end])
        if fence is not None:
            pos = line_end
            while pos < len(text):
                start = pos + 1
                pos = _line_end(text, start)
                if closes(text[start:pos], fence):
                    break
            self.out.append(text[i:pos])
            return pos
        if not self.stack and _ESM.match(text, i) and _after_blank_line(text, i):
            return self._esm_end(i)
        return None

    def _esm_end(self, i: int) -> int:
        """End of an ESM block: a blank line once the code is balanced, or clear Markdown."""
        text, pos = self.text, i
        while True:
            line_end = _line_end(text, pos)
            nxt = line_end + 1
            if line_end >= len(text):
                return len(text)
            balanced = is_balanced(text[i:line_end])
            if balanced and (_BLANK_LINE.match(text, line_end) or _MARKDOWN_START.match(text, nxt)):
                return line_end
            pos = nxt

    def _special(self, i: int) -> int:
        text, ch = self.text, self.text[i]
        if ch == "\n":
            self.out.append(ch)
            return i + 1
        if ch == "\\":
            self.out.append(text[i : i + 2])
            return i + 2
        if ch == "`":
            return self._code_span(i)
        if ch == "<":
            return self._angle(i)
        if ch == "&":
            match = ENTITY.match(text, i)
            if match is None:
                self.out.append("&")
                return i + 1
            self.out.append(decode(match.group(), escape=self._on_heading_line()))
            return match.end()
        return self._brace(i)

    def _on_heading_line(self) -> bool:
        """Whether the output's current line is an ATX heading (parsed again for its id)."""
        line: list[str] = []
        for piece in reversed(self.out):
            cut = piece.rfind("\n")
            line.append(piece[cut + 1 :])
            if cut >= 0:
                break
        return _HEADING_LINE.match("".join(reversed(line))) is not None

    def _code_span(self, i: int) -> int:
        text = self.text
        end = i
        while end < len(text) and text[end] == "`":
            end += 1
        run = text[i:end]
        closing = re.compile(rf"(?<!`){run}(?!`)")
        match = closing.search(text, i + len(run))
        if match is None or _PARAGRAPH_BREAK.search(text, i, match.start()):
            self.out.append(run)
            return i + len(run)
        self.out.append(text[i : match.end()])
        return match.end()

    def _angle(self, i: int) -> int:
        text = self.text
        if text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end >= 0:
                if self._on_heading_line():
                    self.out.append(text[i : end + 3])
                return end + 3
        tag = parse_tag(text, i)
        if tag is None:
            self.out.append("<")
            return i + 1
        return self._on_tag(tag)

    def _brace(self, i: int) -> int:
        text = self.text
        if text.startswith("{#", i):
            self.out.append("{")
            return i + 1
        end = expression_end(text, i + 1)
        if end is None:
            self.out.append("{")
            return i + 1
        value = literal_value(text[i + 1 : end - 1])
        if value is None and _COMMENT_ONLY.fullmatch(text, i + 1, end - 1):
            if self._on_heading_line():
                self.out.append(text[i:end])
        elif value is not None:
            info = self._code_block_info()
            if info is not None or "\n" in value.strip("\n"):
                self.out.append(fenced(value, info or ""))
            else:
                self.out.append(value)
        return end

    def _on_tag(self, tag: Tag) -> int:
        lower = tag.name.lower()
        texts = [] if tag.closing or tag.name == "CodeBlock" else prop_texts(tag)
        if texts and self._on_heading_line():  # a heading's text is its children only
            texts = []
        if texts:
            self.out.append("\n\n" + "\n\n".join(texts) + "\n\n")
        if tag.closing:
            self._close(tag.name)
        elif lower in _DROPPED_WITH_CONTENT and not tag.self_closing:
            match = re.compile(rf"</{re.escape(tag.name)}\s*>").search(self.text, tag.end)
            return match.end() if match else len(self.text)
        elif tag.self_closing or lower in _VOID_TAGS:
            if lower == "br":
                self.out.append(" ")
            return tag.end
        else:
            self.stack.append(tag)
        if lower in _BLOCK_TAGS:
            self.out.append("\n")
        elif lower in _CELL_TAGS:
            self.out.append(" ")
        return tag.end

    def _close(self, name: str) -> None:
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k].name == name:
                del self.stack[k:]
                return

    def _code_block_info(self) -> str | None:
        """Fence info inside `<CodeBlock>`: its language and title, as a Markdown fence writes
        them (```py title="x.py"); None outside one."""
        if not self.stack or self.stack[-1].name != "CodeBlock":
            return None
        attrs = self.stack[-1].attrs
        lang = attrs.get("language") or attrs.get("className", "").removeprefix("language-")
        title = attrs.get("title")
        return f'{lang} title="{title}"'.strip() if title else lang


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _after_blank_line(text: str, i: int) -> bool:
    """Whether the line starting at i follows a blank line or starts the text."""
    if i == 0:
        return True
    previous_start = text.rfind("\n", 0, i - 1) + 1
    return not text[previous_start : i - 1].strip()
