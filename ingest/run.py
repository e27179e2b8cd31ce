"""One ingest run: read the book, make sure the collection fits the model, index the chunks."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from qdrant_client import QdrantClient

from book import load_book
from book.site import route_base_for
from ingest.indexing import chunk_key, index_chunks, make_record_manager
from stores import vectorstore


@dataclass
class IngestReport:
    """The summary printed at the end of a run."""

    files: int
    chunks: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _with_progress(chunks: list[Document], show: bool) -> Iterable[Document]:
    if not show:
        return chunks
    from tqdm import tqdm

    return tqdm(chunks, desc="indexing", unit="chunk")


def _index_view(chunks: Iterable[Document]) -> Iterator[Document]:
    """What gets hashed and stored: positional fields stay out, so an insert upstream in a
    page does not make every later chunk look changed."""
    for doc in chunks:
        meta = {k: v for k, v in doc.metadata.items() if k not in {"id", "chunk_index"}}
        yield Document(page_content=doc.page_content, metadata=meta)


def ingest(
    docs_dir: Path,
    *,
    client: QdrantClient,
    embeddings: Embeddings,
    collection: str,
    record_db_url: str,
    base_url: str = "",
    route_base: str | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: bool = False,
) -> IngestReport:
    """Bring the collection in line with the book in docs_dir; returns counts and seconds.
    route_base None: the routeBasePath of a docusaurus.config next to docs_dir, else /docs."""
    start = time.perf_counter()
    if not docs_dir.is_dir():
        raise FileNotFoundError(f"docs folder not found: {docs_dir}")
    if route_base is None:
        route_base = route_base_for(docs_dir)
    chunks = load_book(docs_dir, base_url=base_url, route_base=route_base)
    files = len({d.metadata["path"] for d in chunks})
    manager = make_record_manager(record_db_url, namespace=f"qdrant/{collection}")
    info = vectorstore.describe(client, collection)
    if dry_run:
        keys = [chunk_key(d) for d in _index_view(chunks)]
        known = manager.exists(keys) if info.exists else [False] * len(keys)
        unchanged = sum(known)
        return IngestReport(
            files, len(chunks), added=len(chunks) - unchanged, unchanged=unchanged,
            seconds=round(time.perf_counter() - start, 3), dry_run=True,
        )
    if info.exists and full:
        client.delete_collection(collection)
        info = vectorstore.describe(client, collection)
    vectorstore.check_model(info, embeddings)
    fresh = not info.exists
    if fresh:
        vectorstore.create_collection(client, collection, embeddings)
    store = vectorstore.vector_store(client, collection, embeddings)
    stats = index_chunks(
        _index_view(_with_progress(chunks, progress)),
        record_manager=manager,
        store=store,
        force_update=fresh,  # records may outlive a deleted collection
    )
    return IngestReport(
        files=files,
        chunks=len(chunks),
        added=stats["num_added"],
        updated=stats["num_updated"],
        unchanged=stats["num_skipped"],
        deleted=stats["num_deleted"],
        seconds=round(time.perf_counter() - start, 3),
    )
