"""What a Dask worker runs: one batch of inputs through the static scan, each in a child process
of the worker kept from task to task (the batch runner's isolation: a crash, a hang past the time
limit or an input that eats the memory ends that child, never the worker), rendered to the JSON
``datatrail scan`` writes.

Inputs are paths on a filesystem the workers share, or bytes the client shipped (``--ship``),
written to a private temporary folder for the scan and removed after it.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from datatrail.app.corpus import PRELOAD
from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.batch import BatchInput, ResidentRunner
from datatrail.batch.analyse import Analysed
from datatrail.cluster.tables import rows_of
from datatrail.model.report import Report
from datatrail.report.json import renamed_input, to_json

__all__ = ["Item", "Scanned", "scan_items", "release"]


@dataclass(frozen=True, slots=True)
class Item:
    index: int
    """The input's position in the client's list."""
    path: str
    """As the client names it (the report's input path); read from there unless ``data`` is given."""
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class Scanned:
    index: int
    status: str
    """``analysed``, ``failed`` or ``skipped`` (``Status`` values)."""
    text: str | None
    error: str | None
    seconds: float
    sha256: str | None = None
    rows: dict[str, list[dict[str, Any]]] | None = None
    """The report's table rows, made here so the client only writes (it is the one serial part of a run)."""


def _allow_children() -> None:
    """Dask starts its worker processes as daemons, which ``multiprocessing`` forbids to have
    children. The scans' children are started from a forkserver and end when this worker's pipe
    to them closes, so a killed worker leaves none behind: let this process start them (what
    Dask's ``distributed.worker.daemon: false`` does for the whole cluster)."""
    process = multiprocessing.current_process()
    if process.daemon:
        process._config["daemon"] = False  # type: ignore[attr-defined]


def scan_items(items: list[Item], timeout: float | None, options: ScanOptions = ScanOptions()) -> list[Scanned]:
    """Scan the batch, one input at a time in a child process; one result per item, in order."""
    _allow_children()
    with tempfile.TemporaryDirectory(prefix="datatrail-ship-") as tmp:
        paths: list[Path] = []
        for item in items:
            if item.data is None:
                paths.append(Path(item.path))
                continue
            # The shipped bytes under the input's own file name, so the loader sees the same suffix.
            local = Path(tmp) / str(item.index) / Path(item.path).name
            local.parent.mkdir()
            local.write_bytes(item.data)
            paths.append(local)
        outcomes = _runner(timeout, options)([BatchInput(p) for p in paths])
        results: dict[int, Scanned] = {}
        for outcome in outcomes:
            item, local = items[outcome.index], paths[outcome.index]
            text, error = outcome.text, outcome.error
            if item.data is not None:  # the report names the input as the client does, not the worker's copy
                text = renamed_input(text, str(local), item.path) if text else text
                error = error.replace(str(local), item.path) if error else error
            sha = rows = None
            if text is not None:
                doc = json.loads(text)
                sha = str((doc.get("inputs") or [{}])[0].get("sha256") or "") or None
                rows = rows_of(sha, doc) if sha else None
            results[outcome.index] = Scanned(item.index, outcome.status.value, text, error, outcome.seconds, sha, rows)
    return [results[i] for i in range(len(items))]


_RUNNERS: dict[tuple[int, float | None, ScanOptions], ResidentRunner] = {}
"""Each worker's scanning process, kept between tasks (one per worker thread, time limit and
options): a process of its own holds one Dask worker, ``local:N`` holds N in threads of the client."""


def _runner(timeout: float | None, options: ScanOptions) -> ResidentRunner:
    key = (threading.get_ident(), timeout, options)
    if key not in _RUNNERS:
        _RUNNERS[key] = ResidentRunner(partial(scan_file, options=options), render=_render, timeout=timeout, preload=PRELOAD)
    return _RUNNERS[key]


def release() -> int:
    """Stop this process's scanning processes (before a cluster this client started is closed)."""
    runners = list(_RUNNERS.values())
    _RUNNERS.clear()
    for runner in runners:
        runner.close()
    return len(runners)


def _render(report: Analysed) -> str:
    assert isinstance(report, Report)  # the static scan makes app reports only
    return to_json(report)
