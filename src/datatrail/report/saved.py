"""A saved JSON report of either kind, read back: an app's (``scan --format json``) or a capture document's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from datatrail.model.capture import CaptureReport
from datatrail.model.report import Report
from datatrail.report.capture_json import captures_from_document
from datatrail.report.load import ReportFormatError, read_document, report_from_dict

__all__ = ["SavedReport", "load_saved"]


@dataclass(frozen=True, slots=True)
class SavedReport:
    app: Report | None
    """The app's report; None for a capture document."""
    captures: tuple[CaptureReport, ...] = ()
    viewer: str = "eu"


def load_saved(path: Path) -> SavedReport:
    """Read a report datatrail wrote; raises ReportFormatError saying why it cannot be read."""
    doc = read_document(path)
    try:
        if isinstance(doc, dict) and "captures" in doc and "tool" not in doc:
            viewer, captures = captures_from_document(doc)
            return SavedReport(None, tuple(captures), viewer)
        report = report_from_dict(doc)
    except ReportFormatError as exc:
        raise ReportFormatError(f"{path}: {exc}") from exc
    return SavedReport(report, (), report.viewer)
