"""Declared vs derived: each mismatch kind, and matching at category level."""

from __future__ import annotations

from datatrail.labels.compare import compare
from datatrail.labels.declared import parse_declared
from datatrail.labels.derive import derive
from datatrail.model.label import Observation

DERIVED = derive([
    Observation("Device or other IDs", "static", "code", "SDK code of Ads invokes getImei", data="IMEI/MEID", third_party="Ads SDK"),
    Observation("Location", "static", "permission", "requests ACCESS_FINE_LOCATION", permission="android.permission.ACCESS_FINE_LOCATION"),
    Observation("Contacts", "static", "code", "app code reads contacts", data="contacts"),
], package="com.example")


def _kinds(csv: str) -> list[tuple[str, str, str, str | None]]:
    declared = parse_declared(("store,category,type,collected,shared\n" + csv).encode(), "d.csv")
    return [(m.store, m.kind, m.category, m.data_type) for m in compare(declared, DERIVED).mismatches]


def test_everything_declared_gives_no_mismatch() -> None:
    csv = "play,Device or other IDs,Device or other IDs,yes,yes\nplay,Location,Precise location,yes,no\nplay,Contacts,Contacts,yes,no\n"
    assert _kinds(csv) == []


def test_seen_but_not_declared_and_declared_but_not_seen() -> None:
    csv = "play,Device or other IDs,,yes,yes\nplay,Location,Approximate location,yes,no\nplay,Financial info,Purchase history,yes,no\n"
    assert _kinds(csv) == [
        ("play", "declared-not-seen", "Location", "Approximate location"),
        ("play", "declared-not-seen", "Financial info", "Purchase history"),
        ("play", "seen-not-declared", "Location", "Precise location"),
        ("play", "seen-not-declared", "Contacts", "Contacts"),
    ]


def test_data_read_by_an_sdk_but_declared_not_shared() -> None:
    csv = "play,Device or other IDs,Device or other IDs,yes,no\nplay,Location,,yes,no\nplay,Contacts,,yes,no\n"
    assert _kinds(csv) == [("play", "shared-not-declared", "Device or other IDs", "Device or other IDs")]


def test_a_row_declaring_not_collected_declares_nothing() -> None:
    csv = "play,Contacts,Contacts,no,no\nplay,Device or other IDs,,yes,yes\nplay,Location,,yes,no\n"
    assert _kinds(csv) == [("play", "seen-not-declared", "Contacts", "Contacts")]


def test_only_declared_stores_are_compared() -> None:
    csv = "apple,Identifiers,Device ID,yes,yes\napple,Location,Precise Location,yes,no\napple,Contacts,Contacts,yes,no\n"
    assert _kinds(csv) == []


def test_mismatch_detail_names_the_evidence_and_the_row() -> None:
    declared = parse_declared(b"store,category,type\nplay,Calendar,Calendar events\n", "d.csv")
    details = {m.kind: m.detail for m in compare(declared, DERIVED).mismatches}
    assert details["declared-not-seen"] == "declared in d.csv (row 2); no evidence for Calendar / Calendar events"
    assert "app code reads contacts" in next(m.detail for m in compare(declared, DERIVED).mismatches if m.category == "Contacts")
