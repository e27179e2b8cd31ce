"""How many server processes to run, and what each worker needs before its app is built.

Several workers only make sense when every one of them can reach the same data: Qdrant as a
server (QDRANT_URL) and the history in Postgres. Embedded Qdrant is one process per folder and
SQLite history would split, so embedded mode stays one process and says so at start-up. The
rate limits hold across workers only when they share Redis (REDIS_URL).

uvicorn runs the workers (`workers=`): it forks them on one listening socket, passes SIGTERM on
to all of them and starts a new one in place of one that died (logged as "Child process [pid]
died").
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from config.settings import Settings

log = logging.getLogger("bookchat")

WORKER_COPIES = "qdrant-workers"  # under DATA_DIR, with QDRANT_EMBEDDED_COPY_PER_WORKER


def worker_count(settings: Settings) -> int:
    """WEB_CONCURRENCY when the stores are servers, else 1 (with a warning if more was asked)."""
    wanted = settings.web_concurrency
    if wanted == 1:
        return 1
    if not settings.stores_are_servers:
        log.warning(
            "WEB_CONCURRENCY=%d ignored: embedded mode (no QDRANT_URL, or no Postgres "
            "DATABASE_URL) is one process; running 1 worker", wanted,
        )
        return 1
    if settings.redis_url is None:
        log.warning(
            "%d workers without REDIS_URL: each worker keeps its own rate limits and token "
            "budgets, so a client gets up to %d times RATE_LIMIT", wanted, wanted,
        )
    if settings.qdrant_url is None:
        shutil.rmtree(settings.data_dir / WORKER_COPIES, ignore_errors=True)  # a past run's
        log.warning("%d workers on private copies of the embedded store (test/bench only)", wanted)
    return wanted


def worker_settings(settings: Settings) -> Settings:
    """This worker's settings: with QDRANT_EMBEDDED_COPY_PER_WORKER (test and bench only) and
    no QDRANT_URL, a private copy of DATA_DIR/qdrant, since embedded Qdrant locks its folder."""
    if not settings.qdrant_embedded_copy_per_worker or settings.qdrant_url is not None:
        return settings
    own = settings.data_dir / WORKER_COPIES / str(os.getpid())
    source: Path = settings.embedded_qdrant_path
    if source.exists():
        shutil.copytree(source, own / "qdrant", ignore=shutil.ignore_patterns(".lock"))
    else:
        (own / "qdrant").mkdir(parents=True)
    return settings.model_copy(update={"data_dir": own, "embed_model_dir": settings.model_dir})
