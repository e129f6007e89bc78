"""Baselines for the CI gate: findings already known and accepted, keyed by their fingerprint.

``datatrail scan --write-baseline FILE`` records every finding of a scan;
``datatrail scan --baseline FILE`` leaves the findings it lists out of the
report, so ``--fail-on`` trips only on new ones. Fingerprints depend on the
rule, the package and the occurrence (never on the run), so they survive
rebuilds of the same app; the other fields are there for people reviewing the
file and are not used for matching.

File format (JSON, ``"format": "datatrail-baseline/1"``)::

    {"format": "datatrail-baseline/1",
     "findings": [{"fingerprint": "9f2c...", "rule_id": "AND002",
                   "package": "com.example", "message": "..."}]}
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from datatrail.errors import CorruptInput
from datatrail.formats.common.jsondoc import read_json_document, read_text
from datatrail.model.report import Report

__all__ = [
    "BASELINE_FORMAT",
    "MAX_BYTES",
    "BaselineEntry",
    "Baseline",
    "BaselineBuilder",
    "baseline_entries",
    "baseline_from_reports",
    "baseline_json",
    "read_baseline",
    "parse_baseline",
    "apply_baseline",
]

BASELINE_FORMAT = "datatrail-baseline/1"
MAX_BYTES = 64 * 1024 * 1024
_MESSAGE_MAX = 200


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    fingerprint: str
    rule_id: str
    package: str | None
    message: str


class Baseline(NamedTuple):
    entries: tuple[BaselineEntry, ...]

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(e.fingerprint for e in self.entries)


def baseline_entries(report: Report) -> tuple[BaselineEntry, ...]:
    """The report's findings as baseline entries (messages shortened)."""
    return tuple(
        BaselineEntry(f.fingerprint, f.rule_id, report.app.package,
                      f.message if len(f.message) <= _MESSAGE_MAX else f.message[: _MESSAGE_MAX - 1] + "…")
        for f in report.findings
    )


class BaselineBuilder:
    """Collects the findings of reports one at a time, so a batch keeps no report alive."""

    def __init__(self) -> None:
        self._found: dict[str, BaselineEntry] = {}

    def add(self, report: Report) -> None:
        self.add_entries(baseline_entries(report))

    def add_entries(self, entries: Iterable[BaselineEntry]) -> None:
        for entry in entries:
            self._found.setdefault(entry.fingerprint, entry)

    def build(self) -> Baseline:
        """Every finding once, in a stable order (diff-friendly in version control)."""
        return Baseline(tuple(sorted(self._found.values(), key=lambda e: (e.package or "", e.rule_id, e.fingerprint))))


def baseline_from_reports(reports: Iterable[Report]) -> Baseline:
    builder = BaselineBuilder()
    for report in reports:
        builder.add(report)
    return builder.build()


def baseline_json(baseline: Baseline) -> str:
    doc = {"format": BASELINE_FORMAT, "findings": [dataclasses.asdict(e) for e in baseline.entries]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def parse_baseline(text: str, location: str) -> Baseline:
    doc = read_json_document(text, location, BASELINE_FORMAT, "a datatrail baseline")
    items = doc.get("findings")
    if not isinstance(items, list):
        raise CorruptInput(f"{location}: findings must be a list")
    entries: list[BaselineEntry] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str) or not item["fingerprint"]:
            raise CorruptInput(f"{location}: findings[{i}] has no fingerprint")
        package = item.get("package")
        entries.append(BaselineEntry(
            item["fingerprint"],
            str(item.get("rule_id", "")),
            package if isinstance(package, str) else None,
            str(item.get("message", "")),
        ))
    return Baseline(tuple(entries))


def read_baseline(path: Path) -> Baseline:
    return parse_baseline(read_text(path, MAX_BYTES), str(path))


def apply_baseline(report: Report, fingerprints: frozenset[str]) -> Report:
    """The report without the findings the baseline lists."""
    kept = tuple(f for f in report.findings if f.fingerprint not in fingerprints)
    if len(kept) == len(report.findings):
        return report
    return dataclasses.replace(report, findings=kept)

