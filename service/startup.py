"""The part of start-up that may take a while, run in the background: the stores' tables, and the
sample book on an empty embedded store; then the service is ready."""

from __future__ import annotations

import asyncio
import gc
import logging

from ingest.run import IngestReport, ingest
from service.resources import Resources
from stores.vectorstore import CollectionInfo

log = logging.getLogger("bookchat")


async def ingest_docs(res: Resources) -> IngestReport:
    """Index DOCS_DIR into the live collection with the server's own clients (incremental)."""
    s = res.settings
    return await asyncio.to_thread(
        ingest,
        s.docs_dir,
        client=res.qdrant,
        embeddings=res.embeddings,
        collection=s.qdrant_collection,
        record_db_url=s.record_db_url,
        base_url=s.docs_base_url,
        route_base=s.docs_route_base,
    )


def settle_memory() -> None:
    """Move what start-up allocated (modules, models, clients) out of the collector's view.

    Those objects live as long as the process; without this every full collection under load
    walks all of them again (bench/RESULTS.md, issue 12)."""
    gc.collect()
    gc.freeze()


async def finish_startup(res: Resources, info: CollectionInfo | None) -> None:
    """History and feedback tables, then the sample book when the embedded store is empty;
    then ready (or failed, with the reason in health)."""
    s = res.settings
    try:
        try:
            await res.history.setup()
            await res.feedback.setup()
        except Exception as exc:
            log.warning("history store not ready at start-up: %s", type(exc).__name__)
        if s.qdrant_url is None and (info is None or not info.exists or info.points == 0):
            log.info("embedded store is empty: ingesting %s", s.docs_dir)
            report = await ingest_docs(res)
            log.info("sample book ingested: %s", report)
        settle_memory()
        res.phase = "ready"
    except Exception as exc:
        log.error("start-up failed: %s: %s", type(exc).__name__, exc)
        res.startup_error = f"{type(exc).__name__}: {exc}"
        res.phase = "failed"
