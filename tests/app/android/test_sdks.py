"""SDK detection against real apps, real SDK binaries and an Exodus-style oracle.

Oracles:

* **Exodus parity.** The way exodus-core does it: ``dexdump`` (AOSP, Debian package)
  on each ``classes*.dex`` of an APK, every ``[A-Z]+((?:\\w+/)+\\w+)`` path in the dump
  text collected (that is referenced types too, not only defined ones), and each
  tracker's ``code_signature`` regex searched in them. Every tracker found that way
  must be found by datatrail, as a finding's id or alias, except the listed cases
  where Exodus is wrong; each of those states why, and the test checks the reason
  (no class defined under the tracker's patterns, per dexdump's own class list).
  The same is done for the JAR/AAR SDK binaries with the JDK's ``javap -v`` as the
  dump tool (slow).
* **Corpus SDK binaries.** Each names its vendor's SDK: every file under sdk/android
  and sdk/dex-extracted has its expected findings listed here.
* **Apps without SDKs.** F-Droid samples, test apps and uiautomator contain only
  the app, AndroidX/support and Kotlin code.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import datatrail.app.android.sdks as sdks_module
from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.android.load import load_android
from datatrail.app.android.sdks import PLATFORM_ROOTS, detect_sdks, signature_index
from datatrail.app.shared.sdk_match import looks_renamed
from datatrail.knowledge import sdks as knowledge
from datatrail.model.sdk import SdkReport
from tests.support.corpus import CORPUS, corpus_dir, corpus_files
from tests.support.dex_factory import synthetic_app

DEXDUMP = shutil.which("dexdump")
JAVAP = shutil.which("javap")
_EXODUS_CLASS = re.compile(r"[A-Z]+((?:\w+\/)+\w+)")
_DEFINED = re.compile(r"Class descriptor\s*:\s*'L([^;']+);'")
_EXODUS_DEX_NAME = re.compile(r"classes.*\.dex")


def _load(rel: str) -> AndroidArtifact:
    return load_android(corpus_dir() / rel)


def _report(rel: str) -> SdkReport:
    return detect_sdks(_load(rel))


def _ids(report: SdkReport) -> set[str]:
    return {f.id for f in report.sdks}


def test_public_api() -> None:
    assert sorted(sdks_module.__all__) == sorted(
        ["detect_sdks", "signature_index", "SdkReport", "UNIDENTIFIED_MIN_CLASSES", "PLATFORM_ROOTS"]
    )


# ---------------------------------------------------------------- SDK binaries in the corpus

# corpus file -> {finding id: vendor substring}; nothing else may be reported.
SDK_BINARIES: dict[str, dict[str, str]] = {
    "sdk/android/adjust/adjust-android-oaid.jar": {"adjust": "Adjust"},
    "sdk/android/adjust/adjust-android.jar": {"adjust": "Adjust"},
    "sdk/android/baidu/BaiduLBS_Android-geolocation.jar": {"baidu-location": "Baidu"},
    "sdk/android/baidu/BaiduLBS_Android.jar": {"baidu-maps": "Baidu", "baidu-location": "Baidu"},
    "sdk/android/baidu/bdasr_V3_20180801_d6f298a.jar": {"baidu-speech": "Baidu"},
    "sdk/android/iflytek/Msc.jar": {"iflytek-msc": "iFLYTEK"},
    "sdk/android/jiguang/jcore-android-5.3.0.aar": {"jiguang-jcore": "JIGUANG"},
    "sdk/android/jiguang/jpush-android-5.8.0.jar": {"jiguang-jpush": "JIGUANG"},
    "sdk/android/jiguang/jverification-android-3.4.8.jar": {
        "jiguang-jverification": "JIGUANG",
        "china-mobile-login": "China Mobile",
        "china-unicom-login": "China Unicom",
        "china-telecom-login": "China Telecom",
    },
    "sdk/android/jiguang/jverification-rn-module-classes.dex": {"jiguang-jverification": "JIGUANG"},
    "sdk/android/sina-weibo/openDefault-4.4.1.aar": {"sina-weibo": "Weibo"},
    "sdk/android/tencent/bugly_crash_release.jar": {"tencent-bugly": "Tencent"},
    "sdk/android/tencent/bugly_crashreport_upgrade-1.5.0.aar": {"tencent-bugly": "Tencent"},
    "sdk/android/tencent/libammsdk.jar": {"tencent-wechat-opensdk": "Tencent", "tencent-mta": "Tencent"},
    "sdk/android/tencent/liteavsdk.jar": {"tencent-liteav": "Tencent"},
    "sdk/android/tencent/qq_mta-sdk-1.6.2.jar": {"tencent-mta": "Tencent"},
    "sdk/android/tencent/qq_sdk_v3.3.5.jar": {"tencent-qq-connect": "Tencent"},
    "sdk/android/tencent/tx_weibo_sdk.jar": {"tencent-weibo": "Tencent"},
    "sdk/android/tencent/wechat-sdk-android-without-mta-5.4.3.jar": {"tencent-wechat-opensdk": "Tencent"},
    "sdk/android/umeng/umeng-analytics-v5.6.7.jar": {"umeng-analytics": "Umeng"},
    "sdk/android/umeng/umeng-analytics-v6.0.1.jar": {"umeng-analytics": "Umeng"},
    "sdk/dex-extracted/facebook-sdk_from-instapaper.dex": {
        "facebook-core": "Meta",
        "facebook-analytics": "Meta",
        "facebook-login": "Meta",
        "facebook-share": "Meta",
        "facebook-places": "Meta",
    },
    "sdk/dex-extracted/firebase_from-instapaper.dex": {"firebase-installations": "Google", "firebase-remote-config": "Google"},
    "sdk/dex-extracted/tencent-bugly_from-BuglyHotfixDemo.dex": {"tencent-bugly": "Tencent"},
}


def test_every_android_sdk_binary_is_listed() -> None:
    root = corpus_dir()
    found = {str(p.relative_to(root)) for p in corpus_files("sdk/android/**/*", "sdk/dex-extracted/*")}
    assert found == set(SDK_BINARIES)


@pytest.mark.parametrize("rel", sorted(SDK_BINARIES))
def test_sdk_binary_is_identified_with_its_vendor(rel: str) -> None:
    report = _report(rel)
    expected = SDK_BINARIES[rel]
    assert {f.id: f.vendor for f in report.sdks}.keys() == expected.keys()
    for finding in report.sdks:
        assert expected[finding.id] in finding.vendor
        assert finding.source == "datatrail" and finding.class_count > 0
        assert finding.confidence == ("high" if finding.class_count >= 10 else "medium")


def test_carrier_login_sdks_inside_jverification_are_told_apart() -> None:
    report = _report("sdk/android/jiguang/jverification-android-3.4.8.jar")
    assert report.owner_of("com.cmic.gen.sdk.auth.GenAuthnHelper") == "china-mobile-login"
    assert report.owner_of("com.unicom.online.account.shield.UniAccountHelper") == "china-unicom-login"
    assert report.owner_of("cn.com.chinatelecom.account.api.CtAuth") == "china-telecom-login"
    assert all(f.vendor_country == "CN" for f in report.sdks)


def test_liteav_reports_the_exoplayer_it_bundles_as_unidentified() -> None:
    report = _report("sdk/android/tencent/liteavsdk.jar")
    assert [(u.package, u.class_count) for u in report.unidentified] == [("com.google.android.exoplayer2", 581)]


# ---------------------------------------------------------------- real apps


def test_instapaper_facebook_crashlytics_firebase() -> None:
    report = _report("apk/exodus-core/instapaper.apk")
    ids = _ids(report)
    assert {"facebook-core", "facebook-analytics", "facebook-login", "facebook-share",
            "firebase-crashlytics", "firebase-analytics"} <= ids
    crashlytics = report.finding("firebase-crashlytics")
    assert crashlytics is not None and crashlytics.confidence == "high"
    kinds = {(e.kind, e.pattern) for e in crashlytics.evidence}
    assert ("manifest-meta-data", "io.fabric.ApiKey") in kinds
    assert ("asset", "assets/crashlytics-build.properties") in kinds
    fb = report.finding("facebook-core")
    assert fb is not None and any(e.kind == "class-package" and e.pattern == "com.facebook" for e in fb.evidence)
    assert ("manifest-meta-data", "com.facebook.sdk.ApplicationId") in {(e.kind, e.pattern) for e in fb.evidence}
    assert report.finding("exodus-27") is crashlytics  # Exodus's CrashLytics is the same finding


def test_blooddonation_has_admob() -> None:
    report = _report("apk/exodus-core/blooddonation.apk")
    admob = report.finding("google-admob")
    assert admob is not None and admob.vendor == "Google" and admob.vendor_country == "US"
    assert "ads" in admob.categories and admob.class_count > 200
    component = [e for e in admob.evidence if e.kind == "manifest-component"]
    assert component and component[0].examples == ("com.google.android.gms.ads.AdActivity",)


def test_bugly_hotfix_demo_has_bugly_and_tinker() -> None:
    report = _report("apk/bugly-demo/BuglyHotfixDemo-app-release.apk")
    assert _ids(report) == {"tencent-bugly", "tencent-tinker"}
    tinker = report.finding("tencent-tinker")
    assert tinker is not None and ("manifest-meta-data", "TINKER_ID") in {(e.kind, e.pattern) for e in tinker.evidence}
    # The demo's package is com.tencent.bugly.hotfix: its own classes are first party.
    assert report.owner_of("com.tencent.bugly.hotfix.MainActivity") is None
    assert report.owner_of("com.tencent.bugly.crashreport.CrashReport") == "tencent-bugly"


def test_bugly_upgrade_demo_has_bugly_with_its_native_library() -> None:
    report = _report("apk/bugly-demo/BuglyUpgradeDemo-demo.apk")
    assert _ids(report) == {"tencent-bugly"}
    bugly = report.sdks[0]
    native = [e for e in bugly.evidence if e.kind == "native-lib"]
    assert native and native[0].pattern == "libBugly*.so" and native[0].count == 2
    assert bugly.obfuscated  # Bugly ships its internals renamed (com.tencent.bugly.proguard.a ...)


def test_weardrawers_has_play_services_but_no_admob() -> None:
    """The advertising-ID client (gms.ads.identifier) is not the AdMob SDK."""
    report = _report("apk/androguard/com.example.android.wearable.wear.weardrawers.apk")
    assert _ids(report) == {"google-play-services", "google-ads-identifier", "firebase-installations"}


WITH_SDKS = {
    "apk/exodus-core/instapaper.apk",
    "apk/exodus-core/blooddonation.apk",
    "apk/bugly-demo/BuglyHotfixDemo-app-release.apk",
    "apk/bugly-demo/BuglyUpgradeDemo-demo.apk",
    "apk/androguard/com.example.android.wearable.wear.weardrawers.apk",
}
NO_SDK_APPS = sorted(
    str(p.relative_to(CORPUS)) for p in corpus_files("apk/**/*") if str(p.relative_to(CORPUS)) not in WITH_SDKS
) if CORPUS else []


@pytest.mark.parametrize("rel", NO_SDK_APPS)
def test_apps_without_sdks_report_none(rel: str) -> None:
    report = _report(rel)
    assert report.sdks == ()


def test_no_sdk_list_includes_the_named_samples() -> None:
    corpus_dir()
    for rel in ("apk/androguard/a2dp.Vol_137.apk", "apk/androguard/com.politedroid_4.apk",
                "apk/androguard/com.teleca.jamendo_35.apk", "apk/uiautomator/app-uiautomator-androidx.apk",
                "apk/androguard/hello-world.apk", "apk/androguard/Test-debug.apk", "apk/androguard/TC-debug.apk"):
        assert rel in NO_SDK_APPS


# ---------------------------------------------------------------- owner_of and consistency


@pytest.mark.parametrize("rel", ["apk/exodus-core/instapaper.apk", "apk/exodus-core/blooddonation.apk",
                                 "sdk/android/jiguang/jcore-android-5.3.0.aar"])
def test_owner_of_agrees_with_class_counts(rel: str) -> None:
    """owner_of, asked about every defined class, reproduces each finding's class_count."""
    art = _load(rel)
    report = detect_sdks(art)
    counts = Counter(report.owner_of(name) for name in art.class_names)
    assert {k: v for k, v in counts.items() if k is not None} == {
        f.id: f.class_count for f in report.sdks if f.class_count
    }


