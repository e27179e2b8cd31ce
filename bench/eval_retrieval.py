"""Retrieval eval: does the right page, and the right section, come back for a reader's question?

Each corpus (a Docusaurus docs folder under ../shared/corpus/NAME/docs) is cut into chunks by a
config (bench/eval/configs.py), embedded with the offline MiniLM (clients.embeddings), searched
by cosine with numpy, optionally reordered with BM25 (bench/eval/lexical.py), and scored
against bench/questions/NAME.jsonl (bench/eval/metrics.py says what each column means).
Embeddings are cached in bench/out/embeddings.sqlite by exact text, so only new chunks are
embedded: a cold full run embeds ~17k texts (~55 min on a busy 2-core machine, ~5 texts/s),
a warm one takes ~20 s.

The whole comparison, both corpora, every config (the tables in bench/RESULTS.md):

    cd /work/main && . .venv/bin/activate
    python -m bench.eval_retrieval

Some of it:

    python -m bench.eval_retrieval --corpus mohsin-raza --config main --config ours+rrf
    python -m bench.eval_retrieval --config size=500,overlap=100,embed=text,rerank=rrf --misses
    python -m bench.eval_retrieval --validate-only

A question set that names a page or anchor the loader does not produce fails the run.
Per-question rankings go to bench/out/eval_retrieval/CORPUS/CONFIG.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from bench.eval.chunks import Chunk, build_chunks, loader_anchors
from bench.eval.configs import GROUPS, Config, parse_config
from bench.eval.embed_cache import CachedEmbedder
from bench.eval.lexical import BM25, candidate_scores, rerank
from bench.eval.metrics import Outcome, outcome, summary
from bench.eval.questions import Question, QuestionSetError, load_questions, validate
from bench.eval.report import Result, Row, format_deltas, format_table, misses

ROOT = Path(__file__).resolve().parents[1]
CORPUS_ROOT = ROOT.parent / "shared" / "corpus"
CORPORA = ("farheenzehra99", "mohsin-raza")
MODEL_DIR = ROOT / "data" / "models" / "all-MiniLM-L6-v2-int8"
OUT = ROOT / "bench" / "out"
MAX_TOKENS = 256  # clients.embeddings.MAX_TOKENS: word pieces past this are not embedded


class _Index:
    """A config's chunks, their vectors and BM25, built once per chunking in a run."""

    def __init__(self, chunks: list[Chunk], vectors: np.ndarray, truncated: float) -> None:
        self.chunks, self.vectors, self.truncated = chunks, vectors, truncated
        self.texts = [c.text for c in chunks]
        self.bm25 = BM25(self.texts)


def _truncated_share(texts: list[str], model_dir: Path) -> float:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    lengths = [len(e.ids) for e in tokenizer.encode_batch(texts)]
    return sum(n > MAX_TOKENS for n in lengths) / max(len(lengths), 1)


def evaluate(
    corpus: str,
    questions: list[Question],
    configs: list[Config],
    embedder: CachedEmbedder,
    docs_dir: Path,
    model_dir: Path,
) -> list[Result]:
    """Score every config on one corpus; chunkings shared by configs are built once."""
    queries = embedder.queries([q.q for q in questions])
    indexes: dict[tuple[object, ...], _Index] = {}
    results = []
    for config in configs:
        key = config.chunking_key()
        if key not in indexes:
            chunks = build_chunks(docs_dir, config)
            texts = [c.text for c in chunks]
            vectors = embedder.documents(texts)
            indexes[key] = _Index(chunks, vectors, _truncated_share(texts, model_dir))
        index = indexes[key]
        outcomes = []
        for question, query in zip(questions, queries, strict=True):
            dense = index.vectors @ query
            if config.rerank == "rrf-local":
                lexical = candidate_scores(index.texts, dense, question.q)
            elif config.rerank != "none":
                lexical = index.bm25.scores(question.q)
            else:
                lexical = dense
            order = rerank(dense, lexical, config.rerank)
            outcomes.append(outcome(question, [index.chunks[i] for i in order]))
        row = Row(
            corpus=corpus,
            config=config.name,
            chunks=len(index.chunks),
            median_chars=int(statistics.median(len(c.text) for c in index.chunks)),
            truncated=index.truncated,
            scores=summary(outcomes),
        )
        results.append((row, outcomes))
    return results


def _save(corpus: str, row: Row, outcomes: list[Outcome]) -> None:
    folder = OUT / "eval_retrieval" / corpus
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "row": asdict(row),
        "questions": [
            {"q": o.question.q, "path": o.question.path, "anchors": o.question.anchors,
             "page_rank": o.page_rank, "section_rank": o.section_rank, "top": o.top}
            for o in outcomes
        ],
    }
    name = row.config.replace("/", "_").replace(",", "_")
    (folder / f"{name}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", help=f"one of {CORPORA} (default: both)")
    parser.add_argument("--corpus-root", type=Path, default=CORPUS_ROOT)
    parser.add_argument(
        "--config", action="append",
        help=f"preset, group ({', '.join(GROUPS)}) or key=value,... (default: all)",
    )
    parser.add_argument("--questions", type=Path, help="question set (one corpus only)")
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--threads", type=int, default=2, help="ONNX threads for embedding")
    parser.add_argument("--validate-only", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list questions missing sec@1")
    return parser.parse_args(argv)


def _question_set(args: argparse.Namespace, corpus: str) -> tuple[Path, list[Question]]:
    """The corpus's docs folder and its validated questions; exits on a mismatch."""
    docs_dir = args.corpus_root / corpus / "docs"
    qpath = args.questions or ROOT / "bench" / "questions" / f"{corpus}.jsonl"
    try:
        questions = load_questions(qpath)
        validate(questions, loader_anchors(docs_dir), qpath.name)
    except QuestionSetError as exc:
        sys.exit(f"question set does not match the book:\n{exc}")
    print(f"{corpus}: {len(questions)} questions valid ({qpath})")
    return docs_dir, questions


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    corpora = args.corpus or list(CORPORA)
    if args.questions and len(corpora) != 1:
        sys.exit("--questions needs exactly one --corpus")
    try:
        chosen = [c for spec in args.config or ["all"] for c in parse_config(spec)]
        configs = list({c.name: c for c in chosen}.values())
    except ValueError as exc:
        sys.exit(str(exc))
    sets = {corpus: _question_set(args, corpus) for corpus in corpora}
    if args.validate_only:
        return 0

    def model():
        from clients.embeddings import OfflineEmbeddings

        return OfflineEmbeddings(args.model_dir, threads=args.threads)

    embedder = CachedEmbedder(model, "all-MiniLM-L6-v2-int8", OUT / "embeddings.sqlite")
    results: dict[tuple[str, str], Result] = {}
    try:
        for corpus, (docs_dir, questions) in sets.items():
            start = time.perf_counter()
            scored = evaluate(corpus, questions, configs, embedder, docs_dir, args.model_dir)
            took = time.perf_counter() - start
            print(f"\n### {corpus} ({len(questions)} questions, {took:.0f}s)")
            print(format_table([row for row, _ in scored]))
            for row, outcomes in scored:
                _save(corpus, row, outcomes)
                results[corpus, row.config] = (row, outcomes)
                if args.misses:
                    print(f"\n{row.config}: sec@1 misses\n{misses(outcomes)}")
    finally:
        embedder.close()
    if len(configs) > 1 and any(name == "ours" for _, name in results):
        print("\n### Points against ours\n" + format_deltas(results))
    print(f"\nembedded {embedder.embedded} new texts in {embedder.seconds:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
