"""iOS patterns in the shared SDK signature database: shape, a positive and a negative case each."""

from __future__ import annotations

import re

import pytest

from datatrail.app.ios.sdks import IosSdkInput, detect_ios_sdks, framework_name
from datatrail.knowledge.sdks import SOURCE_DATATRAIL, Signature, signatures

IOS_SIGS = [s for s in signatures() if s.source == SOURCE_DATATRAIL and (s.ios_class_prefixes or s.ios_classes or s.ios_frameworks)]
# Classes every iOS app defines or Apple ships: no SDK may claim them.
APPLE_AND_APP = (
    "AppDelegate", "SceneDelegate", "ViewController", "NSObject", "UIViewController", "UIApplication",
    "ASIdentifierManager", "ATTrackingManager", "CLLocationManager", "CNContactStore", "PHPhotoLibrary",
    "AVCaptureSession", "WKWebView", "SKStoreReviewController", "UNUserNotificationCenter", "CTTelephonyNetworkInfo",
    "MKMapView", "GCDAsyncSocket", "AFHTTPSessionManager", "SDWebImageManager", "FMDatabase", "MBProgressHUD",
)
REQUIRED = {
    "jiguang-jpush": "JPUSHService", "jiguang-jverification": "JVERIFICATIONService", "tencent-wechat-opensdk": "WXApi",
    "alipay": "AlipaySDK", "umeng-analytics": "UMConfigure", "tencent-bugly": "Bugly", "firebase-analytics": "FIRAnalytics",
    "facebook-core": "FBSDKApplicationDelegate", "appsflyer": "AppsFlyerLib", "adjust": "Adjust", "kochava": "KVATracker",
    "china-mobile-login": "UASDKLogin", "china-telecom-login": "EAccountOpenPageSDK",
}


def _ids(classes: tuple[str, ...] = (), frameworks: tuple[str, ...] = ()) -> list[str]:
    result = detect_ios_sdks(IosSdkInput({"bin": classes} if classes else {}, {f: (f,) for f in frameworks}))
    return [s.id for s in result.report.sdks]


def test_required_sdks_have_ios_patterns() -> None:
    for sdk_id, cls in REQUIRED.items():
        assert _ids((cls,)) == [sdk_id], cls


@pytest.mark.parametrize("sig", IOS_SIGS, ids=lambda s: s.id)
def test_shape(sig: Signature) -> None:
    for p in (*sig.ios_class_prefixes, *sig.ios_classes):
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{2,}", p), p
    for g in sig.ios_frameworks:
        assert "/" not in g and not g.endswith((".framework", ".a", ".dylib")), g
    assert sig.ios_class_prefixes or sig.ios_classes


@pytest.mark.parametrize("sig", IOS_SIGS, ids=lambda s: s.id)
def test_each_prefix_positive(sig: Signature) -> None:
    for p in sig.ios_class_prefixes:
        found = _ids((p + "Manager",))
        # A longer prefix of another signature may own "<prefix>Manager" only if it starts with this one.
        assert found == [sig.id] or any(q.startswith(p) and q != p for s in IOS_SIGS for q in s.ios_class_prefixes), (p, found)
    for c in sig.ios_classes:
        assert _ids((c,)) == [sig.id]


@pytest.mark.parametrize("sig", [s for s in IOS_SIGS if s.ios_frameworks], ids=lambda s: s.id)
def test_each_framework_positive(sig: Signature) -> None:
    for g in sig.ios_frameworks:
        name = g.replace("*", "Kit")
        assert sig.id in _ids(frameworks=(name,)), g


def test_negatives() -> None:
    assert _ids(APPLE_AND_APP) == []
    assert _ids(frameworks=("Foundation", "UIKit", "libswiftCore", "libz.1", "Alamofire", "SDWebImage")) == []
    # Exact names are exact: "Adjust" is the SDK's class, "AdjustableSlider" is not.
    assert _ids(("AdjustableSlider", "BranchNode")) == []


def test_longest_prefix_wins_and_confidence() -> None:
    result = detect_ios_sdks(IosSdkInput({"bin": tuple(f"FBSDKLoginButton{i}" for i in range(12)) + ("FBSDKSettings",)}, {}))
    by_id = {s.id: s for s in result.report.sdks}
    assert by_id["facebook-login"].class_count == 12 and by_id["facebook-login"].confidence == "high"
    assert by_id["facebook-core"].class_count == 1 and by_id["facebook-core"].confidence == "low"
    assert result.binary_owner == {"bin": ("facebook-login", "Facebook Login")}


def test_swift_mangled_class_names_count_by_module() -> None:
    assert _ids(("_TtC6Sentry12SentryClient",)) == ["sentry"]


def test_framework_names() -> None:
    assert framework_name("@rpath/FBSDKCoreKit.framework/FBSDKCoreKit") == "FBSDKCoreKit"
    assert framework_name("Payload/A.app/Frameworks/AppsFlyerLib.framework/") == "AppsFlyerLib"
    assert framework_name("/usr/lib/libz.1.dylib") == "libz.1"
    assert framework_name("libJPush-5.7.0-arm64.a") == "libJPush-5.7.0-arm64"
