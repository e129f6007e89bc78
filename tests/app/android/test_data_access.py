"""Tests of the data-access detector: curated APIs found invoked in code.

Synthetic DEX files (built with real code items) fix the exact answer for
each rule: an API referenced but never invoked is not reported, refinements
need their evidence in the calling class (or its top-level class), subclass
chains reach the curated base classes, results merge across files. On corpus
apps every reported dex location must be an invoke ``dexdump`` also shows.
"""

from __future__ import annotations

import re
import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.android.data_access import detect_data_access
from datatrail.app.android.load import load_android
from datatrail.errors import CorruptInput
from datatrail.formats.android.classfile import ClassFile
from datatrail.formats.android.dex import DexFile
from datatrail.knowledge.api_access import api_access
from datatrail.model.data_access import ApiUse
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.report import InputFile
from tests.support.corpus import CORPUS
from tests.support.dex_code_factory import Index, build_code_dex, dexdump_users, fix_checksum, u16

NO_CORPUS = "test corpus not found (set DATATRAIL_CORPUS)"

TM = "Landroid/telephony/TelephonyManager;"
SECURE = "Landroid/provider/Settings$Secure;"
RESOLVER = "Landroid/content/ContentResolver;"
CONTACTS = "Landroid/provider/ContactsContract$Contacts;"
BUILD = "Landroid/os/Build;"
SMS = "Landroid/telephony/SmsManager;"
ACCESSIBILITY = "Landroid/accessibilityservice/AccessibilityService;"


def invoke(ix: Index, cls: str, name: str) -> bytes:
    return bytes([0x71, 0x00]) + u16(ix.m(cls, name), 0)


def const_string(ix: Index, text: str) -> bytes:
    return bytes([0x1A, 0x00]) + u16(ix.s(text))


def sget(ix: Index, cls: str, name: str) -> bytes:
    return bytes([0x62, 0x00]) + u16(ix.f(cls, name))


RET = u16(0x000E)


def artifact(*dex_blobs: bytes, class_files: tuple[ClassFile, ...] = ()) -> AndroidArtifact:
    log = DiagnosticLog()
    art = AndroidArtifact(input=InputFile("test.apk", "0" * 64, 0, "apk"), log=log)
    for n, blob in enumerate(dex_blobs):
        name = "classes.dex" if n == 0 else f"classes{n + 1}.dex"
        art.dex_files.append(DexFile(blob, name, log))
    art.class_files.extend(class_files)
    return art


def by_key(uses: tuple[ApiUse, ...]) -> dict[tuple[str, str], ApiUse]:
    keys = [(u.api, u.data) for u in uses]
    assert len(set(keys)) == len(keys), "one ApiUse per (api, data)"
    return {(u.api, u.data): u for u in uses}


def app_dex() -> bytes:
    refs = [
        (TM, "getDeviceId"), (TM, "getSubscriberId"), (SECURE, "getString"), (RESOLVER, "query"),
        (SMS, "sendTextMessage"),
    ]
    return build_code_dex(
        {
            "Lcom/sdk/Ids;": [
                ("imei", lambda ix: invoke(ix, TM, "getDeviceId") + RET),
                ("aid", lambda ix: const_string(ix, "android_id") + invoke(ix, SECURE, "getString") + RET),
                ("serial", lambda ix: sget(ix, BUILD, "SERIAL") + RET),
            ],
            # The key constant sits in the outer class, the call in a lambda class.
            "Lcom/sdk/Ids$1;": [("run", lambda ix: invoke(ix, SECURE, "getString") + RET)],
            "Lcom/app/Settings;": [("read", lambda ix: invoke(ix, SECURE, "getString") + RET)],
            "Lcom/app/Inbox;": [
                ("load", lambda ix: const_string(ix, "content://sms/inbox") + RET),
                ("query", lambda ix: invoke(ix, RESOLVER, "query") + RET),
            ],
            "Lcom/app/People;": [("list", lambda ix: sget(ix, CONTACTS, "CONTENT_URI") + invoke(ix, RESOLVER, "query") + RET)],
            "Lcom/app/Files;": [("list", lambda ix: invoke(ix, RESOLVER, "query") + RET)],
            "Lcom/app/Texter;": [("send", lambda ix: invoke(ix, SMS, "sendTextMessage") + RET)],
            # getSubscriberId is referenced (a method_id) by nobody's code.
            "Lcom/app/Idle;": [("noop", lambda ix: RET)],
            "Lcom/app/A11y;": [],
            "Lcom/app/MyA11y;": [],
        },
        refs=refs,
        fields=[(BUILD, "SERIAL"), (CONTACTS, "CONTENT_URI")],
        strings=["android_id", "content://sms/inbox"],
        supers={"Lcom/app/A11y;": ACCESSIBILITY, "Lcom/app/MyA11y;": "Lcom/app/A11y;"},
    ).blob


