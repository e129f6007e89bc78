"""Many apps at once: which files of a tree are apps, and the batch runner bound to the static scan."""

from __future__ import annotations

import dataclasses
import mmap
from collections.abc import Callable, Generator, Iterable, Sequence
from functools import partial
from pathlib import Path

from datatrail.app.ios.sniff import BUNDLE_SUFFIXES
from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.app.shared.sniff import Kind, sniff_bytes
from datatrail.batch import TASKS_PER_CHILD, BatchInput, Discovery, More, Outcome, Renderer, discover, run_batch, run_stream
from datatrail.errors import InputError
from datatrail.formats.common.regular import open_regular
from datatrail.formats.common.zip import has_end_record
from datatrail.model.report import Report

__all__ = ["AppScanner", "PRELOAD", "looks_analysable", "discover_apps", "scan_apps", "scan_stream"]

_SNIFF_BYTES = 8

AppScanner = Callable[[Path, ScanOptions], Report]
"""What analyses one app; must be picklable (a module-level function) to reach worker processes.
``scan_file`` unless a caller (or a test injecting a fault) passes another."""

PRELOAD = ("datatrail.app.android.pipeline",)
"""What each worker's forkserver imports once: the pipeline nearly every app goes through."""


def looks_analysable(path: Path) -> bool:
    """The loader's first look (magic bytes, or a ZIP end record behind junk), without parsing.

    Unreadable files count as analysable so that the scan reports why they
    could not be read instead of silently skipping them.
    """
    try:
        with open_regular(path) as fh:
            head = fh.read(_SNIFF_BYTES)
            if not head:
                return False
            if sniff_bytes(head) is not Kind.UNKNOWN:
                return True
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return has_end_record(data)
    except InputError:
        return False  # a FIFO, device or socket: nothing to analyse, and never opened for reading
    except (OSError, ValueError):
        return True


def _scan_one(path: Path, scanner: AppScanner, options: ScanOptions) -> Report:
    return scanner(path, options)


def discover_apps(paths: Iterable[Path], follow_symlinks: bool = False) -> Discovery:
    """The apps the paths name: files that look like apps, and unzipped iOS bundles, directories walked
    (staying inside each unless ``follow_symlinks``)."""
    return discover(paths, looks_analysable, BUNDLE_SUFFIXES, follow_symlinks)


def scan_apps(
    inputs: Sequence[BatchInput],
    options: ScanOptions = ScanOptions(),
    *,
    jobs: int = 1,
    render: Renderer | None = None,
    ordered: bool = False,
    scanner: AppScanner = scan_file,
    tasks_per_child: int = TASKS_PER_CHILD,
    timeout: float | None = None,
) -> Generator[Outcome, None, None]:
    """``run_batch`` with the static scan: one outcome per input (see ``datatrail.batch.run_batch``)."""
    if jobs > 1 and len(inputs) > 1:
        # Each worker already has a core: no worker forks again for one app's stages.
        options = dataclasses.replace(options, parallel=False)
    return run_batch(inputs, partial(_scan_one, scanner=scanner, options=options), jobs=jobs, render=render, ordered=ordered,
                     tasks_per_child=tasks_per_child, timeout=timeout, preload=PRELOAD)


def scan_stream(
    more: More,
    options: ScanOptions = ScanOptions(),
    *,
    jobs: int = 1,
    render: Renderer | None = None,
    scanner: AppScanner = scan_file,
    timeout: float | None = None,
    poll: float = 0.5,
) -> Generator[Outcome, None, None]:
    """``run_stream`` with the static scan: apps that arrive while it runs (a service's queue)."""
    if jobs > 1:
        options = dataclasses.replace(options, parallel=False)
    return run_stream(more, partial(_scan_one, scanner=scanner, options=options), jobs=jobs, render=render,
                      timeout=timeout, preload=PRELOAD, poll=poll)