def test_owner_of_on_instapaper() -> None:
    report = _report("apk/exodus-core/instapaper.apk")
    assert report.owner_of("com.facebook.login.LoginManager") == "facebook-login"
    assert report.owner_of("com.facebook.FacebookSdk") == "facebook-core"
    assert report.owner_of("com.google.android.gms.measurement.AppMeasurement") == "firebase-analytics"
    assert report.owner_of("com.google.android.gms.ads.identifier.AdvertisingIdClient") == "google-ads-identifier"
    assert report.owner_of("com.olivierpayen.leaninstapaper.LoginActivity") is None  # first party
    assert report.owner_of("okhttp3.OkHttpClient") is None  # a library no signature names
    assert report.owner_of("com.appsflyer.AppsFlyerLib") is None  # an SDK that is not in this app
    assert report.app_packages == ("com.olivierpayen.leaninstapaper", "com.olivierpayen")


def test_library_inputs_have_no_first_party() -> None:
    """An AAR's manifest package is the library's own: its classes still count."""
    report = _report("sdk/android/tencent/bugly_crashreport_upgrade-1.5.0.aar")
    assert report.first_party_package is None and report.app_packages == ()
    assert report.owner_of("com.tencent.bugly.beta.Beta") == "tencent-bugly"


# ---------------------------------------------------------------- unidentified libraries


