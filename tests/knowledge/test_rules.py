"""Every rule has a positive and a negative case; real corpus apps where they exist."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.knowledge.rules import RULES
from datatrail.model.report import Report, Severity
from tests.support.corpus import corpus_dir
from tests.support.factories import Elem, build_apk, build_arsc, build_axml

PKG = "org.example.rules"


def _scan(tmp_path: Path, apk: bytes, name: str = "app.apk") -> Report:
    path = tmp_path / name
    path.write_bytes(apk)
    return scan_file(path)


def _rules(report: Report) -> list[str]:
    return [f.rule_id for f in report.findings]


def _app(tmp_path: Path, target_sdk: int = 34, files: dict[str, bytes] | None = None, **app_attrs: str | int | bool) -> Report:
    attrs: dict[str, str | int | bool] = {"android:allowBackup": False}
    attrs.update({f"android:{k}": v for k, v in app_attrs.items()})
    return _scan(tmp_path, build_apk(PKG, target_sdk=target_sdk, files=files, application=Elem("application", attrs)))


def _nsc_app(tmp_path: Path, nsc: Elem) -> Report:
    table, refs = build_arsc(PKG, {"xml": {"network_security_config": "res/xml/network_security_config.xml"}})
    files = {"resources.arsc": table, "res/xml/network_security_config.xml": build_axml(nsc)}
    return _app(tmp_path, files=files, networkSecurityConfig=refs["xml/network_security_config"])


def test_rule_catalogue_is_well_formed() -> None:
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"(AND|SIG|DST|IOS|NET)\d{3}", rule_id) and rule.id == rule_id
        assert rule.title and rule.help and rule.name
    assert len({r.name for r in RULES.values()}) == len(RULES)


def test_clean_factory_app_has_only_the_unsigned_finding(tmp_path: Path) -> None:
    assert _rules(_app(tmp_path)) == ["SIG002"]


# AND001 debuggable -------------------------------------------------------

def test_and001_positive_real_debug_build() -> None:
    apk = corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk"
    if shutil.which("aapt"):
        tree = subprocess.run(["aapt", "dump", "xmltree", str(apk), "AndroidManifest.xml"], capture_output=True, text=True, timeout=60).stdout
        assert "android:debuggable(0x0101000f)=(type 0x12)0xffffffff" in tree
    assert "AND001" in _rules(scan_file(apk))


def test_and001_negative(tmp_path: Path) -> None:
    assert "AND001" not in _rules(_app(tmp_path, debuggable=False))


# AND002 allowBackup --------------------------------------------------------

def test_and002_positive_by_default(tmp_path: Path) -> None:
    report = _scan(tmp_path, build_apk(PKG, application=Elem("application")))
    (f,) = [f for f in report.findings if f.rule_id == "AND002"]
    assert "defaults to true" in f.evidence[0].detail


def test_and002_negative(tmp_path: Path) -> None:
    assert "AND002" not in _rules(_app(tmp_path))


# AND003 cleartext app-wide -------------------------------------------------

def test_and003_positive_attribute(tmp_path: Path) -> None:
    report = _app(tmp_path, usesCleartextTraffic=True)
    assert [f.severity for f in report.findings if f.rule_id == "AND003"] == [Severity.MEDIUM]


def test_and003_positive_old_default(tmp_path: Path) -> None:
    report = _app(tmp_path, target_sdk=27)
    assert [f.severity for f in report.findings if f.rule_id == "AND003"] == [Severity.LOW]


def test_and003_positive_from_base_config(tmp_path: Path) -> None:
    nsc = Elem("network-security-config", {}, [Elem("base-config", {"cleartextTrafficPermitted": True})])
    assert "AND003" in _rules(_nsc_app(tmp_path, nsc))


def test_and003_negative(tmp_path: Path) -> None:
    assert "AND003" not in _rules(_app(tmp_path, target_sdk=28))
    assert "AND003" not in _rules(_app(tmp_path, usesCleartextTraffic=False, target_sdk=27))


def test_and003_config_overrides_attribute(tmp_path: Path) -> None:
    nsc = Elem("network-security-config", {}, [Elem("base-config", {"cleartextTrafficPermitted": False})])
    table, refs = build_arsc(PKG, {"xml": {"nsc": "res/xml/nsc.xml"}})
    report = _app(tmp_path, files={"resources.arsc": table, "res/xml/nsc.xml": build_axml(nsc)},
                  networkSecurityConfig=refs["xml/nsc"], usesCleartextTraffic=True)
    assert "AND003" not in _rules(report)


# AND004 cleartext per domain -----------------------------------------------

def test_and004_positive_real_app() -> None:
    report = scan_file(corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk")
    (f,) = [f for f in report.findings if f.rule_id == "AND004"]
    assert "android.bugly.qq.com" in f.message
    assert f.evidence[0].location == "res/xml/network_security_config.xml"


def test_and004_negative(tmp_path: Path) -> None:
    nsc = Elem("network-security-config", {}, [Elem("domain-config", {"cleartextTrafficPermitted": False}, [Elem("domain", {"includeSubdomains": True})])])
    assert "AND004" not in _rules(_nsc_app(tmp_path, nsc))


# AND005 user CAs -----------------------------------------------------------

def test_and005_positive(tmp_path: Path) -> None:
    nsc = Elem("network-security-config", {}, [
        Elem("base-config", {}, [Elem("trust-anchors", {}, [Elem("certificates", {"src": "system"}), Elem("certificates", {"src": "user"})])])
    ])
    assert "AND005" in _rules(_nsc_app(tmp_path, nsc))


def test_and005_negative_debug_overrides_only(tmp_path: Path) -> None:
    nsc = Elem("network-security-config", {}, [
        Elem("base-config", {}, [Elem("trust-anchors", {}, [Elem("certificates", {"src": "system"})])]),
        Elem("debug-overrides", {}, [Elem("trust-anchors", {}, [Elem("certificates", {"src": "user"})])]),
    ])
    assert "AND005" not in _rules(_nsc_app(tmp_path, nsc))


# AND006 exported components -------------------------------------------------

def _components(tmp_path: Path, *children: Elem) -> Report:
    app = Elem("application", {"android:allowBackup": False}, list(children))
    return _scan(tmp_path, build_apk(PKG, application=app))


def _filter(action: str) -> Elem:
    return Elem("intent-filter", {}, [Elem("action", {"android:name": action})])


def test_and006_positive(tmp_path: Path) -> None:
    report = _components(
        tmp_path,
        Elem("receiver", {"android:name": ".Push"}, [_filter("com.example.PUSH")]),
        Elem("provider", {"android:name": ".Files", "android:exported": True, "android:authorities": "x"}),
    )
    found = {f.message.split()[2]: f.severity for f in report.findings if f.rule_id == "AND006"}
    assert found == {f"{PKG}.Push": Severity.MEDIUM, f"{PKG}.Files": Severity.HIGH}


def test_and006_negative(tmp_path: Path) -> None:
    report = _components(
        tmp_path,
        Elem("activity", {"android:name": ".Main"}, [_filter("android.intent.action.MAIN")]),
        Elem("service", {"android:name": ".Guarded", "android:exported": True, "android:permission": "org.example.BIND"}),
        Elem("receiver", {"android:name": ".Private", "android:exported": False}, [_filter("com.example.PUSH")]),
        Elem("provider", {"android:name": ".Local", "android:authorities": "y"}),
    )
    assert "AND006" not in _rules(report)


# AND007 testOnly --------------------------------------------------------------

def test_and007_positive(tmp_path: Path) -> None:
    assert "AND007" in _rules(_app(tmp_path, testOnly=True))


def test_and007_negative(tmp_path: Path) -> None:
    assert "AND007" not in _rules(_app(tmp_path, testOnly=False))


# AND008 old targetSdk -------------------------------------------------------

@pytest.mark.parametrize(("target", "severity"), [(22, Severity.HIGH), (30, Severity.MEDIUM)])
def test_and008_positive(tmp_path: Path, target: int, severity: Severity) -> None:
    report = _app(tmp_path, target_sdk=target)
    assert [f.severity for f in report.findings if f.rule_id == "AND008"] == [severity]


def test_and008_negative(tmp_path: Path) -> None:
    assert "AND008" not in _rules(_app(tmp_path, target_sdk=35))


# SIG001 / SIG002 -------------------------------------------------------------

def test_sig001_positive_debug_key() -> None:
    report = scan_file(corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk")
    (f,) = [f for f in report.findings if f.rule_id == "SIG001"]
    assert "CN=Android Debug" in f.evidence[0].detail


def test_sig001_and_sig002_negative_release_signed() -> None:
    report = scan_file(corpus_dir() / "apk" / "exodus-core" / "instapaper.apk")
    assert not {"SIG001", "SIG002"} & set(_rules(report))


def test_sig002_positive_unsigned(tmp_path: Path) -> None:
    assert "SIG002" in _rules(_app(tmp_path))


def test_fingerprints_are_stable_and_distinct(tmp_path: Path) -> None:
    a = _components(tmp_path, Elem("receiver", {"android:name": ".A", "android:exported": True}), Elem("receiver", {"android:name": ".B", "android:exported": True}))
    b = _components(tmp_path, Elem("receiver", {"android:name": ".B", "android:exported": True}), Elem("receiver", {"android:name": ".A", "android:exported": True}))
    fa = sorted(f.fingerprint for f in a.findings)
    assert fa == sorted(f.fingerprint for f in b.findings)
    assert len(set(fa)) == len(fa)


def test_every_traffic_rule_is_in_the_catalogue() -> None:
    from datatrail.capture.personal_data import RULE_IDS

    assert set(RULE_IDS) == {rule_id for rule_id in RULES if rule_id.startswith("NET")}
