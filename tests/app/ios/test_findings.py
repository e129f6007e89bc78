"""Each IOS rule with a positive and a negative case, on IPAs built from real executables."""

from __future__ import annotations

import plistlib
from pathlib import Path
from typing import Any

from rich.console import Console

from datatrail.app.pipeline import scan_file
from datatrail.knowledge.rules import RULES
from datatrail.model.report import Report
from datatrail.report.terminal import render_terminal
from tests.support.ipa_factory import BUNDLE_ID, build_ipa, encrypt, real_executable, real_static_library


def _rules(report: Report) -> set[str]:
    return {f.rule_id for f in report.findings}


def _scan(tmp_path: Path, name: str = "a.ipa", **kwargs: Any) -> Report:
    return scan_file(build_ipa(tmp_path / name, executable=kwargs.pop("executable", real_executable()), **kwargs))


def test_rules_are_registered_with_help() -> None:
    ios = [r for r in RULES if r.startswith("IOS")]
    assert ios == [f"IOS{n:03d}" for n in range(1, 15)]
    assert all(RULES[r].help and RULES[r].title for r in ios)


def test_ios001_ios002_app_transport_security(tmp_path: Path) -> None:
    ats = {"NSAllowsArbitraryLoads": True, "NSExceptionDomains": {
        "Legacy.Example.ORG": {"NSExceptionAllowsInsecureHTTPLoads": True, "NSIncludesSubdomains": True},
        "tls.example.org": {"NSExceptionMinimumTLSVersion": "TLSv1.0"},
    }}
    report = _scan(tmp_path, info={"NSAppTransportSecurity": ats})
    assert {"IOS001", "IOS002"} <= _rules(report)
    assert report.ios is not None and report.ios.ats is not None
    assert [(e.domain, e.allows_insecure_http, e.minimum_tls) for e in report.ios.ats.exception_domains] == [
        ("legacy.example.org", True, None), ("tls.example.org", False, "TLSv1.0")]
    (ios002,) = [f for f in report.findings if f.rule_id == "IOS002"]
    assert "legacy.example.org" in ios002.message
    clean = _scan(tmp_path, "b.ipa", info={"NSAppTransportSecurity": {"NSAllowsArbitraryLoads": False}})
    assert not {"IOS001", "IOS002"} & _rules(clean)


def test_ios003_ios004_ios014_usage_descriptions(tmp_path: Path) -> None:
    info = {
        "NSUserTrackingUsageDescription": "ads",
        "NSLocationAlwaysAndWhenInUseUsageDescription": "always",
        "NSCameraUsageDescription": "scan codes",
        "NSMadeUpUsageDescription": "unknown to datatrail",
    }
    report = _scan(tmp_path, info=info, manifest={"NSPrivacyTracking": False})
    assert {"IOS003", "IOS004", "IOS014"} <= _rules(report)
    perms = {p.name: p for p in report.permissions}
    assert perms["NSCameraUsageDescription"].data_categories == ("Photos and videos",)
    assert perms["NSUserTrackingUsageDescription"].data_categories == ("Device or other IDs",)
    assert perms["NSLocationAlwaysAndWhenInUseUsageDescription"].data_categories == ("Location",)
    assert not perms["NSMadeUpUsageDescription"].known and perms["NSMadeUpUsageDescription"].protection_level == "usage-description"
    declared = _scan(tmp_path, "b.ipa", info={"NSUserTrackingUsageDescription": "ads"}, manifest={"NSPrivacyTracking": True})
    assert "IOS014" not in _rules(declared) and "IOS003" in _rules(declared)
    none = _scan(tmp_path, "c.ipa", info={"NSLocationWhenInUseUsageDescription": "in use"})
    assert not {"IOS003", "IOS004", "IOS014"} & _rules(none)


def test_ios005_get_task_allow(tmp_path: Path) -> None:
    # embedded.ipa's executable is signed with get-task-allow = false.
    assert "IOS005" not in _rules(_scan(tmp_path))


def test_ios008_encrypted_and_a_damaged_signature(tmp_path: Path) -> None:
    exe = real_executable()
    enc = _scan(tmp_path, executable=encrypt(exe))
    assert enc.ios is not None and enc.ios.encrypted is True and enc.ios.encryption_note
    assert "IOS008" in _rules(enc) and "IOS007" not in _rules(enc)
    console = Console(width=120, record=True)
    render_terminal(enc, console)
    text = console.export_text()
    assert "App Store-encrypted" in text and "code strings" in text
    plain = _scan(tmp_path, "b.ipa", executable=exe)
    assert plain.ios is not None and plain.ios.encrypted is False and "IOS008" not in _rules(plain)
    cut = exe[: exe.index(b"\xfa\xde\x0c\xc0")]  # drop the code signature SuperBlob's bytes
    unsigned = _scan(tmp_path, "c.ipa", executable=cut)
    assert "IOS007" not in _rules(unsigned)  # LC_CODE_SIGNATURE still there: damaged, not missing
    assert any(d.code.startswith("codesign.") for d in unsigned.diagnostics)


def _manifest(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"NSPrivacyTracking": False, "NSPrivacyTrackingDomains": [], "NSPrivacyCollectedDataTypes": [], "NSPrivacyAccessedAPITypes": []}
    doc.update(extra)
    return doc


