"""Retrieval that starts from the reader's focus: the passage they selected, the page they are on.

The widget sends the reader's `location.href` and, in selection mode, the selected passage. The
focus search looks for the question together with the passage, restricted to the reader's page
when it is known; its best `focus_k` chunks come first, then the usual search for the question
alone over the whole book fills the remaining slots. So "what does this mean?" about a passage
finds the passage's own section, and a question the passage does not answer still finds the
sections that do.

Chunks carry `metadata.page_url`, which is site-relative ("/docs/ros2/topics") or absolute when
the book was ingested with DOCS_BASE_URL, and the site may live under a base path
("/book/docs/ros2/topics"). So the reader's URL is turned into every form its page could be
stored under and matched with one Qdrant filter.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from pydantic import Field
from qdrant_client import models

from chains.retriever import BookRetriever

PAGE_FIELD = "metadata.page_url"
MAX_SEGMENTS = 12
# Embedding models read a few hundred tokens: the question, then the start of the passage.
PASSAGE_QUERY_CHARS = 1000


def page_url_forms(url: str) -> list[str]:
    """Every form a page's stored `page_url` could take for this reader URL, or [] if none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https", ""}:
        return []
    segments = [s for s in parts.path.split("/") if s][-MAX_SEGMENTS:]
    paths = ["/" + "/".join(segments[i:]) for i in range(len(segments))] or ["/"]
    if parts.scheme and parts.netloc:
        paths.insert(0, f"{parts.scheme}://{parts.netloc}{paths[0] if segments else ''}")
    forms: list[str] = []
    for path in paths:
        for form in (path.rstrip("/") or "/", path.rstrip("/") + "/"):
            if form not in forms:
                forms.append(form)
    return forms


def _page_filter(forms: list[str]) -> models.Filter:
    return models.Filter(
        must=[models.FieldCondition(key=PAGE_FIELD, match=models.MatchAny(any=forms))]
    )


def _key(doc: Document) -> object:
    return doc.id or doc.metadata.get("_id") or doc.page_content


class FocusedRetriever(BookRetriever):
    """Top-k chunks of the book; given `passage=` or `page_url=`, the focus chunks come first.

    On a page without a passage, a page chunk far less similar to the question than the book's
    best one (below `page_floor` times its cosine similarity, dense search) is not promoted: a
    general question asked on an unrelated page keeps its global answer. With neither keyword
    it answers exactly like BookRetriever, so one instance serves both the chat chain and the
    plain search route.
    """

    focus_k: int = Field(2, ge=0, le=20)
    page_floor: float = Field(0.5, ge=0.0, le=1.0)

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        page_url: str | None = None,
        passage: str | None = None,
    ) -> list[Document]:
        forms = page_url_forms(page_url) if page_url else []
        texts = self._queries(query, forms, passage)
        if texts is None:
            return super()._get_relevant_documents(query, run_manager=run_manager)
        vectors = [self.store.embeddings.embed_query(text) for text in texts]
        book = self._top(self._reranked(query, self._search(query, vectors[0], None)))
        return _merge(self._focus(texts, vectors, forms, passage, book), book, self.k)

    async def _aget_relevant_documents(
        self,
        query: str,
        *,
        run_manager,
        page_url: str | None = None,
        passage: str | None = None,
    ) -> list[Document]:
        forms = page_url_forms(page_url) if page_url else []
        texts = self._queries(query, forms, passage)
        if texts is None:
            return await super()._aget_relevant_documents(query, run_manager=run_manager)
        embed = self.store.embeddings.aembed_query
        vectors = list(await asyncio.gather(*(embed(text) for text in texts)))
        found = await asyncio.to_thread(self._search, query, vectors[0], None)
        book = self._top(await self._areranked(query, found))
        focus = await asyncio.to_thread(self._focus, texts, vectors, forms, passage, book)
        return _merge(focus, book, self.k)

    def _queries(self, query: str, forms: list[str], passage: str | None) -> list[str] | None:
        """The texts to embed for a focused search; None when there is nothing to focus on."""
        if not self.focus_k or not (forms or passage):
            return None
        if passage:
            return [query, f"{query}\n{passage[:PASSAGE_QUERY_CHARS]}"]
        return [query]

    def _focus(
        self,
        texts: list[str],
        vectors: list[list[float]],
        forms: list[str],
        passage: str | None,
        book: list[Document],
    ) -> list[Document]:
        """The focus chunks: the passage's best matches (on its page when known), or the
        page's chunks that are close enough to the question."""
        where = _page_filter(forms) if forms else None
        if passage:
            return self._search(texts[1], vectors[1], where, self.focus_k)[: self.focus_k]
        best = self._dense(vectors[0], 1, None)
        floor = self.page_floor * (best[0].metadata["score"] if best else 0.0)
        hits = self._dense(vectors[0], self.focus_k, where)
        return [d for d in hits if d.metadata["score"] >= floor]


def _merge(focus: list[Document], book: list[Document], k: int) -> list[Document]:
    """The focus chunks first, then the book's best for the question alone."""
    seen = {_key(doc) for doc in focus}
    merged = focus + [doc for doc in book if _key(doc) not in seen]
    return merged[: max(k, len(focus))]
