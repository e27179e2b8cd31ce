"""The eval's tables: one row per config and corpus, and points won or lost against `ours`."""

from __future__ import annotations

from dataclasses import dataclass

from bench.eval.metrics import Outcome

METRICS = ("hit@1", "hit@5", "mrr", "sec@1", "sec@5")


@dataclass(frozen=True)
class Row:
    """One config on one corpus."""

    corpus: str
    config: str
    chunks: int
    median_chars: int
    truncated: float  # share of embedded texts the model truncates
    scores: dict[str, float]


Result = tuple[Row, list[Outcome]]


def format_table(rows: list[Row]) -> str:
    """Markdown: one line per config, scores as percentages of the corpus's questions."""
    head = "| config | chunks | median chars | >256 wp | " + " | ".join(METRICS) + " |"
    lines = [head, "|" + "---|" * (4 + len(METRICS))]
    for r in rows:
        scores = " | ".join(f"{100 * r.scores[m]:.1f}" for m in METRICS)
        lines.append(
            f"| {r.config} | {r.chunks} | {r.median_chars} | {100 * r.truncated:.0f}% | {scores} |"
        )
    return "\n".join(lines)


def format_deltas(results: dict[tuple[str, str], Result], reference: str = "ours") -> str:
    """Markdown: each config's MRR and sec@1 minus the reference's, per corpus, in points, and
    how many questions it won/lost at sec@1 (on ~50 questions one question is ~2 points)."""
    corpora = list(dict.fromkeys(corpus for corpus, _ in results))
    names = list(dict.fromkeys(name for _, name in results))
    cols = [f"{c} {m}" for c in corpora for m in ("Δmrr", "Δsec@1", "sec@1 won/lost")]
    lines = ["| config | " + " | ".join(cols) + " |", "|" + "---|" * (1 + len(cols))]
    for name in names:
        cells = []
        for corpus in corpora:
            ref, this = results.get((corpus, reference)), results.get((corpus, name))
            if ref is None or this is None:
                cells += ["", "", ""]
                continue
            for metric in ("mrr", "sec@1"):
                cells.append(f"{100 * (this[0].scores[metric] - ref[0].scores[metric]):+.1f}")
            pairs = list(zip(this[1], ref[1], strict=True))
            won = sum(a.section_rank == 1 and b.section_rank != 1 for a, b in pairs)
            lost = sum(a.section_rank != 1 and b.section_rank == 1 for a, b in pairs)
            cells.append(f"+{won}/-{lost}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def misses(outcomes: list[Outcome]) -> str:
    """The questions whose first chunk cites the wrong section, with what came first."""
    lines = []
    for o in outcomes:
        if o.section_rank == 1:
            continue
        expected = f"{o.question.path}#{'|'.join(o.question.anchors)}"
        lines.append(
            f"  [{o.question.kind}] {o.question.q}\n    want {expected} (page rank "
            f"{o.page_rank}, section rank {o.section_rank})\n    got  {o.top[0] if o.top else '-'}"
        )
    return "\n".join(lines)
