"""The worker pool behind ``run_batch`` when there is more than one job.

Imported only then: a single app scanned in this process needs none of
``multiprocessing`` or ``concurrent.futures``. What the pool does when a
worker dies is described in ``datatrail.batch.run``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from datatrail.batch.analyse import Renderer, Scanner, analyse
from datatrail.batch.inputs import BatchInput
from datatrail.batch.outcome import Outcome, Status

__all__ = ["Parallel", "More", "Resident"]

More = Callable[[list[BatchInput], int, bool], bool]
"""A stream's source: ``more(inputs, n, block)`` appends up to ``n`` new inputs to ``inputs``;
with ``block`` it may wait a little for them. It returns False when the stream has ended."""


def _worker_context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    """How workers start: never a plain fork of this process.

    Forking the parent would copy its threads' locks (rich's refresh thread)
    and everything it holds; both "forkserver" and "spawn" start from a clean
    interpreter and need only picklable tasks. Where it exists, the forkserver
    imports the batch runner and the ``preload`` modules (the caller's pipeline)
    once (~0.1 s) and forks each worker from that, so the restarts that
    ``tasks_per_child`` forces stay cheap (the pipeline is otherwise imported on
    a worker's first scan).
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["datatrail.batch.analyse", *preload])
        return context
    return multiprocessing.get_context("spawn")


def _orphan_guard(owner: int) -> None:
    """In each worker: end when the process that started the pool is gone. Its task pipe would
    tell a worker only if the worker did not hold that pipe's other end itself (a pickled queue
    carries both), so one whose owner was killed would otherwise wait for tasks for ever, and keep
    the forkserver alive too."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="orphan-guard", daemon=True).start()


class Parallel:
    """Inputs analysed by ``jobs`` worker processes, outcomes yielded as ``run_batch`` promises."""

    def __init__(
        self,
        inputs: Sequence[BatchInput],
        jobs: int,
        render: Renderer | None,
        ordered: bool,
        scanner: Scanner,
        tasks_per_child: int,
        timeout: float | None = None,
        preload: Sequence[str] = (),
        more: More | None = None,
        poll: float = 0.5,
        pool: ProcessPoolExecutor | None = None,
        keep: bool = False,
    ) -> None:
        self.inputs = inputs
        self.more = more
        """With a source, ``inputs`` is a list that grows as it supplies more (a stream)."""
        self.poll = poll
        self.timeout = timeout
        self.jobs = jobs
        self.render = render
        self.ordered = ordered
        self.scanner = scanner
        self.tasks_per_child = tasks_per_child
        self.context = _worker_context(preload)
        self.window = 2 * jobs
        self.next_emit = 0
        self.buffer: dict[int, Outcome] = {}
        self.pool = pool
        """The pool in use: the caller's (``Resident``) or one the run starts; replaced if it breaks."""
        self.keep = keep
        """Leave the pool running at the end, for the caller's next batch."""

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=self.context, max_tasks_per_child=self.tasks_per_child,
                                   initializer=_orphan_guard, initargs=(os.getpid(),))

    def _submit(self, pool: ProcessPoolExecutor, index: int) -> Future[Outcome]:
        return pool.submit(analyse, index, self.inputs[index], self.render, self.scanner, self.timeout, True)

    def _ready(self, outcome: Outcome) -> Iterator[Outcome]:
        if not self.ordered:
            yield outcome
            return
        self.buffer[outcome.index] = outcome
        while self.next_emit in self.buffer:
            yield self.buffer.pop(self.next_emit)
            self.next_emit += 1

    def _refill(self, free: int, block: bool) -> bool:
        """Ask the stream's source for up to ``free`` inputs; False once it has ended."""
        if self.more is None:
            return False
        assert isinstance(self.inputs, list)
        return self.more(self.inputs, free, block)

    def run(self) -> Iterator[Outcome]:
        pending: dict[Future[Outcome], int] = {}
        next_submit = 0
        streaming = self.more is not None
        pool = self.pool if self.pool is not None else self._pool(self.jobs)
        self.pool = pool
        try:
            while True:
                if streaming and next_submit >= len(self.inputs) and len(pending) < self.window:
                    streaming = self._refill(self.window - len(pending), block=not pending)
                if next_submit >= len(self.inputs) and not pending:
                    if streaming:
                        continue
                    break
                broken = False
                while (
                    next_submit < len(self.inputs) and len(pending) < self.window
                    and (not self.ordered or next_submit - self.next_emit < self.window)
                ):
                    try:
                        pending[self._submit(pool, next_submit)] = next_submit
                    except BrokenProcessPool:
                        broken = True
                        break
                    next_submit += 1
                if not broken:
                    # A stream looks for new inputs now and then while every worker is busy.
                    done, _ = wait(pending, timeout=self.poll if streaming else None, return_when=FIRST_COMPLETED)
                    for future in done:
                        index = pending.pop(future)
                        try:
                            outcome = future.result()
                        except BrokenProcessPool:
                            pending[future] = index  # settled with the rest below
                            broken = True
                            continue
                        yield from self._ready(outcome)
                if broken:
                    suspects = yield from self._settle(pending)
                    pending.clear()
                    pool.shutdown(wait=True, cancel_futures=True)
                    for index in suspects:
                        yield from self._ready(self._isolated(index))
                    pool = self._pool(self.jobs)
                    self.pool = pool
        finally:
            if not self.keep:
                pool.shutdown(wait=True, cancel_futures=True)

    def _settle(self, pending: dict[Future[Outcome], int]) -> Generator[Outcome, None, list[int]]:
        """After a break: keep what finished, return the inputs that were lost (sorted)."""
        wait(pending)  # a broken pool fails its futures promptly
        suspects: list[int] = []
        for future, index in pending.items():
            if future.exception() is None:
                yield from self._ready(future.result())
            else:
                suspects.append(index)
        return sorted(suspects)

    def _isolated(self, index: int) -> Outcome:
        """Re-run one input alone, so a second death is known to be its own."""
        item = self.inputs[index]
        start = time.perf_counter()
        with self._pool(1) as pool:
            try:
                return self._submit(pool, index).result()
            except BrokenProcessPool:
                return Outcome(
                    index,
                    item.path,
                    Status.FAILED,
                    error=f"datatrail: cannot analyse {item.path}: the process analysing it died "
                    + (
                        "(killed, out of memory, a crash in native code, or stuck past the time limit)"
                        if self.timeout is not None
                        else "(killed, out of memory, or a crash in native code)"
                    ),
                    seconds=time.perf_counter() - start,
                )


class Resident:
    """One worker process kept from one call to the next, for a caller that is handed inputs a
    batch at a time and must outlive any of them (a cluster's worker): each call analyses its
    batch there, with ``Parallel``'s isolation (a death re-runs the lost inputs alone, so only the
    culprit fails), and the process is reused by the next call instead of started again."""

    def __init__(self, scanner: Scanner, render: Renderer | None, timeout: float | None, preload: Sequence[str],
                 tasks_per_child: int) -> None:
        self.scanner, self.render, self.timeout, self.preload = scanner, render, timeout, preload
        self.tasks_per_child = tasks_per_child
        self.pool: ProcessPoolExecutor | None = None

    def analyse(self, inputs: Sequence[BatchInput]) -> Iterator[Outcome]:
        run = Parallel(inputs, 1, self.render, False, self.scanner, self.tasks_per_child, self.timeout, self.preload,
                       pool=self.pool, keep=True)
        try:
            yield from run.run()
        finally:
            self.pool = run.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
