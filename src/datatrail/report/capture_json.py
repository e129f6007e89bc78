"""CaptureReport <-> JSON: the document ``datatrail capture --format json`` writes
(``capture.schema.json``), and the report rebuilt from it to render it again without re-reading
the capture (the service's stored captures)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from datatrail.model.capture import CAPTURE_SCHEMA_VERSION, CaptureReport
from datatrail.report.load import ReportFormatError, decode_dataclass

__all__ = ["capture_to_dict", "captures_document", "captures_json", "capture_from_dict", "captures_from_document"]

_MAJOR = CAPTURE_SCHEMA_VERSION.split(".", 1)[0]


def capture_to_dict(report: CaptureReport) -> dict[str, Any]:
    """One capture's report as JSON-ready data (an item of the document's ``captures``)."""
    doc = dataclasses.asdict(report)
    doc["diagnostics"] = [{**d, "severity": d["severity"].value} for d in doc["diagnostics"]]
    doc["requests"] = [_request_dict(r) for r in doc["requests"]]
    return doc


def _request_dict(request: dict[str, Any]) -> dict[str, Any]:
    """Bodies are bytes: UTF-8 text stays readable, anything else is base64 (``body_encoding`` says which)."""
    body: bytes = request["body"]
    headers = [list(h) for h in request["headers"]]
    try:
        return {**request, "headers": headers, "body": body.decode("utf-8"), "body_encoding": "utf-8"}
    except UnicodeDecodeError:
        return {**request, "headers": headers, "body": base64.b64encode(body).decode("ascii"), "body_encoding": "base64"}


def captures_document(reports: Sequence[CaptureReport], viewer: str) -> dict[str, Any]:
    return {"schema_version": CAPTURE_SCHEMA_VERSION, "viewer": viewer, "captures": [capture_to_dict(r) for r in reports]}


def captures_json(reports: Sequence[CaptureReport], viewer: str) -> str:
    """The text ``datatrail capture --format json`` writes for these reports."""
    return json.dumps(captures_document(reports, viewer), indent=2, ensure_ascii=False) + "\n"


def _request_back(request: Any, where: str) -> Any:
    if not isinstance(request, dict):
        return request  # the decoder says what is wrong with it
    body, encoding = request.get("body"), request.get("body_encoding", "utf-8")
    if not isinstance(body, str):
        raise ReportFormatError(f"{where}.body: expected a string")
    try:
        raw = base64.b64decode(body, validate=True) if encoding == "base64" else body.encode("utf-8")
    except (binascii.Error, UnicodeEncodeError):
        raise ReportFormatError(f"{where}.body: not {encoding}") from None
    rest = {k: v for k, v in request.items() if k != "body_encoding"}
    return {**rest, "body": raw}


def capture_from_dict(doc: Any, where: str = "captures[0]") -> CaptureReport:
    """One capture's report from its JSON object (an item of ``captures``)."""
    if not isinstance(doc, dict):
        raise ReportFormatError(f"{where}: expected an object")
    requests = doc.get("requests", [])
    if isinstance(requests, list):
        doc = {**doc, "requests": [_request_back(r, f"{where}.requests[{i}]") for i, r in enumerate(requests)]}
    report: CaptureReport = decode_dataclass(CaptureReport, doc, where)
    return report


def captures_from_document(doc: Any) -> tuple[str, list[CaptureReport]]:
    """The viewer and the reports of a ``datatrail capture --format json`` document."""
    if not isinstance(doc, dict) or not isinstance(doc.get("captures"), list):
        raise ReportFormatError("not a datatrail capture report: no 'captures' array")
    version = doc.get("schema_version")
    if not isinstance(version, str) or version.split(".", 1)[0] != _MAJOR:
        raise ReportFormatError(f"capture report schema_version {version!r} is not supported (reads {_MAJOR}.x)")
    return str(doc.get("viewer", "eu")), [capture_from_dict(c, f"captures[{i}]") for i, c in enumerate(doc["captures"])]