def test_unidentified_libraries_of_instapaper() -> None:
    report = _report("apk/exodus-core/instapaper.apk")
    libs = {u.package: u.class_count for u in report.unidentified}
    assert libs["com.bumptech.glide"] == 422 and libs["okhttp3"] == 163 and libs["com.google.gson"] == 156
    assert all(count >= sdks_module.UNIDENTIFIED_MIN_CLASSES for count in libs.values())
    counts = [u.class_count for u in report.unidentified]
    assert counts == sorted(counts, reverse=True)
    for package in libs:
        assert not (package + ".").startswith(PLATFORM_ROOTS)
        assert not package.startswith("com.olivierpayen")
        assert not package.startswith(("com.facebook", "com.crashlytics", "io.fabric"))


def test_unidentified_skips_platform_first_party_and_renamed_roots(tmp_path: Path) -> None:
    classes = [f"com.example.app.ui.C{i}" for i in range(40)]  # first party
    classes += [f"com.example.tools.T{i}" for i in range(40)]  # the app's organisation
    classes += [f"androidx.core.X{i}" for i in range(40)] + [f"kotlin.collections.K{i}" for i in range(40)]
    classes += [f"a.b.{chr(97 + i % 26)}{i}" for i in range(40)]  # renamed: no identity to report
    classes += [f"io.netty.buffer.B{i}" for i in range(20)] + [f"io.netty.channel.C{i}" for i in range(20)]
    classes += [f"com.squareup.okhttp3.O{i}" for i in range(31)] + [f"com.squareup.moshi.M{i}" for i in range(29)]
    report = detect_sdks(synthetic_app(tmp_path, "com.example.app", classes=tuple(classes)))
    assert report.sdks == ()
    assert [(u.package, u.class_count) for u in report.unidentified] == [("io.netty", 40), ("com.squareup.okhttp3", 31)]


