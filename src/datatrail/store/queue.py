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

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from datatrail.store.tables import blobs as blob_rows
from datatrail.store.tables import jobs

__all__ = ["Job", "QUEUED", "RUNNING", "DONE", "FAILED", "APP", "CAPTURE", "submit", "live_job", "uploads_since", "claim", "renew", "holds", "held_size", "finish", "fail", "get_job", "depth"]

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


# The statements a worker and an upload run for every job, built once with bound parameters:
# SQLAlchemy then neither builds them again nor recomputes their cache keys (both showed in
# profiles: about a millisecond a claim). Parameter names differ from column names, which
# SQLAlchemy reserves for the values of an INSERT or UPDATE.
_OWNED = and_(jobs.c.id == bindparam("job"), jobs.c.lease_owner == bindparam("owner"), jobs.c.status == RUNNING)
_EXPIRED = and_(jobs.c.status == RUNNING, jobs.c.lease_until < bindparam("now"))
_GIVE_UP = update(jobs).where(_EXPIRED, jobs.c.attempts >= bindparam("max_attempts")).values(
    status=FAILED, finished_at=bindparam("now"), lease_owner=None, lease_until=None, error=bindparam("reason"))
# One statement takes the jobs and says what they now are (UPDATE ... RETURNING, on both
# databases): a claim is two round trips to the server, not four.
_TAKE = update(jobs).where(jobs.c.id.in_(
    select(jobs.c.id).where(or_(jobs.c.status == QUEUED, _EXPIRED)).order_by(jobs.c.id)
    .limit(bindparam("n")).with_for_update(skip_locked=True).scalar_subquery()
)).values(
    status=RUNNING, lease_owner=bindparam("owner"), lease_until=bindparam("until"), attempts=jobs.c.attempts + 1,
    started_at=func.coalesce(jobs.c.started_at, bindparam("now")),
).returning(*jobs.c)
_RENEW = update(jobs).where(jobs.c.id.in_(bindparam("ids", expanding=True)), jobs.c.lease_owner == bindparam("owner"),
                            jobs.c.status == RUNNING).values(lease_until=bindparam("until"))
_HELD_SIZE = (select(blob_rows.c.size).select_from(jobs.join(blob_rows, blob_rows.c.sha256 == jobs.c.sha256))
              .where(_OWNED).with_for_update(of=jobs))
_FINISH = update(jobs).where(_OWNED).values(status=DONE, version_id=bindparam("version"), kind=bindparam("made"),
                                            seconds=bindparam("took"), finished_at=bindparam("now"), lease_owner=None,
                                            lease_until=None)
_FAIL = update(jobs).where(_OWNED).values(status=FAILED, error=bindparam("reason"), seconds=bindparam("took"),
                                          finished_at=bindparam("now"), lease_owner=None, lease_until=None)
_GET = select(jobs).where(jobs.c.id == bindparam("job"))
_ENDED = select(jobs.c.id).where(jobs.c.id.in_(bindparam("ids", expanding=True)), jobs.c.status.in_((DONE, FAILED)))
_LIVE = select(jobs).where(jobs.c.sha256 == bindparam("sha"), jobs.c.status != FAILED).order_by(jobs.c.id.desc()).limit(1)
_SUBMIT = insert(jobs).values(sha256=bindparam("sha"), filename=bindparam("name"), status=QUEUED,
                              submitted_at=bindparam("now"), attempts=0, token_id=bindparam("token")).returning(*jobs.c)


def submit(conn: Connection, sha256: str, filename: str, now: float, token_id: int | None = None) -> Job:
    """A new queued job for the file ``sha256``."""
    return _job(conn.execute(_SUBMIT, {"sha": sha256, "name": filename, "now": now, "token": token_id}).one())


def uploads_since(conn: Connection, token_id: int, since: float) -> int:
    """Jobs a token submitted since ``since`` (for its quota)."""
    query = select(func.count()).select_from(jobs).where(jobs.c.token_id == token_id, jobs.c.submitted_at >= since)
    return int(conn.execute(query).scalar_one())


def ended(conn: Connection, ids: list[int]) -> list[int]:
    """Of these job ids, the ones done or failed (one query, by primary key)."""
    found: list[int] = []
    for at in range(0, len(ids), 500):  # well under any driver's limit on bound parameters
        chunk = ids[at:at + 500]
        found += [int(r.id) for r in conn.execute(_ENDED, {"ids": chunk})]
    return found


def get_job(conn: Connection, job_id: int) -> Job | None:
    row = conn.execute(_GET, {"job": job_id}).first()
    return _job(row) if row is not None else None


def live_job(conn: Connection, sha256: str) -> Job | None:
    """The newest job for the file ``sha256`` that has not failed (queued, running or done)."""
    row = conn.execute(_LIVE, {"sha": sha256}).first()
    return _job(row) if row is not None else None


def claim(conn: Connection, owner: str, limit: int, lease: float, now: float, max_attempts: int) -> list[Job]:
    """Up to ``limit`` jobs for ``owner``: queued ones first come first, and those whose lease ran out."""
    reason = f"the worker scanning it stopped {max_attempts} times before finishing (killed, out of memory or crashed)"
    conn.execute(_GIVE_UP, {"now": now, "max_attempts": max_attempts, "reason": reason})
    taken = conn.execute(_TAKE, {"n": limit, "owner": owner, "until": now + lease, "now": now})
    return sorted((_job(row) for row in taken), key=lambda job: job.id)


def renew(conn: Connection, owner: str, ids: list[int], lease: float, now: float) -> int:
    """Extend the leases ``owner`` still holds; returns how many it does."""
    if not ids:
        return 0
    return int(conn.execute(_RENEW, {"ids": ids, "owner": owner, "until": now + lease}).rowcount)


def holds(conn: Connection, job_id: int, owner: str) -> bool:
    """Whether ``owner`` still holds the job's lease (locking the row until the transaction ends)."""
    return held_size(conn, job_id, owner) is not None


def held_size(conn: Connection, job_id: int, owner: str) -> int | None:
    """The size of the job's file if ``owner`` still holds the job's lease (locking the job's row
    until the transaction ends), else None: what finishing a job asks first, in one round trip."""
    row = conn.execute(_HELD_SIZE, {"job": job_id, "owner": owner}).first()
    return None if row is None else int(row.size)


APP: Final = "app"
CAPTURE: Final = "capture"


def finish(conn: Connection, job_id: int, owner: str, version_id: int | None, seconds: float, now: float) -> bool:
    """Mark the job done with its version (an app) or without one (a capture, found by the job's
    sha256); False (and nothing changed) if ``owner`` lost it."""
    result = conn.execute(_FINISH, {"job": job_id, "owner": owner, "version": version_id, "took": seconds, "now": now,
                                    "made": APP if version_id is not None else CAPTURE})
    return bool(result.rowcount)


def fail(conn: Connection, job_id: int, owner: str, error: str, seconds: float, now: float) -> bool:
    result = conn.execute(_FAIL, {"job": job_id, "owner": owner, "reason": error, "took": seconds, "now": now})
    return bool(result.rowcount)


def depth(conn: Connection) -> dict[str, int]:
    """Jobs per status."""
    return {row.status: int(row.n) for row in conn.execute(select(jobs.c.status, func.count().label("n")).group_by(jobs.c.status))}
