"""How many processes server.main runs, and a worker's private copy of the embedded store."""

from __future__ import annotations

import logging
import os
import socket

from config.settings import load_settings
from service.processes import WORKER_COPIES, run_workers, worker_count, worker_settings

PG = "postgresql://postgres@127.0.0.1:5432/test"


def _settings(tmp_path, **extra):
    base = dict(data_dir=tmp_path, qdrant_url=None, database_url=None, redis_url=None)
    return load_settings(**{**base, **extra})


def test_embedded_mode_is_one_process_and_says_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="bookchat"):
        assert worker_count(_settings(tmp_path, web_concurrency=3)) == 1
        assert worker_count(_settings(tmp_path, web_concurrency=3, database_url=PG)) == 1
        assert worker_count(_settings(tmp_path, web_concurrency=3,
                                      qdrant_url="https://q.example.org")) == 1
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "WEB_CONCURRENCY=3 ignored"] * 3


def test_server_stores_run_the_workers_asked_for(tmp_path, caplog):
    shared = dict(qdrant_url="https://q.example.org", database_url=PG)
    assert worker_count(_settings(tmp_path, **shared)) == 1
    with caplog.at_level(logging.WARNING, logger="bookchat"):
        assert worker_count(_settings(tmp_path, web_concurrency=2, redis_url="redis://r:6379",
                                      **shared)) == 2
    assert caplog.records == []
    with caplog.at_level(logging.WARNING, logger="bookchat"):
        assert worker_count(_settings(tmp_path, web_concurrency=2, **shared)) == 2
    assert "without REDIS_URL" in caplog.records[-1].getMessage()


def test_a_worker_copies_the_embedded_store_only_when_told(tmp_path):
    (tmp_path / "qdrant" / "collection").mkdir(parents=True)
    (tmp_path / "qdrant" / "collection" / "data").write_text("points")
    plain = _settings(tmp_path, database_url=PG)
    assert worker_settings(plain) is plain
    told = _settings(tmp_path, database_url=PG, qdrant_embedded_copy_per_worker=True,
                     web_concurrency=2)
    assert worker_count(told) == 2
    own = worker_settings(told)
    assert own.data_dir == tmp_path / WORKER_COPIES / str(os.getpid())
    assert (own.embedded_qdrant_path / "collection" / "data").read_text() == "points"
    assert own.model_dir == told.model_dir  # the model is not copied, nor looked for elsewhere


def test_a_worker_that_cannot_start_stops_the_server(caplog):
    """The port is held by a socket that does not share it: the worker exits, nothing loops."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        options = {"host": "127.0.0.1", "port": taken.getsockname()[1], "log_level": "warning"}
        with caplog.at_level(logging.INFO, logger="bookchat"):
            assert run_workers("server:worker_app", 2, options) == 1
    assert "could not start; stopping the server" in caplog.text
