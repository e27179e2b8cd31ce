"""Retrieval latency in embedded mode (qdrant-client local mode, on disk like DATA_DIR/qdrant) at
1k, 10k and 50k chunks, and the offline embedder's query-embedding time.

The collection is synthesized: real chunks of the shared corpora are embedded once (a sample),
then every point gets a perturbed copy of a sample vector and a real chunk's payload, so vectors
look like the model's and payload sizes are real. Nothing leaves the temp dir.

    python -m bench.retrieval [--sizes 1000,10000,50000] [--queries 200] [--base 128]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

import numpy as np

from bench.harness import Bench
from bench.procs import CORPORA, MODEL_DIR
from bench.stats import rss_mb, summary, table
from bench.wire import QUESTIONS

COLUMNS = [("dim", "dim"), ("points", "chunks"), ("what", "measured"), ("n", "n"),
           ("p50", "p50 ms"), ("p99", "p99 ms"), ("mean", "mean ms")]


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,10000,50000")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--base", type=int, default=128, help="real chunks embedded as seeds")
    p.add_argument("--no-1024", action="store_true", help="skip the Cohere-sized vectors")
    return p.parse_args()


def _timed(fn, items: list[Any]) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t0)
    return out


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _fill(client, collection: str, vector_name: str, seeds: np.ndarray, chunks: list, start: int,
          stop: int, rng: np.random.Generator) -> float:
    """Points start..stop: perturbed seed vectors with real chunk payloads; returns seconds."""
    from qdrant_client import models

    t0 = time.perf_counter()
    for lo in range(start, stop, 2000):
        hi = min(stop, lo + 2000)
        idx = np.arange(lo, hi)
        vectors = _unit(seeds[idx % len(seeds)] + rng.normal(0, 0.03, (hi - lo, seeds.shape[1])))
        payloads = []
        for i in idx:
            doc = chunks[i % len(chunks)]
            payloads.append({"page_content": doc.page_content,
                             "metadata": {**doc.metadata, "synthetic": int(i)}})
        client.upsert(collection, points=models.Batch(
            ids=[str(uuid.UUID(int=int(i) + 1)) for i in idx],
            vectors={vector_name: vectors.astype(np.float32).tolist()}, payloads=payloads))
    return time.perf_counter() - t0


def main() -> None:
    args = _args()
    sizes = [int(x) for x in args.sizes.split(",")]
    with Bench("retrieval") as bench:
        from qdrant_client import QdrantClient

        from book import load_book
        from chains.retriever import BookRetriever
        from clients.embeddings import OfflineEmbeddings
        from stores import vectorstore

        rng = np.random.default_rng(7)
        t0 = time.perf_counter()
        embeddings = OfflineEmbeddings(MODEL_DIR)
        load_model_s = time.perf_counter() - t0
        chunks = [d for path in CORPORA.values() for d in load_book(path)]
        step = max(1, len(chunks) // args.base)
        sample = chunks[::step][: args.base]
        t0 = time.perf_counter()
        seeds = np.array(embeddings.embed_documents([d.page_content for d in sample]))
        embed_docs_s = time.perf_counter() - t0
        questions = [QUESTIONS[i % len(QUESTIONS)] + ("?" * (i // len(QUESTIONS) % 3))
                     for i in range(args.queries)]
        rows: list[dict[str, Any]] = []

        def add(dim: int, points: int, what: str, seconds: list[float]) -> None:
            row = {"dim": dim, "points": points, "what": what, **summary(seconds)}
            rows.append(row)
            print(table([row], COLUMNS).splitlines()[-1], flush=True)

        print(f"offline model load {load_model_s:.2f} s; {len(chunks)} real chunks; "
              f"embedded {len(sample)} seed chunks in {embed_docs_s:.2f} s "
              f"({len(sample) / embed_docs_s:.1f} chunks/s)\n")
        print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
        add(384, 0, "offline embed_query (MiniLM int8)", _timed(embeddings.embed_query, questions))
        query_vectors = [embeddings.embed_query(q) for q in QUESTIONS]

        path = bench.tmp / "qdrant"
        client = QdrantClient(path=str(path))
        name = "bench"
        vectorstore.create_collection(client, name, embeddings)
        vector_name = vectorstore.embedding_model_id(embeddings)
        store = vectorstore.vector_store(client, name, embeddings)
        retriever = BookRetriever(store=store, k=4)
        # Local mode commits (and fsyncs) one transaction per point, as the app's ingest does:
        # time that for the first points, then relax fsync to build the big fixture quickly.
        probe = min(500, sizes[0])
        per_point_ms = _fill(client, name, vector_name, seeds, chunks, 0, probe, rng) * 1000 / probe
        sqlite = client._client.collections[name].storage.storage  # bench-only shortcut
        sqlite.execute("PRAGMA synchronous=OFF")
        fills, filled = {"first_points_ms_per_point": round(per_point_ms, 2)}, probe
        for size in sizes:
            fills[size] = round(_fill(client, name, vector_name, seeds, chunks, filled, size,
                                      rng), 2)
            filled = size

            def search(i: int, client=client) -> None:
                client.query_points(name, query=query_vectors[i % len(query_vectors)],
                                    using=vector_name, limit=4, with_payload=True)

            add(384, size, "vector search k=4 (query_points)", _timed(search, range(args.queries)))
            add(384, size, "retriever.invoke (embed + search + docs)",
                _timed(retriever.invoke, questions[: args.queries // 2]))
        rss = round(rss_mb(__import__("os").getpid()), 1)
        client.close()
        t0 = time.perf_counter()
        client = QdrantClient(path=str(path))
        count = client.count(name, exact=True).count
        reopen_s = round(time.perf_counter() - t0, 2)
        client.close()
        print(f"\nupsert (ms/point with fsync, then s per step without): {fills}; "
              f"reopening {count} points from disk: {reopen_s} s; "
              f"bench RSS with the collection loaded: {rss} MB")

        if not args.no_1024:
            mem = QdrantClient(":memory:")
            from qdrant_client import models

            mem.create_collection("c1024", vectors_config={"v": models.VectorParams(
                size=1024, distance=models.Distance.COSINE)})
            seeds_1024 = _unit(rng.normal(0, 1, (len(seeds), 1024)))
            big = max(sizes)
            _fill(mem, "c1024", "v", seeds_1024, chunks, 0, big, rng)
            q1024 = _unit(rng.normal(0, 1, (8, 1024))).tolist()

            def search_1024(i: int) -> None:
                mem.query_points("c1024", query=q1024[i % 8], using="v", limit=4,
                                 with_payload=True)

            add(1024, big, "vector search k=4 (Cohere-sized, in memory)",
                _timed(search_1024, range(args.queries)))
            mem.close()
        bench.save({
            "offline_model_load_s": round(load_model_s, 2),
            "seed_chunks": len(sample), "seed_embed_s": round(embed_docs_s, 2),
            "seed_chunks_per_s": round(len(sample) / embed_docs_s, 1),
            "real_chunks": len(chunks), "upsert_s": fills, "reopen_s": reopen_s,
            "reopened_points": count, "rss_with_collection_mb": rss,
            "median_chunk_chars": statistics.median(len(d.page_content) for d in chunks),
            "rows": rows,
        })


if __name__ == "__main__":
    main()
