"""Tests of the curated API -> data table and its loader."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from datatrail.errors import DatatrailError
from datatrail.knowledge import api_access as mod
from datatrail.knowledge.api_access import api_access, class_descriptor, dataset_info
from datatrail.knowledge.permissions import permission_info

DATA_DIR = Path(str(resources.files("datatrail.knowledge").joinpath("data")))

# A dotted binary class name: package parts, then the class with optional $Nested parts.
_CLASS = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.[A-Za-z_][A-Za-z0-9_]*(\$[A-Za-z0-9_]+)*$")
_MEMBER = re.compile(r"^(<init>|[A-Za-z_][A-Za-z0-9_]*)$")


def _vocabulary() -> set[str]:
    doc = json.loads((DATA_DIR / "permission_categories.json").read_text(encoding="utf-8"))
    return set(doc["categories"])


def _permission_is_known(name: str) -> bool:
    info = permission_info(name, None)
    return info.known or info.access is not None


def _uses() -> list[tuple[str, Any]]:
    out = []
    for e in api_access().entries:
        if e.use is not None:
            out.append((e.api, e.use))
        out.extend((f"{e.api} [{r.use.data}]", r.use) for r in e.refinements)
    return out


def test_every_entry_is_well_formed() -> None:
    vocabulary = _vocabulary()
    assert len(vocabulary) == 14
    entries = api_access().entries
    assert len(entries) >= 80
    for e in entries:
        assert _CLASS.match(e.class_name), e.class_name
        if e.kind == "extends":
            assert e.member is None
        else:
            assert e.member is not None and _MEMBER.match(e.member), e.api
        assert e.descriptor == "L" + e.class_name.replace(".", "/") + ";"
        for ref in e.refinements:
            for cls, member in ref.fields + ref.methods:
                assert _CLASS.match(cls) and _MEMBER.match(member), (cls, member)
            assert all(p.startswith("content://") for p in ref.string_prefixes)
    for where, use in _uses():
        assert use.data.strip() == use.data and use.data, where
        assert set(use.categories) <= vocabulary, where
        assert len(set(use.categories)) == len(use.categories), where
        if use.permission is not None:
            assert _permission_is_known(use.permission), (where, use.permission)
        if not use.reads:
            assert use.categories == (), where


def test_required_apis_are_covered() -> None:
    apis = {e.api for e in api_access().entries}
    required = """
        android.telephony.TelephonyManager.getDeviceId android.telephony.TelephonyManager.getImei
        android.telephony.TelephonyManager.getMeid android.telephony.TelephonyManager.getSubscriberId
        android.telephony.TelephonyManager.getSimSerialNumber android.telephony.TelephonyManager.getLine1Number
        android.telephony.TelephonyManager.getNetworkOperator android.telephony.TelephonyManager.getNetworkOperatorName
        android.telephony.TelephonyManager.getSimOperator android.telephony.TelephonyManager.getCellLocation
        android.telephony.TelephonyManager.getAllCellInfo android.telephony.TelephonyManager.getNeighboringCellInfo
        android.provider.Settings$Secure.getString android.os.Build.getSerial android.os.Build.SERIAL
        com.google.android.gms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo
        com.bun.miitmdid.core.MdidSdkHelper.InitSdk com.bun.miitmdid.interfaces.IdSupplier.getOAID
        com.bun.supplier.IdSupplier.getOAID
        android.net.wifi.WifiInfo.getMacAddress android.net.wifi.WifiInfo.getSSID android.net.wifi.WifiInfo.getBSSID
        java.net.NetworkInterface.getHardwareAddress android.bluetooth.BluetoothAdapter.getAddress
        android.location.LocationManager.getLastKnownLocation android.location.LocationManager.requestLocationUpdates
        android.location.LocationManager.getCurrentLocation android.location.LocationManager.requestSingleUpdate
        com.google.android.gms.location.FusedLocationProviderClient.getLastLocation
        com.google.android.gms.location.FusedLocationProviderClient.requestLocationUpdates
        com.google.android.gms.location.FusedLocationProviderClient.getCurrentLocation
        android.content.ContentResolver.query android.accounts.AccountManager.getAccounts
        android.accounts.AccountManager.getAccountsByType android.content.ClipboardManager.getPrimaryClip
        android.content.ClipboardManager.getText android.content.pm.PackageManager.getInstalledPackages
        android.content.pm.PackageManager.getInstalledApplications android.content.pm.PackageManager.queryIntentActivities
        android.app.ActivityManager.getRunningAppProcesses android.app.ActivityManager.getRunningTasks
        android.app.ActivityManager.getRecentTasks android.app.usage.UsageStatsManager.queryUsageStats
        android.hardware.Camera.open android.hardware.camera2.CameraManager.openCamera
        android.media.MediaRecorder.setAudioSource android.media.AudioRecord.<init>
        android.hardware.SensorManager.registerListener android.hardware.SensorManager.getSensorList
        android.media.projection.MediaProjectionManager.createScreenCaptureIntent
        android.media.projection.MediaProjectionManager.getMediaProjection
        android.accessibilityservice.AccessibilityService android.telephony.SmsManager.sendTextMessage
    """.split()
    assert not set(required) - apis


def test_known_facts() -> None:
    by_api = {e.api: e for e in api_access().entries}
    imei = by_api["android.telephony.TelephonyManager.getDeviceId"].use
    assert imei is not None
    assert (imei.data, imei.categories, imei.permission) == (
        "IMEI/MEID", ("Device or other IDs",), "android.permission.READ_PHONE_STATE"
    )
    query = by_api["android.content.ContentResolver.query"]
    assert query.use is None
    refined = {r.use.data: r for r in query.refinements}
    assert {"contacts", "call log", "SMS", "calendar", "photos", "videos", "audio files"} <= set(refined)
    assert ("android.provider.CallLog$Calls", "CONTENT_URI") in refined["call log"].fields
    assert "content://sms" in refined["SMS"].string_prefixes
    assert refined["SMS"].use.permission == "android.permission.READ_SMS"
    secure = by_api["android.provider.Settings$Secure.getString"]
    assert [r.use.data for r in secure.refinements if "android_id" in r.strings] == ["Android ID"]
    send = by_api["android.telephony.SmsManager.sendTextMessage"].use
    assert send is not None and not send.reads and send.categories == ()
    location = by_api["android.location.LocationManager.getLastKnownLocation"].use
    assert location is not None and location.categories == ("Location",)


def test_curated_permissions_agree_on_categories() -> None:
    """A permission the table names should itself cover at least one of the API's categories."""
    for where, use in _uses():
        if use.permission is None or not use.categories:
            continue
        info = permission_info(use.permission, None)
        if not info.data_categories:
            continue
        assert set(use.categories) & set(info.data_categories), (where, use.categories, info.data_categories)


