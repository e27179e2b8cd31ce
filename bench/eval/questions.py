"""Question sets: JSONL lines `{"q", "path", "anchors", "also"?, "kind"?}`.

`path` is the page (relative to the docs folder) that answers the question; `anchors` are the
section ids on it that answer it ("" is the page intro). `also` lists other `path#anchor`
places that answer it just as well (the same fix repeated in a lesson's "Common mistakes").
`kind` groups questions for reading the results: what, howto, error, short.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KINDS = ("what", "howto", "error", "short")


class QuestionSetError(ValueError):
    """The question set does not match the book: every problem, one per line."""


@dataclass(frozen=True)
class Question:
    q: str
    path: str
    anchors: tuple[str, ...]
    also: tuple[tuple[str, str], ...] = ()
    kind: str = "what"

    def pages(self) -> set[str]:
        return {self.path, *(path for path, _ in self.also)}

    def sections(self) -> set[tuple[str, str]]:
        return {(self.path, a) for a in self.anchors} | set(self.also)


def load_questions(path: Path) -> list[Question]:
    """Parse a JSONL file; malformed lines fail with their line number."""
    questions = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            also = tuple(_split_cite(cite) for cite in row.get("also", []))
            question = Question(
                q=row["q"].strip(),
                path=row["path"],
                anchors=tuple(row["anchors"]),
                also=also,
                kind=row.get("kind", "what"),
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise QuestionSetError(f"{path}:{n}: bad question line ({exc})") from exc
        questions.append(question)
    return questions


def validate(questions: list[Question], anchors: dict[str, set[str]], source: str) -> None:
    """Raise QuestionSetError unless every page exists and every anchor is one the loader cites
    on that page; also refuses empty anchor lists, unknown kinds and repeated questions."""
    problems = []
    seen: set[str] = set()
    for n, question in enumerate(questions, start=1):
        where = f"{source} #{n} ({question.q[:40]!r})"
        if question.q.lower() in seen:
            problems.append(f"{where}: repeated question")
        seen.add(question.q.lower())
        if question.kind not in KINDS:
            problems.append(f"{where}: kind {question.kind!r} not in {KINDS}")
        if not question.anchors:
            problems.append(f"{where}: no anchors")
        places = [(question.path, a) for a in question.anchors] + list(question.also)
        for path, anchor in places:
            if path not in anchors:
                problems.append(f"{where}: page {path!r} is not in the book")
            elif anchor not in anchors[path]:
                problems.append(f"{where}: {path} has no section #{anchor} in the loader output")
    if problems:
        raise QuestionSetError("\n".join(problems))


def _split_cite(cite: str) -> tuple[str, str]:
    path, _, anchor = cite.partition("#")
    return path, anchor
