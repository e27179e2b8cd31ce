"""Two retrieval ideas tried for issue 11 that are not settings, measured like bench/eval_served.py
(same books, questions, scores; the served defaults otherwise). Neither was adopted: see
bench/RESULTS.md, "Retrieval, issue 11".

    python -m bench.eval_variants sparse-text   # what the lexical vector reads
    python -m bench.eval_variants page-boost    # page scores from several candidate chunks

`sparse-text`: the lexical vector of a chunk from its heading path + text (as shipped), from
its text alone, or from the heading path twice + text (title words count double).
`page-boost`: reorder the fused candidates by a page score (the page's best chunk plus alpha
times its second best, or plus alpha times the sum of the others) before the page cap.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable

from langchain_core.documents import Document
from langchain_qdrant import SparseVector

import clients.lexical as lexical
from bench.eval.served import (
    DEPTH,
    CachedEmbeddings,
    IngestedBook,
    Scores,
    gold_questions,
    reordered_scores,
)
from bench.eval_served import (
    BOOKS,
    MODEL_ID,
    book_source,
    ingested_books,
    served_rankings,
    shipped_cache,
)

_shipped = lexical.document_vector


def _body_only(text: str) -> SparseVector:
    head, sep, body = text.partition("\n\n")
    return _shipped(body if sep else text)


def _path_twice(text: str) -> SparseVector:
    head, sep, body = text.partition("\n\n")
    return _shipped(f"{head}\n{head}\n\n{body}" if sep else text)


SPARSE_TEXTS: dict[str, Callable[[str], SparseVector]] = {
    "heading path + text (shipped)": _shipped,
    "text only": _body_only,
    "heading path twice + text": _path_twice,
}
BOOSTS = (("none", 0.0), ("second", 0.5), ("second", 1.0), ("sum", 0.1), ("sum", 0.25),
          ("sum", 0.5))


def _boosted(docs: list[Document], mode: str, alpha: float) -> list[Document]:
    if mode == "none":
        return docs
    pages: dict[str, list[float]] = defaultdict(list)
    for doc in docs:
        pages[doc.metadata["path"]].append(doc.metadata["score"])
    extra = {p: (s[1] if len(s) > 1 else 0.0) if mode == "second" else sum(s[1:])
             for p, s in pages.items()}
    score = {p: s[0] + alpha * extra[p] for p, s in pages.items()}
    return sorted(docs, key=lambda d: (-score[d.metadata["path"]], -d.metadata["score"]))


def _print(corpus: str, name: str, s: Scores) -> None:
    cells = " | ".join(f"{100 * v:.1f}" for v in (s.hit1, s.hit5, s.mrr, s.recall))
    print(f"| {corpus} | {name} | {cells} |", flush=True)


def sparse_text(embeddings: CachedEmbeddings) -> None:
    for corpus in BOOKS:
        root, qfile = book_source(corpus)
        golds = gold_questions(root, qfile)
        for name, encode in SPARSE_TEXTS.items():
            lexical.document_vector = encode  # what the ingest's sparse encoder calls
            try:
                book = IngestedBook(root / "docs", embeddings)
            finally:
                lexical.document_vector = _shipped
            try:
                _print(corpus, name, Scores.of(golds, *served_rankings(book, golds, {})))
            finally:
                book.close()


def page_boost(embeddings: CachedEmbeddings) -> None:
    for corpus, _, golds, book in ingested_books(embeddings):
        served = book.retriever()
        deep = book.retriever(retrieval_k=DEPTH)
        found = [served._search(g.q, embeddings.embed_query(g.q), None) for g in golds]
        for mode, alpha in BOOSTS:
            ranked = [_boosted(list(docs), mode, alpha) for docs in found]
            _print(corpus, f"{mode} {alpha}", reordered_scores(golds, ranked, served, deep))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("experiment", choices=["sparse-text", "page-boost"])
    args = p.parse_args(argv)

    cache = shipped_cache()
    try:
        print("| book | variant | hit@1 | hit@5 | MRR@20 | context recall |")
        print("|---|---|---|---|---|---|")
        run = sparse_text if args.experiment == "sparse-text" else page_boost
        run(CachedEmbeddings(cache, MODEL_ID))
    finally:
        cache.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