# ---------------------------------------------------------------- confidence and obfuscation


@pytest.mark.parametrize(
    ("classes", "meta", "libs", "confidence"),
    [
        (("com.tencent.bugly.A",), (), (), "low"),
        (("com.tencent.bugly.A", "com.tencent.bugly.B"), (), (), "medium"),
        (tuple(f"com.tencent.bugly.C{i}" for i in range(10)), (), (), "high"),
        ((), ("BUGLY_APPID",), (), "low"),
        ((), (), ("lib/arm64-v8a/libBugly.so",), "medium"),
        (("com.tencent.bugly.A",), ("BUGLY_APPID",), (), "high"),
        ((), ("BUGLY_APPID",), ("lib/arm64-v8a/libBugly.so",), "high"),
    ],
)
def test_confidence_rule(classes: tuple[str, ...], meta: tuple[str, ...], libs: tuple[str, ...],
                         confidence: str, tmp_path: Path) -> None:
    art = synthetic_app(tmp_path, classes=classes, meta_data=meta, files={lib: b"\x7fELF" for lib in libs})
    finding = detect_sdks(art).finding("tencent-bugly")
    assert finding is not None and finding.confidence == confidence


@pytest.mark.parametrize(
    ("classes", "meta", "components", "libs", "presence"),
    [
        ((), ("BUGLY_APPID",), (), (), "declared"),
        ((), (), (("activity", "com.tencent.bugly.beta.ui.BetaActivity"),), (), "declared"),
        ((), ("BUGLY_APPID", "BUGLY_APP_CHANNEL"), (("activity", "com.tencent.bugly.beta.ui.BetaActivity"),), (), "declared"),
        (("com.tencent.bugly.A",), ("BUGLY_APPID",), (), (), "code"),
        ((), ("BUGLY_APPID",), (), ("lib/arm64-v8a/libBugly.so",), "code"),
        (("com.tencent.bugly.beta.ui.BetaActivity",), (), (("activity", "com.tencent.bugly.beta.ui.BetaActivity"),), (), "code"),
    ],
)
def test_presence_says_whether_the_code_is_there(classes: tuple[str, ...], meta: tuple[str, ...],
                                                  components: tuple[tuple[str, str], ...], libs: tuple[str, ...],
                                                  presence: str, tmp_path: Path) -> None:
    art = synthetic_app(tmp_path, classes=classes, meta_data=meta, components=components,
                        files={lib: b"\x7fELF" for lib in libs})
    finding = detect_sdks(art).finding("tencent-bugly")
    assert finding is not None and finding.presence == presence
    if presence == "declared":
        # Manifest entries alone are what a key left behind looks like: never more than low, however many.
        assert finding.class_count == 0 and finding.confidence == "low"


