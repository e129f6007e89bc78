"""Document renderers: a report in, the text of one output format out.

Each ``--format`` that writes one document per report registers here; the
terminal view (rich, console-bound) and jsonl (one line per report) are the
scan command's own. Renderers read the report model only. The HTML and label
renderers are imported when used: most runs never need them.
"""

from __future__ import annotations

from collections.abc import Callable

from datatrail.model.report import Report
from datatrail.report.cyclonedx import to_cyclonedx
from datatrail.report.json import to_json
from datatrail.report.sarif import to_sarif

__all__ = ["Renderer", "DOCUMENT_FORMATS"]

Renderer = Callable[[Report], str]


def _html(report: Report) -> str:
    from datatrail.report.html import to_html

    return to_html(report)


def _label(report: Report) -> str:
    from datatrail.report.label import to_label

    return to_label(report)


DOCUMENT_FORMATS: dict[str, Renderer] = {
    "json": to_json,
    "sarif": to_sarif,
    "cyclonedx": to_cyclonedx,
    "html": _html,
    "label": _label,
}
