"""iOS inputs end to end: identity against plistlib, fastlane's broken IPAs through the CLI,
folders, SDK libraries with their endpoints, and the JSON contract."""

from __future__ import annotations

import json
import plistlib
import re
import zipfile
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.app.shared.sniff import Kind
from datatrail.cli.main import EXIT_INPUT, main
from datatrail.model.report import Report
from datatrail.report.json import to_dict
from datatrail.report.load import report_from_dict
from tests.support.corpus import CORPUS, corpus_dir, corpus_files, scan_cached

BROKEN = {"not-an-ipa.ipa", "no-app-bundle.ipa"}
IPAS = [p for p in corpus_files("ipa/**/*.ipa") if p.name not in BROKEN]
LIBS = corpus_files("sdk/ios/**/*.a")
_APP_INFO = re.compile(r"^(?:[^/]+/)?Payload/[^/]+\.app/Info\.plist$")


def _rel(p: Path) -> str:
    assert CORPUS is not None
    return str(p.relative_to(CORPUS))


def _oracle_info(ipa: Path) -> dict[str, object]:
    """The app's Info.plist as plistlib reads it, found with zipfile (an independent reader)."""
    with zipfile.ZipFile(ipa) as z:
        (name,) = [n for n in z.namelist() if _APP_INFO.match(n) and not n.startswith("__MACOSX/")]
        doc: dict[str, object] = plistlib.loads(z.read(name))
    return doc


