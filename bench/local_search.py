"""CPU of one served hybrid search in the embedded store: qdrant-client's local mode as shipped
against it with clients/patches/qdrant_local_search.py (a sparse index, no per-query
re-normalisation, JSON payload copies), alternating, on the shared books.

Each book is ingested by the product's `ingest` (embeddings cached as in bench/eval_served.py);
the served retriever's search (dense + lexical prefetches, DBSF, 50 candidates: the call behind
every answer) runs once per question per round each way, the query embedding cached, and the
two must return the same chunks in the same order (scores within 1e-6). Prints CPU ms per
search (process time, all threads) and the ratio.

    python -m bench.local_search [--rounds 5]
"""

from __future__ import annotations

import argparse
import time

from bench.eval.served import CachedEmbeddings
from bench.eval_served import MODEL_ID, ingested_books, shipped_cache
from clients.patches import qdrant_local_search

BOOKS = ("mohsin-raza", "farheenzehra99", "alinayasmeen")


def _searches(retriever, golds, vectors) -> tuple[float, list]:
    start = time.process_time()
    found = [retriever._search(g.q, v, None) for g, v in zip(golds, vectors, strict=True)]
    cpu = time.process_time() - start
    return cpu, [[(d.metadata["_id"], d.metadata["score"], d.page_content) for d in docs]
                 for docs in found]


def _same(ours: list, theirs: list) -> bool:
    return all(
        len(a) == len(b) and all(x[0] == y[0] and x[2] == y[2] and abs(x[1] - y[1]) < 1e-6
                                 for x, y in zip(a, b, strict=True))
        for a, b in zip(ours, theirs, strict=True))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    if not qdrant_local_search.speed_up_local_search():
        raise SystemExit("this qdrant-client release is not the one the patch was written for")

    cache = shipped_cache()
    print("| book | chunks | searches | local mode as shipped, CPU ms | patched, CPU ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    try:
        for corpus, _, golds, book in ingested_books(CachedEmbeddings(cache, MODEL_ID), BOOKS):
            retriever = book.retriever()
            vectors = [book.embeddings.embed_query(g.q) for g in golds]
            totals = {"library": 0.0, "patched": 0.0}
            for _ in range(args.rounds):
                with qdrant_local_search.as_shipped():
                    cpu, expected = _searches(retriever, golds, vectors)
                totals["library"] += cpu
                cpu, results = _searches(retriever, golds, vectors)
                totals["patched"] += cpu
                if not _same(results, expected):
                    raise SystemExit(f"{corpus}: the patched search gave other results")
            n = args.rounds * len(golds)
            lib, ours = (1000 * totals[k] / n for k in ("library", "patched"))
            print(f"| {corpus} | {book.report.chunks} | {n} | {lib:.1f} | {ours:.1f} | "
                  f"{lib / ours:.1f}x |", flush=True)
    finally:
        cache.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
