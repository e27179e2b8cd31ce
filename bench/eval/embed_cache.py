"""Embeddings cached on disk by (model, kind, exact text), so a repeated config embeds nothing
and configs that share chunks embed them once."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

_BATCH = 256


class CachedEmbedder:
    """Unit-normalised float32 vectors; the model is only built when a text is missing."""

    def __init__(self, factory: Callable[[], Embeddings], model_id: str, db_path: Path) -> None:
        self._factory = factory
        self._model: Embeddings | None = None
        self._model_id = model_id
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
        self.seconds = 0.0  # spent embedding misses
        self.embedded = 0  # texts embedded (cache misses)

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts, "doc")

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts, "query")

    def close(self) -> None:
        self._db.close()

    def _key(self, kind: str, text: str) -> str:
        return hashlib.sha256(f"{self._model_id}\0{kind}\0{text}".encode()).hexdigest()

    def _vectors(self, texts: Sequence[str], kind: str) -> np.ndarray:
        keys = [self._key(kind, t) for t in texts]
        found = self._lookup(set(keys))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        missing.sort(key=len)  # batches of similar length pad less
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            vectors = self._embed(batch, kind)
            rows = [(self._key(kind, t), v.tobytes()) for t, v in zip(batch, vectors, strict=True)]
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
            self._db.commit()  # an interrupted run keeps what it paid for
            found.update({key: vec for key, vec in zip((r[0] for r in rows), vectors, strict=True)})
        matrix = np.stack([found[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if keys else 1.0
        return matrix / np.maximum(norms, 1e-12)

    def _lookup(self, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(keys)
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            query = f"SELECT key, vec FROM vectors WHERE key IN ({marks})"
            for key, blob in self._db.execute(query, part):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _embed(self, texts: list[str], kind: str) -> list[np.ndarray]:
        if self._model is None:
            self._model = self._factory()
        start = time.perf_counter()
        if kind == "query":
            raw = [self._model.embed_query(t) for t in texts]
        else:
            raw = self._model.embed_documents(texts)
        self.seconds += time.perf_counter() - start
        self.embedded += len(texts)
        return [np.asarray(v, dtype=np.float32) for v in raw]
