"""Report -> SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure) ingest.

Only findings are exported: SARIF describes problems at places, and inventories
(SDKs, destinations) have no "problem" to show there; they go to CycloneDX.

One result per occurrence: a finding with several evidence items (three hosts
of one organisation, a debug certificate named by two signature schemes) becomes
one result per item, so each place can be triaged, dismissed and tracked on its
own. Results point at the analysed file (the package is the artifact a scanner
sees) and name the place inside it as a logical location, because SARIF
physical locations can only address files, not dex strings or manifest elements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from datatrail.knowledge.rules import RULES, Rule
from datatrail.model.report import Evidence, Finding, Report, Severity

__all__ = [
    "SARIF_SCHEMA", "SARIF_VERSION", "FINGERPRINT_KEY", "MAX_RESULTS", "LEVELS", "clip", "rule_descriptor", "result_count",
    "file_artifact", "sarif_run", "sarif_log", "sarif_text", "to_sarif_dict", "to_sarif",
]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "datatrail/v1"
"""partialFingerprints key; bump the suffix if the fingerprint recipe ever changes."""

# GitHub code scanning rejects runs above 25,000 results and truncates long messages;
# staying under its limits keeps an upload from failing on a pathological package.
MAX_RESULTS = 25_000
_MAX_MESSAGE = 2_000

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub reads rule-level security-severity (a number as a string) to rank alerts:
# >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. Info has no security weight.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}


def clip(value: str) -> str:
    """A message cut to what code-scanning services show whole."""
    return value if len(value) <= _MAX_MESSAGE else value[: _MAX_MESSAGE - 1] + "…"


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    props: dict[str, Any] = {"tags": ["security", "privacy"], "datatrail-severity": rule.severity.value}
    if rule.severity in _SECURITY_SEVERITY:
        props["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": props,
    }


def file_artifact(uri: str, length: int, sha256: str, kind: str) -> dict[str, Any]:
    """The one analysed file of a run, as its ``artifacts[0]`` (results point at it by index 0)."""
    return {"location": {"uri": uri}, "length": length, "hashes": {"sha-256": sha256}, "properties": {"kind": kind}}


def sarif_run(tool_name: str, tool_version: str, rules: list[Rule], artifact: dict[str, Any], results: list[dict[str, Any]],
              properties: dict[str, Any], total: int, unread: Sequence[str] = ()) -> dict[str, Any]:
    """One run: the tool with its rule catalogue, the artifact, the results kept of ``total``, and an invocation
    when something is to be said about the run: results left out at MAX_RESULTS (a warning), parts of the input
    that could not be read (errors; the execution is then not successful: the results are a lower bound)."""
    run: dict[str, Any] = {
        "tool": {"driver": {"name": tool_name, "version": tool_version, "rules": [rule_descriptor(r) for r in rules]}},
        "artifacts": [artifact],
        "results": results,
        "properties": properties,
    }
    notes: list[dict[str, Any]] = [
        {"level": "error", "message": {"text": f"not read, so the results are a lower bound: {what}"}} for what in unread
    ]
    if total > len(results):
        notes.append({
            "level": "warning",
            "message": {"text": f"{total - len(results)} of {total} results left out "
                                f"(code scanning accepts at most {MAX_RESULTS} per run)"},
        })
    if notes:
        run["invocations"] = [{"executionSuccessful": not unread, "toolExecutionNotifications": notes}]
    return run


def sarif_log(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The SARIF log (the whole document) holding ``runs``."""
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def sarif_text(log: dict[str, Any]) -> str:
    """A SARIF log as the UTF-8 JSON text datatrail writes."""
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rules_for(report: Report) -> list[Rule]:
    """The whole catalogue, so rule indices are stable between reports, plus any rule a
    loaded report names that this version no longer knows (ids are never reused)."""
    rules = dict(RULES)
    for finding in report.findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = Rule(finding.rule_id, finding.rule_id.lower(), finding.title, finding.severity, finding.title)
    return [rules[k] for k in sorted(rules)]


def _occurrences(finding: Finding) -> list[tuple[str, Evidence | None]]:
    """(partial fingerprint, evidence) per result of this finding."""
    if len(finding.evidence) <= 1:
        return [(finding.fingerprint, finding.evidence[0] if finding.evidence else None)]
    return [(f"{finding.fingerprint}:{i}", e) for i, e in enumerate(finding.evidence)]


def result_count(report: Report) -> int:
    """How many SARIF results the report makes before the GitHub cap."""
    return sum(len(_occurrences(f)) for f in report.findings)


def _logical_location(evidence: Evidence, input_path: str) -> dict[str, Any] | None:
    location = evidence.location
    if not location or location in (input_path, PurePath(input_path).name):
        return None  # the evidence is about the file as a whole
    if location.endswith(".class") and " " not in location:
        dotted = location[: -len(".class")].replace("/", ".")
        return {"name": dotted.rsplit(".", 1)[-1], "fullyQualifiedName": dotted, "kind": "type"}
    # "classes2.dex string 1843", "lib/arm64-v8a/libfoo.so .rodata@0x1f9c0": the file inside
    # the package is the name, the whole location string says where in it.
    entry = location.split(" ", 1)[0]
    return {"name": entry, "fullyQualifiedName": location, "kind": "resource"}


def _result(finding: Finding, rule_index: int, fingerprint: str, evidence: Evidence | None, uri: str, input_path: str) -> dict[str, Any]:
    text = finding.message
    if evidence is not None and evidence.detail:
        text = f"{finding.message} [{evidence.location}: {evidence.detail}]"
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri, "index": 0}}}
    if evidence is not None:
        logical = _logical_location(evidence, input_path)
        if logical is not None:
            location["logicalLocations"] = [logical]
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": clip(text)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {"severity": finding.severity.value, "title": finding.title},
    }


def to_sarif_dict(report: Report) -> dict[str, Any]:
    rules = _rules_for(report)
    index = {rule.id: i for i, rule in enumerate(rules)}
    primary = report.inputs[0]
    # A relative URI: absolute paths would leak the scanning machine's layout and never
    # match a repository checkout; the file name is what a reader recognises.
    uri = quote(PurePath(primary.path).name)
    results: list[dict[str, Any]] = []
    total = 0
    for finding in report.findings:
        for fingerprint, evidence in _occurrences(finding):
            total += 1
            if len(results) < MAX_RESULTS:
                results.append(_result(finding, index[finding.rule_id], fingerprint, evidence, uri, primary.path))
    properties = {
        "schemaVersion": report.schema_version,
        "generatedAt": report.generated_at,
        "viewer": report.viewer,
        "package": report.app.package,
        "datasets": [f"{d.name} {d.version}" for d in report.datasets],
    }
    artifact = file_artifact(uri, primary.size, primary.sha256, primary.kind)
    return sarif_log([sarif_run(report.tool.name, report.tool.version, rules, artifact, results, properties, total,
                                report.completeness.unread)])


def to_sarif(report: Report) -> str:
    return sarif_text(to_sarif_dict(report))
