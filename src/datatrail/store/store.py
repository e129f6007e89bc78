"""The store as the service and its workers use it: one object over the database and the files."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from datatrail.knowledge.datasets import scan_key
from datatrail.store import queue
from datatrail.store.blobs import Blobs, BlobWriter, StoredFile, base_name, safe_suffix
from datatrail.store.catalogue import is_capture_document, record_capture, record_report
from datatrail.store.ended import announce, channel_of
from datatrail.store.engine import make_engine, read_options, sqlite_url
from datatrail.store.migrate import upgrade
from datatrail.store.tables import blobs as blob_rows
from datatrail.store.tables import workers

__all__ = ["Store", "open_store", "MAX_ATTEMPTS", "ORPHAN_AGE"]

MAX_ATTEMPTS = 3
"""Claims of one job before it fails: a file that kills its worker every time must not kill them all."""
ORPHAN_AGE = 3600.0
"""Seconds after which a file without its row is a killed upload's leftover."""


_INSERT_IGNORE: dict[str, Any] = {  # built once (see ``queue``), in each dialect's words
    "postgresql": pg_insert(blob_rows).on_conflict_do_nothing(index_elements=["sha256"]),
    "sqlite": sqlite_insert(blob_rows).on_conflict_do_nothing(index_elements=["sha256"]),
}
"""``INSERT ... ON CONFLICT DO NOTHING`` into the files' table."""


# Built once (see ``queue``): an upload and a claim run these for every job.
_LOCK_BLOB = select(blob_rows.c.sha256).where(blob_rows.c.sha256 == bindparam("sha")).with_for_update()
_SUFFIXES = select(blob_rows.c.sha256, blob_rows.c.suffix).where(blob_rows.c.sha256.in_(bindparam("shas", expanding=True)))