def test_declared_only_sdks_are_not_counted_as_inside(tmp_path: Path) -> None:
    from rich.console import Console

    from datatrail.app.pipeline import scan_file
    from datatrail.report.cyclonedx import to_cyclonedx_dict
    from datatrail.report.html import to_html
    from datatrail.report.terminal import render_terminal

    synthetic_app(tmp_path, classes=("com.example.app.Main",), meta_data=("BUGLY_APPID", "BUGLY_APP_CHANNEL"),
                  components=(("activity", "com.tencent.bugly.beta.ui.BetaActivity"),))
    report = scan_file(tmp_path / "app.apk")
    assert [s.id for s in report.sdks] == ["tencent-bugly"]
    assert report.sdks_in_code == () and [s.id for s in report.sdks_declared_only] == ["tencent-bugly"]
    page = to_html(report)
    assert "SDKs inside (0)" in page and "configured, code not found" in page
    assert "of its 1 SDKs" not in page and "is from China" not in page
    console = Console(width=200, record=True)
    render_terminal(report, console)
    text = console.export_text()
    assert "third-party SDK" not in text
    assert "Configured in the manifest, code not found: Tencent Bugly" in text
    assert to_cyclonedx_dict(report)["components"] == []


def test_obfuscation_flag(tmp_path: Path) -> None:
    renamed = tuple(f"com.tencent.bugly.{n}" for n in ("a", "b", "c$1", "zza", "d.e"))
    art = synthetic_app(tmp_path, classes=renamed + ("com.tencent.bugly.CrashReport",))
    finding = detect_sdks(art).finding("tencent-bugly")
    assert finding is not None and finding.obfuscated
    art = synthetic_app(tmp_path, name="b.apk", classes=("com.tencent.bugly.CrashReport", "com.tencent.bugly.Beta", "com.tencent.bugly.a"))
    finding = detect_sdks(art).finding("tencent-bugly")
    assert finding is not None and not finding.obfuscated


@pytest.mark.parametrize(("name", "renamed"), [
    ("a.b.c", True), ("com.x.Zz", True), ("com.x.zzab$1", True), ("com.x.Log", False),
    ("com.x.CrashReport$1", False), ("com.x.util", True), ("com.x.utils", False),
])
def test_looks_renamed(name: str, renamed: bool) -> None:
    assert looks_renamed(name) is renamed


# ---------------------------------------------------------------- Exodus-specific matching


def test_exodus_class_regex_matches_defined_class_but_not_first_party(tmp_path: Path) -> None:
    ligatus = next(s for s in knowledge.signatures() if s.class_regexes and ".LigatusManager" in s.class_regexes)
    report = detect_sdks(synthetic_app(tmp_path, classes=("org.vendor.ads.LigatusManager", "org.vendor.ads.Other")))
    finding = report.finding(ligatus.id)
    assert finding is not None and finding.source == "exodus-etip" and finding.vendor == "unknown"
    assert [e.kind for e in finding.evidence] == ["class-regex"] and finding.class_count == 1
    assert report.owner_of("org.vendor.ads.LigatusManager") == ligatus.id
    assert report.owner_of("org.vendor.ads.Other") is None
    mine = detect_sdks(synthetic_app(tmp_path, "com.example.app", name="own.apk",
                                     classes=("com.example.app.LigatusManager",)))
    assert mine.sdks == ()


