"""Waiting status requests share one look at the store: however many wait, one query a step;
each returns when its own job ends, or when its time is up."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update

from datatrail.service.watch import JobWatch
from datatrail.store import Store, open_store
from datatrail.store.ended import EndedListener
from datatrail.store.queue import DONE, FAILED
from datatrail.store.tables import jobs

STEP = 0.025


def _submit(store: Store, content: bytes) -> int:
    job, created = store.submit(store.store_file(io.BytesIO(content), "app.apk", 1 << 20), "app.apk")
    assert created
    return job.id


def _end(store: Store, job_id: int, status: str) -> None:
    with store.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(status=status, finished_at=time.time()))


def _counted(store: Store, queries: list[list[int]]) -> Callable[[list[int]], list[int]]:
    """The store's query of ended jobs, each call's ids kept in ``queries``."""

    def ended(wanted: list[int]) -> list[int]:
        queries.append(wanted)
        return store.ended(wanted)

    return ended


def test_many_waiters_one_query_a_step_each_back_when_its_job_ends(database: str, tmp_path: Path) -> None:
    store = open_store(database, tmp_path / "data")
    try:
        ids = [_submit(store, b"PK\x03\x04 app %d" % i) for i in range(10)]
        queries: list[list[int]] = []
        watch = JobWatch(_counted(store, queries), STEP)

        async def waiter(job_id: int, seconds: float) -> tuple[int, float]:
            t0 = time.monotonic()
            await watch.wait(job_id, seconds)
            return job_id, time.monotonic() - t0

        async def main() -> list[tuple[int, float]]:
            waiters = [asyncio.create_task(waiter(ids[i % 10], 1.5)) for i in range(60)]  # six a job
            await asyncio.sleep(0.3)
            assert watch.waiting == 60
            await asyncio.to_thread(_end, store, ids[0], DONE)
            await asyncio.to_thread(_end, store, ids[1], FAILED)
            return await asyncio.gather(*waiters)

        t0 = time.monotonic()
        results = asyncio.run(main())
        elapsed = time.monotonic() - t0
        early = [s for job_id, s in results if job_id in ids[:2]]
        late = [s for job_id, s in results if job_id not in ids[:2]]
        assert len(early) == 12 and all(0.3 <= s < 0.9 for s in early)  # back within a few steps of their job's end
        assert len(late) == 48 and all(1.45 <= s < 2.5 for s in late)  # the others at their time limit
        # One query a step for all 60 requests (a request each a step would be ~3,600).
        assert len(queries) <= elapsed / STEP + 5
        assert all(q == sorted(set(q)) for q in queries) and len(queries[0]) == 10
        assert sorted(queries[-1]) == sorted(ids[2:])  # ended jobs are no longer asked about
        assert watch.waiting == 0
    finally:
        store.engine.dispose()


def test_the_store_says_which_jobs_ended(database: str, tmp_path: Path) -> None:
    store = open_store(database, tmp_path / "data")
    try:
        ids = [_submit(store, b"PK\x03\x04 job %d" % i) for i in range(3)]
        _end(store, ids[0], DONE)
        _end(store, ids[2], FAILED)
        assert sorted(store.ended(ids + [10**9])) == [ids[0], ids[2]]
        many = list(range(1, 1300)) + ids  # past one query's chunk of ids
        assert sorted(set(store.ended(many))) == [ids[0], ids[2]]
    finally:
        store.engine.dispose()


def _claim_and_finish(store: Store, job_id: int, failed: bool) -> None:
    (job,) = store.claim("worker", 1, 60)
    assert job.id == job_id
    if failed:
        assert store.fail(job, "worker", "not an app", 0.1)
    else:
        report = json.dumps({"schema_version": "1.4", "app": {"package": "com.example.ended"}, "inputs": [{"kind": "apk"}]})
        assert store.finish(job, "worker", report, 0.1)


def test_word_from_the_worker_wakes_its_waiters_at_once(tmp_path: Path) -> None:
    """A SQLite store's workers say when a job ends; the waiters return then, not at the next
    look at the store (here one every 30 s: none happens)."""
    store = open_store(None, tmp_path / "data")
    listener = EndedListener.open(store.channel)
    assert listener is not None, "a SQLite store on Linux has a channel"
    try:
        ids = [_submit(store, b"PK\x03\x04 app %d" % i) for i in range(3)]
        queries: list[list[int]] = []
        watch = JobWatch(_counted(store, queries), STEP, fallback_step=30.0)

        async def waiter(job_id: int, seconds: float) -> float:
            t0 = time.monotonic()
            await watch.wait(job_id, seconds)
            return time.monotonic() - t0

        async def main() -> tuple[list[float], float]:
            watch.listen(listener)
            assert watch.listening
            waiters = [asyncio.create_task(waiter(ids[i % 2], 5.0)) for i in range(6)]
            await asyncio.sleep(0.2)
            t0 = time.monotonic()
            await asyncio.to_thread(_claim_and_finish, store, ids[0], False)  # another thread, its own connection
            await asyncio.to_thread(_claim_and_finish, store, ids[1], True)
            finished = time.monotonic() - t0
            waited = await asyncio.gather(*waiters)
            # A job that ended before anyone waited on it: a wait that starts now returns at once.
            await asyncio.to_thread(_claim_and_finish, store, ids[2], False)
            await asyncio.sleep(0.1)
            late = await waiter(ids[2], 5.0)
            watch.close()
            return list(waited) + [late], finished

        waited, finished = asyncio.run(main())
        assert all(0.2 <= s < 0.2 + finished + 0.5 for s in waited[:6])  # back when their job ended, not at 5 s
        assert waited[6] < 0.1
        assert queries == []  # none of it asked the store
    finally:
        store.engine.dispose()


def test_without_word_the_watch_still_looks_at_the_store(tmp_path: Path) -> None:
    """The word is lost (nobody was listening when the job ended): the fallback look finds it."""
    store = open_store(None, tmp_path / "data")
    try:
        job_id = _submit(store, b"PK\x03\x04 unheard")
        watch = JobWatch(store.ended, STEP, fallback_step=0.3)

        async def main() -> float:
            listener = EndedListener.open(store.channel)
            assert listener is not None
            watch.listen(listener)
            task = asyncio.create_task(watch.wait(job_id, 5.0))
            await asyncio.sleep(0.05)
            t0 = time.monotonic()
            await asyncio.to_thread(_end, store, job_id, DONE)  # ended without a word (not through Store.finish)
            await task
            watch.close()
            return time.monotonic() - t0

        assert asyncio.run(main()) < 1.0
    finally:
        store.engine.dispose()
