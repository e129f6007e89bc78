"""Document renderers: a report in, the text of one output format out.

Each ``--format`` that writes one document per report registers here; the
terminal view (rich, console-bound) and jsonl (one line per report) are the
scan command's own. Renderers read the report model only. All but JSON are
imported when used: most runs need one format.
"""

from __future__ import annotations

from collections.abc import Callable

from datatrail.model.report import Report
from datatrail.report.json import to_json

__all__ = ["Renderer", "DOCUMENT_FORMATS"]

Renderer = Callable[[Report], str]


def _sarif(report: Report) -> str:
    from datatrail.report.sarif import to_sarif

    return to_sarif(report)


def _cyclonedx(report: Report) -> str:
    from datatrail.report.cyclonedx import to_cyclonedx

    return to_cyclonedx(report)


def _html(report: Report) -> str:
    from datatrail.report.html import to_html

    return to_html(report)


def _label(report: Report) -> str:
    from datatrail.report.label import to_label

    return to_label(report)


DOCUMENT_FORMATS: dict[str, Renderer] = {
    "json": to_json,
    "sarif": _sarif,
    "cyclonedx": _cyclonedx,
    "html": _html,
    "label": _label,
}
