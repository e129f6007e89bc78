"""The SDK signature datasets: shape, provenance, required coverage, and one positive and
one negative case for every datatrail signature.

Positive cases come from the SDK binaries in the test corpus where one exists (the
table ``CORPUS_POSITIVE``) and, for every signature, from a synthetic APK built with
``tests.support.dex_factory`` holding one class per class pattern and one item per manifest,
native-library and asset pattern. Negative cases are look-alikes that must not match:
a sibling package one letter longer, a near-miss meta-data key, library or permission
name, and an app whose *own* package sits under the SDK's prefix (first party).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

import datatrail.knowledge.sdks as sdks_module
from datatrail.app.android.load import load_android
from datatrail.app.android.sdks import detect_sdks
from datatrail.knowledge.sdks import (
    SOURCE_DATATRAIL,
    SOURCE_EXODUS,
    Signature,
    categories,
    dataset_info,
    signatures,
    split_exodus_signature,
)
from tests.support import paths
from tests.support.corpus import CORPUS, corpus_dir
from tests.support.dex_factory import synthetic_app

DATA_DIR = Path(sdks_module.__file__).parent / "data"
UPSTREAM_EXODUS = paths.REPO.parent / "shared" / "data" / "etip-trackers.json"
_JAVA_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# Countries the data may name; a typo like "UK" or "CH " fails here.
ISO_COUNTRIES = {"CN", "US", "IL", "DE", "RU", "FR", "GB", "JP", "KR", "NL", "SG", "IN", "HK", "TW", "FI", "SE"}


def _doc(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return doc


OURS = _doc("sdk_signatures.json")
OUR_ENTRIES: list[dict[str, Any]] = OURS["signatures"]
OUR_IDS = [e["id"] for e in OUR_ENTRIES]


def _ours(sig_id: str) -> Signature:
    return next(s for s in signatures() if s.id == sig_id)


# ---------------------------------------------------------------- module and datasets


def test_public_api() -> None:
    assert sorted(sdks_module.__all__) == sorted([
        "Signature", "SOURCE_DATATRAIL", "SOURCE_EXODUS", "signatures", "split_exodus_signature",
        "categories", "dataset_info",
    ])


def test_dataset_info_names_both_files_with_their_licenses() -> None:
    info = {d["name"]: d for d in dataset_info()}
    assert set(info) == {"datatrail-sdk-signatures", "exodus-etip"}
    for name, filename in [("datatrail-sdk-signatures", "sdk_signatures.json"), ("exodus-etip", "exodus_etip.json")]:
        entry = info[name]
        assert set(entry) == {"name", "version", "source", "license", "sha256", "date"}
        assert all(entry.values())
        assert entry["sha256"] == hashlib.sha256((DATA_DIR / filename).read_bytes()).hexdigest()
    assert info["datatrail-sdk-signatures"]["license"] == "Apache-2.0"
    assert "ODbL" in info["exodus-etip"]["license"] and "DbCL" in info["exodus-etip"]["license"]


def test_sources_file_lists_both_datasets() -> None:
    text = (DATA_DIR / "SOURCES").read_text(encoding="utf-8")
    entries = dict(re.findall(r"^file: (\S+)$.*?^sha256: ([0-9a-f]{64})$", text, re.M | re.S))
    for name in ("sdk_signatures.json", "exodus_etip.json"):
        assert entries[name] == hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest(), name
    block = text[text.index("file: exodus_etip.json"):]
    assert "Exodus Privacy" in block.split("\nfile: ")[0] and "ODbL" in block.split("\nfile: ")[0]


def test_exodus_file_keeps_attribution_and_license() -> None:
    doc = _doc("exodus_etip.json")
    assert "Exodus Privacy" in doc["attribution"]
    assert doc["license"] == "ODbL-1.0 (database) + DbCL-1.0 (contents)"
    assert len(doc["trackers"]) == 432
    assert [t["id"] for t in doc["trackers"]] == sorted(t["id"] for t in doc["trackers"])


def test_exodus_file_is_a_faithful_copy_of_upstream() -> None:
    if not UPSTREAM_EXODUS.is_file():
        pytest.skip("upstream ETIP snapshot not available")
    raw = UPSTREAM_EXODUS.read_bytes()
    upstream = {t["id"]: t for t in json.loads(raw)["trackers"]}
    doc = _doc("exodus_etip.json")
    assert doc["upstream_sha256"] == hashlib.sha256(raw).hexdigest()
    for tracker in doc["trackers"]:
        assert tracker == {k: upstream[tracker["id"]][k] for k in tracker}


def test_our_data_is_not_copied_from_exodus() -> None:
    """Keeping the datasets apart keeps ours under our license: no Exodus-only prefix in ours."""
    exodus_prefixes = {p for s in signatures() if s.source == SOURCE_EXODUS for p in s.class_prefixes}
    ours = {p for s in signatures() if s.source == SOURCE_DATATRAIL for p in s.class_prefixes}
    shared = exodus_prefixes & ours
    # Shared facts are fine only where we verified them ourselves: every one of these
    # signatures names the corpus binary, documentation or source it came from.
    for sig in signatures():
        if sig.source == SOURCE_DATATRAIL and set(sig.class_prefixes) & shared:
            assert sig.provenance and "Exodus" not in sig.provenance.split(";")[0], sig.id


# ---------------------------------------------------------------- shape of our data


def test_ids_are_unique_and_stable_looking() -> None:
    assert len(OUR_IDS) == len(set(OUR_IDS))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in OUR_IDS)
    assert len(signatures()) == len(OUR_IDS) + 432


@pytest.mark.parametrize("entry", OUR_ENTRIES, ids=OUR_IDS)
def test_signature_entry_shape(entry: dict[str, Any]) -> None:
    assert entry["name"] and entry["vendor"] and entry["source"]
    assert entry["vendor_country"] in ISO_COUNTRIES
    assert entry.get("parent_country") in ISO_COUNTRIES | {None}
    assert entry["categories"] and set(entry["categories"]) <= set(categories())
    assert entry["class_prefixes"] or entry.get("class_packages"), "every signature identifies code"
    for prefix in entry["class_prefixes"]:
        body = prefix[:-1] if prefix.endswith(".") else prefix
        assert all(_JAVA_NAME.fullmatch(seg) for seg in body.split(".")), prefix
        assert "." in body, f"{prefix}: a one-segment prefix would be too broad"
        if not prefix.endswith("."):
            # Without the dot a prefix is a class-name prefix; a package needs its boundary.
            assert body.rpartition(".")[2][:1].isupper(), prefix
    for package in entry.get("class_packages", ()):
        assert all(_JAVA_NAME.fullmatch(seg) for seg in package.split(".")), package
    assert all(g.startswith("lib") and g.endswith(".so") for g in entry["native_libs"])
    assert all(g.startswith("assets/") for g in entry["assets"])
    assert all(not k.startswith("android:") for k in entry["manifest_meta_data"])
    exodus_ids = {t["id"] for t in _doc("exodus_etip.json")["trackers"]}
    assert set(entry["exodus_ids"]) <= exodus_ids


def test_no_exodus_entry_is_claimed_twice() -> None:
    claimed = [i for e in OUR_ENTRIES for i in e["exodus_ids"]]
    assert len(claimed) == len(set(claimed))


# ---------------------------------------------------------------- required coverage

# id -> (vendor contains, vendor home country, a category it must have)
REQUIRED: dict[str, tuple[str, str, str]] = {
    "tencent-bugly": ("Tencent", "CN", "crash-reporting"),
    "tencent-tinker": ("Tencent", "CN", "hot-fix"),
    "tencent-tbs": ("Tencent", "CN", "web-view"),
    "tencent-mta": ("Tencent", "CN", "analytics"),
    "tencent-qq-connect": ("Tencent", "CN", "login"),
    "tencent-wechat-opensdk": ("Tencent", "CN", "login"),
    "tencent-liteav": ("Tencent", "CN", "media"),
    "tencent-map": ("Tencent", "CN", "maps"),
    "alibaba-utdid": ("Alibaba", "CN", "identifiers"),
    "alipay": ("Ant Group", "CN", "payments"),
    "amap": ("Alibaba", "CN", "maps"),
    "aliyun-push": ("Alibaba", "CN", "push"),
    "baidu-location": ("Baidu", "CN", "location"),
    "baidu-maps": ("Baidu", "CN", "maps"),
    "baidu-mobstat": ("Baidu", "CN", "analytics"),
    "baidu-speech": ("Baidu", "CN", "speech"),
    "bytedance-pangle": ("ByteDance", "CN", "ads"),
    "bytedance-applog": ("ByteDance", "CN", "analytics"),
    "umeng-analytics": ("Umeng", "CN", "analytics"),
    "jiguang-jpush": ("JIGUANG", "CN", "push"),
    "jiguang-jcore": ("JIGUANG", "CN", "identifiers"),
    "jiguang-jverification": ("JIGUANG", "CN", "login"),
    "getui": ("Getui", "CN", "push"),
    "xiaomi-mipush": ("Xiaomi", "CN", "push"),
    "huawei-hms-push": ("Huawei", "CN", "push"),
    "huawei-hms-analytics": ("Huawei", "CN", "analytics"),
    "oppo-push": ("OPPO", "CN", "push"),
    "vivo-push": ("vivo", "CN", "push"),
    "meizu-push": ("Meizu", "CN", "push"),
    "honor-push": ("Honor", "CN", "push"),
    "msa-oaid": ("Mobile Security Alliance", "CN", "identifiers"),
    "china-mobile-login": ("China Mobile", "CN", "login"),
    "china-unicom-login": ("China Unicom", "CN", "login"),
    "china-telecom-login": ("China Telecom", "CN", "login"),
    "iflytek-msc": ("iFLYTEK", "CN", "speech"),
    "sina-weibo": ("Weibo", "CN", "social"),
    "qihoo-360-jiagu": ("Qihoo 360", "CN", "security"),
    "qihoo-360-analytics": ("Qihoo 360", "CN", "analytics"),
    "netease-yunxin-im": ("NetEase", "CN", "messaging"),
    "netease-yidun": ("NetEase", "CN", "security"),
    "kochava": ("Kochava", "US", "attribution"),
    "appsflyer": ("AppsFlyer", "IL", "attribution"),
    "adjust": ("Adjust", "DE", "attribution"),
    "branch": ("Branch", "US", "attribution"),
    "facebook-core": ("Meta", "US", "social"),
    "facebook-analytics": ("Meta", "US", "analytics"),
    "facebook-login": ("Meta", "US", "login"),
    "facebook-share": ("Meta", "US", "social"),
    "facebook-audience-network": ("Meta", "US", "ads"),
    "firebase-analytics": ("Google", "US", "analytics"),
    "google-admob": ("Google", "US", "ads"),
    "firebase-crashlytics": ("Google", "US", "crash-reporting"),
    "unity-ads": ("Unity", "US", "ads"),
    "applovin": ("AppLovin", "US", "ads"),
    "ironsource": ("ironSource", "IL", "ads"),
    "yandex-appmetrica": ("Yandex", "RU", "analytics"),
    "vk-sdk": ("VK", "RU", "login"),
    "mytarget": ("VK", "RU", "ads"),
    "sentry": ("Sentry", "US", "crash-reporting"),
}


@pytest.mark.parametrize("sig_id", sorted(REQUIRED))
def test_required_sdk_is_covered(sig_id: str) -> None:
    vendor, country, category = REQUIRED[sig_id]
    sig = _ours(sig_id)
    assert vendor in sig.vendor
    assert sig.vendor_country == country
    assert category in sig.categories


def test_parents_are_recorded() -> None:
    assert (_ours("adjust").parent, _ours("adjust").parent_country) == ("AppLovin", "US")
    assert (_ours("ironsource").parent, _ours("ironsource").parent_country) == ("Unity Software", "US")
    assert _ours("umeng-analytics").parent == "Alibaba Group"


# Documented entry-point classes of each SDK (vendor docs, public source, corpus
# binaries) and the signature that must own them; None = no SDK (look-alikes).
KNOWN_CLASSES: dict[str, str | None] = {
    "com.tencent.bugly.crashreport.CrashReport": "tencent-bugly",
    "com.tencent.tinker.lib.tinker.Tinker": "tencent-tinker",
    "com.tencent.smtt.sdk.QbSdk": "tencent-tbs",
    "com.tencent.stat.StatService": "tencent-mta",
    "com.tencent.wxop.stat.StatService": "tencent-mta",
    "com.tencent.tauth.Tencent": "tencent-qq-connect",
    "com.tencent.connect.share.QQShare": "tencent-qq-connect",
    "com.tencent.mm.opensdk.openapi.WXAPIFactory": "tencent-wechat-opensdk",
    "com.tencent.mm.sdk.openapi.WXAPIFactory": "tencent-wechat-opensdk",
    "com.tencent.rtmp.TXLivePusher": "tencent-liteav",
    "com.tencent.trtc.TRTCCloud": "tencent-liteav",
    "com.tencent.map.geolocation.TencentLocationManager": "tencent-map",
    "com.tencent.tencentmap.mapsdk.maps.TencentMap": "tencent-map",
    "com.qq.e.ads.splash.SplashAD": "tencent-gdt",
    "com.tencent.android.tpush.XGPushManager": "tencent-tpns",
    "com.ta.utdid2.device.UTDevice": "alibaba-utdid",
    "com.ut.device.UTDevice": "alibaba-utdid",
    "com.alipay.sdk.app.PayTask": "alipay",
    "com.amap.api.location.AMapLocationClient": "amap",
    "com.amap.api.maps.MapView": "amap",
    "com.autonavi.base.amap.mapcore.ClassTools": "amap",
    "com.alibaba.sdk.android.push.CloudPushService": "aliyun-push",
    "com.baidu.location.LocationClient": "baidu-location",
    "com.baidu.mapapi.SDKInitializer": "baidu-maps",
    "com.baidu.mobstat.StatService": "baidu-mobstat",
    "com.baidu.speech.EventManagerFactory": "baidu-speech",
    "com.bytedance.sdk.openadsdk.TTAdSdk": "bytedance-pangle",
    "com.bytedance.applog.AppLog": "bytedance-applog",
    "com.umeng.analytics.MobclickAgent": "umeng-analytics",
    "com.umeng.commonsdk.UMConfigure": "umeng-analytics",
    "com.umeng.message.PushAgent": "umeng-push",
    "cn.jpush.android.api.JPushInterface": "jiguang-jpush",
    "cn.jpush.android.service.PushService": "jiguang-jcore",
    "cn.jiguang.api.JCoreInterface": "jiguang-jcore",
    "cn.jiguang.verifysdk.api.JVerificationInterface": "jiguang-jverification",
    "com.igexin.sdk.PushManager": "getui",
    "com.xiaomi.mipush.sdk.MiPushClient": "xiaomi-mipush",
    "com.huawei.hms.push.HmsMessageService": "huawei-hms-push",
    "com.huawei.hms.analytics.HiAnalytics": "huawei-hms-analytics",
    "com.huawei.hms.api.HuaweiApiClient": "huawei-hms-core",
    "com.heytap.msp.push.HeytapPushManager": "oppo-push",
    "com.coloros.mcssdk.PushManager": "oppo-push",
    "com.vivo.push.PushClient": "vivo-push",
    "com.meizu.cloud.pushsdk.PushManager": "meizu-push",
    "com.hihonor.push.sdk.HonorPushClient": "honor-push",
    "com.bun.miitmdid.core.MdidSdk": "msa-oaid",
    "com.bun.supplier.IIdentifierListener": "msa-oaid",
    "com.cmic.gen.sdk.auth.GenAuthnHelper": "china-mobile-login",
    "com.cmic.sso.sdk.auth.AuthnHelper": "china-mobile-login",
    "com.unicom.online.account.shield.UniAccountHelper": "china-unicom-login",
    "cn.com.chinatelecom.account.api.CtAuth": "china-telecom-login",
    "cn.com.chinatelecom.gateway.lib.CtAuth": "china-telecom-login",
    "com.iflytek.cloud.SpeechUtility": "iflytek-msc",
    "com.sina.weibo.sdk.WbSdk": "sina-weibo",
    "com.stub.StubApp": "qihoo-360-jiagu",
    "com.qihoo.sdk.report.QHStatAgent": "qihoo-360-analytics",
    "com.netease.nimlib.sdk.NIMClient": "netease-yunxin-im",
    "com.qiyukf.unicorn.api.Unicorn": "netease-qiyu",
    "com.netease.nis.captcha.Captcha": "netease-yidun",
    "com.kochava.tracker.Tracker": "kochava",
    "com.kochava.core.job.job.internal.JobAction": "kochava",
    "com.kochava.base.Tracker": "kochava",
    "com.appsflyer.AppsFlyerLib": "appsflyer",
    "com.adjust.sdk.Adjust": "adjust",
    "io.branch.referral.Branch": "branch",
    "com.facebook.FacebookSdk": "facebook-core",
    "com.facebook.appevents.AppEventsLogger": "facebook-analytics",
    "com.facebook.login.LoginManager": "facebook-login",
    "com.facebook.share.widget.ShareDialog": "facebook-share",
    "com.facebook.ads.AdView": "facebook-audience-network",
    "com.google.firebase.analytics.FirebaseAnalytics": "firebase-analytics",
    "com.google.android.gms.measurement.AppMeasurement": "firebase-analytics",
    "com.google.android.gms.ads.AdView": "google-admob",
    "com.google.android.gms.ads.identifier.AdvertisingIdClient": "google-ads-identifier",
    "com.google.android.gms.common.GoogleApiAvailability": "google-play-services",
    "com.crashlytics.android.Crashlytics": "firebase-crashlytics",
    "com.google.firebase.crashlytics.FirebaseCrashlytics": "firebase-crashlytics",
    "com.unity3d.ads.UnityAds": "unity-ads",
    "com.applovin.sdk.AppLovinSdk": "applovin",
    "com.ironsource.mediationsdk.IronSource": "ironsource",
    "com.yandex.metrica.YandexMetrica": "yandex-appmetrica",
    "io.appmetrica.analytics.AppMetrica": "yandex-appmetrica",
    "com.vk.api.sdk.VK": "vk-sdk",
    "com.vk.id.VKID": "vk-sdk",
    "com.my.target.ads.InterstitialAd": "mytarget",
    "com.my.tracker.MyTracker": "mytracker",
    "io.sentry.Sentry": "sentry",
    # look-alikes that belong to no SDK
    "com.unity3d.player.UnityPlayer": None,
    "com.facebook.react.ReactActivity": None,
    "com.facebook.drawee.view.SimpleDraweeView": None,
    "com.facebook.common.internal.Preconditions": None,
    "com.facebook.soloader.SoLoader": None,
    "com.tencent.buglyx.CrashReport": None,
    "com.kochavax.Tracker": None,
    "com.google.android.material.button.MaterialButton": None,
    "androidx.core.app.ActivityCompat": None,
    "com.squareup.okhttp3.OkHttpClient": None,
    "io.sentryx.Sentry": None,
    "com.appsflyerx.AppsFlyerLib": None,
}


def test_known_entry_point_classes_are_attributed(tmp_path: Path) -> None:
    art = synthetic_app(tmp_path, "org.example.host", classes=tuple(KNOWN_CLASSES))
    report = detect_sdks(art)
    wrong = {c: (report.owner_of(c), want) for c, want in KNOWN_CLASSES.items() if report.owner_of(c) != want}
    assert not wrong


# ---------------------------------------------------------------- positive and negative cases

# Corpus binaries that contain the SDK (positive cases from real bytecode).
CORPUS_POSITIVE: dict[str, str] = {
    "tencent-bugly": "sdk/android/tencent/bugly_crash_release.jar",
    "tencent-tinker": "apk/bugly-demo/BuglyHotfixDemo-app-release.apk",
    "tencent-mta": "sdk/android/tencent/qq_mta-sdk-1.6.2.jar",
    "tencent-qq-connect": "sdk/android/tencent/qq_sdk_v3.3.5.jar",
    "tencent-wechat-opensdk": "sdk/android/tencent/wechat-sdk-android-without-mta-5.4.3.jar",
    "tencent-liteav": "sdk/android/tencent/liteavsdk.jar",
    "tencent-weibo": "sdk/android/tencent/tx_weibo_sdk.jar",
    "baidu-location": "sdk/android/baidu/BaiduLBS_Android-geolocation.jar",
    "baidu-maps": "sdk/android/baidu/BaiduLBS_Android.jar",
    "baidu-speech": "sdk/android/baidu/bdasr_V3_20180801_d6f298a.jar",
    "umeng-analytics": "sdk/android/umeng/umeng-analytics-v6.0.1.jar",
    "jiguang-jcore": "sdk/android/jiguang/jcore-android-5.3.0.aar",
    "jiguang-jpush": "sdk/android/jiguang/jpush-android-5.8.0.jar",
    "jiguang-jverification": "sdk/android/jiguang/jverification-android-3.4.8.jar",
    "china-mobile-login": "sdk/android/jiguang/jverification-android-3.4.8.jar",
    "china-unicom-login": "sdk/android/jiguang/jverification-android-3.4.8.jar",
    "china-telecom-login": "sdk/android/jiguang/jverification-android-3.4.8.jar",
    "iflytek-msc": "sdk/android/iflytek/Msc.jar",
    "sina-weibo": "sdk/android/sina-weibo/openDefault-4.4.1.aar",
    "adjust": "sdk/android/adjust/adjust-android.jar",
    "facebook-core": "sdk/dex-extracted/facebook-sdk_from-instapaper.dex",
    "facebook-analytics": "sdk/dex-extracted/facebook-sdk_from-instapaper.dex",
    "facebook-login": "sdk/dex-extracted/facebook-sdk_from-instapaper.dex",
    "facebook-share": "sdk/dex-extracted/facebook-sdk_from-instapaper.dex",
    "facebook-places": "sdk/dex-extracted/facebook-sdk_from-instapaper.dex",
    "firebase-installations": "sdk/dex-extracted/firebase_from-instapaper.dex",
    "firebase-remote-config": "sdk/dex-extracted/firebase_from-instapaper.dex",
    "firebase-analytics": "apk/exodus-core/instapaper.apk",
    "firebase-crashlytics": "apk/exodus-core/instapaper.apk",
    "google-ads-identifier": "apk/exodus-core/instapaper.apk",
    "google-play-services": "apk/exodus-core/blooddonation.apk",
    "google-admob": "apk/exodus-core/blooddonation.apk",
}


@pytest.mark.parametrize("sig_id", sorted(CORPUS_POSITIVE))
def test_positive_from_corpus_binary(sig_id: str) -> None:
    path = corpus_dir() / CORPUS_POSITIVE[sig_id]
    report = detect_sdks(load_android(path))
    finding = report.finding(sig_id)
    assert finding is not None and finding.class_count > 0


def _fill(glob: str, filler: str) -> str:
    return glob.replace("*", filler).replace("?", "x")


def _near_miss(glob: str, filler: str) -> str:
    """A value one character away from matching: changed where the glob is literal."""
    value = _fill(glob, filler)
    return "x" + value if glob.endswith("*") else value + "_X"


def _example_class(pattern: str) -> str:
    # "com.tencent.bugly." -> "com.tencent.bugly.Sample"; raw "com.facebook.Facebook" -> "...FacebookSample"
    return pattern + "Sample"


@pytest.mark.parametrize("sig_id", OUR_IDS)
def test_positive_synthetic(sig_id: str, tmp_path: Path) -> None:
    """One class per class pattern is owned by the signature; every other pattern is evidence."""
    sig = _ours(sig_id)
    classes = tuple(_example_class(p) for p in sig.class_prefixes) + tuple(f"{p}.Sample" for p in sig.class_packages)
    art = synthetic_app(
        tmp_path,
        "org.example.host",
        classes=classes,
        meta_data=tuple(_fill(k, "KEY") for k in sig.manifest_meta_data),
        permissions=tuple(_fill(p, "org.example.host") for p in sig.manifest_permissions),
        components=tuple(("activity", _fill(c, "org.example.host")) for c in sig.manifest_components),
        files={
            **{f"lib/arm64-v8a/{_fill(g, 'x')}": b"\x7fELF" for g in sig.native_libs},
            **{_fill(g, "x"): b"x" for g in sig.assets},
        },
    )
    report = detect_sdks(art)
    finding = report.finding(sig_id)
    assert finding is not None
    for name in classes:
        assert report.owner_of(name) == sig_id, name
    assert finding.class_count == len(classes)
    kinds = {e.kind for e in finding.evidence}
    assert ("native-lib" in kinds) == bool(sig.native_libs)
    assert ("manifest-meta-data" in kinds) == bool(sig.manifest_meta_data)
    assert ("manifest-permission" in kinds) == bool(sig.manifest_permissions)
    assert ("asset" in kinds) == bool(sig.assets)
    if sig.manifest_components:
        assert "manifest-component" in kinds


@pytest.mark.parametrize("sig_id", OUR_IDS)
def test_negative_lookalikes_synthetic(sig_id: str, tmp_path: Path) -> None:
    """Near-miss names of every kind must not produce the SDK."""
    sig = _ours(sig_id)
    lookalikes: list[str] = []
    for p in sig.class_prefixes:
        if p.endswith("."):
            lookalikes.append(p[:-1] + "x.Sample")  # "com.tencent.bugly." vs "com.tencent.buglyx."
        else:
            head, _, last = p.rpartition(".")
            lookalikes.append(f"{head}.{last[:-1]}.Sample" if len(last) > 1 else f"{head}x.Sample")
    lookalikes += [f"{p}x.Sample" for p in sig.class_packages]
    art = synthetic_app(
        tmp_path,
        "org.example.host",
        classes=tuple(lookalikes),
        meta_data=tuple(_near_miss(k, "KEY") for k in sig.manifest_meta_data),
        permissions=tuple(_near_miss(p, "org.example.host") for p in sig.manifest_permissions),
        components=tuple(("activity", _near_miss(c, "org.example.host")) for c in sig.manifest_components),
        files={
            **{f"lib/arm64-v8a/x{_fill(g, 'x')}": b"\x7fELF" for g in sig.native_libs},
            **{"assets/other/" + _fill(g, "x").rpartition("/")[2] + ".bak": b"x" for g in sig.assets},
        },
    )
    report = detect_sdks(art)
    assert report.finding(sig_id) is None, [c for c in lookalikes if report.owner_of(c) == sig_id]


@pytest.mark.parametrize("sig_id", OUR_IDS)
def test_negative_app_own_package_named_like_the_sdk(sig_id: str, tmp_path: Path) -> None:
    """An app whose own package lies under the SDK's prefix is first party, not the SDK."""
    sig = _ours(sig_id)
    prefix = sig.class_prefixes[0] if sig.class_prefixes else sig.class_packages[0] + "."
    package = (prefix if prefix.endswith(".") else prefix + ".") + "myapp"
    art = synthetic_app(tmp_path, package, classes=(f"{package}.MainActivity", f"{package}.ui.Settings"))
    report = detect_sdks(art)
    assert report.finding(sig_id) is None
    assert report.owner_of(f"{package}.MainActivity") is None


