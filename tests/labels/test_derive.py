"""Label derivation: hand-built observations with known answers, and goldens of corpus apps.

Goldens (tests/fixtures/labels/*.label.json) are the ``--format label``
document of each app. When regenerated (DATATRAIL_REGEN=1), check by hand
against ``datatrail scan APP``: every Play and Apple entry traces to a
permission in the report's permission table or to a row of its data-access
table, the SDK named as third party is the owner of that row, and no data
access whose permission is not requested appears.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from datatrail.labels.derive import MAX_REASONS, derive, derive_from_report
from datatrail.labels.observations import static_observations
from datatrail.model.label import BASES, Observation
from datatrail.report.label import LABEL_FORMAT, label_text, to_label
from tests.support.corpus import corpus_dir, scan_cached
from tests.support.golden import FIXTURES, check_golden

APPS = {
    "bugly-hotfix": "apk/bugly-demo/BuglyHotfixDemo-app-release.apk",
    "bugly-upgrade": "apk/bugly-demo/BuglyUpgradeDemo-demo.apk",
    "blooddonation": "apk/exodus-core/blooddonation.apk",
    "test-debug": "apk/androguard/Test-debug.apk",
}


def _entries(label: Any, store: str) -> dict[tuple[str, str | None], Any]:
    return {(e.category, e.data_type): e for e in label.store(store).entries}


def test_identifier_read_by_sdk_code() -> None:
    obs = [Observation("Device or other IDs", "static", "code", "SDK code of X invokes getImei", data="IMEI/MEID", third_party="X SDK")]
    label = derive(obs)
    play = _entries(label, "play")
    apple = _entries(label, "apple")
    assert list(play) == [("Device or other IDs", "Device or other IDs")]
    assert list(apple) == [("Identifiers", "Device ID")]
    entry = play[("Device or other IDs", "Device or other IDs")]
    assert entry.third_parties == ("X SDK",)
    assert entry.basis == "code" and entry.sources == ("static",)


def test_location_code_takes_its_precision_from_the_permissions() -> None:
    obs = [
        Observation("Location", "static", "code", "app code reads location", data="location"),
        Observation("Location", "static", "permission", "requests ACCESS_FINE_LOCATION", permission="android.permission.ACCESS_FINE_LOCATION"),
    ]
    play = _entries(derive(obs), "play")
    assert list(play) == [("Location", "Precise location")]
    entry = play[("Location", "Precise location")]
    assert entry.basis == "code"  # the strongest reason wins
    assert [r.basis for r in entry.reasons] == ["code", "permission"]


def test_location_code_without_a_location_permission_stays_untyped() -> None:
    obs = [Observation("Location", "static", "code", "app code reads location", data="location")]
    assert list(_entries(derive(obs), "play")) == [("Location", None)]


def test_untyped_personal_info_is_kept_next_to_a_typed_one() -> None:
    obs = [
        Observation("Personal info", "static", "permission", "requests READ_PHONE_STATE", permission="android.permission.READ_PHONE_STATE"),
        Observation("Personal info", "static", "code", "reads accounts", data="accounts"),
    ]
    assert set(_entries(derive(obs), "play")) == {("Personal info", None), ("Personal info", "Email address")}


def test_traffic_outranks_code_and_sources_are_both_listed() -> None:
    obs = [
        Observation("Device or other IDs", "static", "code", "reads Android ID", data="Android ID"),
        Observation("Device or other IDs", "traffic", "traffic", "Android ID sent to x.example", data="Android ID", third_party="X Ltd"),
    ]
    entry = _entries(derive(obs), "play")[("Device or other IDs", "Device or other IDs")]
    assert entry.basis == "traffic"
    assert entry.sources == ("static", "traffic")
    assert entry.third_parties == ("X Ltd",)


def test_not_personal_data_is_left_out() -> None:
    label = derive([Observation("Location", "static", "code", "reads network country", data="network country")])
    assert label.store("play").entries == () and label.sources == ()


def test_reasons_are_capped_and_counted() -> None:
    obs = [Observation("Contacts", "static", "code", f"reader {i}", data="contacts") for i in range(MAX_REASONS + 5)]
    entry = derive(obs).store("play").entries[0]
    assert len(entry.reasons) == MAX_REASONS and entry.reason_count == MAX_REASONS + 5


def test_entries_follow_the_store_order() -> None:
    obs = [
        Observation("Device or other IDs", "static", "code", "a", data="IMEI/MEID"),
        Observation("Contacts", "static", "code", "b", data="contacts"),
        Observation("Location", "static", "code", "c", data="cell location"),
    ]
    play = [e.category for e in derive(obs).store("play").entries]
    assert play == ["Location", "Contacts", "Device or other IDs"]


def test_static_observations_skip_refused_calls_and_signature_permissions(corpus_reports: dict[Path, Any]) -> None:
    """Bugly Hotfix: getLastKnownLocation without ACCESS_FINE_LOCATION and READ_LOGS (signature) give nothing."""
    report = scan_cached(corpus_dir() / APPS["bugly-hotfix"], corpus_reports)
    obs = static_observations(report)
    assert not any(o.category == "Location" for o in obs)
    assert not any(o.permission == "android.permission.READ_LOGS" for o in obs)
    refused = [a for a in report.data_access if a.permission_requested is False]
    assert refused, "the corpus app should contain a refused call for this test to mean something"
    assert all(o.basis in BASES for o in obs)


@pytest.mark.parametrize("name", sorted(APPS))
def test_label_golden(name: str, corpus_reports: dict[Path, Any]) -> None:
    report = scan_cached(corpus_dir() / APPS[name], corpus_reports)
    doc = json.loads(to_label(report))
    assert doc["format"] == LABEL_FORMAT
    check_golden(FIXTURES / "labels" / f"{name}.label.json", doc)


@pytest.mark.parametrize("name", sorted(APPS))
def test_every_entry_traces_to_the_report(name: str, corpus_reports: dict[Path, Any]) -> None:
    """Property behind the goldens: each reason is a requested permission or a data-access row of the report."""
    report = scan_cached(corpus_dir() / APPS[name], corpus_reports)
    label = derive_from_report(report)
    requested = {p.name.rsplit(".", 1)[-1] for p in report.permissions}
    apis = {".".join(a.api.rsplit(".", 2)[-2:]) for a in report.data_access if a.permission_requested is not False}
    sdk_names = {s.name for s in report.sdks}
    for store in label.labels:
        for entry in store.entries:
            assert entry.reasons and entry.basis == entry.reasons[0].basis
            for reason in entry.reasons:
                if reason.basis == "permission":
                    assert reason.evidence.split()[1] in requested
                else:
                    assert reason.evidence.split(" invokes ")[1].split()[0] in apis
            for party in entry.third_parties:
                assert any(party.startswith(n) for n in sdk_names)


def test_minimal_app_has_an_empty_label(corpus_reports: dict[Path, Any]) -> None:
    """androguard's Test-debug.apk requests no permission and reads nothing: the label is empty."""
    report = scan_cached(corpus_dir() / APPS["test-debug"], corpus_reports)
    label = derive_from_report(report)
    assert all(not s.entries for s in label.labels)
    assert "Google Play Data safety: 0 data types" in label_text(label)
