"""The book retriever: top-k chunks with their similarity score in the metadata."""

from __future__ import annotations

import asyncio

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_qdrant import QdrantVectorStore
from pydantic import ConfigDict, Field
from qdrant_client import models


class BookRetriever(BaseRetriever):
    """Similarity search over the book's chunks; `score` is added to each chunk's metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: QdrantVectorStore
    k: int = Field(4, ge=1, le=20)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return self._search(self.store.embeddings.embed_query(query), self.k)

    async def _aget_relevant_documents(self, query: str, *, run_manager) -> list[Document]:
        # The query embedding is awaited (Cohere's async client, no thread); only the search,
        # which embedded Qdrant runs in numpy, goes to a thread.
        vector = await self.store.embeddings.aembed_query(query)
        return await asyncio.to_thread(self._search, vector, self.k)

    def _search(
        self, vector: list[float], k: int, where: models.Filter | None = None
    ) -> list[Document]:
        hits = self.store.similarity_search_with_score_by_vector(vector, k=k, filter=where)
        docs = []
        for doc, score in hits:
            doc.metadata["score"] = round(float(score), 4)
            docs.append(doc)
        return docs
