"""Saved JSON reports load back into the same model; foreign or broken documents are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.errors import InputError
from datatrail.model.report import Report, Severity
from datatrail.report.json import to_dict, to_json
from datatrail.report.load import ReportFormatError, load_report, report_from_dict
from tests.support.corpus import CORPUS, corpus_files

ROUND_TRIP = [
    p
    for p in corpus_files("apk/**/*.apk", "sdk/android/**/*")
    if p.name
    in {
        "a2dp.Vol_137.apk",
        "instapaper.apk",
        "blooddonation.apk",
        "BuglyHotfixDemo-app-release.apk",
        "jverification-android-3.4.8.jar",
        "jcore-android-5.3.0.aar",
        "libammsdk.jar",
        "app-prod-debug.apk",
    }
]


def _rel(p: Path) -> str:
    assert CORPUS is not None
    return str(p.relative_to(CORPUS))


@pytest.fixture(scope="module")
def a2dp() -> Report:
    path = next((p for p in ROUND_TRIP if p.name == "a2dp.Vol_137.apk"), None)
    if path is None:
        pytest.skip("corpus not found")
    return scan_file(path)


@pytest.mark.parametrize("path", ROUND_TRIP, ids=_rel)
def test_round_trip(path: Path) -> None:
    report = scan_file(path)
    doc = to_dict(report)
    loaded = report_from_dict(json.loads(json.dumps(doc)))
    assert to_dict(loaded) == doc
    # The rebuilt value is the model, not dicts: enums, tuples and nested dataclasses come back.
    assert loaded == report
    assert all(isinstance(f.severity, Severity) for f in loaded.findings)


def test_load_report_from_file(tmp_path: Path, a2dp: Report) -> None:
    path = tmp_path / "r.json"
    path.write_text(to_json(a2dp), encoding="utf-8")
    assert load_report(path) == a2dp


def test_newer_minor_version_keys_are_ignored_and_older_defaults_filled(a2dp: Report) -> None:
    doc = to_dict(a2dp)
    doc["schema_version"] = "1.99"
    doc["a_future_field"] = {"anything": [1, 2]}
    doc["app"]["another_future_field"] = True
    del doc["app_links"], doc["viewer"]  # fields with defaults, absent from older reports
    loaded = report_from_dict(doc)
    assert loaded.schema_version == "1.99"
    assert loaded.app_links == () and loaded.viewer == "eu"
    assert loaded.app == a2dp.app


@pytest.mark.parametrize("version", ["2.0", "0.9", "10.1"])
def test_other_major_versions_are_refused(a2dp: Report, version: str) -> None:
    doc = to_dict(a2dp)
    doc["schema_version"] = version
    with pytest.raises(ReportFormatError, match=rf"schema_version {version} is not supported"):
        report_from_dict(doc)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("schema_version"), "no schema_version"),
        (lambda d: d.pop("app"), "app: is missing"),
        (lambda d: d["app"].update(version_code="137"), "app.version_code: expected an integer"),
        (lambda d: d["app"].update(dex_count=True), "app.dex_count: expected an integer"),
        (lambda d: d["findings"][0].update(severity="urgent"), r"findings\[0\].severity: 'urgent' is not one of"),
        (lambda d: d.update(permissions={}), "permissions: expected an array"),
        (lambda d: d["app"].update(package=None, label=3), "app.label"),
        (lambda d: d.update(timings={"scan": "fast"}), "timings.scan: expected a number"),
    ],
)
def test_malformed_documents_name_the_field(a2dp: Report, mutate: object, message: str) -> None:
    doc = to_dict(a2dp)
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(ReportFormatError, match=message):
        report_from_dict(doc)


def test_not_a_report() -> None:
    with pytest.raises(ReportFormatError, match="not a JSON object"):
        report_from_dict([1, 2])


def test_file_errors_are_input_errors(tmp_path: Path) -> None:
    cases = {
        "missing.json": None,
        "garbage.json": b"{not json",
        "binary.json": b"\xff\xfe\x00garbage",
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(InputError, match=name):
            load_report(path)
