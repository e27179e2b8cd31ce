"""Patch: the embedded Qdrant (qdrant-client's local mode) searches without redoing work per query.

Why: in embedded mode one hybrid search cost ~55-90 ms of CPU on the shared books, most of the
CPU of an answer (bench/RESULTS.md, "Issue 12", embedded search). Qdrant itself (Qdrant Cloud,
`QDRANT_URL`) does none of the three things below per query; local mode does all three:

1. **Sparse (lexical) scoring** ran a Python merge of index lists per stored vector (~36 µs per
   chunk per question). Here the stored vectors become postings (term -> rows and weights),
   built once and reused while the same vector objects are stored: local mode replaces a vector
   object whenever a point is written, and the index holds the objects it was built from, so a
   changed, added or removed point is seen by identity and the index is rebuilt. Scores are
   summed term by term in ascending index order in float64, as the library's merge does: the
   same numbers. A chunk sharing no term with the question is -inf (skipped), as before.
2. **Dense cosine** re-normalised every stored vector on every query, though each write stores
   it normalised already (the library says so itself). Here only the query is normalised.
   (A stored vector shorter than 1.2e-7, which a write leaves as it is, would score unnormalised;
   an embedding model does not produce one.)
3. **Payload copies**: every point a search touches had its payload `deepcopy`-ed, prefetch
   candidates included (~150 per hybrid search). Payloads are JSON values; they are copied as
   such (dicts and lists rebuilt, anything else through `deepcopy`): an equal, independent copy.

Recommend, discovery and context queries keep the library's own code.

Upstream: qdrant/qdrant-client keeps local mode simple on purpose (no index; searched 2026-12).
Delete this file when bench/sparse_index.py shows the library's own search costs no more.
Where a qdrant-client release lacks a replaced function, that one is left alone, with one
warning (tests/clients/test_qdrant_local_search.py).
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

log = logging.getLogger("bookchat")
_lock = threading.Lock()
_SAVED = "_bookchat_originals"
_KEEP = 4  # sparse indexes kept (a server searches one collection; tests and evals a few)


class _Postings:
    """term -> (rows, weights) over one list of stored sparse vectors."""

    def __init__(self, vectors: Sequence[Any]) -> None:
        self.vectors = list(vectors)  # holds the objects: the identity check stays sound
        self.ids = tuple(map(id, self.vectors))
        rows: dict[int, list[int]] = {}
        weights: dict[int, list[float]] = {}
        for row, vector in enumerate(self.vectors):
            for index, value in zip(vector.indices, vector.values, strict=True):
                rows.setdefault(index, []).append(row)
                weights.setdefault(index, []).append(value)
        self.postings = {
            term: (np.asarray(rows[term], dtype=np.intp), np.asarray(weights[term], np.float64))
            for term in rows
        }

    def matches(self, vectors: Sequence[Any]) -> bool:
        return len(vectors) == len(self.ids) and tuple(map(id, vectors)) == self.ids

    def scores(self, query: Any) -> np.ndarray:
        total = np.zeros(len(self.ids), dtype=np.float64)
        hit = np.zeros(len(self.ids), dtype=bool)
        for index, value in zip(query.indices, query.values, strict=True):
            found = self.postings.get(index)
            if found is not None:
                rows, weights = found
                np.add.at(total, rows, value * weights)
                hit[rows] = True
        out = total.astype(np.float32)
        out[~hit] = np.float32("-inf")
        return out


_indexes: list[_Postings] = []  # most recently used first


def indexed_distance_sparse(
    query: Any, vectors: Sequence[Any], empty_is_zero: bool = False
) -> np.ndarray:
    """`calculate_distance_sparse` through an inverted index (the same scores)."""
    if empty_is_zero:  # not the plain search: the library's own code
        return original("calculate_distance_sparse")(query, vectors, empty_is_zero)
    with _lock:
        index = next((known for known in _indexes if known.matches(vectors)), None)
        if index is None:
            index = _Postings(vectors)
        _indexes[:] = [index, *(known for known in _indexes if known is not index)][:_KEEP]
    return index.scores(query)


def normalised_query_distance(query: Any, vectors: Any, distance_type: Any) -> Any:
    """`calculate_distance`; a cosine search does not re-normalise the stored vectors."""
    from qdrant_client.http import models
    from qdrant_client.local.distances import EPSILON

    if distance_type != models.Distance.COSINE or np.ndim(query) != 1:
        return original("calculate_distance")(query, vectors, distance_type)
    if np.isnan(query).any():
        raise ValueError("Query vector must not contain NaN")
    norm = np.linalg.norm(query)
    return np.dot(vectors, query / (norm if norm != 0.0 else np.float32(EPSILON)))


def json_copy(value: Any) -> Any:
    """An independent copy of a JSON-like value (what `deepcopy` gives, several times faster)."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def _get_payload(self: Any, idx: int, with_payload: Any = True, return_copy: bool = True) -> Any:
    processed = self._process_payload(self.payload[idx], with_payload)
    return json_copy(processed) if return_copy else processed


def original(name: str) -> Any:
    """The library's own function that `name` replaced."""
    from qdrant_client.local import local_collection

    return getattr(local_collection, _SAVED)[name]


_REPLACEMENTS = {"calculate_distance_sparse": indexed_distance_sparse,
                 "calculate_distance": normalised_query_distance,
                 "_get_payload": _get_payload}


def _owners() -> dict[str, Any]:
    """Where each replaced name lives."""
    from qdrant_client.local import local_collection

    return {"calculate_distance_sparse": local_collection, "calculate_distance": local_collection,
            "_get_payload": getattr(local_collection, "LocalCollection", None)}


@contextmanager
def as_shipped() -> Iterator[None]:
    """qdrant-client's own local search for the block (to compare against; installed first)."""
    owners = _owners()
    ours = {name: getattr(owner, name) for name, owner in owners.items()}
    for name, owner in owners.items():
        setattr(owner, name, original(name))
    try:
        yield
    finally:
        for name, owner in owners.items():
            setattr(owner, name, ours[name])


def speed_up_local_search() -> bool:
    """Install the three replacements (idempotent); False, with one warning per piece left
    alone, when this qdrant-client release does not have what it replaces."""
    try:
        from qdrant_client.local import local_collection
    except ImportError:
        return False
    with _lock:
        if hasattr(local_collection, _SAVED):
            return len(getattr(local_collection, _SAVED)) == len(_REPLACEMENTS)
        saved: dict[str, Any] = {}
        for name, owner in _owners().items():
            current = getattr(owner, name, None)
            if not callable(current):
                log.warning("embedded Qdrant %s left to qdrant-client: its internals changed", name)
                continue
            saved[name] = current
            setattr(owner, name, _REPLACEMENTS[name])
        setattr(local_collection, _SAVED, saved)
        return len(saved) == len(_REPLACEMENTS)
