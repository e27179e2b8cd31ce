"""The pieces of the served-retrieval eval (`bench/eval_served.py`): gold pages per question, the
naive baseline's ranking, the product's own retriever over an ingested embedded store, and the
page-level scores of a ranking."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from bench.eval.chunks import naive_chunks
from bench.eval.embed_cache import CachedEmbedder
from bench.eval.questions import load_questions

DEPTH = 20  # hit@1 / hit@5 / MRR are read off the top 20 chunks, pages de-duplicated in order


@dataclass(frozen=True)
class Gold:
    """A question and every page that answers it."""

    q: str
    pages: frozenset[str]


def gold_questions(corpus_dir: Path, questions: Path | None) -> list[Gold]:
    """Author questions (`questions.jsonl` with `gold` pages, corpus-eval) or one of our sets
    (bench/questions/NAME.jsonl: `path` plus the pages named in `also`)."""
    if questions is None:
        lines = (corpus_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
        return [Gold(r["question"], frozenset(r["gold"])) for r in rows]
    return [Gold(q.q, frozenset(q.pages())) for q in load_questions(questions)]


def page_order(paths: Sequence[str]) -> list[str]:
    """Pages in order of their first chunk."""
    return list(dict.fromkeys(paths))


@dataclass
class Scores:
    """Page-level hit@1 / hit@5 / MRR over the top DEPTH chunks, and context recall: the share
    of questions with a gold page among the chunks given to the model."""

    hit1: float
    hit5: float
    mrr: float
    recall: float
    chunks: float  # chunks given to the model, mean
    chars: float  # their characters, mean
    ms: float = 0.0  # mean time of one served retrieval (query embedding cached)

    @staticmethod
    def of(
        golds: list[Gold],
        deep: list[list[str]],
        served: list[list[tuple[str, int]]],
        seconds: float = 0.0,
    ) -> Scores:
        n = max(len(golds), 1)
        hit1 = hit5 = mrr = recall = 0.0
        for gold, ranking, given in zip(golds, deep, served, strict=True):
            pages = page_order(ranking)
            rank = next((i for i, p in enumerate(pages, 1) if p in gold.pages), None)
            hit1 += rank == 1
            hit5 += rank is not None and rank <= 5
            mrr += 1 / rank if rank else 0.0
            recall += any(path in gold.pages for path, _ in given)
        chunks = sum(len(g) for g in served) / n
        chars = sum(size for g in served for _, size in g) / n
        return Scores(hit1 / n, hit5 / n, mrr / n, recall / n, chunks, chars, 1000 * seconds / n)


class CachedEmbeddings(Embeddings):
    """The product's Embeddings interface over the on-disk cache: the same vectors as the
    offline model (cached by exact text), so ingest and search cost nothing on a warm run."""

    def __init__(self, cache: CachedEmbedder, model_name: str) -> None:
        self.cache = cache
        self.model_name = model_name  # the collection's vector name, as the real model's

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.cache.documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.cache.queries([text])[0].tolist()


def naive_rankings(
    docs_dir: Path, golds: list[Gold], cache: CachedEmbedder, k: int
) -> tuple[list[list[str]], list[list[tuple[str, int]]], float]:
    """LangChain's tutorial splitter (1,000 / 200) on the raw files, exact cosine: the top DEPTH
    chunks' pages and the top k chunks (page, characters) per question (no timing: numpy)."""
    chunks = naive_chunks(docs_dir, 1000, 200)
    vectors = cache.documents([c.text for c in chunks])
    queries = cache.queries([g.q for g in golds])
    deep, served = [], []
    for query in queries:
        order = np.argsort(-(vectors @ query), kind="stable")
        deep.append([chunks[i].path for i in order[:DEPTH]])
        served.append([(chunks[i].path, len(chunks[i].text)) for i in order[:k]])
    return deep, served, 0.0


class IngestedBook:
    """The book ingested by the product's own `ingest` into an embedded Qdrant in a temp dir."""

    def __init__(self, docs_dir: Path, embeddings: Embeddings) -> None:
        from qdrant_client import QdrantClient

        from ingest.run import ingest

        self._tmp = tempfile.TemporaryDirectory(prefix="eval-served-")
        tmp = Path(self._tmp.name)
        self.data_dir = tmp
        self.client = QdrantClient(path=str(tmp / "qdrant"))
        self.embeddings = embeddings
        self.report = ingest(
            docs_dir, client=self.client, embeddings=embeddings, collection="eval",
            record_db_url=f"sqlite:///{tmp / 'records.sqlite3'}",
        )

    def retriever(self, **overrides: object):
        """The retriever exactly as the server builds it (service.retrieval.make_retriever)."""
        from config.settings import load_settings
        from service.retrieval import make_retriever

        settings = load_settings(
            data_dir=self.data_dir, cohere_api_key=None, qdrant_url=None, database_url=None,
            qdrant_collection="eval", **overrides,
        )
        return make_retriever(settings, qdrant=self.client, embeddings=self.embeddings)

    def close(self) -> None:
        self.client.close()
        self._tmp.cleanup()


def reordered_scores(golds: list[Gold], ranked: list[list[Document]], served, deep) -> Scores:
    """The scores of candidate lists put in another order outside the retriever, then cut as
    the served retriever (`served`, its k) and the ranking one (`deep`, k=DEPTH) cut them."""
    pages = [[d.metadata["path"] for d in deep._top(docs)] for docs in ranked]
    given = [[(d.metadata["path"], len(d.page_content)) for d in served._top(docs)]
             for docs in ranked]
    return Scores.of(golds, pages, given)


def served_rankings(
    book: IngestedBook, golds: list[Gold], overrides: dict[str, object]
) -> tuple[list[list[str]], list[list[tuple[str, int]]], float]:
    """The served retriever's chunks per question at its k, and at k=DEPTH for the ranking;
    with the seconds the served retrievals took."""
    deep_retriever = book.retriever(**{**overrides, "retrieval_k": DEPTH})
    retriever = book.retriever(**overrides)
    deep, served = [], []
    seconds = 0.0
    for gold in golds:
        book.embeddings.embed_query(gold.q)  # warm: time the search, not the cache lookup
        deep.append([d.metadata["path"] for d in deep_retriever.invoke(gold.q)])
        start = time.perf_counter()
        docs = retriever.invoke(gold.q)
        seconds += time.perf_counter() - start
        served.append([(d.metadata["path"], len(d.page_content)) for d in docs])
    return deep, served, seconds