class Store:
    def __init__(self, engine: Engine, files: Path) -> None:
        self.engine = engine
        self.blobs = Blobs(files)
        self.channel = channel_of(engine)
        """Where a job's end is announced to a listening API (``ended``); None without one."""

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads that need no transaction: each statement sees the database as
        it is when it runs (no BEGIN, no COMMIT: on PostgreSQL one round trip a statement, not
        three; on SQLite no write lock taken). For a single query, or several that need not agree."""
        with self.engine.connect().execution_options(**read_options(self.engine)) as conn:
            yield conn

    def ping(self) -> bool:
        try:
            with self.read() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - readiness says no, whatever the driver raised
            return False

    # -- uploads -------------------------------------------------------------------------

    def store_file(self, stream: BinaryIO, filename: str, max_bytes: int) -> StoredFile:
        return self.blobs.put(stream, safe_suffix(filename), max_bytes)

    def file_writer(self, filename: str, max_bytes: int) -> BlobWriter:
        """A file to store piece by piece (an upload's body as it arrives), in a ``with`` block: see :class:`BlobWriter`."""
        return self.blobs.writer(safe_suffix(filename), max_bytes)

    def submit(self, stored: StoredFile, filename: str, *, rescan: bool = False, token_id: int | None = None) -> tuple[queue.Job, bool]:
        """A job for the stored file: the existing one for the same content unless ``rescan``
        (or unless it failed), else a new one. Returns (job, created)."""
        now = time.time()
        name = base_name(filename)[:255] or f"upload{stored.suffix}"
        with self.begin() as conn:
            conn.execute(_INSERT_IGNORE[conn.dialect.name], {"sha256": stored.sha256, "size": stored.size, "suffix": stored.suffix, "stored_at": now})
            if conn.dialect.name != "sqlite":
                # A lock on the file's row: two uploads of the same new bytes at once make one job.
                # (SQLite's transactions each hold the one write lock from their start.)
                conn.execute(_LOCK_BLOB, {"sha": stored.sha256})
            if not rescan:
                job = queue.live_job(conn, stored.sha256)
                if job is not None:
                    return job, False
            return queue.submit(conn, stored.sha256, name, now, token_id), True

    def discard(self, stored: StoredFile) -> None:
        """Delete a file just stored, unless a job already holds the same bytes."""
        with self.begin() as conn:
            known = conn.execute(select(blob_rows.c.sha256).where(blob_rows.c.sha256 == stored.sha256)).first()
        if known is None:
            stored.path.unlink(missing_ok=True)

    def sweep_orphans(self, min_age: float = ORPHAN_AGE) -> list[Path]:
        """Remove what killed uploads left: temporary files, and files no row names."""
        now = time.time()
        removed = []
        for tmp in self.blobs.orphans():
            if now - tmp.stat().st_mtime > min_age:
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
        with self.begin() as conn:
            known = {r.sha256 for r in conn.execute(select(blob_rows.c.sha256))}
        for path in self.blobs.root.glob("??/??/*"):
            if path.name[:64] not in known and now - path.stat().st_mtime > min_age:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    # -- workers -------------------------------------------------------------------------

    def claim(self, owner: str, limit: int, lease: float) -> list[queue.Job]:
        return [job for job, _path in self.claim_files(owner, limit, lease)]

    def claim_files(self, owner: str, limit: int, lease: float) -> list[tuple[queue.Job, Path]]:
        """Claim up to ``limit`` jobs and say where each one's file is, in one transaction."""
        with self.begin() as conn:
            claimed = queue.claim(conn, owner, limit, lease, time.time(), MAX_ATTEMPTS)
            if not claimed:
                return []
            suffixes = dict(conn.execute(_SUFFIXES, {"shas": sorted({job.sha256 for job in claimed})}).tuples().all())
        return [(job, self.blobs.path(job.sha256, suffixes[job.sha256])) for job in claimed]

    def renew(self, owner: str, ids: list[int], lease: float) -> int:
        with self.begin() as conn:
            return queue.renew(conn, owner, ids, lease, time.time())

    def finish(self, job: queue.Job, owner: str, report_text: str, seconds: float) -> bool:
        """Record the report and mark the job done, in one transaction; False if the lease was lost."""
        doc: dict[str, Any] = json.loads(report_text)
        now = time.time()
        with self.begin() as conn:
            size = queue.held_size(conn, job.id, owner)
            if size is None:
                return False
            if is_capture_document(doc):
                record_capture(conn, job.sha256, size, doc, report_text, now)
                done = queue.finish(conn, job.id, owner, None, seconds, now)
            else:
                version_id = record_report(conn, job.sha256, size, doc, report_text, now, scan_key())
                done = queue.finish(conn, job.id, owner, version_id, seconds, now)
        if done:  # committed: a waiting request may look now
            announce(self.channel, [job.id])
        return done

    def fail(self, job: queue.Job, owner: str, error: str, seconds: float) -> bool:
        with self.begin() as conn:
            done = queue.fail(conn, job.id, owner, error, seconds, time.time())
        if done:
            announce(self.channel, [job.id])
        return done

    def heartbeat(self, owner: str, jobs_at_once: int, started_at: float) -> None:
        now = time.time()
        with self.begin() as conn:
            done = conn.execute(update(workers).where(workers.c.name == owner).values(seen_at=now, jobs=jobs_at_once))
            if not done.rowcount:
                conn.execute(insert(workers).values(name=owner, started_at=started_at, seen_at=now, jobs=jobs_at_once))

    def leave(self, owner: str) -> None:
        with self.begin() as conn:
            conn.execute(delete(workers).where(workers.c.name == owner))

    def live_workers(self, within: float) -> int:
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(workers).where(workers.c.seen_at >= time.time() - within)).scalar_one())

    def job(self, job_id: int) -> queue.Job | None:
        with self.read() as conn:
            return queue.get_job(conn, job_id)

    def ended(self, ids: list[int]) -> list[int]:
        """Of these jobs, the ones done or failed."""
        with self.read() as conn:
            return queue.ended(conn, ids)


def open_store(database: str | None, data_dir: Path, files: Path | None = None, *, wait_for_disk: bool = True) -> Store:
    """The store at ``database`` (a SQLAlchemy URL; default a SQLite file in ``data_dir``), its
    schema migrated to the newest version, uploaded files under ``files`` (default ``data_dir/files``).
    ``wait_for_disk=False`` is for a worker: see :func:`~datatrail.store.engine.make_engine`."""
    engine = make_engine(database or sqlite_url(data_dir / "datatrail.sqlite3"), wait_for_disk=wait_for_disk)
    upgrade(engine)
    return Store(engine, files or data_dir / "files")
