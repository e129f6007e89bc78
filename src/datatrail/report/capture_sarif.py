"""CaptureReport -> SARIF 2.1.0: each piece of personal data seen in traffic is one result.

The capture file is the artifact; the request that carried the data is the
logical location (``POST api.example.com/v1/track``, kind ``request``), and the
place inside it (``query:imei``, ``body:$.user.email``) is named in the message
and in the result's properties. Rules are the NET rules of the shared catalogue,
so an app's static findings and its traffic can share one code-scanning view.

The partial fingerprint depends on the rule, the host, the request path, where
in the request the data was and what was found — not on the capture's time or
flow numbers — so the same leak in tomorrow's capture is the same alert.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from datatrail.knowledge.rules import RULES
from datatrail.model.capture import CaptureReport
from datatrail.model.http import HttpRequest
from datatrail.model.personal_data import DataHit
from datatrail.report.sarif import (
    FINGERPRINT_KEY,
    LEVELS,
    MAX_RESULTS,
    clip,
    file_artifact,
    sarif_log,
    sarif_run,
    sarif_text,
)

__all__ = ["capture_to_sarif_dict", "capture_to_sarif"]


def _request_name(request: HttpRequest | None) -> str:
    if request is None:
        return "request"
    return f"{request.method} {request.host or '?'}{request.path}"


def _fingerprint(hit: DataHit, request: HttpRequest | None) -> str:
    host = request.host if request is not None else ""
    path = request.path if request is not None else ""
    key = "\x1f".join((hit.rule_id, (host or "").lower(), path, hit.location, hit.label, hit.encoding, hit.matched.lower()))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _result(hit: DataHit, request: HttpRequest | None, rule_index: int, uri: str) -> dict[str, Any]:
    rule = RULES[hit.rule_id]  # every traffic rule is in the catalogue (tests/knowledge/test_rules.py)
    where = _request_name(request)
    encoded = "" if hit.encoding == "plain" else f" ({hit.encoding})"
    text = f"{rule.title}: {hit.label}{encoded} in {hit.location} of {where}: {hit.matched}"
    return {
        "ruleId": hit.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[rule.severity],
        "message": {"text": clip(text)},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri, "index": 0}},
            "logicalLocations": [{"name": where, "fullyQualifiedName": f"{where} {hit.location}", "kind": "request"}],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(hit, request)},
        "properties": {
            "severity": rule.severity.value, "title": rule.title, "label": hit.label, "dataCategory": hit.data_category,
            "where": hit.location, "encoding": hit.encoding, "flow": hit.flow, "request": hit.request,
        },
    }


def capture_to_sarif_dict(report: CaptureReport, tool_version: str) -> dict[str, Any]:
    rules = [RULES[k] for k in sorted(RULES)]
    index = {rule.id: i for i, rule in enumerate(rules)}
    uri = quote(PurePath(report.input.path).name)
    results: list[dict[str, Any]] = []
    for hit in report.personal_data[:MAX_RESULTS]:
        request = report.requests[hit.request] if 0 <= hit.request < len(report.requests) else None
        results.append(_result(hit, request, index[hit.rule_id], uri))
    artifact = file_artifact(uri, report.input.size, report.input.sha256, report.input.format)
    properties = {"captureSchemaVersion": report.schema_version, "viewer": report.viewer}
    return sarif_log([sarif_run("datatrail", tool_version, rules, artifact, results, properties, len(report.personal_data))])


def capture_to_sarif(report: CaptureReport, tool_version: str) -> str:
    return sarif_text(capture_to_sarif_dict(report, tool_version))