def test_rules_on_a_synthetic_app() -> None:
    art = artifact(app_dex())
    uses = by_key(detect_data_access(art))
    imei = uses[("android.telephony.TelephonyManager.getDeviceId", "IMEI/MEID")]
    assert imei.callers == ("com.sdk.Ids",)
    assert imei.locations == ("classes.dex: Lcom/sdk/Ids;->imei",)
    assert imei.data_categories == ("Device or other IDs",)
    assert imei.permission == "android.permission.READ_PHONE_STATE"

    # Referenced, never invoked: no claim.
    assert not any(api.endswith("getSubscriberId") for api, _ in uses)

    aid = uses[("android.provider.Settings$Secure.getString", "Android ID")]
    assert aid.callers == ("com.sdk.Ids$1", "com.sdk.Ids")  # class_def order: "$" sorts before ";"
    generic = uses[("android.provider.Settings$Secure.getString", "secure setting")]
    assert generic.callers == ("com.app.Settings",) and generic.data_categories == ()

    assert uses[("android.os.Build.SERIAL", "device serial")].locations == ("classes.dex: Lcom/sdk/Ids;->serial",)

    sms = uses[("android.content.ContentResolver.query", "SMS")]
    assert sms.callers == ("com.app.Inbox",)
    assert sms.permission == "android.permission.READ_SMS" and sms.data_categories == ("Messages",)
    contacts = uses[("android.content.ContentResolver.query", "contacts")]
    assert contacts.callers == ("com.app.People",)
    # A query with no provider evidence says nothing.
    assert not any("com.app.Files" in u.callers for u in uses.values())

    send = uses[("android.telephony.SmsManager.sendTextMessage", "sends SMS")]
    assert send.data_categories == ()

    a11y = uses[("android.accessibilityservice.AccessibilityService", "screen content and input (accessibility)")]
    assert a11y.callers == ("com.app.A11y", "com.app.MyA11y")
    assert any("Lcom/app/MyA11y; extends " + ACCESSIBILITY in loc for loc in a11y.locations)
    assert not art.log.items


def test_merge_across_dex_files_caps_locations() -> None:
    def many(prefix: str) -> bytes:
        classes = {f"L{prefix}/C{i};": [("m", lambda ix: invoke(ix, TM, "getDeviceId") + RET)] for i in range(4)}
        return build_code_dex(classes, refs=[(TM, "getDeviceId")]).blob

    art = artifact(many("a"), many("b"))
    (use,) = [u for u in detect_data_access(art) if u.api.endswith("getDeviceId")]
    assert use.callers == tuple(f"a.C{i}" for i in range(4)) + tuple(f"b.C{i}" for i in range(4))
    assert len(use.locations) == 5
    assert use.locations[0] == "classes.dex: La/C0;->m" and use.locations[4] == "classes2.dex: Lb/C0;->m"


def test_class_files_use_constant_pool_references() -> None:
    cf = ClassFile(
        name="cn.sdk.Collector",
        super_name="java.lang.Object",
        interfaces=(),
        major_version=52,
        strings=("android_id",),
        class_refs=("android.provider.Settings$Secure",),
        method_refs=(
            ("android.provider.Settings$Secure", "getString", "(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;"),
            ("android.net.wifi.WifiInfo", "getMacAddress", "()Ljava/lang/String;"),
            ("[B", "clone", "()Ljava/lang/Object;"),
        ),
        field_refs=(),
    )
    service = ClassFile(
        name="cn.sdk.Listener",
        super_name="android.service.notification.NotificationListenerService",
        interfaces=(),
        major_version=52,
        strings=(),
        class_refs=(),
        method_refs=(),
        field_refs=(),
    )
    uses = by_key(detect_data_access(artifact(class_files=(cf, service))))
    assert uses[("android.provider.Settings$Secure.getString", "Android ID")].callers == ("cn.sdk.Collector",)
    mac = uses[("android.net.wifi.WifiInfo.getMacAddress", "MAC address")]
    assert mac.locations == ("cn/sdk/Collector.class: Lcn/sdk/Collector;",)
    assert uses[("android.service.notification.NotificationListenerService", "notifications")].callers == ("cn.sdk.Listener",)


def test_superclass_cycles_are_bounded() -> None:
    blob = build_code_dex(
        {"Lx/A;": [], "Lx/B;": []}, supers={"Lx/A;": "Lx/B;", "Lx/B;": "Lx/A;"}
    ).blob
    assert detect_data_access(artifact(blob)) == ()


