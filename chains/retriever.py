"""The book retriever: top-k chunks with their similarity score in the metadata."""

from __future__ import annotations

import asyncio

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_qdrant import QdrantVectorStore
from pydantic import ConfigDict, Field


class BookRetriever(BaseRetriever):
    """Similarity search over the book's chunks; `score` is added to each chunk's metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: QdrantVectorStore
    k: int = Field(4, ge=1, le=20)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.store.similarity_search_with_score(query, k=self.k)
        docs = []
        for doc, score in hits:
            doc.metadata["score"] = round(float(score), 4)
            docs.append(doc)
        return docs

    async def _aget_relevant_documents(self, query: str, *, run_manager) -> list[Document]:
        return await asyncio.to_thread(
            self._get_relevant_documents, query, run_manager=run_manager.get_sync()
        )
