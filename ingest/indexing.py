"""Incremental, idempotent indexing of book chunks with LangChain's indexing API.

A SQL record manager (langchain-classic's SQLRecordManager, kept in the same database as the
history) remembers a content hash per chunk, so an unchanged book embeds nothing, an edited page
re-embeds only its changed chunks, and chunks of deleted pages are removed. New chunks are
written before stale ones are deleted: a reader during an ingest never sees a page go missing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import TypedDict

from langchain_classic.indexes import SQLRecordManager, index
from langchain_core.documents import Document
from langchain_core.vectorstores import VectorStore

SOURCE_KEY = "path"


def chunk_key(doc: Document) -> str:
    """Deterministic chunk id: the sha256 of text + metadata, shaped as the UUID Qdrant wants."""
    payload = json.dumps([doc.page_content, doc.metadata], sort_keys=True, ensure_ascii=False)
    return str(uuid.UUID(hex=hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]))


class IndexStats(TypedDict):
    num_added: int
    num_updated: int
    num_skipped: int
    num_deleted: int


def make_record_manager(db_url: str, namespace: str) -> SQLRecordManager:
    """A record manager with its schema created; namespace = one per collection."""
    manager = SQLRecordManager(namespace, db_url=db_url, engine_kwargs={"pool_pre_ping": True})
    manager.create_schema()
    return manager


def index_chunks(
    chunks: Iterable[Document],
    *,
    record_manager: SQLRecordManager,
    store: VectorStore,
    cleanup: str = "full",
    batch_size: int = 64,
    force_update: bool = False,
) -> IndexStats:
    """Write the chunks, skipping unchanged ones; with cleanup='full' drop what is gone."""
    result = index(
        chunks,
        record_manager,
        store,
        batch_size=batch_size,
        cleanup=cleanup,  # type: ignore[arg-type]
        source_id_key=SOURCE_KEY,
        key_encoder=chunk_key,
        force_update=force_update,
    )
    return IndexStats(**result)  # type: ignore[typeddict-item]
