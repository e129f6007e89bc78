"""The HTML report: one self-contained, offline page per report (app or capture).

Renderers read the report model only. Every string from the analysed package or
capture is escaped (``markup.el``), and the page's Content-Security-Policy forbids any
request, so the file can be opened anywhere without leaking that it was opened.
"""

from __future__ import annotations

from datatrail.report.html.app_page import report_header, report_name, report_sections, to_html
from datatrail.report.html.capture_page import capture_to_html

__all__ = ["to_html", "capture_to_html", "report_sections", "report_header", "report_name"]