def test_exodus_package_regex_is_decided_per_package(tmp_path: Path) -> None:
    sizmek = next(s for s in knowledge.signatures() if ".sizmek." in s.class_regexes)
    report = detect_sdks(synthetic_app(tmp_path, classes=("com.sizmek.sdk.Ad", "com.sizmek.sdk.View")))
    finding = report.finding(sizmek.id)
    assert finding is not None and finding.class_count == 2


def test_exodus_package_prefix_does_not_take_sibling_packages(tmp_path: Path) -> None:
    """Exodus's "com.tune" substring-matches "com.tunein"; read as a package it does not."""
    tune = next(s for s in knowledge.signatures() if s.name == "Tune")
    assert "com.tune." in tune.class_prefixes
    report = detect_sdks(synthetic_app(tmp_path, classes=("com.tunein.radio.Player",)))
    assert report.finding(tune.id) is None
    report = detect_sdks(synthetic_app(tmp_path, name="t.apk", classes=("com.tune.Tune",)))
    assert report.finding(tune.id) is not None


def test_referenced_types_are_not_matched() -> None:
    """firebase_from-instapaper.dex references measurement types but defines none."""
    art = _load("sdk/dex-extracted/firebase_from-instapaper.dex")
    referenced = {t for dex in art.dex_files for t in dex.type_names()}
    assert any(t.startswith("Lcom/google/android/gms/measurement/") for t in referenced)
    assert not any(c.startswith("com.google.android.gms.measurement.") for c in art.class_names)
    assert detect_sdks(art).finding("firebase-analytics") is None


# ---------------------------------------------------------------- Exodus parity oracle


def _exodus_trackers() -> list[tuple[str, re.Pattern[str]]]:
    doc = json.loads((Path(knowledge.__file__).parent / "data" / "exodus_etip.json").read_text(encoding="utf-8"))
    # exodus-core: re.compile(code_signature), skipped when len(code_signature) <= 3.
    return [(f"exodus-{t['id']}", re.compile(t["code_signature"])) for t in doc["trackers"]
            if len(t["code_signature"]) > 3]


def _dexdump_text(path: Path) -> str:
    """dexdump output for a DEX, or for every classes*.dex of a ZIP, as exodus-core collects them."""
    assert DEXDUMP is not None
    with tempfile.TemporaryDirectory() as tmp:
        files: list[str] = []
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                for info in z.infolist():
                    if _EXODUS_DEX_NAME.search(info.filename):
                        out = Path(tmp) / f"{len(files)}.dex"
                        out.write_bytes(z.read(info))
                        files.append(str(out))
        else:
            files.append(str(path))
        if not files:
            return ""
        return subprocess.run([DEXDUMP, *files], capture_output=True, text=True, errors="replace",
                              timeout=300).stdout


def _exodus_found(text: str) -> tuple[set[str], set[str]]:
    """(trackers Exodus reports, classes the dump says are defined), both from the dump text."""
    classes = {m.group(1) for line in text.splitlines() if (m := _EXODUS_CLASS.search(line))}
    found = {tid for tid, rx in _exodus_trackers() if any(rx.search(c) for c in classes)}
    return found, set(_DEFINED.findall(text))


def _datatrail_ids(report: SdkReport) -> set[str]:
    return {f.id for f in report.sdks} | {a for f in report.sdks for a in f.aliases}


# (corpus file, Exodus id) -> why Exodus is wrong there. The test checks that no class
# matching the tracker's signature is *defined* in the file (dexdump's class list).
EXODUS_WRONG: dict[tuple[str, str], str] = {
    ("sdk/dex-extracted/firebase_from-instapaper.dex", "exodus-49"):
        "only referenced: the extract keeps com/google/firebase, whose classes call "
        "com.google.android.gms.measurement types, which are defined elsewhere in the app",
}


def _parity_inputs() -> list[Path]:
    if CORPUS is None:
        return []
    paths = corpus_files("apk/**/*.apk", "apk/**/*.dex", "apk/**/*.aab", "apk/**/*.jar",
                         "sdk/dex-extracted/*.dex", "sdk/android/**/*.dex")
    large = os.environ.get("DATATRAIL_LARGE")
    if large and Path(large).is_dir():
        paths += sorted(Path(large).glob("*.apk"))
    return paths


def _rel(path: Path) -> str:
    return str(path.relative_to(CORPUS)) if CORPUS and path.is_relative_to(CORPUS) else path.name


