"""A worker: claims jobs from the store's queue, scans them in isolated processes, records the
reports; many can run on one queue, on as many machines as share the database and the files.

Each claim is a lease the worker renews while it scans (a thread, every third of the lease). A
worker killed mid-scan stops renewing; its jobs are claimed again once their leases run out.
Scans (``screen``: an app's static scan or a capture's traffic analysis) run through the batch's
``run_stream``: with ``jobs`` > 1 in one pool of worker processes kept for ``STREAM_LENGTH`` jobs,
claiming more as workers free up, with the batch's time limit, so an input that hangs or crashes
fails alone.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from datatrail.app.options import ScanOptions
from datatrail.batch import run_batch, run_stream
from datatrail.batch.analyse import Scanner
from datatrail.batch.inputs import BatchInput
from datatrail.batch.outcome import Status
from datatrail.report.json import renamed_input
from datatrail.service.screen import PRELOAD, render, screen
from datatrail.store import Store
from datatrail.store.queue import Job

__all__ = ["WorkerConfig", "Worker", "worker_name", "STREAM_LENGTH"]

STREAM_LENGTH = 10_000
"""Jobs one pool serves before the worker starts a fresh one (the stream's list of paths stays small)."""


_SCANNER: Scanner = partial(screen, options=ScanOptions())
"""Each job's analysis, with the CLI's default options (a worker process scans one app with one core)."""


def worker_name() -> str:
    """host:pid:random, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class WorkerConfig:
    jobs: int = 1
    """Scans at a time (processes in the pool when > 1)."""
    lease: float = 60.0
    """Seconds a claim holds without renewal."""
    timeout: float = 600.0
    """Seconds one scan may take before it fails alone."""
    poll: float = 0.2
    """Seconds between looks at the queue while it is empty or every scan slot is busy."""
    heartbeat: float = 5.0
    """Seconds between the worker's "alive" notes in the store."""


def _as_uploaded(text: str, stored: str, filename: str) -> str:
    """The report with the name the file was uploaded under wherever it names the input (its
    path, findings' locations), never the store's own path on disk; written as ``to_json`` writes."""
    # The full path first, then the file's own name (a sha256: nothing else contains it).
    for on_disk in (stored, stored.rsplit("/", 1)[-1]):
        text = renamed_input(text, on_disk, filename)
    return text


class _Renewer(threading.Thread):
    def __init__(self, store: Store, owner: str, ids: list[int], lease: float) -> None:
        super().__init__(name="lease-renewer", daemon=True)
        self.store, self.owner, self.lease = store, owner, lease
        self.ids = set(ids)
        self.lock = threading.Lock()
        self.done = threading.Event()

    def add(self, job_id: int) -> None:
        with self.lock:
            self.ids.add(job_id)

    def drop(self, job_id: int) -> None:
        with self.lock:
            self.ids.discard(job_id)

    def run(self) -> None:
        while not self.done.wait(self.lease / 3):
            with self.lock:
                ids = sorted(self.ids)
            try:
                self.store.renew(self.owner, ids, self.lease)
            except Exception:  # noqa: BLE001 - a failed renewal is retried; the lease is the safety net
                pass


class Worker:
    def __init__(self, store: Store, config: WorkerConfig, owner: str | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.config = config
        self.owner = owner or worker_name()
        self.log = log or (lambda _line: None)

    def run_once(self) -> int:
        """Claim what there is (up to ``jobs``), scan it, record it; returns how many jobs ended."""
        taken = self.store.claim_files(self.owner, max(1, self.config.jobs), self.config.lease)
        if not taken:
            return 0
        claimed = [job for job, _path in taken]
        renewer = _Renewer(self.store, self.owner, [j.id for j in claimed], self.config.lease)
        renewer.start()
        try:
            inputs = [BatchInput(path) for _job, path in taken]
            outcomes = run_batch(inputs, _SCANNER, jobs=self.config.jobs, render=render, timeout=self.config.timeout,
                                 preload=PRELOAD)
            for outcome in outcomes:
                job = claimed[outcome.index]
                self._record(job, outcome.path, outcome.status, outcome.text, outcome.error, outcome.seconds)
                renewer.drop(job.id)
        finally:
            renewer.done.set()
        return len(claimed)

    def _record(self, job: Job, path: Path, status: Status, text: str | None, error: str | None, seconds: float) -> None:
        """Store how the job's file (at ``path``, the store's copy) went."""
        if status is Status.ANALYSED and text is not None:
            kept = self.store.finish(job, self.owner, _as_uploaded(text, str(path), job.filename), seconds)
            self.log(f"job {job.id} done in {seconds:.2f} s" if kept else f"job {job.id}: lease lost, result dropped")
        else:
            reason = (error or "not analysed").replace(str(path), job.filename)
            self.store.fail(job, self.owner, reason, seconds)
            self.log(f"job {job.id} failed: {reason}")

    def _beat(self, started: float, stop: threading.Event) -> None:
        while not stop.wait(self.config.heartbeat):
            try:
                self.store.heartbeat(self.owner, self.config.jobs, started)
            except Exception:  # noqa: BLE001 - the next beat tries again
                pass

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set (between jobs; a scan in progress finishes first)."""
        started = time.time()
        self.store.heartbeat(self.owner, self.config.jobs, started)
        beat = threading.Thread(target=self._beat, args=(started, stop), name="heartbeat", daemon=True)
        beat.start()
        try:
            self._loop(stop)
        finally:
            try:
                self.store.leave(self.owner)
            except Exception:  # noqa: BLE001 - its heartbeat simply ages out
                pass

    def _loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self._stream(stop)
            except Exception as exc:  # noqa: BLE001 - the database went away: wait and retry (leases cover the rest)
                self.log(f"worker: {type(exc).__name__}: {exc}; retrying")
                stop.wait(min(5.0, self.config.poll * 10))

    def _stream(self, stop: threading.Event) -> None:
        """One pool's life: claim as workers free up, record each outcome as it comes."""
        claimed: list[Job] = []
        renewer = _Renewer(self.store, self.owner, [], self.config.lease)
        renewer.start()

        def more(inputs: list[BatchInput], n: int, block: bool) -> bool:
            if stop.is_set() or len(inputs) >= STREAM_LENGTH:
                return False
            taken = self.store.claim_files(self.owner, min(n, STREAM_LENGTH - len(inputs)), self.config.lease)
            for job, path in taken:
                renewer.add(job.id)
                claimed.append(job)
                inputs.append(BatchInput(path))
            if not taken and block:
                stop.wait(self.config.poll)
            return not stop.is_set()

        try:
            outcomes = run_stream(more, _SCANNER, jobs=self.config.jobs, render=render, timeout=self.config.timeout,
                                  preload=PRELOAD, poll=self.config.poll)
            for outcome in outcomes:
                job = claimed[outcome.index]
                self._record(job, outcome.path, outcome.status, outcome.text, outcome.error, outcome.seconds)
                renewer.drop(job.id)
        finally:
            renewer.done.set()
