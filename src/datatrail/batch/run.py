"""Corpus-scale scanning: many inputs, every core, bounded memory.

``discover`` turns the command line's paths into inputs (directories walked
recursively, in a deterministic order); ``run_batch`` analyses them, in this
process or in a pool of worker processes, and yields one ``Outcome`` per input
as soon as it is ready, so a caller can stream each report out and forget it.

Memory stays bounded whatever the corpus size because:

- at most ``2 x jobs`` inputs are in flight, so finished results never pile up
  behind a slow consumer (and, in ordered mode, the reorder buffer holds at
  most that many);
- workers render reports to text themselves, so the parent only sees strings;
- each worker is replaced after ``tasks_per_child`` inputs, which returns
  whatever a long-lived interpreter accumulates (fragmented arenas, caches)
  to the system.

Only the list of input paths grows with the corpus (a path each; a million
apps is ~100 MB), which buys an exact progress total.

With a ``timeout``, an input that takes longer fails alone ("timed out") and
the batch goes on: an interval timer interrupts the scan between two Python
steps, and in worker processes a CPU-time limit a little past it ends a
worker stuck inside one long C call (a regular expression, a decompressor),
which the timer cannot interrupt; that input is then reported like a worker
that died.

A worker that dies (killed, out of memory in C code, a crash) breaks the whole
``ProcessPoolExecutor`` (``datatrail.batch.pool``): every input in flight fails with ``BrokenProcessPool``
and nobody can tell which one did it. The inputs in flight are then re-run one
at a time, each in a fresh single-worker pool, so only the culprit is reported
as failed; the batch continues with a new pool.
"""

from __future__ import annotations

import dataclasses

import math
import mmap
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from datatrail.batch.baseline import BaselineEntry, baseline_entries
from datatrail.errors import InputError, UnsupportedInput
from datatrail.formats.common.zip import has_end_record
from datatrail.app.ios.sniff import BUNDLE_SUFFIXES
from datatrail.app.sniff import Kind, sniff_bytes
from datatrail.model.report import Report
from datatrail.app.pipeline import ScanOptions, scan_file

__all__ = [
    "BatchInput",
    "Discovery",
    "Status",
    "Outcome",
    "BatchSummary",
    "Scanner",
    "Renderer",
    "TASKS_PER_CHILD",
    "discover",
    "is_bundle_dir",
    "BUNDLE_SUFFIXES",
    "looks_analysable",
    "run_batch",
]

TASKS_PER_CHILD = 50
"""Inputs a worker analyses before it is replaced. A fresh worker forked from
the forkserver still loads the knowledge tables (~0.2 s); a small test app
takes ~0.07 s and a real one 0.5-5 s, so restarts cost a few percent at most
while memory creep is capped."""

_SNIFF_BYTES = 8

_CPU_GRACE = 1.5
"""A worker's CPU-time limit is the timeout times this, rounded up to a whole
second: the interval timer should always win, the limit only ends a worker
stuck in C."""

Scanner = Callable[[Path, ScanOptions], Report]
"""What analyses one input; must be picklable (a module-level function) to
reach worker processes. ``scan_file`` unless a caller (or a test injecting a
fault) passes another."""

Renderer = Callable[[Report], str]
"""Turns a report into output text inside the worker; must be picklable."""


class BatchInput(NamedTuple):
    path: Path
    root: Path | None = None
    """The directory argument it was found under; None when it was named on the command line."""

    @property
    def explicit(self) -> bool:
        return self.root is None

    @property
    def relative(self) -> Path:
        """Where it sits below its directory argument (just its name when named explicitly)."""
        if self.root is None:
            return Path(self.path.name)
        return self.path.relative_to(self.root)


class Discovery:
    """What walking the paths found: ``inputs``; ``skipped``, files in the walked directories
    that are not Android packages or code; ``problems``, one line for each directory that could
    not be read; ``directories``, how many of the paths given were directories."""

    __slots__ = ("inputs", "skipped", "problems", "directories")

    def __init__(self) -> None:
        self.inputs: list[BatchInput] = []
        self.skipped = 0
        self.problems: list[str] = []
        self.directories = 0


class Status(str, Enum):
    ANALYSED = "analysed"
    FAILED = "failed"
    SKIPPED = "skipped"


