"""Scores of one ranking per question, on the chunk ranking as the chain would receive it.

Page level: hit@k is "a chunk of the expected page is among the top k chunks"; MRR@10 is
1/rank of the first such chunk (0 past 10). Section level: sec@1 is "the top chunk cites an
expected `path#anchor`" (what the answer's first citation would link to), sec@5 the same
among the top 5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.eval.chunks import Chunk
from bench.eval.questions import Question

MRR_DEPTH = 10


@dataclass(frozen=True)
class Outcome:
    """Where the first right page and the first right section came in the ranking (1-based)."""

    question: Question
    page_rank: int | None
    section_rank: int | None
    top: tuple[str, ...]  # citations of the top 5 chunks


def outcome(question: Question, ranking: Sequence[Chunk]) -> Outcome:
    pages, sections = question.pages(), question.sections()
    page_rank = section_rank = None
    for rank, chunk in enumerate(ranking, start=1):
        if page_rank is None and chunk.path in pages:
            page_rank = rank
        if section_rank is None and (chunk.path, chunk.anchor) in sections:
            section_rank = rank
        if page_rank is not None and section_rank is not None:
            break
    return Outcome(question, page_rank, section_rank, tuple(c.cite for c in ranking[:5]))


def _within(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def summary(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """hit@1, hit@5, mrr (page level), sec@1, sec@5 (section level), as shares of questions."""
    n = max(len(outcomes), 1)
    mrr = sum(1 / o.page_rank for o in outcomes if _within(o.page_rank, MRR_DEPTH))
    return {
        "hit@1": sum(_within(o.page_rank, 1) for o in outcomes) / n,
        "hit@5": sum(_within(o.page_rank, 5) for o in outcomes) / n,
        "mrr": mrr / n,
        "sec@1": sum(_within(o.section_rank, 1) for o in outcomes) / n,
        "sec@5": sum(_within(o.section_rank, 5) for o in outcomes) / n,
    }
