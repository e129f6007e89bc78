"""The job queue, in the database: submit, claim with a lease, renew, finish once.

A worker claims jobs by setting itself as their lease owner until ``now + lease``; it renews the
lease while it scans. A job whose lease ran out (its worker was killed, its machine lost) is
claimed again by the next worker that asks; after ``max_attempts`` claims it fails with that
reason instead of killing workers for ever. Only the lease owner can finish a job, and only
once: a worker that lost its lease and finishes late changes nothing.

PostgreSQL claims with ``SELECT ... FOR UPDATE SKIP LOCKED``, so workers on many machines never
take the same job; SQLite gets the same guarantee from its single write lock (every transaction
begins ``IMMEDIATE``, see ``engine``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from datatrail.store.tables import blobs as blob_rows
from datatrail.store.tables import jobs

__all__ = ["Job", "QUEUED", "RUNNING", "DONE", "FAILED", "APP", "CAPTURE", "submit", "uploads_since", "claim", "renew", "holds", "held_size", "finish", "fail", "get_job", "depth"]

QUEUED: Final = "queued"
RUNNING: Final = "running"
DONE: Final = "done"
FAILED: Final = "failed"


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    sha256: str
    filename: str
    status: str
    submitted_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int
    error: str | None
    seconds: float | None
    version_id: int | None
    lease_owner: str | None
    lease_until: float | None
    kind: str | None = None
    """What the done job made: ``app`` (a version, ``version_id``) or ``capture``."""


def _job(row: object) -> Job:
    m = row._mapping  # type: ignore[attr-defined]
    return Job(m["id"], m["sha256"], m["filename"], m["status"], m["submitted_at"], m["started_at"], m["finished_at"],
               m["attempts"], m["error"], m["seconds"], m["version_id"], m["lease_owner"], m["lease_until"], m["kind"])


def submit(conn: Connection, sha256: str, filename: str, now: float, token_id: int | None = None) -> int:
    result = conn.execute(insert(jobs).values(sha256=sha256, filename=filename, status=QUEUED, submitted_at=now,
                                              attempts=0, token_id=token_id))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def uploads_since(conn: Connection, token_id: int, since: float) -> int:
    """Jobs a token submitted since ``since`` (for its quota)."""
    query = select(func.count()).select_from(jobs).where(jobs.c.token_id == token_id, jobs.c.submitted_at >= since)
    return int(conn.execute(query).scalar_one())


def ended(conn: Connection, ids: list[int]) -> list[int]:
    """Of these job ids, the ones done or failed (one query, by primary key)."""
    found: list[int] = []
    for at in range(0, len(ids), 500):  # well under any driver's limit on bound parameters
        chunk = ids[at:at + 500]
        found += [int(r.id) for r in conn.execute(select(jobs.c.id).where(jobs.c.id.in_(chunk), jobs.c.status.in_((DONE, FAILED))))]
    return found


def get_job(conn: Connection, job_id: int) -> Job | None:
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return _job(row) if row is not None else None


def claim(conn: Connection, owner: str, limit: int, lease: float, now: float, max_attempts: int) -> list[Job]:
    """Up to ``limit`` jobs for ``owner``: queued ones first come first, and those whose lease ran out."""
    expired = and_(jobs.c.status == RUNNING, jobs.c.lease_until < now)
    conn.execute(
        update(jobs).where(expired, jobs.c.attempts >= max_attempts).values(
            status=FAILED, finished_at=now, lease_owner=None, lease_until=None,
            error=f"the worker scanning it stopped {max_attempts} times before finishing (killed, out of memory or crashed)",
        )
    )
    wanted = (
        select(jobs.c.id)
        .where(or_(jobs.c.status == QUEUED, expired))
        .order_by(jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    # One statement takes the jobs and says what they now are (UPDATE ... RETURNING, on both
    # databases): a claim is two round trips to the server, not four.
    taken = conn.execute(
        update(jobs).where(jobs.c.id.in_(wanted)).values(
            status=RUNNING, lease_owner=owner, lease_until=now + lease, attempts=jobs.c.attempts + 1,
            started_at=func.coalesce(jobs.c.started_at, now),
        ).returning(*jobs.c)
    )
    return sorted((_job(row) for row in taken), key=lambda job: job.id)


def renew(conn: Connection, owner: str, ids: list[int], lease: float, now: float) -> int:
    """Extend the leases ``owner`` still holds; returns how many it does."""
    if not ids:
        return 0
    result = conn.execute(
        update(jobs).where(jobs.c.id.in_(ids), jobs.c.lease_owner == owner, jobs.c.status == RUNNING)
        .values(lease_until=now + lease)
    )
    return int(result.rowcount)


def holds(conn: Connection, job_id: int, owner: str) -> bool:
    """Whether ``owner`` still holds the job's lease (locking the row until the transaction ends)."""
    return held_size(conn, job_id, owner) is not None


def held_size(conn: Connection, job_id: int, owner: str) -> int | None:
    """The size of the job's file if ``owner`` still holds the job's lease (locking the job's row
    until the transaction ends), else None: what finishing a job asks first, in one round trip."""
    row = conn.execute(
        select(blob_rows.c.size).select_from(jobs.join(blob_rows, blob_rows.c.sha256 == jobs.c.sha256))
        .where(jobs.c.id == job_id, jobs.c.lease_owner == owner, jobs.c.status == RUNNING)
        .with_for_update(of=jobs)
    ).first()
    return None if row is None else int(row.size)


APP: Final = "app"
CAPTURE: Final = "capture"


def finish(conn: Connection, job_id: int, owner: str, version_id: int | None, seconds: float, now: float) -> bool:
    """Mark the job done with its version (an app) or without one (a capture, found by the job's
    sha256); False (and nothing changed) if ``owner`` lost it."""
    result = conn.execute(
        update(jobs).where(jobs.c.id == job_id, jobs.c.lease_owner == owner, jobs.c.status == RUNNING)
        .values(status=DONE, version_id=version_id, kind=APP if version_id is not None else CAPTURE, seconds=seconds,
                finished_at=now, lease_owner=None, lease_until=None)
    )
    return bool(result.rowcount)


def fail(conn: Connection, job_id: int, owner: str, error: str, seconds: float, now: float) -> bool:
    result = conn.execute(
        update(jobs).where(jobs.c.id == job_id, jobs.c.lease_owner == owner, jobs.c.status == RUNNING)
        .values(status=FAILED, error=error, seconds=seconds, finished_at=now, lease_owner=None, lease_until=None)
    )
    return bool(result.rowcount)


def depth(conn: Connection) -> dict[str, int]:
    """Jobs per status."""
    return {row.status: int(row.n) for row in conn.execute(select(jobs.c.status, func.count().label("n")).group_by(jobs.c.status))}
