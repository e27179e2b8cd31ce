"""The cheap offline second pass: BM25 over the chunk texts, fused with the dense ranking by
reciprocal rank fusion. No model: fastembed's rerankers (TextCrossEncoder: ms-marco MiniLM,
bge-reranker, jina-reranker) all download their weights from the Hugging Face hub first."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+")
RRF_K = 60  # Cormack et al.'s constant; large enough that rank 1 does not swamp the rest
RERANK_DEPTH = 30  # dense candidates the second pass reorders


def candidate_scores(texts: Sequence[str], dense: np.ndarray, query: str) -> np.ndarray:
    """BM25 fitted on the dense top RERANK_DEPTH texts alone (IDF from those); 0 elsewhere."""
    head = np.argsort(-dense, kind="stable")[:RERANK_DEPTH]
    out = np.zeros(len(texts))
    out[head] = BM25([texts[i] for i in head]).scores(query)
    return out


def tokens(text: str) -> list[str]:
    """Lower-case alphanumeric runs: `create_publisher` -> create, publisher."""
    return _TOKEN.findall(text.lower())


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) over a fixed list of texts."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        docs = [Counter(tokens(t)) for t in texts]
        self._docs = docs
        self._lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
        self._avg = float(self._lengths.mean()) if docs else 0.0
        df: Counter[str] = Counter(term for d in docs for term in d)
        n = len(docs)
        self._idf = {t: float(np.log(1 + (n - f + 0.5) / (f + 0.5))) for t, f in df.items()}
        self._k1, self._b = k1, b

    def scores(self, query: str) -> np.ndarray:
        terms = [t for t in dict.fromkeys(tokens(query)) if t in self._idf]
        norm = self._k1 * (1 - self._b + self._b * self._lengths / max(self._avg, 1e-9))
        out = np.zeros(len(self._docs))
        for term in terms:
            tf = np.array([d.get(term, 0) for d in self._docs], dtype=np.float64)
            out += self._idf[term] * tf * (self._k1 + 1) / (tf + norm)
        return out


def rrf(*rankings: Sequence[int]) -> list[int]:
    """Items ordered by sum of 1/(RRF_K + rank) over the rankings (rank from 1); ties keep the
    order of the first ranking."""
    score: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            score[item] = score.get(item, 0.0) + 1.0 / (RRF_K + rank)
    first = {item: i for i, item in enumerate(rankings[0])} if rankings else {}
    return sorted(score, key=lambda item: (-score[item], first.get(item, len(first))))


def rerank(dense: np.ndarray, lexical: np.ndarray, mode: str) -> list[int]:
    """Chunk indices, best first, for rerank mode none | rrf | rrf-local | hybrid | bm25
    (for rrf-local, `lexical` only needs to be set on the dense top RERANK_DEPTH)."""
    dense_order = [int(i) for i in np.argsort(-dense, kind="stable")]
    if mode == "none":
        return dense_order
    lexical_order = [int(i) for i in np.argsort(-lexical, kind="stable")]
    if mode == "bm25":
        return lexical_order
    if mode == "hybrid":
        return rrf(dense_order, lexical_order)
    if mode in ("rrf", "rrf-local"):
        head = dense_order[:RERANK_DEPTH]
        by_lexical = sorted(head, key=lambda i: -lexical[i])
        return rrf(head, by_lexical) + dense_order[RERANK_DEPTH:]
    raise ValueError(f"unknown rerank mode {mode!r}")
