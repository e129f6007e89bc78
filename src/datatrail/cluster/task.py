"""What a Dask worker runs: one batch of inputs through the static scan, each in a child process
of the worker (the batch runner's isolation: a crash, a hang past the time limit or an input that
eats the memory ends that child, never the worker), rendered to the JSON ``datatrail scan`` writes.

Inputs are paths on a filesystem the workers share, or bytes the client shipped (``--ship``),
written to a private temporary folder for the scan and removed after it.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from datatrail.app.corpus import PRELOAD
from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.batch import BatchInput, run_batch
from datatrail.batch.analyse import Analysed
from datatrail.model.report import Report
from datatrail.report.json import to_json

__all__ = ["Item", "Scanned", "scan_items"]


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
        inputs = [BatchInput(p) for p in paths]
        outcomes = run_batch(inputs, partial(scan_file, options=options), jobs=1, isolate=True, render=_render,
                             timeout=timeout, preload=PRELOAD)
        results: dict[int, Scanned] = {}
        for outcome in outcomes:
            item, local = items[outcome.index], paths[outcome.index]
            text, error = outcome.text, outcome.error
            if item.data is not None:  # the report names the input as the client does, not the worker's copy
                text = text.replace(_json_text(str(local)), _json_text(item.path)) if text else text
                error = error.replace(str(local), item.path) if error else error
            results[outcome.index] = Scanned(item.index, outcome.status.value, text, error, outcome.seconds)
    return [results[i] for i in range(len(items))]


def _render(report: Analysed) -> str:
    assert isinstance(report, Report)  # the static scan makes app reports only
    return to_json(report)


def _json_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]

