"""Capture renderers: captures in, the text of one output format out (what ``datatrail capture
--format`` writes, and what the service serves for a stored capture). Each is imported when used."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from datatrail.model.capture import CaptureReport
from datatrail.model.report import Report

__all__ = ["CaptureRenderer", "CAPTURE_FORMATS", "captures_sarif", "captures_label"]

CaptureRenderer = Callable[[Sequence[CaptureReport], str], str]
"""(reports, viewer) -> text."""


def captures_sarif(reports: Sequence[CaptureReport]) -> str:
    """One SARIF log, a run per capture; empty text for no captures."""
    from datatrail.report.capture_sarif import capture_to_sarif_dict
    from datatrail.report.sarif import sarif_log, sarif_text
    from datatrail.version import __version__

    if not reports:
        return ""
    return sarif_text(sarif_log([run for r in reports for run in capture_to_sarif_dict(r, __version__)["runs"]]))


def captures_label(reports: Sequence[CaptureReport], app: Report | None = None) -> str:
    """The privacy label of all the traffic together (with the app's own, when its report is given)."""
    from datatrail.labels.derive import derive, derive_from_report
    from datatrail.labels.observations import capture_observations, first_party_hosts
    from datatrail.report.label import label_json

    first_party = first_party_hosts(app) if app is not None else set()
    traffic = [o for r in reports for o in capture_observations(r, r.personal_data, first_party=first_party)]
    return label_json(derive_from_report(app, traffic) if app is not None else derive(traffic), None)


def _json(reports: Sequence[CaptureReport], viewer: str) -> str:
    from datatrail.report.capture_json import captures_json

    return captures_json(reports, viewer)


def _html(reports: Sequence[CaptureReport], viewer: str) -> str:
    """The first capture's offline page (the CLI writes one page per capture)."""
    from datatrail.report.html import capture_to_html

    return capture_to_html(reports[0]) if reports else ""


CAPTURE_FORMATS: dict[str, CaptureRenderer] = {
    "json": _json,
    "html": _html,
    "sarif": lambda reports, _viewer: captures_sarif(reports),
    "label": lambda reports, _viewer: captures_label(reports),
}
