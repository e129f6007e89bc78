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
import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from datatrail.detectors.rules import RULES, Rule
from datatrail.model.capture import CaptureReport
from datatrail.model.http import HttpRequest
from datatrail.model.personal_data import DataHit
from datatrail.model.report import Severity
from datatrail.report.sarif import FINGERPRINT_KEY, LEVELS, MAX_RESULTS, SARIF_SCHEMA, SARIF_VERSION, clip, rule_descriptor

__all__ = ["capture_to_sarif_dict", "capture_to_sarif"]


def _rule(rule_id: str) -> Rule:
    return RULES.get(rule_id) or Rule(rule_id, rule_id.lower(), rule_id, Severity.MEDIUM, rule_id)


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
    rule = _rule(hit.rule_id)
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
    known = {r.id for r in rules}
    rules += [_rule(r) for r in sorted({h.rule_id for h in report.personal_data} - known)]
    index = {rule.id: i for i, rule in enumerate(rules)}
    uri = quote(PurePath(report.input.path).name)
    results: list[dict[str, Any]] = []
    for hit in report.personal_data[:MAX_RESULTS]:
        request = report.requests[hit.request] if 0 <= hit.request < len(report.requests) else None
        results.append(_result(hit, request, index[hit.rule_id], uri))
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "datatrail", "version": tool_version, "rules": [rule_descriptor(r) for r in rules]}},
        "artifacts": [{
            "location": {"uri": uri},
            "length": report.input.size,
            "hashes": {"sha-256": report.input.sha256},
            "properties": {"kind": report.input.format},
        }],
        "results": results,
        "properties": {"captureSchemaVersion": report.schema_version, "viewer": report.viewer},
    }
    left_out = len(report.personal_data) - len(results)
    if left_out:
        run["invocations"] = [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [{
                "level": "warning",
                "message": {"text": f"{left_out} of {len(report.personal_data)} results left out "
                                    f"(code scanning accepts at most {MAX_RESULTS} per run)"},
            }],
        }]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def capture_to_sarif(report: CaptureReport, tool_version: str) -> str:
    return json.dumps(capture_to_sarif_dict(report, tool_version), indent=2, ensure_ascii=False) + "\n"
