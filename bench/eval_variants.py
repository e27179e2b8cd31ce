"""Retrieval ideas tried for issue 11 that are not settings, measured like bench/eval_served.py
(same books, questions, scores; the served defaults otherwise). None was adopted: see
bench/RESULTS.md, "Retrieval, issue 11".

    python -m bench.eval_variants sparse-text   # what the lexical vector reads
    python -m bench.eval_variants page-boost    # page scores from several candidate chunks
    python -m bench.eval_variants word-pairs    # adjacent word pairs in the lexical vector
    python -m bench.eval_variants query-verbs   # the lexical query without "explain", "list"...

`sparse-text`: the lexical vector of a chunk from its heading path + text (as shipped), from
its text alone, or from the heading path twice + text (title words count double).
`page-boost`: reorder the fused candidates by a page score (the page's best chunk plus alpha
times its second best, or plus alpha times the sum of the others) before the page cap.
`word-pairs`: every pair of adjacent kept words is a term of its own beside the words (BM25
weights, Qdrant's IDF), the question's pairs weighted w against its words' 1 (w = 0 is the
shipped search on the same collection): phrase matches count, as in sequential-dependence
models. `query-verbs`: the question's instruction verbs (a list fixed before the run, not read
off any question set) dropped from the lexical query.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import lru_cache

from langchain_core.documents import Document
from langchain_qdrant import SparseVector

import chains.retriever as retriever_module
import clients.lexical as lexical
from bench.eval.served import (
    DEPTH,
    CachedEmbeddings,
    Gold,
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
_shipped_query = lexical.query_vector
PAIR_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
INSTRUCTION_VERBS = """explain describe discuss define list identify compare contrast outline
summarize summarise state give briefly mention elaborate illustrate justify evaluate""".split()


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


def _pairs(words: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _with_pairs(text: str) -> SparseVector:
    """BM25 weights of the words and of their adjacent pairs (length: the words alone)."""
    words = lexical.words(text)
    return lexical.term_weights(words + _pairs(words), len(words))


def _pair_query(weight: float) -> Callable[[str], SparseVector]:
    def encode(text: str) -> SparseVector:
        words = lexical.words(text)
        terms = {lexical.term_id(w): 1.0 for w in words}
        for pair in _pairs(words):
            terms.setdefault(lexical.term_id(pair), weight)
        indices = sorted(i for i in terms if terms[i])
        return SparseVector(indices=indices, values=[terms[i] for i in indices])

    return encode


@lru_cache(maxsize=1)
def _verb_ids() -> frozenset[int]:
    return frozenset(lexical.term_id(w) for w in lexical.words(" ".join(INSTRUCTION_VERBS)))


def _without_verbs(text: str) -> SparseVector:
    drop = _verb_ids()
    vector = _shipped_query(text)
    kept = [i for i in vector.indices if i not in drop] or list(vector.indices)
    return SparseVector(indices=kept, values=[1.0] * len(kept))


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


def _query_variants(
    book: IngestedBook,
    corpus: str,
    golds: list[Gold],
    encoders: Sequence[tuple[str, Callable[[str], SparseVector]]],
) -> None:
    """Score the served search with each query encoder in turn on one ingested book."""
    try:
        for name, encode in encoders:
            retriever_module.query_vector = encode  # what the served search calls
            _print(corpus, name, Scores.of(golds, *served_rankings(book, golds, {})))
    finally:
        retriever_module.query_vector = _shipped_query


def word_pairs(embeddings: CachedEmbeddings) -> None:
    for corpus in BOOKS:
        root, qfile = book_source(corpus)
        lexical.document_vector = _with_pairs
        try:
            book = IngestedBook(root / "docs", embeddings)
        finally:
            lexical.document_vector = _shipped
        try:
            encoders = [(f"pairs w={w}", _pair_query(w)) for w in PAIR_WEIGHTS]
            _query_variants(book, corpus, gold_questions(root, qfile), encoders)
        finally:
            book.close()


def query_verbs(embeddings: CachedEmbeddings) -> None:
    encoders = [("shipped", _shipped_query), ("no instruction verbs", _without_verbs)]
    for corpus, _, golds, book in ingested_books(embeddings):
        _query_variants(book, corpus, golds, encoders)


EXPERIMENTS = {
    "sparse-text": sparse_text,
    "page-boost": page_boost,
    "word-pairs": word_pairs,
    "query-verbs": query_verbs,
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("experiment", choices=list(EXPERIMENTS))
    args = p.parse_args(argv)

    cache = shipped_cache()
    try:
        print("| book | variant | hit@1 | hit@5 | MRR@20 | context recall |")
        print("|---|---|---|---|---|---|")
        EXPERIMENTS[args.experiment](CachedEmbeddings(cache, MODEL_ID))
    finally:
        cache.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