def test_damaged_code_gives_diagnostics_not_errors() -> None:
    blob = bytearray(app_dex())
    class_defs_off = struct.unpack_from("<I", blob, 100)[0]
    count = struct.unpack_from("<I", blob, 96)[0]
    for k in range(count):
        struct.pack_into("<I", blob, class_defs_off + 32 * k + 24, len(blob) * 2)
    art = artifact(fix_checksum(blob))
    # Without readable class_data no code can be attributed; subclasses still can.
    uses = detect_data_access(art)
    assert [u.api for u in uses] == ["android.accessibilityservice.AccessibilityService"]
    assert "dex.class-data" in {d.code for d in art.log.items}
    # Cut off mid-code: whatever remains is read, nothing raises.
    whole = app_dex()
    for cut in range(0x70, len(blob), 7):
        try:
            part = artifact(whole[:cut])
        except CorruptInput:  # DexFile may refuse a file cut inside its tables
            continue
        detect_data_access(part)


# ------------------------------------------------------------------ corpus

def _corpus_apk(rel: str) -> Path:
    if CORPUS is None or not (CORPUS / rel).is_file():
        pytest.skip(NO_CORPUS)
    return CORPUS / rel


def test_bugly_demo_reads_device_ids() -> None:
    art = load_android(_corpus_apk("apk/bugly-demo/BuglyHotfixDemo-app-release.apk"))
    uses = by_key(detect_data_access(art))
    bugly = "com.tencent.bugly.crashreport.common.info.b"
    assert bugly in uses[("android.telephony.TelephonyManager.getSimSerialNumber", "SIM serial")].callers
    assert bugly in uses[("android.provider.Settings$Secure.getString", "Android ID")].callers
    assert bugly in uses[("android.os.Build.SERIAL", "device serial")].callers
    # NotificationManagerCompat reads another secure setting, not the Android ID.
    assert "android.support.v4.app.NotificationManagerCompat" in uses[
        ("android.provider.Settings$Secure.getString", "secure setting")
    ].callers


def test_instapaper_advertising_id() -> None:
    art = load_android(_corpus_apk("apk/exodus-core/instapaper.apk"))
    uses = by_key(detect_data_access(art))
    ad = uses[("com.google.android.gms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo", "advertising ID")]
    assert ad.callers and all(c.startswith("com.google.android.gms.") for c in ad.callers)


def test_jiguang_sdk_from_class_files() -> None:
    art = load_android(_corpus_apk("sdk/android/jiguang/jcore-android-5.3.0.aar"))
    uses = by_key(detect_data_access(art))
    assert ("android.telephony.TelephonyManager.getDeviceId", "IMEI/MEID") in uses
    assert ("android.net.wifi.WifiInfo.getMacAddress", "MAC address") in uses
    assert all(c.startswith("cn.jiguang.") for u in uses.values() for c in u.callers)


_LOCATION = re.compile(r"^(classes\d*\.dex): (L[^;]+;)->(.+)$")


@pytest.mark.parametrize(
    "rel",
    [
        "apk/exodus-core/instapaper.apk",
        "apk/bugly-demo/BuglyHotfixDemo-app-release.apk",
        "apk/androguard/a2dp.Vol_137.apk",
    ],
)
def test_every_dex_location_is_a_dexdump_invoke(rel: str, tmp_path: Path) -> None:
    """Each reported ``file: class->method`` really invokes (or reads) the API per dexdump."""
    if shutil.which("dexdump") is None:
        pytest.skip("dexdump not installed")
    apk = _corpus_apk(rel)
    art = load_android(apk)
    uses = detect_data_access(art)
    assert uses
    with zipfile.ZipFile(apk) as z:
        oracles = {n: (dexdump_users(z.read(n), tmp_path), DexFile(z.read(n))) for n in z.namelist() if re.fullmatch(r"classes\d*\.dex", n)}
    table = {e.api: e for e in api_access().entries}
    checked = 0
    for use in uses:
        entry = table[use.api]
        if entry.kind == "extends":
            continue
        for loc in use.locations:
            m = _LOCATION.match(loc)
            assert m, loc
            oracle, dex = oracles[m.group(1)]
            desc = entry.descriptor
            if entry.kind == "method":
                idxs = {i for i, (c, n, _p) in enumerate(dex.method_refs()) if c == desc and n == entry.member}
                pairs = set().union(*(oracle.methods.get(i, set()) for i in idxs))
            else:
                idxs = {i for i, (c, n, _t) in enumerate(dex.field_refs()) if c == desc and n == entry.member}
                pairs = set().union(*(oracle.fields.get(i, set()) for i in idxs))
            assert (m.group(2), m.group(3)) in pairs, loc
            checked += 1
    assert checked
