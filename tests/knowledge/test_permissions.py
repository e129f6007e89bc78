from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

import datatrail.knowledge.permissions as permissions
from datatrail.knowledge.permissions import PermissionInfo, dataset_info, permission_info

DATA_DIR = Path(permissions.__file__).parent / "data"
PLAY_CATEGORIES = {
    "Location", "Personal info", "Financial info", "Health and fitness", "Messages",
    "Photos and videos", "Audio", "Files and docs", "Calendar", "Contacts", "App activity",
    "Web browsing", "App info and performance", "Device or other IDs",
}


def _load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return doc


def _aosp() -> dict[str, list[list[Any]]]:
    perms: dict[str, list[list[Any]]] = _load("aosp_permissions.json")["permissions"]
    return perms


def test_public_api() -> None:
    assert sorted(permissions.__all__) == ["PermissionInfo", "dataset_info", "first_api_level", "permission_info"]


def test_camera_is_dangerous_at_api_33() -> None:
    info = permission_info("android.permission.CAMERA", 33)
    assert info.protection_level == "dangerous"
    assert info.api_level == 33
    assert info.known
    assert info.data_categories == ("Photos and videos",)
    assert info.group == "camera"


def test_read_phone_state_exposes_device_ids() -> None:
    info = permission_info("android.permission.READ_PHONE_STATE", 30)
    assert "Device or other IDs" in info.data_categories
    assert info.protection_level == "dangerous"


def test_fine_location_is_location() -> None:
    info = permission_info("android.permission.ACCESS_FINE_LOCATION", None)
    assert info.data_categories == ("Location",)
    assert info.access


def test_internet_is_normal_without_data_category() -> None:
    info = permission_info("android.permission.INTERNET", 34)
    assert info.protection_level == "normal"
    assert info.data_categories == ()
    assert info.group == "network"


def test_custom_permission_is_unknown() -> None:
    info = permission_info("com.example.FOO", 33)
    assert info == PermissionInfo(
        name="com.example.FOO", protection_level="unknown", flags=(), api_level=33,
        data_categories=(), access=None, group=None, known=False,
    )


def test_curated_permission_outside_aosp_keeps_its_categories() -> None:
    info = permission_info("com.google.android.gms.permission.AD_ID", 34)
    assert not info.known
    assert info.protection_level == "unknown"
    assert info.data_categories == ("Device or other IDs",)


def test_health_connect_prefix() -> None:
    info = permission_info("android.permission.health.READ_HEART_RATE", 34)
    assert info.data_categories == ("Health and fitness",)
    assert info.group == "health"


def test_combined_flags_are_split() -> None:
    # ACCESS_BACKGROUND_LOCATION is "dangerous|instant" in androguard's API 29 file.
    info = permission_info("android.permission.ACCESS_BACKGROUND_LOCATION", 29)
    assert info.flags == ("dangerous", "instant")
    assert info.protection_level == "dangerous"


def test_flags_follow_the_target_sdk() -> None:
    # GET_ACCOUNTS became dangerous in API 23; SYSTEM_ALERT_WINDOW went the other way.
    assert permission_info("android.permission.GET_ACCOUNTS", 22).protection_level == "normal"
    assert permission_info("android.permission.GET_ACCOUNTS", 23).protection_level == "dangerous"
    old = permission_info("android.permission.SYSTEM_ALERT_WINDOW", 22)
    new = permission_info("android.permission.SYSTEM_ALERT_WINDOW", 31)
    assert old.flags == ("dangerous",)
    assert new.flags == ("signature", "setup", "appop", "installer", "pre23", "development")
    assert new.protection_level == "signature"


def test_missing_api_level_uses_nearest_lower() -> None:
    # androguard ships no API 20 data: 19 answers.
    assert permission_info("android.permission.CAMERA", 20).api_level == 19
    assert permission_info("android.permission.CAMERA", 99).api_level == 36
    assert permission_info("android.permission.CAMERA", 1).api_level == 4
    assert permission_info("android.permission.CAMERA", None).api_level == 36


def test_permission_absent_at_target_uses_closest_definition() -> None:
    removed = permission_info("android.permission.READ_OWNER_DATA", 30)
    assert (removed.api_level, removed.protection_level, removed.known) == (8, "dangerous", True)
    added_later = permission_info("android.permission.POST_NOTIFICATIONS", 28)
    assert added_later.api_level == 33
    assert added_later.flags == ("dangerous", "instant")