@pytest.mark.skipif(DEXDUMP is None, reason="dexdump (Debian package dexdump) not installed")
@pytest.mark.parametrize("path", _parity_inputs(), ids=_rel)
def test_exodus_parity_dexdump(path: Path) -> None:
    text = _dexdump_text(path)
    exodus, defined = _exodus_found(text)
    ours = _datatrail_ids(detect_sdks(load_android(path)))
    rel = _rel(path)
    missing = exodus - ours
    for tracker in sorted(missing):
        reason = EXODUS_WRONG.get((rel, tracker))
        assert reason, f"{rel}: Exodus finds {tracker}, datatrail does not"
        rx = dict(_exodus_trackers())[tracker]
        assert not [c for c in defined if rx.search(c)], f"{rel}: {tracker} has defined classes: {reason}"
    stale = {t for (r, t) in EXODUS_WRONG if r == rel} - missing
    assert not stale, f"{rel}: listed as Exodus errors but datatrail agrees now: {stale}"


def test_exodus_parity_finds_something() -> None:
    """The oracle is not vacuous: it sees the trackers the corpus is known to hold."""
    if DEXDUMP is None:
        pytest.skip("dexdump not installed")
    found, defined = _exodus_found(_dexdump_text(corpus_dir() / "apk/exodus-core/instapaper.apk"))
    assert {"exodus-27", "exodus-49", "exodus-66", "exodus-67", "exodus-69", "exodus-70"} <= found
    assert any(c.startswith("com/facebook/login/") for c in defined)
    assert not any(c.startswith("com/appsflyer/") for c in defined)


def _jvm_classes(archive: Path, into: Path) -> list[Path]:
    """Class files of a JAR, or of an AAR's classes.jar and libs/*.jar, extracted under ``into``."""
    out: list[Path] = []

    def extract(z: zipfile.ZipFile, prefix: str) -> None:
        for info in z.infolist():
            if info.filename.endswith(".class"):
                target = into / prefix / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(z.read(info))
                out.append(target)
            elif info.filename.endswith(".jar"):
                with zipfile.ZipFile(io.BytesIO(z.read(info))) as inner:
                    extract(inner, prefix + info.filename.replace("/", "_") + "_dir")

    with zipfile.ZipFile(archive) as z:
        extract(z, "top")
    return out


def _javap_text(files: list[Path]) -> str:
    assert JAVAP is not None
    batches = [files[i : i + 400] for i in range(0, len(files), 400)]
    # A short-lived JVM: the C1 compiler only and the serial collector start fastest.
    flags = ["-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-v", "-p"]

    def run(batch: list[Path]) -> str:
        return subprocess.run([JAVAP, *flags, *map(str, batch)], capture_output=True, text=True,
                              errors="replace", timeout=600).stdout

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return "\n".join(pool.map(run, batches))


JVM_SDKS = sorted(rel for rel in SDK_BINARIES if rel.endswith((".jar", ".aar")))


@pytest.mark.slow
@pytest.mark.skipif(JAVAP is None, reason="javap (JDK) not installed")
@pytest.mark.parametrize("rel", JVM_SDKS)
def test_exodus_parity_javap(rel: str, tmp_path: Path) -> None:
    """Exodus's method on JVM bytecode: its regex over javap's constant-pool dump."""
    files = _jvm_classes(corpus_dir() / rel, tmp_path / "classes")
    text = _javap_text(files)
    assert text.count("Constant pool:") == len(files)
    classes = {m.group(1) for line in text.splitlines() if (m := _EXODUS_CLASS.search(line))}
    exodus = {tid for tid, rx in _exodus_trackers() if any(rx.search(c) for c in classes)}
    missing = exodus - _datatrail_ids(_report(rel))
    assert not missing, f"{rel}: Exodus finds {missing}"


# ---------------------------------------------------------------- speed


def _synthetic_names(count: int) -> list[str]:
    """Names shaped like a big app's: ~25 classes per package, a tenth of them in SDK namespaces."""
    sdk_roots = ["com.tencent.bugly.", "com.facebook.login.", "com.google.android.gms.ads.", "cn.jiguang.",
                 "com.umeng.analytics.", "com.bytedance.sdk.openadsdk.", "com.facebook."]
    names = []
    for i in range(count):
        package = i // 25
        if package % 10 == 0:
            names.append(f"{sdk_roots[package % len(sdk_roots)]}p{package % 97}.C{i}")
        else:
            names.append(f"com.app{package % 7}.feature{package % 331}.sub{package}.Class{i}")
    return names


