"""Every report of every corpus input validates against the published JSON Schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from datatrail.app.pipeline import scan_file
from datatrail.errors import InputError
from datatrail.model.report import SCHEMA_VERSION, Report
from datatrail.report.json import to_dict, to_json
from tests.support.corpus import CORPUS, corpus_files, ios_inputs, scan_cached

INPUTS = corpus_files("apk/**/*.apk", "apk/**/*.aab", "apk/**/*.dex", "apk/**/*.jar", "sdk/android/**/*", "sdk/dex-extracted/*.dex") + ios_inputs()


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("datatrail.report").joinpath("schema/report.schema.json").read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _rel(p: Path) -> str:
    assert CORPUS is not None
    return str(p.relative_to(CORPUS))


@pytest.mark.parametrize("path", INPUTS, ids=_rel)
def test_report_validates(path: Path, validator: jsonschema.protocols.Validator, corpus_reports: dict[Path, Report]) -> None:
    try:
        report = scan_cached(path, corpus_reports)
    except InputError as exc:
        pytest.fail(f"corpus input could not be analysed: {exc}")
    doc = json.loads(to_json(report))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert doc["schema_version"] == SCHEMA_VERSION
    assert list(doc)[0] == "schema_version"
    assert {d["name"] for d in doc["datasets"]} >= {"aosp-permissions", "permission-categories", "android-attrs"}


def test_committed_schema_is_the_generated_one() -> None:
    """Changing the model changes the contract: regenerate with tools/gen_report_schema.py and review the diff."""
    from datatrail.report.schema_gen import report_schema

    committed = json.loads(resources.files("datatrail.report").joinpath("schema/report.schema.json").read_text("utf-8"))
    assert committed == report_schema()


def test_schema_rejects_a_renamed_field(validator: jsonschema.protocols.Validator) -> None:
    """The schema is strict: a renamed key is a schema change, not a silent drift."""
    path = next(p for p in INPUTS if p.name == "a2dp.Vol_137.apk") if INPUTS else pytest.skip("no corpus")
    doc = to_dict(scan_file(path))
    doc["app"]["packageName"] = doc["app"].pop("package")
    assert list(validator.iter_errors(doc))