class Outcome:
    """How one input went (treat as read-only; a plain class because ``index`` cannot be a NamedTuple field).

    ``index``: position in the input list, for callers that care about order.
    ``text``: the rendered report, when a renderer was given. ``report``: the report
    itself, only when no renderer was given. ``worst_rank``: rank of the most severe
    finding (-1 without findings), and ``rule_ids`` of its findings, for --fail-on.
    ``baseline``: its findings as baseline entries, for --write-baseline (the worker
    works them out, so the parent never needs the whole report for them). ``error``:
    one line for people, when the input failed or was skipped.
    """

    __slots__ = ("index", "path", "status", "text", "report", "worst_rank", "rule_ids", "baseline", "error", "seconds")

    def __init__(
        self,
        index: int,
        path: Path,
        status: Status,
        text: str | None = None,
        report: Report | None = None,
        worst_rank: int = -1,
        error: str | None = None,
        seconds: float = 0.0,
        rule_ids: frozenset[str] = frozenset(),
        baseline: tuple[BaselineEntry, ...] = (),
    ) -> None:
        self.index = index
        self.path = path
        self.status = status
        self.text = text
        self.report = report
        self.worst_rank = worst_rank
        self.rule_ids = rule_ids
        self.baseline = baseline
        self.error = error
        self.seconds = seconds


class BatchSummary:
    __slots__ = ("jobs", "analysed", "failed", "skipped", "elapsed")

    def __init__(self, jobs: int, skipped: int = 0) -> None:
        self.jobs = jobs
        self.analysed = 0
        self.failed = 0
        self.skipped = skipped
        self.elapsed = 0.0

    def count(self, outcome: Outcome) -> None:
        if outcome.status is Status.ANALYSED:
            self.analysed += 1
        elif outcome.status is Status.FAILED:
            self.failed += 1
        else:
            self.skipped += 1

    @property
    def apps_per_minute(self) -> float:
        """Inputs attempted (analysed or failed) per minute of wall time; skipped files are not apps."""
        done = self.analysed + self.failed
        return done * 60.0 / self.elapsed if self.elapsed > 0 else 0.0

    def line(self) -> str:
        return (
            f"datatrail: {self.analysed} analysed, {self.failed} failed, {self.skipped} skipped "
            f"in {self.elapsed:.1f} s ({self.apps_per_minute:.1f} apps/min, {self.jobs} job{'s' if self.jobs != 1 else ''})"
        )

    def as_dict(self) -> dict[str, float | int]:
        return {
            "analysed": self.analysed,
            "failed": self.failed,
            "skipped": self.skipped,
            "elapsed_s": round(self.elapsed, 3),
            "apps_per_minute": round(self.apps_per_minute, 2),
            "jobs": self.jobs,
        }


# -- discovery ---------------------------------------------------------------