def test_matching_speed_synthetic_500k() -> None:
    index = signature_index()
    names = _synthetic_names(500_000)
    index.match_classes(names[:1000])
    best = min(_timed(lambda: index.match_classes(names, ("com.app0",))) for _ in range(2))
    print(f"match_classes on {len(names)} names: {best * 1000:.0f} ms")
    assert best < 2.0


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@pytest.mark.slow
def test_detection_cost_on_large_apk() -> None:
    """On the benchmark APK, SDK detection costs under 10% of the scan itself."""
    from datatrail.app.pipeline import scan_file

    folder = os.environ.get("DATATRAIL_LARGE")
    apk = Path(folder or "/nonexistent") / "appium-uiautomator2-server-v10.6.6.apk"
    if not apk.is_file():
        pytest.skip("set DATATRAIL_LARGE to the fetch-large.sh directory to run the benchmark")
    scan = min(_cpu(lambda: scan_file(apk)) for _ in range(3))
    art = load_android(apk)
    art.class_names  # noqa: B018 - decoded by the loader's consumers before detection runs
    detect = min(_cpu(lambda: detect_sdks(art)) for _ in range(5))
    print(f"scan {scan * 1000:.0f} ms CPU, detect_sdks {detect * 1000:.1f} ms CPU ({detect / scan:.1%})")
    assert detect < 0.1 * scan


def _cpu(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def test_the_apps_build_namespace_is_first_party_too(tmp_path: Path) -> None:
    # A vendor's demo app: package com.jiguang.jmlinkdemo, code generated under cn.jiguang.jmlinkdemo
    # (R, BuildConfig, the launcher activity). JCore's prefix cn.jiguang. must not claim it.
    own = ("cn.jiguang.jmlinkdemo.BuildConfig", "cn.jiguang.jmlinkdemo.R$string", "cn.jiguang.jmlinkdemo.MainActivity")
    demo = synthetic_app(tmp_path, "com.jiguang.jmlinkdemo", classes=own, launcher="cn.jiguang.jmlinkdemo.MainActivity")
    report = detect_sdks(demo)
    assert report.sdks == () and report.first_party_packages == ("com.jiguang.jmlinkdemo", "cn.jiguang.jmlinkdemo")
    # The vendor's own code beside it is still found.
    real = synthetic_app(tmp_path, "com.jiguang.jmlinkdemo", classes=(*own, "cn.jiguang.api.JCoreInterface", "cn.jiguang.api.A"),
                         launcher="cn.jiguang.jmlinkdemo.MainActivity", name="real.apk")
    assert [(s.id, s.class_count) for s in detect_sdks(real).sdks] == [("jiguang-jcore", 2)]
    # Without a BuildConfig beside the launcher, its package is not taken as the app's.
    bare = synthetic_app(tmp_path, "com.jiguang.jmlinkdemo", classes=("cn.jiguang.jmlinkdemo.MainActivity",),
                         launcher="cn.jiguang.jmlinkdemo.MainActivity", name="bare.apk")
    assert detect_sdks(bare).first_party_packages == ("com.jiguang.jmlinkdemo",)


def test_anchored_signatures_need_their_anchor(tmp_path: Path) -> None:
    # JPush 2.x carries JCore's service components without any cn.jiguang code: that is JPush, not JCore.
    jpush2 = synthetic_app(tmp_path, "com.example.app", classes=(
        "cn.jpush.android.service.PushService", "cn.jpush.android.service.DaemonService", "cn.jpush.android.api.JPushInterface"))
    assert [s.id for s in detect_sdks(jpush2).sdks] == ["jiguang-jpush"]
    # Every Firebase library carries Analytics' connector interfaces; Analytics is there only with its code.
    connector = synthetic_app(tmp_path, "com.example.app", name="c.apk", classes=(
        "com.google.firebase.analytics.connector.AnalyticsConnector", "com.google.firebase.analytics.connector.a"))
    assert detect_sdks(connector).sdks == ()
    analytics = synthetic_app(tmp_path, "com.example.app", name="a.apk", classes=(
        "com.google.firebase.analytics.connector.AnalyticsConnector", "com.google.firebase.analytics.FirebaseAnalytics"))
    assert [s.id for s in detect_sdks(analytics).sdks] == ["firebase-analytics"]