def test_legacy_signature_or_system_base_level() -> None:
    assert permission_info("android.permission.INSTALL_PACKAGES", 10).protection_level == "signatureOrSystem"
    assert permission_info("android.permission.INSTALL_PACKAGES", 23).flags == ("signature", "privileged")


def test_every_dangerous_permission_is_curated() -> None:
    curated = _load("permission_categories.json")["permissions"]
    dangerous = {
        name for name, history in _aosp().items()
        if any(flags is not None and "dangerous" in flags for _, flags in history)
    }
    assert len(dangerous) > 90
    assert sorted(dangerous - curated.keys()) == []
    for name in dangerous:
        assert permission_info(name, None).access


@pytest.mark.parametrize(
    "name",
    [
        "android.permission.READ_MEDIA_IMAGES", "android.permission.READ_MEDIA_VIDEO",
        "android.permission.READ_MEDIA_AUDIO", "android.permission.ACCESS_MEDIA_LOCATION",
        "android.permission.QUERY_ALL_PACKAGES", "android.permission.SYSTEM_ALERT_WINDOW",
        "android.permission.REQUEST_INSTALL_PACKAGES", "android.permission.READ_PRIVILEGED_PHONE_STATE",
        "android.permission.PACKAGE_USAGE_STATS", "android.permission.BIND_ACCESSIBILITY_SERVICE",
        "android.permission.BIND_NOTIFICATION_LISTENER_SERVICE", "android.permission.MANAGE_EXTERNAL_STORAGE",
        "android.permission.GET_ACCOUNTS", "android.permission.READ_PROFILE",
        "android.permission.ACCESS_WIFI_STATE", "android.permission.ACCESS_NETWORK_STATE",
        "android.permission.BLUETOOTH", "android.permission.BLUETOOTH_SCAN",
        "android.permission.ACCESS_ADSERVICES_TOPICS", "android.permission.ACCESS_ADSERVICES_AD_ID",
    ],
)
def test_privacy_relevant_permissions_are_curated(name: str) -> None:
    info = permission_info(name, None)
    assert info.group is not None
    assert info.access


def test_curated_entries_use_the_declared_vocabulary() -> None:
    doc = _load("permission_categories.json")
    assert set(doc["categories"]) == PLAY_CATEGORIES
    entries = list(doc["permissions"].values()) + list(doc["prefixes"].values())
    for entry in entries:
        assert set(entry["categories"]) <= PLAY_CATEGORIES
        assert entry["group"] in doc["groups"]
        assert entry["access"].strip()


def test_aosp_data_is_compact_and_complete() -> None:
    path = DATA_DIR / "aosp_permissions.json"
    assert path.stat().st_size < 300_000
    doc = _load("aosp_permissions.json")
    assert doc["api_levels"][0] == 4 and doc["api_levels"][-1] == 36
    for history in doc["permissions"].values():
        levels = [api for api, _ in history]
        assert levels == sorted(set(levels)) and history[0][1] is not None


def test_sources_checksums_match_files() -> None:
    text = (DATA_DIR / "SOURCES").read_text(encoding="utf-8")
    entries = re.findall(r"^file: (\S+)$.*?^sha256: ([0-9a-f]{64})$", text, re.M | re.S)
    names = [name for name, _ in entries]
    assert {"aosp_permissions.json", "permission_categories.json"} <= set(names)
    for name, digest in entries:
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest, name


def test_dataset_info_reports_both_datasets() -> None:
    info = {d["name"]: d for d in dataset_info()}
    assert set(info) == {"aosp-permissions", "permission-categories"}
    for name, filename in [("aosp-permissions", "aosp_permissions.json"),
                           ("permission-categories", "permission_categories.json")]:
        entry = info[name]
        assert entry["sha256"] == hashlib.sha256((DATA_DIR / filename).read_bytes()).hexdigest()
        assert entry["license"] == "Apache-2.0"
        assert set(entry) == {"name", "version", "source", "license", "sha256", "date"}
        assert all(entry.values())


def test_first_api_level_comes_from_the_aosp_history() -> None:
    from datatrail.knowledge.permissions import first_api_level

    assert first_api_level("android.permission.QUERY_ALL_PACKAGES") == 30
    assert first_api_level("android.permission.READ_MEDIA_IMAGES") == 33
    assert first_api_level("android.permission.READ_PHONE_STATE") == 4  # the oldest level in the data
    assert first_api_level("com.example.NOT_AOSP") is None
