"""Author-written question sets cut out of a shared book, built at eval time (never committed).

A book whose authors end some pages with review questions ("Check Your Understanding", "Review
Questions", "Quiz", ...) gives an eval that cannot flatter us: the questions were written by
people who never saw our loader. As `../shared/corpus-eval/make_alinayasmeen.py` does for the
development book, each review section (its heading up to the next heading of the same or a
higher level, outside code fences) is cut out of a copy of the docs, so retrieval has to find
the page from its content, not from the question's own words, and each question's gold is the
page it was cut from. The copy and `questions.jsonl` go under bench/out/ (the corpus is
third-party text: it is read from ../shared, never copied into the project).

Two question forms are read: a `<summary>` line (`<summary>2. Why ...?</summary>`, the answer in
the `<details>` body) and a bold label (`**Question 3**: What ...?`). A question that still
stands word for word in the cut copy is left out (it would be found by its own text).
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

REVIEW = re.compile(
    r"^(#{1,6})\s+(?:[\d.]+\s+)?(?:Module\s+\d+\s+)?(Review Quiz|Quiz|Reflection Questions|"
    r"Review Questions|Self[- ]Assessment|Check Your Understanding|Knowledge Check)\b",
    re.I,
)
_HEADING = re.compile(r"^(#{1,6})\s")
_SUMMARY = re.compile(r"<summary>\s*(?:\d+[.)]\s*)?(.*?)\s*</summary>", re.I)
_LABELLED = re.compile(r"^\s*\*\*Question\s*\d+\*\*\s*:?\s*(.+?)\s*$", re.I)
_MARKUP = re.compile(r"\*\*|__|`")


def cut(text: str) -> tuple[list[str], list[str]]:
    """(the page's lines without its review sections, the questions those sections asked)."""
    kept: list[str] = []
    found: list[str] = []
    in_fence = False
    level = 0  # > 0 while inside a review section
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and (heading := _HEADING.match(line)):
            depth = len(heading.group(1))
            if level and depth <= level:
                level = 0
            if not level and REVIEW.match(line):
                level = depth
        if not level:
            kept.append(line)
        elif not in_fence and (question := _question(line)):
            found.append(question)
    return kept, found


def _question(line: str) -> str | None:
    match = _SUMMARY.search(line) or _LABELLED.match(line)
    if match is None:
        return None
    text = _MARKUP.sub("", html.unescape(match.group(1))).strip()
    return text if text.endswith("?") else None


def build(book_dir: Path, out_dir: Path) -> Path:
    """Cut `book_dir/docs` into `out_dir/docs` with `out_dir/questions.jsonl`; returns out_dir.
    Rebuilt every time (a few milliseconds), so it always follows the shared copy."""
    docs, dest_docs = book_dir / "docs", out_dir / "docs"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    questions: list[dict[str, object]] = []
    for source in sorted(p for p in docs.rglob("*") if p.is_file()):
        rel = source.relative_to(docs).as_posix()
        dest = dest_docs / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix not in (".md", ".mdx"):
            shutil.copyfile(source, dest)
            continue
        kept, found = cut(source.read_text(encoding="utf-8"))
        dest.write_text("\n".join(kept) + "\n", encoding="utf-8")
        questions += [{"question": q, "path": rel, "gold": [rel]} for q in found]
    corpus = " ".join(p.read_text(encoding="utf-8") for p in dest_docs.rglob("*.md*"))
    seen: set[str] = set()
    with open(out_dir / "questions.jsonl", "w", encoding="utf-8") as fh:
        for row in questions:
            if row["question"] in seen or row["question"] in corpus:
                continue
            seen.add(str(row["question"]))
            fh.write(json.dumps({"id": f"q{len(seen) - 1:03d}", **row}) + "\n")
    return out_dir
