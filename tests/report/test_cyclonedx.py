"""CycloneDX output: valid against the official 1.6 schema, one component per SDK, one service per host."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.model.report import Report
from datatrail.report.cyclonedx import CONFIDENCE, to_cyclonedx, to_cyclonedx_dict
from tests.support.corpus import CORPUS, corpus_files, ios_inputs
from tests.support.official_schemas import cyclonedx_validator, errors_of

INPUTS = corpus_files("apk/**/*.apk", "apk/**/*.aab", "apk/**/*.dex", "apk/**/*.jar", "sdk/android/**/*") + ios_inputs()


def _rel(p: Path) -> str:
    assert CORPUS is not None
    return str(p.relative_to(CORPUS))


@pytest.fixture(scope="module")
def reports(corpus_reports: dict[Path, Report]) -> dict[Path, Report]:
    """Each corpus file is scanned once for the whole test session."""
    return corpus_reports


def _report(name: str, cache: dict[Path, Report]) -> Report:
    path = next((p for p in INPUTS if p.name == name), None)
    if path is None:
        pytest.skip(f"{name} not in the corpus")
    if path not in cache:
        cache[path] = scan_file(path)
    return cache[path]


def _props(obj: dict[str, object], name: str) -> list[str]:
    return [p["value"] for p in obj.get("properties", []) if p["name"] == f"datatrail:{name}"]  # type: ignore[index,union-attr]


@pytest.mark.parametrize("path", INPUTS, ids=_rel)
def test_corpus_bom_is_valid_and_complete(path: Path, reports: dict[Path, Report]) -> None:
    report = _report(path.name, reports)
    bom = to_cyclonedx_dict(report)
    assert errors_of(cyclonedx_validator(), bom) == []
    assert [c["bom-ref"] for c in bom["components"]] == [s.id for s in report.sdks]
    assert [s["name"] for s in bom["services"]] == [d.endpoint.host for d in report.destinations]
    refs = [bom["metadata"]["component"]["bom-ref"]] + [c["bom-ref"] for c in bom["components"]] + [s["bom-ref"] for s in bom["services"]]
    assert len(set(refs)) == len(refs)
    assert bom["metadata"]["component"]["hashes"][0]["content"] == report.inputs[0].sha256
    # Re-rendering the same report gives the same BOM, serial number included.
    assert to_cyclonedx_dict(report) == bom


def test_app_and_tool(reports: dict[Path, Report]) -> None:
    bom = to_cyclonedx_dict(_report("instapaper.apk", reports))
    app = bom["metadata"]["component"]
    assert (app["type"], app["name"], app["version"]) == ("application", "com.olivierpayen.leaninstapaper", "0.9.1804011545")
    assert app["description"] == "Lean for Instapaper"
    assert _props(app, "app:target_sdk") == ["25"]
    (tool,) = bom["metadata"]["tools"]["components"]
    assert tool["name"] == "datatrail" and tool["version"]
    assert bom["dependencies"][0] == {"ref": app["bom-ref"], "dependsOn": [c["bom-ref"] for c in bom["components"]]}


def test_sdk_component_evidence(reports: dict[Path, Report]) -> None:
    report = _report("instapaper.apk", reports)
    sdk = next(s for s in report.sdks if s.id == "firebase-crashlytics")
    component = next(c for c in to_cyclonedx_dict(report)["components"] if c["bom-ref"] == sdk.id)
    assert component["type"] == "library" and component["name"] == sdk.name
    assert component["supplier"]["name"] == component["publisher"] == "Google"
    assert "version" not in component and "purl" not in component
    (identity,) = component["evidence"]["identity"]
    assert identity["field"] == "name" and identity["confidence"] == CONFIDENCE[sdk.confidence] == 0.9
    assert identity["concludedValue"] == sdk.name
    methods = identity["methods"]
    assert len(methods) == len(sdk.evidence)
    assert methods[0]["technique"] == "binary-analysis" and "com.crashlytics.android." in methods[0]["value"]
    assert {m["technique"] for m in methods} >= {"binary-analysis", "filename", "manifest-analysis"}
    assert _props(component, "sdk:vendor_country") == ["US"]
    assert _props(component, "sdk:category") == list(sdk.categories)
    assert _props(component, "sdk:obfuscated") == ["false"]
    assert _props(component, "sdk:class_count") == [str(sdk.class_count)]


def test_services_carry_owner_country_and_flags(reports: dict[Path, Report]) -> None:
    report = _report("BuglyUpgradeDemo-demo.apk", reports)
    bom = to_cyclonedx_dict(report)
    dest = next(d for d in report.destinations if d.endpoint.host == "android.bugly.qq.com")
    service = next(s for s in bom["services"] if s["name"] == "android.bugly.qq.com")
    assert service["provider"]["name"] == dest.attribution.organisation
    assert service.get("endpoints", []) == list(dest.endpoint.urls)
    assert _props(service, "destination:org_country") == ["CN"]
    assert any(v.startswith("compelled-access CN") for v in _props(service, "destination:flag"))
    assert service["x-trust-boundary"] is True


def test_service_data_comes_from_the_owners_data_access(reports: dict[Path, Report]) -> None:
    for name in ("blooddonation.apk", "instapaper.apk", "BuglyUpgradeDemo-demo.apk", "jverification-android-3.4.8.jar"):
        report = _report(name, reports)
        bom = to_cyclonedx_dict(report)
        for dest, service in zip(report.destinations, bom["services"]):
            owners = {(o.kind, o.id) for o in dest.owners}
            expected = sorted({c for a in report.data_access if owners & {(o.kind, o.id) for o in a.owners} for c in a.data_categories})
            assert [d["classification"] for d in service.get("data", [])] == expected
            assert all(d["flow"] == "unknown" for d in service.get("data", []))


def test_sdk_binary_is_a_library(reports: dict[Path, Report]) -> None:
    bom = to_cyclonedx_dict(_report("adjust-android.jar", reports))
    assert bom["metadata"]["component"]["type"] == "library"


def test_validator_resolves_spdx_refs(reports: dict[Path, Report]) -> None:
    """Guards the guard: the $ref into the vendored SPDX schema is followed, so a bad id fails."""
    bom = to_cyclonedx_dict(_report("instapaper.apk", reports))
    bom["components"][0]["licenses"] = [{"license": {"id": "Apache-2.0"}}]
    assert errors_of(cyclonedx_validator(), bom) == []
    bom["components"][0]["licenses"] = [{"license": {"id": "NOT-A-LICENSE"}}]
    assert errors_of(cyclonedx_validator(), bom)


def test_serial_number_changes_with_the_scan(reports: dict[Path, Report]) -> None:
    report = _report("instapaper.apk", reports)
    later = dataclasses.replace(report, generated_at="2099-01-01T00:00:00Z")
    assert to_cyclonedx_dict(later)["serialNumber"] != to_cyclonedx_dict(report)["serialNumber"]
    assert to_cyclonedx(report).endswith("\n")