def looks_analysable(path: Path) -> bool:
    """The loader's first look (magic bytes, or a ZIP end record behind junk), without parsing.

    Unreadable files count as analysable so that the scan reports why they
    could not be read instead of silently skipping them.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
            if not head:
                return False
            if sniff_bytes(head) is not Kind.UNKNOWN:
                return True
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return has_end_record(data)
    except (OSError, ValueError):
        return True


def is_bundle_dir(path: Path) -> bool:
    return path.suffix in BUNDLE_SUFFIXES and path.is_dir()


def discover(paths: Iterable[Path], sniff: Callable[[Path], bool] = looks_analysable) -> Discovery:
    """Expand directories (recursively, sorted by name) into the files that look like apps.

    Paths that are not directories are kept as given, whatever they are: a
    file named explicitly that turns out not to be an app is an error, not a
    skip. Symbolic links are followed, but each directory is entered once
    (by device and inode), which ends symlink loops and duplicate visits.
    """
    found = Discovery()
    seen_dirs: set[tuple[int, int]] = set()
    for path in paths:
        if path.is_dir() and not is_bundle_dir(path):
            found.directories += 1
            _walk(path, seen_dirs, found, sniff)
        else:
            found.inputs.append(BatchInput(path))
    return found


def _walk(root: Path, seen: set[tuple[int, int]], found: Discovery, sniff: Callable[[Path], bool]) -> None:
    # An explicit stack rather than recursion: a tree can be deeper than Python's recursion limit.
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            st = directory.stat()
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            found.problems.append(f"datatrail: cannot read directory {directory}: {exc.strerror or exc}")
            continue
        subdirs: list[Path] = []
        for entry in entries:
            try:
                mode = os.stat(entry.path).st_mode  # follows links: a link to an app is an app
            except OSError:
                continue  # a dangling link points at nothing to analyse
            if stat.S_ISDIR(mode) and Path(entry.path).suffix in BUNDLE_SUFFIXES:  # mode says it is a folder
                found.inputs.append(BatchInput(Path(entry.path), root))  # an unzipped iOS app or framework is one input
            elif stat.S_ISDIR(mode):
                subdirs.append(Path(entry.path))
            elif stat.S_ISREG(mode):
                if sniff(Path(entry.path)):
                    found.inputs.append(BatchInput(Path(entry.path), root))
                else:
                    found.skipped += 1
        # A directory's own files first, then its subdirectories in name order (depth first).
        stack.extend(reversed(subdirs))


# -- analysis ----------------------------------------------------------------


class _TimedOut(BaseException):
    """Raised by the interval timer; a BaseException so no ``except Exception`` in a scan swallows it."""


def _expire(signum: int, frame: object) -> None:
    raise _TimedOut


@contextmanager
def _cpu_limit(seconds: float) -> Iterator[None]:
    """The process dies (SIGXCPU) if the block uses more than ``seconds`` of CPU time.

    Only for worker processes: the parent sees the death and isolates the input.
    """
    import resource  # POSIX only, like the workers that use it

    previous = resource.getrlimit(resource.RLIMIT_CPU)
    hard = previous[1]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(usage.ru_utime + usage.ru_stime + seconds)  # whole seconds only
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, previous)


@contextmanager
def _deadline(seconds: float | None, in_worker: bool) -> Iterator[None]:
    """Raise _TimedOut in the block after ``seconds`` of wall time (main thread, POSIX only).

    Elsewhere (a caller's thread, Windows) the block runs unbounded. In a
    worker, a CPU-time limit also ends a scan stuck in one C call.
    """
    if seconds is None or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        if in_worker:
            with _cpu_limit(seconds * _CPU_GRACE):
                yield
        else:
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _analyse(
    index: int,
    item: BatchInput,
    options: ScanOptions,
    render: Renderer | None,
    scanner: Scanner,
    timeout: float | None = None,
    in_worker: bool = False,
) -> Outcome:
    """One input, start to rendered text; runs in a worker. Never raises for a bad input."""
    start = time.perf_counter()
    try:
        with _deadline(timeout, in_worker):
            report = scanner(item.path, options)
            text = render(report) if render is not None else None
            if timeout is not None and time.perf_counter() - start > timeout:
                # The timer's exception can be lost (raised inside a finalizer that
                # the garbage collector ran, which Python only prints): the clock decides.
                raise _TimedOut
    except _TimedOut:
        return Outcome(
            index,
            item.path,
            Status.FAILED,
            error=f"datatrail: cannot analyse {item.path}: timed out after {timeout:g} s",
            seconds=time.perf_counter() - start,
        )
    except UnsupportedInput as exc:
        status = Status.FAILED if item.explicit else Status.SKIPPED
        return Outcome(index, item.path, status, error=f"datatrail: cannot analyse {exc}", seconds=time.perf_counter() - start)
    except InputError as exc:
        return Outcome(index, item.path, Status.FAILED, error=f"datatrail: cannot analyse {exc}", seconds=time.perf_counter() - start)
    except MemoryError:
        # Python-level allocation failed; the worker is still usable (its next
        # task starts from freed memory), unlike one the OOM killer ends.
        return Outcome(
            index,
            item.path,
            Status.FAILED,
            error=f"datatrail: cannot analyse {item.path}: out of memory",
            seconds=time.perf_counter() - start,
        )
    except Exception as exc:  # a bug of ours must not hide the other inputs' results
        return Outcome(
            index,
            item.path,
            Status.FAILED,
            error=f"datatrail: internal error on {item.path}: {type(exc).__name__}: {exc} (please report this)",
            seconds=time.perf_counter() - start,
        )
    worst = max((f.severity.rank for f in report.findings), default=-1)
    return Outcome(
        index,
        item.path,
        Status.ANALYSED,
        text=text,
        report=None if render is not None else report,
        worst_rank=worst,
        rule_ids=frozenset(f.rule_id for f in report.findings),
        baseline=baseline_entries(report),
        seconds=time.perf_counter() - start,
    )


def run_batch(
    inputs: Sequence[BatchInput],
    options: ScanOptions = ScanOptions(),
    *,
    jobs: int = 1,
    render: Renderer | None = None,
    ordered: bool = False,
    scanner: Scanner = scan_file,
    tasks_per_child: int = TASKS_PER_CHILD,
    timeout: float | None = None,
) -> Generator[Outcome, None, None]:
    """Analyse every input and yield one outcome each.

    ``jobs`` <= 1 (or a single input) analyses in this process. Otherwise
    outcomes come in completion order, or in input order with ``ordered``
    (at the cost of idle workers behind a slow input). ``render`` and
    ``scanner`` must be picklable when ``jobs`` > 1. ``timeout``: seconds of
    wall time per input (scan and render), after which it fails alone.
    """
    if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be positive and finite, not {timeout}")
    if jobs <= 1 or len(inputs) <= 1:
        for index, item in enumerate(inputs):
            yield _analyse(index, item, options, render, scanner, timeout)
        return
    # Each worker already has a core: no worker forks again for one app's stages.
    serial = dataclasses.replace(options, parallel=False)
    from datatrail.batch.pool import Parallel  # the pool machinery loads only when there are workers

    yield from Parallel(inputs, serial, min(jobs, len(inputs)), render, ordered, scanner, tasks_per_child, timeout).run()
