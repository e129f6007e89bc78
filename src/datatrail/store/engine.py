"""Database connections: SQLite (a file, WAL, one writer at a time) or PostgreSQL, by URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["make_engine", "sqlite_url", "is_sqlite", "read_options"]

_BUSY_TIMEOUT_MS = 30_000
_READ = "datatrail_read"


def read_options(engine: Engine) -> dict[str, Any]:
    """Execution options for reads without a transaction. PostgreSQL: autocommit, so a statement
    is one round trip (no BEGIN, no COMMIT). SQLite: no ``BEGIN IMMEDIATE``, so no write lock; the
    driver already runs each statement on its own (``isolation_level = None``), and its isolation
    level is left alone (SQLAlchemy's reset of it would turn the driver's own BEGINs back on)."""
    return {_READ: True} if is_sqlite(engine) else {"isolation_level": "AUTOCOMMIT"}


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, wait_for_disk: bool = True) -> Engine:
    """An engine for ``url``. SQLite gets WAL journaling, a busy timeout, foreign keys, and
    ``BEGIN IMMEDIATE`` for every transaction, so two processes (the API and a worker) queue
    for the write lock instead of failing on a deadlock.

    ``wait_for_disk=False`` (a worker's engine) makes PostgreSQL commit without waiting for the
    write-ahead log to reach the disk (``synchronous_commit=off``): what SQLite's WAL with
    ``synchronous=NORMAL`` does for every connection here. A commit still survives any process
    being killed, the database server's included; only a power loss can take the last fraction
    of a second of commits. A worker's commits can afford that: they are claims, leases and
    results, and a lost one leaves a job whose lease runs out and which is scanned again, to
    the same report. Uploads are never committed this way: a 202 means the job is on disk."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi: sqlite3.Connection, record: Any) -> None:
            dbapi.isolation_level = None  # transactions are begun below, not by the driver
            cur = dbapi.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Straight to the driver: through SQLAlchemy's execution path this cost as much as
            # the transaction's own queries did.
            if not conn.get_execution_options().get(_READ):  # a ``Store.read`` begins nothing
                conn.connection.driver_connection.execute("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    connect_args = {} if wait_for_disk or parsed.get_backend_name() != "postgresql" else {"options": "-c synchronous_commit=off"}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)
