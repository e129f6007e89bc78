"""SARIF and label output of captures: valid, one result per piece of personal data, stable across formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datatrail.capture import analyse_capture
from datatrail.cli.main import EXIT_OK, main
from datatrail.report.capture_sarif import capture_to_sarif_dict
from datatrail.report.sarif import FINGERPRINT_KEY
from tests.support import paths
from tests.support.official_schemas import errors_of, sarif_validator

LABELLED = paths.FIXTURES / "capture"


def _fingerprints(doc: dict[str, object]) -> list[str]:
    (run,) = doc["runs"]  # type: ignore[index]
    return sorted(r["partialFingerprints"][FINGERPRINT_KEY] for r in run["results"])  # type: ignore[index]


@pytest.mark.parametrize("name", ["labelled.pcap", "labelled.har"])
def test_one_valid_result_per_hit(name: str) -> None:
    report = analyse_capture(LABELLED / name)
    doc = capture_to_sarif_dict(report, "test")
    assert errors_of(sarif_validator(), doc) == []
    (run,) = doc["runs"]
    assert len(run["results"]) == len(report.personal_data) > 0
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result, hit in zip(run["results"], report.personal_data):
        assert result["ruleId"] == hit.rule_id and rules[result["ruleIndex"]] == hit.rule_id
        request = report.requests[hit.request]
        assert result["locations"][0]["logicalLocations"][0]["name"] == f"{request.method} {request.host}{request.path}"
        assert hit.location in result["message"]["text"]


def test_fingerprints_do_not_depend_on_the_capture_format() -> None:
    """The same requests seen on the wire and exported as HAR are the same alerts."""
    pcap = capture_to_sarif_dict(analyse_capture(LABELLED / "labelled.pcap"), "test")
    har = capture_to_sarif_dict(analyse_capture(LABELLED / "labelled.har"), "test")
    assert _fingerprints(pcap) == _fingerprints(har)
    assert len(set(_fingerprints(pcap))) == len(_fingerprints(pcap))


def test_cli_sarif_and_label(tmp_path: Path) -> None:
    sarif_out, label_out = tmp_path / "c.sarif", tmp_path / "c.label.json"
    har, pcap = str(LABELLED / "labelled.har"), str(LABELLED / "labelled.pcap")
    assert main(["capture", har, pcap, "--format", "sarif", "-o", str(sarif_out)]) == EXIT_OK
    doc = json.loads(sarif_out.read_text())
    assert errors_of(sarif_validator(), doc) == [] and len(doc["runs"]) == 2
    assert main(["capture", har, "--format", "label", "-o", str(label_out)]) == EXIT_OK
    label = json.loads(label_out.read_text())
    play = {(t["category"], t["type"]) for t in label["play"]["data_types"]}
    # Planted in the labelled capture: location, email, search terms, an upload, device identifiers.
    assert {("Location", "Precise location"), ("Personal info", "Email address"),
            ("App activity", "In-app search history"), ("Device or other IDs", "Device or other IDs")} <= play
    assert all(t["sources"] == ["traffic"] for t in label["play"]["data_types"])
