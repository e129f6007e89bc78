"""SARIF output: valid against the OASIS schema, one result per occurrence, stable fingerprints."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.knowledge.rules import RULES
from datatrail.model.report import Evidence, Finding, Report, Severity
from datatrail.report import sarif
from datatrail.report.sarif import FINGERPRINT_KEY, to_sarif, to_sarif_dict
from tests.support.corpus import CORPUS, corpus_files, ios_inputs
from tests.support.official_schemas import errors_of, sarif_validator

INPUTS = corpus_files("apk/**/*.apk", "apk/**/*.aab", "apk/**/*.dex", "apk/**/*.jar", "sdk/android/**/*") + ios_inputs()


def _rel(p: Path) -> str:
    assert CORPUS is not None
    return str(p.relative_to(CORPUS))


@pytest.fixture(scope="module")
def reports(corpus_reports: dict[Path, Report]) -> dict[Path, Report]:
    """Each corpus file is scanned once for the whole test session."""
    return corpus_reports


def _report(path: Path, cache: dict[Path, Report]) -> Report:
    if path not in cache:
        cache[path] = scan_file(path)
    return cache[path]


def _a2dp(cache: dict[Path, Report]) -> Report:
    path = next((p for p in INPUTS if p.name == "a2dp.Vol_137.apk"), None)
    if path is None:
        pytest.skip("corpus not found")
    return _report(path, cache)


def _occurrences(report: Report) -> int:
    return sum(max(1, len(f.evidence)) for f in report.findings)


@pytest.mark.parametrize("path", INPUTS, ids=_rel)
def test_corpus_sarif_is_valid_and_complete(path: Path, reports: dict[Path, Report]) -> None:
    report = _report(path, reports)
    doc = to_sarif_dict(report)
    assert errors_of(sarif_validator(), doc) == []
    (run,) = doc["runs"]
    results = run["results"]
    assert len(results) == _occurrences(report)
    rules = run["tool"]["driver"]["rules"]
    rule_ids = [r["id"] for r in rules]
    assert {r["ruleId"] for r in results} <= set(rule_ids)
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert len(result["locations"]) <= 10
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == Path(report.inputs[0].path).name
    fingerprints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    assert len(set(fingerprints)) == len(fingerprints), "two results share a fingerprint"
    # A second scan of the same file gives the same fingerprints: code scanning keeps alert
    # state (dismissed, fixed) by them.
    again = to_sarif_dict(scan_file(path))["runs"][0]["results"]
    assert [r["partialFingerprints"][FINGERPRINT_KEY] for r in again] == fingerprints


def test_rules_carry_the_catalogue(reports: dict[Path, Report]) -> None:
    rules = {r["id"]: r for r in to_sarif_dict(_a2dp(reports))["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == set(RULES)
    debuggable = rules["AND001"]
    assert debuggable["name"] == "debuggable"
    assert debuggable["shortDescription"]["text"] == RULES["AND001"].title
    assert debuggable["fullDescription"]["text"] == RULES["AND001"].help
    assert debuggable["defaultConfiguration"]["level"] == "error"
    assert debuggable["properties"]["security-severity"] == "8.0"
    assert rules["AND003"]["defaultConfiguration"]["level"] == "warning"
    assert rules["DST003"]["defaultConfiguration"]["level"] == "note"


def test_levels_follow_the_finding_not_the_rule_default(reports: dict[Path, Report]) -> None:
    base = _a2dp(reports)
    levels = {}
    for severity in Severity:
        finding = Finding("AND003", "t", severity, "m", (Evidence("AndroidManifest.xml", "d"),), "0" * 32)
        (result,) = to_sarif_dict(dataclasses.replace(base, findings=(finding,)))["runs"][0]["results"]
        levels[severity] = result["level"]
    assert levels == {
        Severity.CRITICAL: "error",
        Severity.HIGH: "error",
        Severity.MEDIUM: "warning",
        Severity.LOW: "note",
        Severity.INFO: "note",
    }


def test_split_occurrences_and_logical_locations(reports: dict[Path, Report]) -> None:
    base = _a2dp(reports)
    evidence = (
        Evidence("classes2.dex string 1843", "a.example.cn (code of X)"),
        Evidence("com/iflytek/cloud/resource/a.class", "b.example.cn"),
        Evidence(base.inputs[0].path, "the whole file"),
    )
    split = Finding("DST001", "t", Severity.HIGH, "three hosts", evidence, "f" * 32)
    single = Finding("SIG002", "t", Severity.MEDIUM, "unsigned", (), "e" * 32)
    doc = to_sarif_dict(dataclasses.replace(base, findings=(split, single)))
    assert errors_of(sarif_validator(), doc) == []
    results = doc["runs"][0]["results"]
    assert [r["partialFingerprints"][FINGERPRINT_KEY] for r in results] == ["f" * 32 + ":0", "f" * 32 + ":1", "f" * 32 + ":2", "e" * 32]
    dex, cls, whole, unsigned = (r["locations"][0] for r in results)
    assert dex["logicalLocations"] == [{"name": "classes2.dex", "fullyQualifiedName": "classes2.dex string 1843", "kind": "resource"}]
    assert cls["logicalLocations"] == [{"name": "a", "fullyQualifiedName": "com.iflytek.cloud.resource.a", "kind": "type"}]
    assert "logicalLocations" not in whole and "logicalLocations" not in unsigned
    assert "a.example.cn" in results[0]["message"]["text"]


def test_result_cap_is_reported(reports: dict[Path, Report], monkeypatch: pytest.MonkeyPatch) -> None:
    base = _a2dp(reports)
    assert len(base.findings) > 2
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    doc = to_sarif_dict(base)
    run = doc["runs"][0]
    assert len(run["results"]) == 2
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert f"{_occurrences(base) - 2} of {_occurrences(base)}" in note["message"]["text"]
    assert errors_of(sarif_validator(), doc) == []


def test_unknown_rule_from_an_older_report_gets_a_descriptor(reports: dict[Path, Report]) -> None:
    base = _a2dp(reports)
    retired = Finding("OLD042", "Retired check", Severity.LOW, "m", (), "a" * 32)
    run = to_sarif_dict(dataclasses.replace(base, findings=(retired,)))["runs"][0]
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "OLD042"


def test_validator_catches_a_broken_log(reports: dict[Path, Report]) -> None:
    """Guards the guard: a schema that accepted anything would make the corpus test worthless."""
    doc = to_sarif_dict(_a2dp(reports))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert errors_of(sarif_validator(), doc)


def test_to_sarif_is_json_text(reports: dict[Path, Report]) -> None:
    text = to_sarif(_a2dp(reports))
    assert text.endswith("\n") and '"version": "2.1.0"' in text