@pytest.mark.parametrize("ipa", IPAS, ids=_rel)
def test_identity_agrees_with_plistlib(ipa: Path, corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(ipa, corpus_reports)
    info = _oracle_info(ipa)
    ios = report.ios
    assert ios is not None and ios.bundle_kind == "app"
    assert report.app.platform == "ios" and report.inputs[0].kind == Kind.IPA.value
    assert report.app.package == ios.bundle_id == info["CFBundleIdentifier"]
    assert report.app.version_name == ios.short_version == info.get("CFBundleShortVersionString")
    assert ios.build_version == info.get("CFBundleVersion")
    assert ios.minimum_os == info.get("MinimumOSVersion")
    assert report.app.version_code is None and report.app.min_sdk is None


def test_fastlane_expectations() -> None:
    """fastlane's own specs expect com.example.Sample, build "1" for these two fixtures."""
    root = corpus_dir() / "ipa" / "fastlane"
    for name in ("iOSAppOnly.ipa", "ContainsWatchApp.ipa"):
        report = scan_file(root / name)
        assert report.app.package == "com.example.Sample"
        assert report.ios is not None and report.ios.build_version == "1"


def test_main_binary_facts_match_the_mach_o(corpus_reports: dict[Path, Report]) -> None:
    ipa = corpus_dir() / "ipa" / "app-info" / "embedded.ipa"
    report = scan_cached(ipa, corpus_reports)
    assert report.ios is not None
    main_bin = next(b for b in report.ios.binaries if b.role == "main")
    assert main_bin.location == "Payload/Demo.app/Demo"
    assert main_bin.cpus == ("arm64",) and main_bin.filetype == "execute"
    # LC_BUILD_VERSION minos equals the plist's MinimumOSVersion for this build.
    assert main_bin.min_os == "ios " + str(_oracle_info(ipa)["MinimumOSVersion"])
    assert main_bin.signed and main_bin.team_id == "72LA85G59H" and main_bin.signing_id == "com.icyleaf.test.Demo"
    assert not main_bin.encrypted and report.ios.encrypted is False and report.ios.encryption_note is None
    assert "/System/Library/Frameworks/UIKit.framework/UIKit" in main_bin.linked
    assert [b.role for b in report.ios.binaries] == ["main", "extension"]
    assert report.ios.extensions == ("Payload/Demo.app/PlugIns/Notification.appex/",)


def test_provisioning_and_entitlements(corpus_reports: dict[Path, Report]) -> None:
    ipa = corpus_dir() / "ipa" / "fastlane" / "very-capable-app.ipa"
    report = scan_cached(ipa, corpus_reports)
    ios = report.ios
    assert ios is not None
    with zipfile.ZipFile(ipa) as z:
        raw = z.read("Payload/very-capable-app.app/embedded.mobileprovision")
    oracle = plistlib.loads(raw[raw.index(b"<?xml"): raw.index(b"</plist>") + 8])
    (profile,) = ios.provisioning
    assert profile.team_id == oracle["TeamIdentifier"][0] and profile.device_count == len(oracle["ProvisionedDevices"])
    assert profile.distribution == "development" and profile.expired
    # The executable's own entitlements (its signature's XML blob) win over the profile's wildcard.
    with zipfile.ZipFile(ipa) as z:
        exe = z.read("Payload/very-capable-app.app/very-capable-app")
    start = exe.index(b"<?xml")  # the first XML in the signature is the entitlements blob
    signed = plistlib.loads(exe[start: exe.index(b"</plist>", start) + 8])
    assert ios.associated_domains == tuple(signed["com.apple.developer.associated-domains"]) != ("*",)
    assert oracle["Entitlements"]["com.apple.developer.associated-domains"] == "*"
    assert "location" in ios.background_modes
    rules = {f.rule_id for f in report.findings}
    assert {"IOS005", "IOS006", "IOS004", "IOS009"} <= rules
    assert "IOS001" not in rules and "IOS003" not in rules


def test_not_an_ipa_is_a_clear_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus_dir() / "ipa" / "fastlane" / "not-an-ipa.ipa"
    assert main(["scan", str(path)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "not-an-ipa.ipa" in err and "not a format datatrail reads" in err and "Traceback" not in err


def test_ipa_without_app_bundle_is_a_clear_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus_dir() / "ipa" / "fastlane" / "no-app-bundle.ipa"
    assert main(["scan", str(path), "--format", "json"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "holds no app bundle" in err and "Traceback" not in err


def test_incorrectly_signed_ipa_is_analysed_with_diagnostics(capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus_dir() / "ipa" / "fastlane" / "IncorrectlySigned.ipa"
    assert main(["scan", str(path), "--format", "json"]) == 4  # no executable: analysed only in part
    doc = json.loads(capsys.readouterr().out)
    assert doc["app"]["package"] == "com.example.Sample"
    assert doc["completeness"]["complete"] is False
    assert any("no main executable" in line for line in doc["completeness"]["unread"])
    codes = {d["code"] for d in doc["diagnostics"]}
    # No executable, no profile, no code signature: said plainly, still analysed.
    assert "ios.no-executable" in codes and "ios.no-profile" in codes
    assert doc["ios"]["binaries"] == []


def test_static_libraries_are_identified_with_their_endpoints(corpus_reports: dict[Path, Report]) -> None:
    root = corpus_dir() / "sdk" / "ios"
    jv = scan_cached(root / "jiguang" / "libJVerification-3.4.7-arm64.a", corpus_reports)
    assert jv.inputs[0].kind == Kind.AR.value and jv.ios is not None and jv.ios.bundle_kind == "static-library"
    assert [s.id for s in jv.sdks] == ["jiguang-jverification"] and jv.sdks[0].confidence == "high"
    assert any("JVERIFICATIONService" in e.examples for e in jv.sdks[0].evidence)
    hosts = {d.endpoint.host: d for d in jv.destinations}
    # Values checked by hand with `strings libJVerification-3.4.7-arm64.a | grep https://`.
    assert {"sdk.verification.jiguang.cn", "open.e.189.cn", "wap.cmpassport.com", "msv6.wosms.cn"} <= set(hosts)
    jg = hosts["sdk.verification.jiguang.cn"]
    assert [o.id for o in jg.owners] == ["jiguang-jverification"]
    assert jg.endpoint.sources[0].location.startswith("libJVerification-3.4.7-arm64.a(") and " cstring " in jg.endpoint.sources[0].location
    assert any(f.country == "CN" for f in jg.attribution.flags) or jg.attribution.org_country == "CN"

    jp = scan_cached(root / "jiguang" / "libJPush-5.7.0-arm64.a", corpus_reports)
    assert jp.sdks[0].id == "jiguang-jpush" and jp.sdks[0].class_count >= 80
    # Named in messages only ("请参考 https://docs.jiguang.cn/…"): a reference, not a destination.
    assert "docs.jiguang.cn" in {d.endpoint.host for d in jp.references}
    assert "docs.jiguang.cn" not in {d.endpoint.host for d in jp.destinations}

    adjust = scan_cached(root / "adjust" / "AdjustSigSdk.a", corpus_reports)
    assert [s.id for s in adjust.sdks] == ["adjust"]
    assert {e.kind for e in adjust.sdks[0].evidence} == {"objc-class", "ios-framework"}
    assert adjust.sdks[0].evidence[0].examples == ("ADJSigner",)
    # The signature library names no host: nothing is invented.
    assert adjust.destinations == ()


def test_jiguang_folder_compares_both_privacy_manifests() -> None:
    folder = corpus_dir() / "sdk" / "ios" / "jiguang"
    report = scan_file(folder)
    ios = report.ios
    assert ios is not None and ios.bundle_kind == "sdk-folder"
    manifests = {m.owner: m for m in ios.privacy_manifests}
    assert set(manifests) == {"JPush-PrivacyInfo", "JVerification-PrivacyInfo"}
    for m in manifests.values():
        oracle = plistlib.loads((folder / Path(m.location).name).read_bytes())
        assert m.tracking is oracle["NSPrivacyTracking"] is False
        assert m.tracking_domains == tuple(oracle["NSPrivacyTrackingDomains"]) == ()
        assert m.collected_data == ()
        assert [(a.type, a.reasons) for a in m.accessed_apis] == [
            (a["NSPrivacyAccessedAPIType"], tuple(a["NSPrivacyAccessedAPITypeReasons"])) for a in oracle["NSPrivacyAccessedAPITypes"]
        ]
    found = {f.rule_id: f for f in report.findings}
    # Push and one-tap login SDKs collect device IDs and phone numbers by nature; the manifests declare no data.
    assert "IOS012" in found and {"jiguang-jpush", "jiguang-jverification"} <= {s.id for s in report.sdks}
    messages = " ".join(f.message for f in report.findings if f.rule_id == "IOS012")
    assert "Device or other IDs" in messages and "Personal info" in messages
    # The only required-reason API the code uses (NSUserDefaults) is the one declared: no IOS013.
    assert "IOS013" not in found and "IOS010" not in found


def test_folders_and_framework_bundles() -> None:
    payload = corpus_dir() / "ipa" / "app-info" / "payload"
    fmdb = scan_file(payload / "FMDB.framework")
    info = plistlib.loads((payload / "FMDB.framework" / "Info.plist").read_bytes())
    assert fmdb.ios is not None and fmdb.ios.bundle_kind == "framework"
    assert fmdb.app.package == info["CFBundleIdentifier"] and fmdb.app.version_name == info["CFBundleShortVersionString"]
    assert [b.location for b in fmdb.ios.binaries] == ["FMDB.framework/FMDB"]
    whole = scan_file(payload)
    assert whole.ios is not None
    assert {b.role for b in whole.ios.binaries} == {"framework", "dylib", "extension"}


def test_unzipped_app_folder_reads_like_the_ipa(tmp_path: Path) -> None:
    ipa = corpus_dir() / "ipa" / "app-info" / "iphone.ipa"
    with zipfile.ZipFile(ipa) as z:
        z.extractall(tmp_path)
    (app,) = (tmp_path / "Payload").glob("*.app")
    from_folder = scan_file(app)
    from_ipa = scan_file(ipa)
    assert from_folder.inputs[0].kind == Kind.APP_BUNDLE.value
    assert from_folder.app == from_ipa.app
    assert from_folder.ios is not None and from_ipa.ios is not None
    assert [b.uuid for b in from_folder.ios.binaries] == [b.uuid for b in from_ipa.ios.binaries]
    assert {f.rule_id for f in from_folder.findings} == {f.rule_id for f in from_ipa.findings}


def test_zipped_app_without_payload(tmp_path: Path) -> None:
    src = corpus_dir() / "ipa" / "app-info" / "iphone.ipa"
    out = tmp_path / "App.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            if item.filename.startswith("Payload/") and item.filename != "Payload/":
                zout.writestr(item.filename.removeprefix("Payload/"), zin.read(item))
    report = scan_file(out)
    assert report.inputs[0].kind == Kind.APP_BUNDLE.value
    assert report.app.package == _oracle_info(src)["CFBundleIdentifier"]


@pytest.mark.parametrize("path", [*IPAS, *LIBS], ids=_rel)
def test_report_round_trips_through_json(path: Path, corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(path, corpus_reports)
    again = report_from_dict(json.loads(json.dumps(to_dict(report))))
    assert again.ios == report.ios and again.app == report.app and again.findings == report.findings
