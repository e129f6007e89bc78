"""A corpus scan on a Dask cluster: the inputs streamed to the workers in small batches, never
more than a bounded window of them in flight (the client's memory stays flat however long the
list), each batch scanned by ``task.scan_items`` on a worker, each result written to the output
folder as it arrives.

Faults: an input that crashes or hangs ends only the child process scanning it (the batch
runner's isolation on the worker); a worker that dies (killed, its machine lost) has its batch run
again elsewhere by Dask, and a batch under which workers died more often than Dask allows
(``distributed.scheduler.allowed-failures``, 3 by default) fails its inputs with that reason; the
run goes on either way and counts every input exactly once. The window is sized by the workers
there are when the run starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from distributed import Client, as_completed

from datatrail.cluster.output import Seen
from datatrail.cluster.task import Item, Scanned, scan_items
from datatrail.errors import InputError
from datatrail.formats.common.regular import open_regular

__all__ = ["ClusterSummary", "Output", "scan_on_cluster", "BATCH", "BATCH_BYTES", "WINDOW_PER_WORKER"]

BATCH = 4
"""Inputs per task at most: enough to spread the scheduler's per-task cost, few enough to balance."""
BATCH_BYTES = 16 * 1024 * 1024
"""A task's inputs stop growing past this many bytes: a big app (scan time grows with size) goes
alone or nearly, instead of making one task four times as long as the others."""
WINDOW_PER_WORKER = 3
"""Tasks in flight per worker: each has the next one queued while it works."""


class Output(Protocol):
    """Where a corpus scan's results go: a folder (``cluster.output.CorpusOutput``) or the store
    alone (``cluster.store_output.StoreOutput``); each knows what earlier runs did."""

    tabled: set[str]

    def done_before(self, path: Path) -> Seen | None: ...

    def has_report(self, sha256: str) -> bool: ...

    def add(self, path: Path, status: str, text: str | None, error: str | None, *, sha256: str | None = None,
            rows: dict[str, list[dict[str, Any]]] | None = None) -> str | None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class ClusterSummary:
    total: int
    analysed: int = 0
    failed: int = 0
    skipped: int = 0
    """Unchanged since an earlier run with the same tool and datasets, or the same bytes as another input."""
    failures: list[tuple[str, str]] = field(default_factory=list)


Progress = Callable[[ClusterSummary], None]


def _batches(paths: Sequence[Path], out: Output, summary: ClusterSummary, ship: bool, tail: int) -> Iterator[list[Item]]:
    """The inputs not done before, in order, a few per task. Near the end of the list the tasks
    shrink to one input (fewer than ``tail`` inputs left per input a task holds), so the last
    tasks end together instead of one worker scanning a whole batch while the others wait."""
    batch: list[Item] = []
    size = 0
    for index, path in enumerate(paths):
        if out.done_before(path) is not None:
            summary.skipped += 1
            continue
        data = None
        if ship:
            try:
                with open_regular(path) as fh:
                    data = fh.read()
            except (OSError, InputError):
                data = None  # the worker reports it could not read it, like a local scan
        batch.append(Item(index, str(path), data))
        size += len(data) if data is not None else _size(path)
        left = len(paths) - index - 1
        if len(batch) >= min(BATCH, max(1, left // tail)) or size >= BATCH_BYTES:
            yield batch
            batch = []
            size = 0
    if batch:
        yield batch


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the worker says why it cannot be read


def _lost(batch: list[Item], reason: str) -> list[Scanned]:
    """A batch the cluster could not run: its inputs failed this time (``lost``: a rerun tries them again)."""
    return [Scanned(i.index, "lost", None, f"datatrail: cannot analyse {i.path}: {reason}", 0.0) for i in batch]


Recorded = Callable[[str, str], object]
"""Called with (sha256, report text) for each report written, after ``out`` has it (``--database``)."""


def scan_on_cluster(client: Client, paths: Sequence[Path], out: Output, *, timeout: float | None = 600.0,
                    ship: bool = False, progress: Progress | None = None, also: Recorded | None = None) -> ClusterSummary:
    """Scan every path on the cluster into ``out`` (and hand each new report to ``also``); returns the counts."""
    summary = ClusterSummary(total=len(paths))
    workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    window = workers * WINDOW_PER_WORKER
    batches = _batches(paths, out, summary, ship, tail=2 * window)
    running: dict[object, list[Item]] = {}
    queue = as_completed()

    def submit(batch: list[Item]) -> None:
        future = client.submit(scan_items, batch, timeout, pure=False, retries=0)
        running[future] = batch
        queue.add(future)

    for batch in _take(batches, window):
        submit(batch)
    try:
        for future in queue:
            batch = running.pop(future)
            try:
                results = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker died under it too often (KilledWorker) or the task broke
                results = _lost(batch, f"its cluster worker died ({type(exc).__name__}: {exc})"[:500])
            _record(results, paths, out, summary, also)
            if progress is not None:
                progress(summary)
            for more in _take(batches, 1):
                submit(more)
    finally:
        for future in list(running):
            future.cancel()  # type: ignore[attr-defined]
        out.flush()
    return summary


def _take(batches: Iterator[list[Item]], n: int) -> Iterable[list[Item]]:
    for _ in range(n):
        batch = next(batches, None)
        if batch is None:
            return
        yield batch


def _record(results: list[Scanned], paths: Sequence[Path], out: Output, summary: ClusterSummary,
            also: Recorded | None) -> None:
    for r in results:
        path = paths[r.index]
        if r.status == "analysed" and r.text is not None:
            if r.sha256 is not None and r.sha256 in out.tabled and out.has_report(r.sha256):
                summary.skipped += 1  # the same bytes as an input already done
                out.add(path, "skipped", r.text, None, sha256=r.sha256, rows=r.rows)
                continue
            sha = out.add(path, "analysed", r.text, None, sha256=r.sha256, rows=r.rows)
            if also is not None and sha is not None:
                also(sha, r.text)
            summary.analysed += 1
        else:
            out.add(path, "lost" if r.status == "lost" else "failed", None, r.error)
            summary.failed += 1
            summary.failures.append((str(path), r.error or "not analysed"))
