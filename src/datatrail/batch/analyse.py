"""One input of a batch, from its path to an outcome: scanned, rendered, bounded in time."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from datatrail.batch.baseline import baseline_entries
from datatrail.batch.deadline import TimedOut, deadline
from datatrail.batch.inputs import BatchInput
from datatrail.batch.outcome import Lookups, Outcome, Status
from datatrail.errors import InputError, UnsupportedInput
from datatrail.model.capture import CaptureReport
from datatrail.model.report import Report

__all__ = ["Analysed", "Scanner", "Renderer", "analyse"]

Analysed = Report | CaptureReport
"""What a scanner gives: an app's report, or a capture's (a service screens both). The findings'
facts an outcome carries (baseline, rule ranks, what was unread) are an app report's only."""

Scanner = Callable[[Path], Analysed]
"""What analyses one input; must be picklable (a module-level function, or a
``functools.partial`` of one) to reach worker processes."""

Renderer = Callable[[Analysed], str]
"""Turns a report into output text inside the worker; must be picklable."""


def _rule_ranks(report: Report) -> tuple[tuple[str, int], ...]:
    ranks: dict[str, int] = {}
    for f in report.findings:
        ranks[f.rule_id] = max(ranks.get(f.rule_id, -1), f.severity.rank)
    return tuple(sorted(ranks.items()))


def _lookups(report: Report) -> Lookups | None:
    asked = [d.resolution for d in report.destinations if d.resolution is not None]
    if not asked:
        return None
    answered = sum(1 for r in asked if r.answers)
    return Lookups(len(asked), answered, next((r.error for r in asked if r.error), None))


def analyse(
    index: int,
    item: BatchInput,
    render: Renderer | None,
    scanner: Scanner,
    timeout: float | None = None,
    in_worker: bool = False,
) -> Outcome:
    """One input, start to rendered text; runs in a worker. Never raises for a bad input."""
    start = time.perf_counter()
    try:
        with deadline(timeout, in_worker):
            report = scanner(item.path)
            text = render(report) if render is not None else None
            if timeout is not None and time.perf_counter() - start > timeout:
                # The timer's exception can be lost (raised inside a finalizer that
                # the garbage collector ran, which Python only prints): the clock decides.
                raise TimedOut
    except TimedOut:
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
    if not isinstance(report, Report):
        return Outcome(index, item.path, Status.ANALYSED, text=text, seconds=time.perf_counter() - start)
    return Outcome(
        index,
        item.path,
        Status.ANALYSED,
        text=text,
        report=None if render is not None else report,
        baseline=baseline_entries(report),
        unread=report.completeness.unread,
        rule_ranks=_rule_ranks(report),
        seconds=time.perf_counter() - start,
        lookups=_lookups(report),
    )
