"""The retriever the app serves, built from settings: one object for `/search` and the chat chain.

Hybrid dense + lexical search over the collection, Cohere's reranker when a key is set (and
RETRIEVAL_RERANK is on), at most RETRIEVAL_PAGE_CAP chunks per page in the top RETRIEVAL_K.
"""

from __future__ import annotations

import httpx
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from qdrant_client import QdrantClient

from chains.focus_retriever import FocusedRetriever
from clients.rerank import CohereReranker, Reranker
from config.settings import Settings
from stores import vectorstore


def make_reranker(settings: Settings, http: httpx.AsyncClient | None = None) -> Reranker | None:
    """Cohere's reranker when a key is set and reranking is on; None otherwise."""
    if settings.cohere_api_key is None or not settings.retrieval_rerank:
        return None
    return CohereReranker(
        api_key=settings.cohere_api_key,
        model=settings.cohere_rerank_model,
        base_url=settings.cohere_base_url,
        timeout=settings.rerank_timeout_seconds,
        http=http,
    )


def make_retriever(
    settings: Settings,
    *,
    qdrant: QdrantClient,
    embeddings: Embeddings,
    http: httpx.AsyncClient | None = None,
) -> BaseRetriever:
    """The served retriever over the configured collection (which need not exist yet)."""
    store = vectorstore.vector_store(qdrant, settings.qdrant_collection, embeddings)
    return FocusedRetriever(
        store=store,
        k=settings.retrieval_k,
        candidates=max(settings.retrieval_candidates, settings.retrieval_k),
        page_cap=settings.retrieval_page_cap,
        hybrid=settings.retrieval_hybrid,
        fusion=settings.retrieval_fusion,
        reranker=make_reranker(settings, http),
    )
