"""The queue on real databases: claims are exclusive, leases expire, a job ends once."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

from datatrail.store import open_store
from datatrail.store.queue import DONE, FAILED, QUEUED, RUNNING
from datatrail.store.store import MAX_ATTEMPTS, Store


def _store(database: str, tmp_path: Path) -> Store:
    return open_store(database, tmp_path / "data")


def _submit(store: Store, content: bytes, name: str = "app.apk") -> int:
    stored = store.store_file(io.BytesIO(content), name, 1 << 20)
    job, created = store.submit(stored, name)
    assert created
    return job.id


def test_claims_are_exclusive_under_contention(database: str, tmp_path: Path) -> None:
    store = _store(database, tmp_path)
    ids = {_submit(store, b"PK\x03\x04 app %d" % i) for i in range(40)}
    got: list[int] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        while True:
            jobs = store.claim(name, 3, 60)
            if not jobs:
                return
            with lock:
                got.extend(j.id for j in jobs)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(got) == sorted(ids)  # every job claimed, none twice
    store.engine.dispose()


def test_expired_leases_are_claimed_again_and_give_up_after_max_attempts(database: str, tmp_path: Path) -> None:
    store = _store(database, tmp_path)
    job_id = _submit(store, b"PK\x03\x04 crashes its worker")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (job,) = store.claim(f"w{attempt}", 1, 0.05)
        assert job.id == job_id and job.attempts == attempt and job.status == RUNNING
        assert store.claim("other", 1, 60) == []  # leased: nobody else gets it
        time.sleep(0.1)  # the worker "died": its lease runs out
    assert store.claim("last", 1, 60) == []
    final = store.job(job_id)
    assert final is not None and final.status == FAILED and "stopped 3 times" in (final.error or "")
    store.engine.dispose()


def test_only_the_lease_owner_finishes_and_only_once(database: str, tmp_path: Path) -> None:
    store = _store(database, tmp_path)
    job_id = _submit(store, b"PK\x03\x04 slow")
    (first,) = store.claim("slow-worker", 1, 0.05)
    time.sleep(0.1)
    (second,) = store.claim("fast-worker", 1, 60)
    assert second.id == job_id and second.attempts == 2
    assert not store.fail(first, "slow-worker", "late", 1.0)  # lost its lease: changes nothing
    assert store.renew("slow-worker", [job_id], 60) == 0 and store.renew("fast-worker", [job_id], 60) == 1
    assert store.fail(second, "fast-worker", "not an app", 0.1)
    assert not store.fail(second, "fast-worker", "again", 0.1)
    final = store.job(job_id)
    assert final is not None and final.status == FAILED and final.error == "not an app"
    store.engine.dispose()


def test_same_bytes_same_job_unless_rescan(database: str, tmp_path: Path) -> None:
    store = _store(database, tmp_path)
    content = b"PK\x03\x04 the same app"
    stored = store.store_file(io.BytesIO(content), "a.apk", 1 << 20)
    job, created = store.submit(stored, "a.apk")
    again, created_again = store.submit(store.store_file(io.BytesIO(content), "b.apk", 1 << 20), "b.apk")
    assert created and not created_again and again.id == job.id and again.status == QUEUED
    rescan, created_rescan = store.submit(stored, "a.apk", rescan=True)
    assert created_rescan and rescan.id != job.id
    assert DONE not in {job.status, rescan.status}
    store.engine.dispose()


def test_a_finished_job_keeps_the_key_of_the_tool_that_made_its_report(database: str, tmp_path: Path) -> None:
    """So a corpus scan into the same store (--database alone) skips what the service scanned."""
    from datatrail.knowledge.datasets import scan_key
    from datatrail.store.tables import versions

    store = _store(database, tmp_path)
    job_id = _submit(store, b"PK\x03\x04 an app")
    (job,) = store.claim("worker", 1, 60)
    report = {"schema_version": "1.4", "inputs": [{"path": "app.apk", "sha256": job.sha256, "size": 14, "kind": "apk"}],
              "app": {"package": "com.example.app"}, "findings": []}
    assert store.finish(job, "worker", json.dumps(report), 0.1)
    with store.begin() as conn:
        (row,) = conn.execute(versions.select())
    assert row.sha256 == job.sha256 and row.run_key == scan_key() and store.job(job_id) is not None
    store.engine.dispose()


def test_a_claim_says_where_each_file_is_oldest_first(database: str, tmp_path: Path) -> None:
    store = _store(database, tmp_path)
    contents = [b"PK\x03\x04 app number %d" % i for i in range(5)]
    ids = [_submit(store, content, f"app{i}.apk") for i, content in enumerate(contents)]
    taken = store.claim_files("worker", 3, 60)
    assert [job.id for job, _path in taken] == ids[:3]  # first come, first claimed
    for (job, path), content in zip(taken, contents, strict=False):
        assert job.status == RUNNING and job.attempts == 1 and job.lease_owner == "worker"
        assert path.read_bytes() == content and path.name == f"{job.sha256}.apk"
    assert [job.id for job in store.claim("other", 5, 60)] == ids[3:]
    store.engine.dispose()


def test_finishing_asks_whether_the_lease_is_still_held_and_the_file_size_at_once(database: str, tmp_path: Path) -> None:
    from datatrail.store import queue

    store = _store(database, tmp_path)
    job_id = _submit(store, b"PK\x03\x04 seventeen")
    with store.begin() as conn:
        assert queue.held_size(conn, job_id, "worker") is None  # queued: nobody holds it
    store.claim("worker", 1, 60)
    with store.begin() as conn:
        assert queue.held_size(conn, job_id, "worker") == len(b"PK\x03\x04 seventeen")
        assert queue.held_size(conn, job_id, "someone-else") is None
        assert queue.holds(conn, job_id, "worker") and not queue.holds(conn, job_id, "someone-else")
    store.engine.dispose()


def test_only_a_workers_postgresql_commits_skip_the_wait_for_the_disk(database: str, tmp_path: Path) -> None:
    from sqlalchemy import text

    if not database.startswith("postgresql"):
        return  # SQLite's WAL commits with synchronous=NORMAL on every connection
    uploads = open_store(database, tmp_path / "data")
    worker = open_store(database, tmp_path / "data", wait_for_disk=False)
    with uploads.begin() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
    with worker.begin() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
    uploads.engine.dispose()
    worker.engine.dispose()
