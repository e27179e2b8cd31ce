"""The book retriever: hybrid search, an optional reranker, then page diversity.

1. **Candidates**: one Qdrant Query API call, the dense and the lexical (BM25) searches as two
   prefetches of `candidates` chunks each, fused by rank (RRF, or DBSF on scores). The same call
   works on the embedded store and on Qdrant Cloud. `hybrid=False` is the dense search alone.
   DBSF (each list's scores normalised by their mean and spread, then summed) keeps how far
   ahead a chunk is in each list; RRF keeps only ranks.
2. **Rerank** (when a reranker is configured, e.g. Cohere's): the candidates reordered by a
   model that reads question and chunk together. A reranker that fails or is too slow leaves
   the fused order (it logs and counts that itself); the reader never sees an error.
3. **Diversity**: at most `page_cap` chunks of one page in the top `k`, so the model gets
   several candidate chapters instead of five chunks of one; when the book has too few pages,
   the skipped chunks fill the remaining slots in order.

Each chunk's `score` is the score of the final order: the reranker's relevance, else the
fused score (hybrid) or the cosine similarity (dense).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_qdrant import QdrantVectorStore
from pydantic import ConfigDict, Field
from qdrant_client import models

from clients.lexical import query_vector
from clients.rerank import Reranker

Fusion = Literal["rrf", "dbsf"]
_FUSIONS = {"rrf": models.Fusion.RRF, "dbsf": models.Fusion.DBSF}


class BookRetriever(BaseRetriever):
    """Top-k chunks of the book for a question; `score` is added to each chunk's metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: QdrantVectorStore
    k: int = Field(10, ge=1, le=20)
    candidates: int = Field(50, ge=1, le=100)
    page_cap: int = Field(1, ge=0, le=20)  # 0: no limit per page
    hybrid: bool = True
    fusion: Fusion = "dbsf"
    reranker: Reranker | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        found = self._search(query, self.store.embeddings.embed_query(query), None)
        return self._top(self._reranked(query, found))

    async def _aget_relevant_documents(self, query: str, *, run_manager) -> list[Document]:
        # The query embedding is awaited (Cohere's async client, no thread); only the search,
        # which embedded Qdrant runs in numpy, goes to a thread.
        vector = await self.store.embeddings.aembed_query(query)
        found = await asyncio.to_thread(self._search, query, vector, None)
        return self._top(await self._areranked(query, found))

    # -- steps -----------------------------------------------------------------------------

    def _search(
        self,
        text: str,
        vector: list[float],
        where: models.Filter | None,
        limit: int | None = None,
    ) -> list[Document]:
        """Candidates for `text` (whose dense embedding is `vector`), best first."""
        limit = limit or max(self.candidates, self.k)
        sparse = query_vector(text) if self.hybrid else None
        if sparse is None or not sparse.indices:
            return self._dense(vector, limit, where)
        prefetch = [
            models.Prefetch(query=vector, using=self.store.vector_name, limit=limit, filter=where),
            models.Prefetch(
                query=models.SparseVector(indices=sparse.indices, values=sparse.values),
                using=self.store.sparse_vector_name,
                limit=limit,
                filter=where,
            ),
        ]
        result = self.store.client.query_points(
            self.store.collection_name,
            prefetch=prefetch,
            query=models.FusionQuery(fusion=_FUSIONS[self.fusion]),
            query_filter=where,
            limit=limit,
            with_payload=True,
        )
        return [self._document(point) for point in result.points]

    def _dense(
        self, vector: list[float], limit: int, where: models.Filter | None
    ) -> list[Document]:
        """Dense search alone; `score` is the cosine similarity."""
        result = self.store.client.query_points(
            self.store.collection_name,
            query=vector,
            using=self.store.vector_name,
            query_filter=where,
            limit=limit,
            with_payload=True,
        )
        return [self._document(point) for point in result.points]

    def _document(self, point: models.ScoredPoint) -> Document:
        payload = point.payload or {}
        metadata = dict(payload.get(self.store.metadata_payload_key) or {})
        metadata["_id"] = point.id
        metadata["_collection_name"] = self.store.collection_name
        metadata["score"] = round(float(point.score), 4)
        return Document(
            page_content=payload.get(self.store.content_payload_key, ""),
            metadata=metadata,
            id=str(point.id),
        )

    def _reranked(self, query: str, docs: list[Document]) -> list[Document]:
        if self.reranker is None or len(docs) < 2:
            return docs
        return _apply(docs, self.reranker.rerank(query, [d.page_content for d in docs]))

    async def _areranked(self, query: str, docs: list[Document]) -> list[Document]:
        if self.reranker is None or len(docs) < 2:
            return docs
        return _apply(docs, await self.reranker.arerank(query, [d.page_content for d in docs]))

    def _top(self, ranked: list[Document]) -> list[Document]:
        """The first k chunks with at most page_cap per page; skipped ones fill any gap."""
        if not self.page_cap:
            return ranked[: self.k]
        chosen: list[Document] = []
        skipped: list[Document] = []
        per_page: Counter[str] = Counter()
        for doc in ranked:
            page = str(doc.metadata.get("page_url") or doc.metadata.get("path") or "")
            if per_page[page] >= self.page_cap:
                skipped.append(doc)
                continue
            per_page[page] += 1
            chosen.append(doc)
            if len(chosen) == self.k:
                return chosen
        return chosen + skipped[: self.k - len(chosen)]


def _apply(docs: list[Document], order: list[tuple[int, float]] | None) -> list[Document]:
    """The documents in the reranker's order with its scores; unchanged when it failed.
    Candidates it did not return keep their fused order after the ones it did."""
    if order is None:
        return docs
    out = []
    for index, score in order:
        docs[index].metadata["score"] = round(float(score), 4)
        out.append(docs[index])
    returned = {index for index, _ in order}
    return out + [doc for i, doc in enumerate(docs) if i not in returned]
