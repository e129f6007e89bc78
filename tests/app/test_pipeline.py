"""The whole pipeline on real SDKs and apps: who is inside, what their code reads, where data goes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.cli.main import EXIT_FINDINGS, EXIT_OK, main
from datatrail.model.report import SCHEMA_VERSION, Report
from tests.support.corpus import corpus_dir, corpus_files
from tests.support.oracles import oracle

TENCENT = corpus_files("sdk/android/tencent/*")
CHINA_LAWS = ("National Intelligence Law", "Data Security Law", "Cybersecurity Law")


def _rules(report: Report) -> list[str]:
    return [f.rule_id for f in report.findings]


@pytest.mark.parametrize("path", TENCENT, ids=lambda p: p.name)
def test_tencent_sdk_endpoints_are_tencent_china_under_chinese_law(path: Path) -> None:
    report = scan_file(path)
    qq = [d for d in report.destinations if d.endpoint.host == "qq.com" or d.endpoint.host.endswith(".qq.com")]
    if not qq:
        pytest.skip(f"{path.name} names no *.qq.com host")
    for d in qq:
        a = d.attribution
        assert a.organisation and "Tencent" in a.organisation
        assert a.org_country == "CN"
        flag = next(f for f in a.flags if f.id == "compelled-access")
        assert flag.country == "CN" and flag.basis == "organisation home country"
        cited = " ".join(flag.citations)
        assert all(law in cited for law in CHINA_LAWS), cited
    dst001 = [f for f in report.findings if f.rule_id == "DST001"]
    assert dst001 and any("Tencent" in f.message for f in dst001)
    assert any(s.vendor_country == "CN" and "Tencent" in s.vendor for s in report.sdks)


def test_bugly_reads_identifiers_and_its_hosts_are_attributed_to_it() -> None:
    report = scan_file(corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk")
    assert [s.id for s in report.sdks] == ["tencent-bugly"]
    bugly_reads = {a.data for a in report.data_access for o in a.owners if o.id == "tencent-bugly"}
    assert {"SIM serial", "Android ID", "device serial"} <= bugly_reads
    sim = next(a for a in report.data_access if a.data == "SIM serial")
    assert sim.permission == "android.permission.READ_PHONE_STATE" and sim.permission_requested is True
    owners = {d.endpoint.host: {o.id for o in d.owners} for d in report.destinations}
    assert owners["rqd.uu.qq.com"] == {"tencent-bugly"}
    # dexdump confirms the owner: the string is loaded by a class under com.tencent.bugly.
    dest = next(d for d in report.destinations if d.endpoint.host == "rqd.uu.qq.com")
    assert all(c.startswith("com.tencent.bugly.") for o in dest.owners for c in o.classes)


def test_dst_rules_negative_on_an_app_without_third_parties() -> None:
    report = scan_file(corpus_dir() / "apk" / "androguard" / "com.politedroid_4.apk")
    assert not {"DST001", "DST002", "DST003"} & set(_rules(report))
    assert report.sdks == () and report.destinations == ()


def test_dst002_and_dst003_on_a_real_sdk() -> None:
    report = scan_file(corpus_dir() / "sdk" / "android" / "umeng" / "umeng-analytics-v6.0.1.jar")
    rules = _rules(report)
    assert "DST002" in rules  # Alibaba, China: outside the EEA without adequacy
    cleartext = [f for f in report.findings if f.rule_id == "DST003"]
    assert any("http://" in f.message for f in cleartext)


def test_viewer_changes_transfer_flags_not_facts() -> None:
    path = corpus_dir() / "sdk" / "android" / "umeng" / "umeng-analytics-v6.0.1.jar"
    eu, us = scan_file(path, ScanOptions(viewer="eu")), scan_file(path, ScanOptions(viewer="us"))
    assert "DST002" in _rules(eu) and "DST002" not in _rules(us)
    assert "DST001" in _rules(us)  # compelled access concerns every viewer
    assert [d.endpoint.host for d in eu.destinations] == [d.endpoint.host for d in us.destinations]
    assert us.viewer == "us"


def test_data_access_locations_are_real_invokes_per_dexdump(tmp_path: Path) -> None:
    """Each reported location names a method whose code dexdump shows invoking the API."""
    dexdump = oracle("dexdump")
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    report = scan_file(apk)
    import zipfile

    with zipfile.ZipFile(apk) as zf:
        (tmp_path / "classes.dex").write_bytes(zf.read("classes.dex"))
    dump = subprocess.run([dexdump, "-d", str(tmp_path / "classes.dex")], capture_output=True, text=True, errors="replace", timeout=120).stdout
    sim = next(a for a in report.data_access if a.data == "SIM serial")
    assert "Landroid/telephony/TelephonyManager;.getSimSerialNumber" in dump
    for loc in sim.locations:
        cls = loc.split(": ", 1)[1].split("->")[0]
        assert f"{cls}." in dump


def test_cli_fail_on_high_gates_on_state_access(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jar = corpus_dir() / "sdk" / "android" / "tencent" / "qq_mta-sdk-1.6.2.jar"
    out = tmp_path / "r.json"
    assert main(["scan", str(jar), "--format", "json", "-o", str(out), "--fail-on", "high"]) == EXIT_FINDINGS
    doc = json.loads(out.read_text())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert any(f["rule_id"] == "DST001" for f in doc["findings"])
    # uiautomator's worst finding is medium (targetSdk 29) and it names no flagged host.
    uiautomator = corpus_dir() / "apk" / "uiautomator" / "app-uiautomator-androidx.apk"
    assert main(["scan", str(uiautomator), "--format", "json", "--fail-on", "high"]) == EXIT_OK
    capsys.readouterr()


@pytest.mark.parametrize(
    ("permission", "target", "expected"),
    [
        ("android.permission.QUERY_ALL_PACKAGES", 29, None),
        ("android.permission.QUERY_ALL_PACKAGES", 30, "android.permission.QUERY_ALL_PACKAGES"),
        ("android.permission.READ_MEDIA_IMAGES", 32, "android.permission.READ_EXTERNAL_STORAGE"),
        ("android.permission.READ_MEDIA_IMAGES", 33, "android.permission.READ_MEDIA_IMAGES"),
        ("android.permission.READ_PHONE_STATE", 4, "android.permission.READ_PHONE_STATE"),
        ("com.example.VENDOR", 21, "com.example.VENDOR"),
        (None, 30, None),
    ],
)
def test_effective_permission_follows_the_target_sdk(permission: str | None, target: int, expected: str | None) -> None:
    from datatrail.app.android.data_access_owners import effective_permission

    assert effective_permission(permission, target) == expected


def test_old_targets_are_not_told_to_request_newer_permissions() -> None:
    # uiautomator targets 29: AndroidX's queryIntentActivities needs no QUERY_ALL_PACKAGES there.
    report = scan_file(corpus_dir() / "apk" / "uiautomator" / "app-uiautomator-androidx.apk")
    query = next(a for a in report.data_access if a.api.endswith("queryIntentActivities"))
    assert query.permission is None and query.permission_requested is None


def test_us_viewer_flags_countries_of_concern() -> None:
    jar = corpus_dir() / "sdk" / "android" / "tencent" / "qq_mta-sdk-1.6.2.jar"
    us = scan_file(jar, ScanOptions(viewer="us"))
    eu = scan_file(jar, ScanOptions(viewer="eu"))
    dst004 = [f for f in us.findings if f.rule_id == "DST004"]
    assert dst004 and all("(CN," in f.message for f in dst004)
    assert not any(f.rule_id == "DST004" for f in eu.findings)
    # DST001 (state access) does not depend on the viewer; DST002 (GDPR transfers) is the EU's alone.
    assert {f.fingerprint for f in us.findings if f.rule_id == "DST001"} == {f.fingerprint for f in eu.findings if f.rule_id == "DST001"}
    assert not any(f.rule_id == "DST002" for f in us.findings)
