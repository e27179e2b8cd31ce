"""How many server processes to run, running them, and what each worker needs before its app
is built.

Several workers only make sense when every one of them can reach the same data: Qdrant as a
server (QDRANT_URL) and the history in Postgres. Embedded Qdrant is one process per folder and
SQLite history would split, so embedded mode stays one process and says so at start-up. The
rate limits hold across workers only when they share Redis (REDIS_URL).

`run_workers` starts each worker with a listening socket of its own on the same port
(SO_REUSEPORT), so the kernel spreads new connections evenly over the workers. uvicorn's own
`workers=` shares one socket instead, and there the worker that is awake takes the connections:
measured, 32 kept-alive connections landed 100/0 or 85/15 on two workers (bench/RESULTS.md,
"Issue 12 — workers"). A worker listens only once its app has started, so none is sent requests
while it loads. SIGTERM or SIGINT is passed on to every worker (each lets its streams finish);
a worker that dies is logged and replaced; one that cannot start stops the server.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from config.settings import Settings

log = logging.getLogger("bookchat")

WORKER_COPIES = "qdrant-workers"  # under DATA_DIR, with QDRANT_EMBEDDED_COPY_PER_WORKER
STARTUP_FAILURE = 3  # uvicorn's exit code when the app or the socket cannot start
STOP_SECONDS = 30  # after SIGTERM: the workers' graceful shutdown (20 s) and some margin


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


def _serve_one(app: str, options: dict[str, Any]) -> None:
    """A worker: its own socket on the shared port (SO_REUSEPORT), then uvicorn on it."""
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in options["host"] else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((options["host"], options["port"]))  # listening starts after app start-up
    except OSError as exc:
        print(f"worker {os.getpid()}: cannot bind port {options['port']}: {exc}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(uvicorn.Config(app, factory=True, **options)).run(sockets=[sock])


class _Supervisor:
    """The parent: starts `count` workers, replaces dead ones, stops them all on a signal."""

    def __init__(self, app: str, count: int, options: dict[str, Any]) -> None:
        self.app, self.count, self.options = app, count, options
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[BaseProcess] = []
        self.stopping = False

    def _start(self) -> BaseProcess:
        worker = self.context.Process(target=_serve_one, args=(self.app, self.options))
        worker.start()
        return worker

    def _stop(self, signum: int, _frame: object) -> None:
        self.stopping = True

    def _replace_dead(self) -> int:
        """Replace workers that died; the exit code when one could not start, else 0."""
        for index, worker in enumerate(self.workers):
            if worker.exitcode is None:
                continue
            if worker.exitcode == STARTUP_FAILURE:
                log.error("worker [%s] could not start; stopping the server", worker.pid)
                return 1
            log.error("worker [%s] died (exit code %s); starting another",
                      worker.pid, worker.exitcode)
            self.workers[index] = self._start()
        return 0

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            return self._supervise()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _supervise(self) -> int:
        self.workers = [self._start() for _ in range(self.count)]
        log.info("started %d workers on port %s: %s", self.count, self.options["port"],
                 ", ".join(str(w.pid) for w in self.workers))
        code = 0
        while not self.stopping and code == 0:
            time.sleep(0.2)
            code = self._replace_dead()
        for worker in self.workers:
            if worker.exitcode is None and worker.pid is not None:
                os.kill(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for worker in self.workers:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.exitcode is None:
                worker.kill()
                worker.join()
        log.info("all workers stopped")
        return code


def run_workers(app: str, count: int, options: dict[str, Any]) -> int:
    """Serve the app factory `app` ("module:function") in `count` worker processes with
    uvicorn `options` (host, port, ...); returns the exit code when they are stopped."""
    return _Supervisor(app, count, options).run()