def test_ios009_ios010_manifests_of_app_and_sdks(tmp_path: Path) -> None:
    sdk_binary = real_executable()
    fw = {"AppsFlyerLib": (sdk_binary, {})}
    report = _scan(tmp_path, frameworks=fw)
    assert {"IOS009", "IOS010"} <= _rules(report)
    assert [s.id for s in report.sdks] == ["appsflyer"]
    with_manifests = _scan(tmp_path, "b.ipa", manifest=_manifest(),
                           frameworks={"AppsFlyerLib": (sdk_binary, {"PrivacyInfo.xcprivacy": plistlib.dumps(_manifest())})})
    assert not {"IOS009", "IOS010"} & _rules(with_manifests)
    assert report.ios is not None and report.ios.frameworks == ("Payload/Factory.app/Frameworks/AppsFlyerLib.framework/",)


def test_ios011_tracking_domains_of_tracking_sdks(tmp_path: Path) -> None:
    config = b'{"endpoint": "https://launches.appsflyer.com/api/v6"}\n'
    fw = {"AppsFlyerLib": (real_executable(), {"config.json": config})}
    report = _scan(tmp_path, manifest=_manifest(), frameworks=fw)
    dest = next(d for d in report.destinations if d.endpoint.host == "launches.appsflyer.com")
    assert [o.id for o in dest.owners] == ["appsflyer"]
    assert dest.endpoint.sources[0].location == "Payload/Factory.app/Frameworks/AppsFlyerLib.framework/config.json:1"
    assert "IOS011" in _rules(report)
    declared = _scan(tmp_path, "b.ipa", manifest=_manifest(NSPrivacyTrackingDomains=["appsflyer.com"]), frameworks=fw)
    assert "IOS011" not in _rules(declared)


def test_ios012_data_categories(tmp_path: Path) -> None:
    info = {"NSCameraUsageDescription": "photos"}
    report = _scan(tmp_path, info=info, manifest=_manifest())
    assert any(f.rule_id == "IOS012" and "Photos and videos" in f.message for f in report.findings)
    photos = {"NSPrivacyCollectedDataType": "NSPrivacyCollectedDataTypePhotosorVideos", "NSPrivacyCollectedDataTypeLinked": False,
              "NSPrivacyCollectedDataTypeTracking": False, "NSPrivacyCollectedDataTypePurposes": ["NSPrivacyCollectedDataTypePurposeAppFunctionality"]}
    ok = _scan(tmp_path, "b.ipa", info=info, manifest=_manifest(NSPrivacyCollectedDataTypes=[photos]))
    assert "IOS012" not in _rules(ok)
    assert ok.ios is not None
    (m,) = ok.ios.privacy_manifests
    assert m.owner == "app" and m.collected_data[0].category == "Photos and videos"
    assert m.collected_data[0].purposes == ("NSPrivacyCollectedDataTypePurposeAppFunctionality",)


def test_ios013_required_reason_apis(tmp_path: Path) -> None:
    # JPush's library uses NSUserDefaults (checked with llvm-nm -u: _OBJC_CLASS_$_NSUserDefaults).
    fw = {"JPush": (real_static_library(), {"PrivacyInfo.xcprivacy": plistlib.dumps(_manifest())})}
    report = _scan(tmp_path, manifest=_manifest(), frameworks=fw)
    assert any(f.rule_id == "IOS013" and "UserDefaults" in f.message for f in report.findings)
    assert "jiguang-jpush" in {s.id for s in report.sdks}
    reason = {"NSPrivacyAccessedAPIType": "NSPrivacyAccessedAPICategoryUserDefaults", "NSPrivacyAccessedAPITypeReasons": ["CA92.1"]}
    ok = _scan(tmp_path, "b.ipa", manifest=_manifest(NSPrivacyAccessedAPITypes=[reason]), frameworks=fw)
    assert "IOS013" not in _rules(ok)


def test_identity_from_factory(tmp_path: Path) -> None:
    report = _scan(tmp_path, info={"CFBundleDisplayName": "Shown", "CFBundleURLTypes": [{"CFBundleURLSchemes": ["factory", "fb123"]}],
                                   "LSApplicationQueriesSchemes": ["weixin"], "UIBackgroundModes": ["remote-notification"]})
    assert report.app.package == BUNDLE_ID and report.app.label == "Shown" and report.app.version_name == "1.2.3"
    ios = report.ios
    assert ios is not None
    assert (ios.build_version, ios.minimum_os, ios.url_schemes, ios.queried_url_schemes) == ("45", "15.0", ("factory", "fb123"), ("weixin",))


def test_ios006_expiry_is_judged_against_the_scan_time() -> None:
    from datetime import datetime, timezone

    from datatrail.app.ios.findings import profile_expired

    now = datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert profile_expired("2019-12-31T23:59:59Z", now)
    assert not profile_expired("2020-01-01T00:00:01Z", now)
    assert not profile_expired(None, now) and not profile_expired("not a date", now)


def test_ios007_positive_executable_without_signature(tmp_path: Path) -> None:
    from datatrail.formats.apple.ar import iter_ar_members
    from datatrail.model.diagnostic import DiagnosticLog

    # An object file from JPush's archive carries no LC_CODE_SIGNATURE at all.
    name, member = next((n, m) for n, m in iter_ar_members(real_static_library(), "lib", DiagnosticLog()) if n.endswith(".o"))
    report = _scan(tmp_path, executable=bytes(member))
    assert "IOS007" in _rules(report), name
    assert report.ios is not None and not report.ios.binaries[0].signed