def test_class_descriptor() -> None:
    assert class_descriptor("android.provider.Settings$Secure") == "Landroid/provider/Settings$Secure;"


def test_dataset_info_and_sources_checksum() -> None:
    info = dataset_info()
    assert set(info) == {"name", "version", "source", "license", "sha256", "date"}
    raw = (DATA_DIR / "api_data_access.json").read_bytes()
    assert info["sha256"] == hashlib.sha256(raw).hexdigest()
    assert info["license"] == "Apache-2.0"
    text = (DATA_DIR / "SOURCES").read_text(encoding="utf-8")
    entries = dict(re.findall(r"^file: (\S+)$.*?^sha256: ([0-9a-f]{64})$", text, re.M | re.S))
    assert entries["api_data_access.json"] == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"kind": "call", "class": "a.B", "member": "m", "data": "x"}, "kind"),
        ({"kind": "method", "class": "La/B;", "member": "m", "data": "x"}, "dotted"),
        ({"kind": "method", "class": "a.B", "member": "", "data": "x"}, "member"),
        ({"kind": "extends", "class": "a.B", "member": "m", "data": "x"}, "no member"),
        ({"kind": "method", "class": "a.B", "member": "m", "data": None}, "nothing refines"),
        ({"kind": "method", "class": "a.B", "member": "m", "data": "x", "refine": "nope"}, "unknown refinement"),
        ({"kind": "method", "class": "a.B", "member": "m", "data": "x", "categories": "Location"}, "list"),
        ({"kind": "method", "class": "a.B", "member": "m", "data": "x", "permission": 3}, "permission"),
        ({"kind": "method", "class": "a.B", "member": "m", "data": "x", "reads": "no"}, "reads"),
    ],
)
def test_malformed_entries_are_rejected(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(DatatrailError, match=message):
        mod._entry(doc, {}, 0)


def test_malformed_refinements_are_rejected() -> None:
    with pytest.raises(DatatrailError, match="needs strings"):
        mod._refinement({"data": "x"}, "r")
    with pytest.raises(DatatrailError, match="class.member"):
        mod._refinement({"data": "x", "fields": ["NOPE"]}, "r")
