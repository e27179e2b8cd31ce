"""Two more retrieval ideas tried for issue 11 (round 3), measured like bench/eval_served.py (same
books, questions and scores; the served defaults otherwise). Neither was adopted: see
bench/RESULTS.md, "Retrieval, issue 11 — round 3".

    python -m bench.eval_rescore page-vector    # the fused candidates rescored with a page vector
    python -m bench.eval_rescore dense-weight   # DBSF with the dense list weighted a, lexical 1-a

`page-vector`: each page gets one dense vector of its breadcrumb line and title, its front-matter
description and (`headings`) its section headings, or (`title`) without them; a candidate's
score becomes its fused score + w x the cosine of the question with its page's vector.
`dense-weight`: the dense and lexical searches run apart (50 each), each list's scores are
normalised as Qdrant's DBSF does (mean +- 3 standard deviations to 0..1), then summed with the
weights a and 1 - a (a = 0.5 is the served DBSF).
"""

from __future__ import annotations

import argparse

import numpy as np
from qdrant_client import models

from bench.eval.embed_cache import CachedEmbedder
from bench.eval.served import CachedEmbeddings, Gold, IngestedBook, reordered_scores
from bench.eval_served import MODEL_ID, ingested_books, shipped_cache
from book import load_book
from book.content import page_path
from clients.lexical import query_vector

PAGE_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8)
DENSE_WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7)
CANDIDATES = 50


def page_texts(docs_dir, with_headings: bool) -> dict[str, str]:
    """path -> the text of the page's one vector (at most ~1,200 characters)."""
    pages: dict[str, dict] = {}
    for doc in load_book(docs_dir):
        meta = doc.metadata
        page = pages.setdefault(meta["path"], {"meta": meta, "sections": []})
        if meta["section"] != meta["title"] and meta["section"] not in page["sections"]:
            page["sections"].append(meta["section"])
    out = {}
    for path, page in pages.items():
        meta = page["meta"]
        parts = [" > ".join(page_path(meta["breadcrumbs"], meta["title"])), meta["description"]]
        if with_headings:
            parts.append("; ".join(page["sections"]))
        out[path] = "\n\n".join(p for p in parts if p)[:1200]
    return out


def page_vector(book: IngestedBook, golds: list[Gold], cache: CachedEmbedder, root):
    served, deep = book.retriever(), book.retriever(retrieval_k=20)
    found = [served._search(g.q, book.embeddings.embed_query(g.q), None) for g in golds]
    questions = cache.queries([g.q for g in golds])
    for mode in ("headings", "title"):
        texts = page_texts(root / "docs", mode == "headings")
        index = {path: i for i, path in enumerate(texts)}
        sims = questions @ cache.documents(list(texts.values())).T  # question x page
        for w in PAGE_WEIGHTS:
            ranked = [sorted(docs, key=lambda d, i=i: -(d.metadata["score"] + w * float(
                sims[i, index[d.metadata["path"]]]))) for i, docs in enumerate(found)]
            yield f"{mode} w={w}", reordered_scores(golds, ranked, served, deep)


def _normalised(points: list[models.ScoredPoint]) -> dict:
    if not points:
        return {}
    scores = np.array([p.score for p in points])
    low, high = scores.mean() - 3 * scores.std(), scores.mean() + 3 * scores.std()
    return {p.id: (p.score - low) / (high - low) if high > low else 0.5 for p in points}


def dense_weight(book: IngestedBook, golds: list[Gold], cache: CachedEmbedder, root):
    served, deep = book.retriever(), book.retriever(retrieval_k=20)
    store = served.store
    lists = []
    for gold in golds:
        dense = store.client.query_points(
            store.collection_name, query=book.embeddings.embed_query(gold.q),
            using=store.vector_name, limit=CANDIDATES, with_payload=True).points
        sparse = query_vector(gold.q)
        lexical = store.client.query_points(
            store.collection_name, using=store.sparse_vector_name, limit=CANDIDATES,
            query=models.SparseVector(indices=sparse.indices, values=sparse.values),
            with_payload=True).points if sparse.indices else []
        lists.append((dense, lexical))
    for a in DENSE_WEIGHTS:
        ranked = []
        for dense, lexical in lists:
            nd, nl = _normalised(dense), _normalised(lexical)
            points = {p.id: p for p in [*dense, *lexical]}
            order = sorted(points, key=lambda i: -(a * nd.get(i, 0) + (1 - a) * nl.get(i, 0)))
            ranked.append([served._document(points[i]) for i in order[:CANDIDATES]])
        yield f"dense weight {a}", reordered_scores(golds, ranked, served, deep)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("experiment", choices=["page-vector", "dense-weight"])
    args = p.parse_args(argv)

    run = page_vector if args.experiment == "page-vector" else dense_weight
    cache = shipped_cache()
    print("| book | variant | hit@1 | hit@5 | MRR@20 | context recall |")
    print("|---|---|---|---|---|---|")
    try:
        for corpus, root, golds, book in ingested_books(CachedEmbeddings(cache, MODEL_ID)):
            for name, s in run(book, golds, cache, root):
                cells = " | ".join(f"{100 * v:.1f}" for v in (s.hit1, s.hit5, s.mrr, s.recall))
                print(f"| {corpus} | {name} | {cells} |", flush=True)
    finally:
        cache.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