# ---------------------------------------------------------------- Exodus signature reading


@pytest.mark.parametrize(
    ("code_signature", "prefixes", "regexes"),
    [
        ("com.databerries.|com.geolocstation.", ("com.databerries.", "com.geolocstation."), ()),
        ("com.krux.androidsdk", ("com.krux.androidsdk.",), ()),  # a package: the boundary is restored
        ("com.facebook.CampaignTrackingReceiver", ("com.facebook.CampaignTrackingReceiver",), ()),  # a class
        ("com.tune|com.mobileapptracker", ("com.tune.", "com.mobileapptracker."), ()),
        ("com.sam4mobile.|.S4MAnalytic", ("com.sam4mobile.",), (".S4MAnalytic",)),
        ("com.github.backtrace-labs.", (), ("com.github.backtrace-labs.",)),
        ("", (), ()),
        (".", (), ()),  # exodus-core skips signatures of three characters or fewer
        ("ab.Cd|ab.Cd", ("ab.Cd",), ()),
    ],
)
def test_split_exodus_signature(code_signature: str, prefixes: tuple[str, ...], regexes: tuple[str, ...]) -> None:
    assert split_exodus_signature(code_signature) == (prefixes, regexes)


def test_exodus_entries_load_with_mapped_categories() -> None:
    sig = next(s for s in signatures() if s.id == "exodus-27")
    assert sig.name == "Google CrashLytics" and sig.source == SOURCE_EXODUS
    assert sig.categories == ("crash-reporting",)
    assert "io.fabric." in sig.class_prefixes and sig.vendor == "unknown" and sig.vendor_country is None


def test_corpus_constant_points_at_corpus() -> None:
    if CORPUS is None:
        pytest.skip("no corpus")
    assert all((CORPUS / path).is_file() for path in CORPUS_POSITIVE.values())
