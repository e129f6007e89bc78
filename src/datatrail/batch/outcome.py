"""How each input of a batch went, and the batch's totals."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import NamedTuple

from datatrail.batch.baseline import BaselineEntry
from datatrail.model.report import Report

__all__ = ["Status", "Outcome", "BatchSummary", "Lookups"]


class Status(str, Enum):
    ANALYSED = "analysed"
    FAILED = "failed"
    SKIPPED = "skipped"


class Lookups(NamedTuple):
    """With ``--resolve``: how many hosts were asked, how many the resolver answered, and its first error."""

    asked: int
    answered: int
    first_error: str | None = None

    def warning(self, path: Path) -> str | None:
        """One line when no host resolved at all (offline, no resolver): the report then says nothing of addresses."""
        if not self.asked or self.answered:
            return None
        why = f" ({self.first_error})" if self.first_error else ""
        return (f"datatrail: warning: {path}: --resolve answered none of {self.asked} hosts{why}; is the network "
                "up? Servers' addresses are not attributed")


class Outcome:
    """How one input went (treat as read-only; a plain class because ``index`` cannot be a NamedTuple field).

    ``index``: position in the input list, for callers that care about order.
    ``text``: the rendered report, when a renderer was given. ``report``: the report
    itself, only when no renderer was given. ``rule_ranks``: each rule of its findings with
    their worst severity rank, for --fail-on and the reasons it gives (``worst_rank`` and
    ``rule_ids`` are read from it).
    ``baseline``: its findings as baseline entries, for --write-baseline (the worker
    works them out, so the parent never needs the whole report for them). ``unread``:
    what of the input could not be read (empty when the analysis is complete). ``lookups``:
    with ``--resolve``, how the resolver answered. ``error``:
    one line for people, when the input failed or was skipped.
    """

    __slots__ = ("index", "path", "status", "text", "report", "rule_ranks", "baseline", "unread", "error", "seconds",
                 "lookups")

    def __init__(
        self,
        index: int,
        path: Path,
        status: Status,
        text: str | None = None,
        report: Report | None = None,
        error: str | None = None,
        seconds: float = 0.0,
        baseline: tuple[BaselineEntry, ...] = (),
        unread: tuple[str, ...] = (),
        rule_ranks: tuple[tuple[str, int], ...] = (),
        lookups: Lookups | None = None,
    ) -> None:
        self.index = index
        self.path = path
        self.status = status
        self.text = text
        self.report = report
        self.baseline = baseline
        self.unread = unread
        self.rule_ranks = rule_ranks
        self.lookups = lookups
        self.error = error
        self.seconds = seconds

    @property
    def worst_rank(self) -> int:
        """Rank of the most severe finding; -1 without findings."""
        return max((rank for _, rank in self.rule_ranks), default=-1)

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(rule for rule, _ in self.rule_ranks)


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
