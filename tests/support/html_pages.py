"""Builders shared by tests (moved from test_html.py)."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

from datatrail.model.report import Report
from datatrail.report.html import to_html

BUGLY = "apk/bugly-demo/BuglyHotfixDemo-app-release.apk"


HOSTILE = '<script>alert("x")</script>'


HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'


def _hostile(report: Report) -> Report:
    dest = report.destinations[0]
    endpoint = dataclasses.replace(dest.endpoint, host="evil.example" + HOSTILE_ATTR, urls=("javascript:alert(1)",))
    attribution = dataclasses.replace(dest.attribution, organisation="Evil " + HOSTILE)
    sdk = dataclasses.replace(report.sdks[0], name="</style>" + HOSTILE, vendor=HOSTILE_ATTR)
    cert = dataclasses.replace(report.certificates[0], subject="CN=<b>bold</b>" + HOSTILE_ATTR)
    finding = dataclasses.replace(report.findings[0], message=HOSTILE + " & more", title="<svg onload=alert(1)>")
    app = dataclasses.replace(report.app, label=HOSTILE, package="pkg" + HOSTILE_ATTR)
    return dataclasses.replace(
        report,
        app=app,
        destinations=(dataclasses.replace(dest, endpoint=endpoint, attribution=attribution), *report.destinations[1:]),
        sdks=(sdk, *report.sdks[1:]),
        certificates=(cert,),
        findings=(finding, *report.findings[1:]),
    )


def hostile_page(report: Report) -> str:
    return to_html(_hostile(report))


class Parsed(HTMLParser):
    """Every start tag with its attributes, and the text of the whole document, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(page: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(page)
    parsed.close()
    return parsed
