"""A throw-away Postgres database for a benchmark's Postgres-history pass."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def temp_database():
    """A throw-away Postgres database, so the shared `test` database is left alone."""
    import psycopg

    name = f"bookchat_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
