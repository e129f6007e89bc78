"""label_taxonomy.json: consistent with itself and with the data vocabulary the scan uses."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from datatrail.labels.taxonomy import Placement, taxonomy


def _data(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(resources.files("datatrail.knowledge").joinpath("data", name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_our_categories_are_the_play_categories() -> None:
    """The scan's category vocabulary is Play's: each maps to the Play category of the same name."""
    vocabulary = _data("permission_categories.json")["categories"]
    tax = taxonomy()
    assert list(tax.stores["play"]) == vocabulary
    assert {name: p.play[0] for name, p in tax.categories.items()} == {c: c for c in vocabulary}


def test_every_data_item_the_scan_reports_is_mapped() -> None:
    """A data item with categories must have a mapping (or an explicit null), so none falls through silently."""
    doc = _data("api_data_access.json")
    items = {a["data"] for a in doc["apis"] if a.get("data")}
    items |= {r["data"] for refs in doc["refinements"].values() for r in refs}
    missing = sorted(items - set(taxonomy().data))
    assert missing == []


def test_every_traffic_label_is_mapped() -> None:
    """Labels of personal data found in traffic (field rules, activities, --known kinds) land on a store type."""
    from datatrail.capture.known_values import KINDS

    doc = _data("traffic_keys.json")
    labels = {f["label"] for f in doc["fields"]} | {a["label"] for a in doc["activities"].values() if "label" in a}
    labels |= {label for label, _ in KINDS.values()} | {"file upload", "content upload"}
    missing = sorted(labels - set(taxonomy().data))
    assert missing == []


def test_mapped_permissions_exist_and_reach_the_mapped_category() -> None:
    perms = _data("permission_categories.json")["permissions"]
    tax = taxonomy()
    for name, placement in tax.permissions.items():
        assert name in perms, name
        assert placement.play_category in perms[name]["categories"], name


@pytest.mark.parametrize(
    ("category", "data", "permission", "expected"),
    [
        ("Device or other IDs", "IMEI/MEID", None, Placement(("Device or other IDs", "Device or other IDs"), ("Identifiers", "Device ID"))),
        ("Location", None, "android.permission.ACCESS_FINE_LOCATION", Placement(("Location", "Precise location"), ("Location", "Precise Location"))),
        ("Location", None, "android.permission.ACCESS_COARSE_LOCATION", Placement(("Location", "Approximate location"), ("Location", "Coarse Location"))),
        ("Location", "location", None, Placement(("Location", None), ("Location", None))),
        ("Personal info", "phone number", None, Placement(("Personal info", "Phone number"), ("Contact Info", "Phone Number"))),
        ("Web browsing", None, None, Placement(("Web browsing", None), ("Browsing History", "Browsing History"))),
        ("Personal info", None, "android.permission.READ_PHONE_STATE", Placement(("Personal info", None), ("Contact Info", None))),
    ],
)
def test_placements_checked_by_hand(category: str, data: str | None, permission: str | None, expected: Placement) -> None:
    assert taxonomy().place(category, data, permission) == expected


def test_non_personal_items_place_nowhere() -> None:
    assert taxonomy().place("Location", "network country") is None
    assert taxonomy().place("No such category") is None


def test_store_type_lists_match_the_published_forms() -> None:
    """Spot checks against Google's and Apple's documentation (types per category)."""
    tax = taxonomy()
    assert tax.stores["play"]["Personal info"][:3] == ("Name", "Email address", "User IDs")
    assert tax.stores["play"]["App activity"] == ("App interactions", "In-app search history", "Installed apps", "Other user-generated content", "Other actions")
    assert tax.stores["apple"]["Identifiers"] == ("User ID", "Device ID")
    assert len(tax.stores["apple"]) == 16
    # 2+9+4+2+3+2+3+1+1+1+5+1+3+1, counted on the Play Console form
    assert sum(len(t) for t in tax.stores["play"].values()) == 38


def test_dataset_info_and_sources_checksum() -> None:
    import hashlib
    import re
    from pathlib import Path

    from datatrail.labels.taxonomy import dataset_info

    data_dir = Path(str(resources.files("datatrail.knowledge").joinpath("data")))
    raw = (data_dir / "label_taxonomy.json").read_bytes()
    info = dataset_info()
    assert info["name"] == "label-taxonomy" and info["license"] == "Apache-2.0"
    assert info["sha256"] == hashlib.sha256(raw).hexdigest()
    text = (data_dir / "SOURCES").read_text(encoding="utf-8")
    entries = dict(re.findall(r"^file: (\S+)$.*?^sha256: ([0-9a-f]{64})$", text, re.M | re.S))
    assert entries["label_taxonomy.json"] == hashlib.sha256(raw).hexdigest()
