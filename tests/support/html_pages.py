"""Builders shared by tests (moved from test_html.py)."""

from __future__ import annotations

import dataclasses

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
