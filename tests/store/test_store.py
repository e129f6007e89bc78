"""The store's reads on real databases: a read holds no transaction, so it neither blocks a writer
nor keeps an old view of the queue."""

from __future__ import annotations

import io
import time
from pathlib import Path

from sqlalchemy import text

from datatrail.store import open_store, queue
from datatrail.store.queue import QUEUED, RUNNING


def test_a_read_holds_no_transaction(database: str, tmp_path: Path) -> None:
    store = open_store(database, tmp_path / "data")
    stored = store.store_file(io.BytesIO(b"PK\x03\x04 read me"), "app.apk", 1 << 20)
    job, _created = store.submit(stored, "app.apk")
    with store.read() as conn:
        before = queue.get_job(conn, job.id)
        assert before is not None and before.status == QUEUED
        # With the read's connection still open, a writer gets in at once: on SQLite a read that
        # began a transaction would hold the write lock (every transaction here is IMMEDIATE),
        # and this claim would wait out the 30 s busy timeout.
        started = time.monotonic()
        (claimed,) = store.claim("writer", 1, 60)
        assert claimed.id == job.id and time.monotonic() - started < 5
        # The read's next statement sees the claim: it kept no snapshot of its own.
        after = queue.get_job(conn, job.id)
        assert after is not None and after.status == RUNNING and after.lease_owner == "writer"
        if conn.dialect.name == "postgresql":
            # Autocommit: each statement is its own transaction, so the transaction started with
            # this statement, not with the read's first one.
            assert conn.execute(text("SELECT now() = statement_timestamp()")).scalar() is True
    # A write after reads on the same pooled connection is a transaction again, all or nothing.
    try:
        with store.begin() as conn:
            queue.fail(conn, job.id, "writer", "rolled back", 0.1, time.time())
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    final = store.job(job.id)
    assert final is not None and final.status == RUNNING and final.error is None
    store.engine.dispose()
