"""Endpoint extraction: precision and recall against hand-checked host lists,
the "never a Java name" property, the host filter on tricky strings, and each
source (DEX, class files, resources, res/xml, assets, native code, network
security config) with its evidence."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

import datatrail.app.android.endpoints as endpoints_module
from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.android.endpoints import extract_endpoints
from datatrail.app.android.load import load_android
from datatrail.app.shared.hosts import CodeNames, check_host
from datatrail.app.shared.strings import endpoints_in_strings
from datatrail.formats.android.dex import descriptor_to_java
from datatrail.knowledge.psl import registrable_domain
from datatrail.model.endpoint import Endpoint, EndpointReport
from tests.support import paths
from tests.support.corpus import corpus_dir
from tests.support.dex_factory import build_dex
from tests.support.elf_factory import make_elf
from tests.support.factories import Elem, build_apk, build_arsc, build_axml

FIXTURES = paths.FIXTURES / "endpoints"

# fixture name -> corpus path
APPS = {
    "jamendo": "apk/androguard/com.teleca.jamendo_35.apk",
    "instapaper": "apk/exodus-core/instapaper.apk",
    "bugly-upgrade-demo": "apk/bugly-demo/BuglyUpgradeDemo-demo.apk",
    "blooddonation": "apk/exodus-core/blooddonation.apk",
    "qq-mta": "sdk/android/tencent/qq_mta-sdk-1.6.2.jar",
    "wechat-sdk": "sdk/android/tencent/wechat-sdk-android-without-mta-5.4.3.jar",
    "umeng-analytics": "sdk/android/umeng/umeng-analytics-v6.0.1.jar",
    "adjust": "sdk/android/adjust/adjust-android.jar",
    "bugly-crash": "sdk/android/tencent/bugly_crash_release.jar",
    "jpush": "sdk/android/jiguang/jpush-android-5.8.0.jar",
    "baidu-asr": "sdk/android/baidu/bdasr_V3_20180801_d6f298a.jar",
    "weibo-sdk": "sdk/android/sina-weibo/openDefault-4.4.1.aar",
    "jverification": "sdk/android/jiguang/jverification-android-3.4.8.jar",
}

# Recall as measured when the lists were checked; a drop is a regression.
MIN_RECALL = {"instapaper": 0.94, "adjust": 0.93}


def truth(name: str) -> set[str]:
    hosts = set()
    for line in (FIXTURES / f"{name}.txt").read_text().splitlines():
        host = line.split("#", 1)[0].strip()
        if host:
            hosts.add(host)
    return hosts


_cache: dict[str, tuple[AndroidArtifact, EndpointReport]] = {}


def scanned(name: str) -> tuple[AndroidArtifact, EndpointReport]:
    if name not in _cache:
        art = load_android(corpus_dir() / APPS[name])
        _cache[name] = (art, extract_endpoints(art))
    return _cache[name]


def code_names(art: AndroidArtifact) -> set[str]:
    """Defined classes and every referenced type, lowercased, computed here
    independently of the detector's own CodeNames."""
    names = set(art.class_names)
    for dex in art.dex_files:
        names.update(descriptor_to_java(t) for t in dex.type_names() if t.startswith("L"))
    for cf in art.class_files:
        names.update(cf.class_refs)
        names.update(owner for owner, _, _ in cf.method_refs)
        names.update(owner for owner, _, _ in cf.field_refs)
    return {n.lower() for n in names}


def test_fixture_files_match_the_table() -> None:
    assert {p.stem for p in FIXTURES.glob("*.txt")} == set(APPS)
    for name in APPS:
        text = (FIXTURES / f"{name}.txt").read_text()
        assert text.startswith("# Hand-checked"), name
        assert APPS[name] in text.splitlines()[0], name


@pytest.mark.parametrize("name", sorted(APPS))
def test_precision_against_hand_checked_hosts(name: str) -> None:
    _, report = scanned(name)
    reported = {e.host for e in report.endpoints}
    real = truth(name)
    wrong = reported - real
    precision = 1.0 if not reported else (len(reported) - len(wrong)) / len(reported)
    assert precision >= 0.98, f"not real hosts: {sorted(wrong)}"
    recall = 1.0 if not real else len(reported & real) / len(real)
    assert recall >= MIN_RECALL.get(name, 1.0), f"missed: {sorted(real - reported)}"


def test_precision_over_all_fixtures() -> None:
    reported = real_hits = truth_total = found = 0
    for name in APPS:
        _, report = scanned(name)
        hosts = {e.host for e in report.endpoints}
        real = truth(name)
        reported += len(hosts)
        real_hits += len(hosts & real)
        truth_total += len(real)
        found += len(hosts & real)
    assert reported > 130
    assert real_hits / reported >= 0.98
    assert found / truth_total >= 0.97


@pytest.mark.parametrize("name", sorted(APPS))
def test_no_reported_host_is_a_java_name(name: str) -> None:
    art, report = scanned(name)
    names = sorted(code_names(art))
    assert names or not (art.dex_files or art.class_files)
    for endpoint in report.endpoints:
        host = endpoint.host
        assert host not in names
        assert not any(n.startswith(host + ".") for n in names), host
        labels = host.split(".")
        for k in range(2, len(labels)):
            assert ".".join(labels[:k]) not in names, host


def test_evidence_locations_point_back_to_strings() -> None:
    art, report = scanned("instapaper")
    dex = {d.name: d for d in art.dex_files}
    for endpoint in report.endpoints:
        assert 1 <= len(endpoint.sources) <= 20 and endpoint.source_count >= len(endpoint.sources)
        for source in endpoint.sources:
            assert len(source.context) <= 200
            if " string " in source.location:
                file, _, index = source.location.partition(" string ")
                text = dex[file].string(int(index))
                assert source.context in text
                assert endpoint.host in text.lower() or endpoint.host.startswith("xn--")


def test_class_file_sources_name_their_class() -> None:
    _, report = scanned("qq-mta")
    ping = next(e for e in report.endpoints if e.host == "pingma.qq.com")
    assert ping.cleartext and ping.schemes == ("http",)
    assert "http://pingma.qq.com:80/mstat/report" in ping.urls
    for source in ping.sources:
        assert source.owner_class is not None
        assert source.location == source.owner_class.replace(".", "/") + ".class"


def test_sorted_grouped_and_party() -> None:
    _, report = scanned("instapaper")
    keys = [(e.registrable_domain is None, e.registrable_domain or "", e.host) for e in report.endpoints]
    assert keys == sorted(keys)
    groups = {g.domain: g for g in report.domains()}
    assert set(groups) == {e.registrable_domain for e in report.endpoints}
    assert [e.host for e in groups["crashlytics.com"].endpoints] == ["e.crashlytics.com", "settings.crashlytics.com"]
    first = {e.host: e for e in report.endpoints if e.party == "first"}
    assert set(first) == {"www.instapaper.com", "olivierpayen.com"}
    assert "reversed domain com.olivierpayen" in first["olivierpayen.com"].party_reason
    assert "'instapaper'" in first["www.instapaper.com"].party_reason
    facebook = groups["facebook.com"]
    assert facebook.party == "third" and "no relation" in facebook.party_reason
    bare = next(e for e in facebook.endpoints if e.host == "facebook.com")
    assert bare.source_count > 20 and len(bare.sources) == 20


def test_sdk_without_manifest_has_unknown_party_and_ips() -> None:
    _, report = scanned("baidu-asr")
    parties = {e.party for e in report.endpoints}
    assert parties == {"unknown"}
    ips = [e for e in report.endpoints if e.is_ip]
    assert [e.host for e in ips] == ["119.75.222.172", "182.61.62.25"]
    assert ips[0].registrable_domain is None and report.endpoints[-1].is_ip
    rejected = {r.reason: r for r in report.rejected}
    assert "3.4.0.200" in rejected["version-like"].examples
    assert {"asr.sn", "decoder-server.app"} <= set(rejected["bare-apex"].examples)


def test_network_security_config_and_native_library() -> None:
    _, report = scanned("bugly-upgrade-demo")
    hosts = {e.host: e for e in report.endpoints}
    nsc = [s for s in hosts["android.bugly.qq.com"].sources if s.location == "res/xml/network_security_config.xml"]
    assert len(nsc) == 1 and "cleartextTrafficPermitted=true" in nsc[0].context
    native = [s for s in hosts["bugly.qq.com"].sources if s.location.startswith("lib/")]
    assert len(native) == 1  # one ABI of libBugly.so is read, not both
    assert native[0].location.startswith("lib/armeabi/libBugly.so .rodata@0x")
    assert "POWERED BY bugly.qq.com" in native[0].context


def test_app_links_are_kept_apart() -> None:
    _, report = scanned("jamendo")
    assert len(report.app_links) == 16
    link = report.app_links[0]
    assert (link.scheme, link.host, link.path, link.auto_verify) == ("http", "www.jamendo.com", "/track/*", False)
    assert link.component == "com.teleca.jamendo.activity.IntentDistributorActivity"
    assert report.emails == ("android@teleca.com",)


def test_bundle_and_apk_agree() -> None:
    apk = extract_endpoints(load_android(corpus_dir() / "apk/app-info/android.apk"))
    aab = extract_endpoints(load_android(corpus_dir() / "apk/app-info/android.aab"))
    assert apk.app_links == aab.app_links and len(apk.app_links) == 3
    assert [e.host for e in apk.endpoints] == [e.host for e in aab.endpoints]
    assert {r.reason: r.count for r in apk.rejected} == {r.reason: r.count for r in aab.rejected}


# ------------------------------------------------------- a synthetic APK

def synthetic_apk(tmp_path: Path) -> Path:
    arsc, refs = build_arsc("com.synthapp.demo", {
        "string": {"api_host": "https://api.synth-app.com/v2/", "app_name": "Synth", "cdn": "cdn.assets-host.net"},
        "xml": {"preferences": "res/a1.xml"},  # a shrunk resource path
    })
    prefs = build_axml(Elem("PreferenceScreen", {}, [
        Elem("Preference", {"android:summary": "Support: https://help.synth-app.com/faq"}),
    ]))
    application = Elem("application", {"android:label": refs["string/app_name"]}, [
        Elem("activity", {"android:name": ".LinkActivity"}, [
            Elem("intent-filter", {"android:autoVerify": True}, [
                Elem("action", {"android:name": "android.intent.action.VIEW"}),
                Elem("data", {"android:scheme": "https"}),
                Elem("data", {"android:host": "links.synth-app.com", "android:pathPrefix": "/open"}),
            ]),
        ]),
    ])
    so = make_elf(64, True, rodata=b"\0tracker.native-sdk.cn\0/data/local/tmp/x.so\0", data=b"rtmp://live.stream-host.com/app\0")
    files = {
        "resources.arsc": arsc,
        "res/a1.xml": prefs,
        "res/raw/song.ogg": b"OggS\0\0\0\0" + bytes(range(256)) * 40,
        "assets/config.json": b'{\n  "endpoint": "https://conf.remote-config.io/v1",\n  "mirror": "203.205.254.157",\n'
                              b'  "doc": "http://www.example.com/ignored"\n}\n',
        "assets/page.html": b'<script src="//cdn.jsdelivr.net/npm/x.js"></script>',
        "assets/blob.bin": b"\0\1\2 https://never.read-binary.com/ \0",
        "lib/arm64-v8a/libsynth.so": so,
        "lib/armeabi-v7a/libsynth.so": so,
        "lib/arm64-v8a/libbroken.so": so[:90],  # header only: whole-file fallback, no error
        "classes.dex": build_dex(
            ["cn.jpush.android.service.PushService", "com.synthapp.demo.LinkActivity"],
            ("cn.jpush.android", "sdk.jpush.cn", "com.synthapp.demo"),
        ),
    }
    path = tmp_path / "synth.apk"
    path.write_bytes(build_apk("com.synthapp.demo", files=files, application=application))
    return path


def test_every_source_of_a_synthetic_apk(tmp_path: Path) -> None:
    report = extract_endpoints(load_android(synthetic_apk(tmp_path)))
    by_host = {e.host: e for e in report.endpoints}
    assert set(by_host) == {
        "api.synth-app.com", "help.synth-app.com", "cdn.assets-host.net",
        "conf.remote-config.io", "cdn.jsdelivr.net", "tracker.native-sdk.cn", "live.stream-host.com",
        "203.205.254.157", "sdk.jpush.cn",
    }
    where = {h: [s.location for s in e.sources] for h, e in by_host.items()}
    assert where["api.synth-app.com"] == ["resources.arsc: string/api_host"]
    (dex_source,) = by_host["sdk.jpush.cn"].sources
    assert dex_source.location.startswith("classes.dex string ") and dex_source.owner_class is None
    assert "cn.jpush.android" in {r for rej in report.rejected if rej.reason == "code-name" for r in rej.examples}
    assert where["help.synth-app.com"] == ["res/a1.xml <Preference summary>"]
    assert where["conf.remote-config.io"] == ["assets/config.json:2"]
    assert where["203.205.254.157"] == ["assets/config.json:3"]
    assert where["cdn.jsdelivr.net"] == ["assets/page.html:1 <script src>"]
    assert sorted(where["tracker.native-sdk.cn"]) == [
        "lib/arm64-v8a/libbroken.so file@0x41",   # no section headers left: whole-file scan
        "lib/arm64-v8a/libsynth.so .rodata@0x41",  # the armeabi-v7a copy is not read again
    ]
    assert where["live.stream-host.com"][0].startswith("lib/arm64-v8a/libsynth.so .data@0x")
    assert by_host["live.stream-host.com"].cleartext and by_host["live.stream-host.com"].schemes == ("rtmp",)
    assert not by_host["api.synth-app.com"].cleartext
    # First party through the package name and through the verified app link.
    assert by_host["api.synth-app.com"].party == "first"
    assert "links to synth-app.com with autoVerify" in by_host["api.synth-app.com"].party_reason
    assert by_host["cdn.jsdelivr.net"].party == "third"
    assert by_host["203.205.254.157"].party == "unknown"
    (link,) = report.app_links
    assert (link.scheme, link.host, link.path, link.component, link.auto_verify) == (
        "https", "links.synth-app.com", "/open*", "com.synthapp.demo.LinkActivity", True)
    assert dict(report.timings).keys() >= {"dex", "resources", "xml", "assets", "native", "judge"}
    assert {r.reason for r in report.rejected} >= {"placeholder"}


# ------------------------------------------------------------ the filter

def hosts(*strings: str, names: tuple[str, ...] = ()) -> list[str]:
    return [e.host for e in endpoints_in_strings(list(strings), code_names=names).endpoints]


@pytest.mark.parametrize("text,expected", [
    ("https://api.example-co.com/v1?x=1", "api.example-co.com"),
    ("http://pingma.qq.com:80/mstat/report", "pingma.qq.com"),
    ("HTTPS://WWW.Example-Shop.COM/x", "www.example-shop.com"),
    ("api.weixin.qq.com", "api.weixin.qq.com"),
    ("sdk.jpush.cn", "sdk.jpush.cn"),
    ("log2.cmpassport.com:9443", "log2.cmpassport.com"),
    ("gcm.googleapis.com/fcm/send", "gcm.googleapis.com"),
    (".doubleclick.net", "doubleclick.net"),
    ("login.sina.com.cn", "login.sina.com.cn"),
    ("see https://fabric.io/sign_up, then retry", "fabric.io"),
    ("//cdn.jsdelivr.net/npm/x", "cdn.jsdelivr.net"),
    ("http://[2001:4860:4860::8888]/dns-query", "2001:4860:4860::8888"),
    ("http://119.29.29.29/d?dn=", "119.29.29.29"),
    ("119.29.29.29", "119.29.29.29"),
    ("203.205.254.157:8080", "203.205.254.157"),
    ("8.8.8.8", "8.8.8.8"),
    ("http://bücher.de/katalog", "xn--bcher-kva.de"),
    ("wss://push.example-chat.net/ws", "push.example-chat.net"),
    ("http:\\\\bugly.qq.com", "bugly.qq.com"),
    ("ftp://user:secret@ftp.mirror-site.org/pub", "ftp.mirror-site.org"),
])
def test_real_hosts_are_found(text: str, expected: str) -> None:
    assert hosts(text) == [expected]


@pytest.mark.parametrize("text", [
    # Java names, with or without the app defining them
    "com.google.android.gms", "android.intent.action.VIEW", "org.apache.http", "io.reactivex.Observable",
    "com.tencent.mm", "com.sina.weibo", "com.android.vending", "androidx.core.app", "kotlin.in",
    "io.flutter.embedding.android", "Schedulers.io()", "java.net", "android.net",
    # files, resources, format strings, versions
    "Foo.java", "Foo.kt", "libfoo.so", "icon.png", "README.md", "crashlytics-build.properties", "buglylog.zip",
    "R.string.app_name", "%s.%s", "%s.api.example-co.com", "https://graph.%s", "1.2.3", "1.2.4.dev",
    "2.6.7.dev", "3.4.0.200", "1.2.3.4", "Version 8.0.0.1", "v1.0.0.1 released",
    # property and parameter keys under real TLDs
    "ro.build.display.id", "ro.miui.ui.version.name", "user.name", "os.name", "window.top", "ro.build.host",
    "asr.sn", "decoder-server.app", "crashlytics.installation.id", "channel.id", "dns.search", "msc.lat",
    # documentation placeholders, local and private addresses
    "www.example.com", "https://api.example.org/v1", "http://localhost:8080/", "http://test.local/",
    "api.example.test", "http://10.0.0.172/", "http://192.168.1.1", "127.0.0.1:8080", "0.0.0.0",
    "http://[::1]:8080/", "http://169.254.169.254/latest/meta-data",
    # not network URLs, or identifiers with a host's shape
    "content://com.foo.provider/items", "market://details?id=com.foo.app", "file:///android_asset/x.html",
    "fb123456://authorize", "android-app://com.foo/https/x.com", "http://schemas.android.com/apk/res/android",
    "http://www.w3.org/2000/svg", "http://www.apache.org/licenses/LICENSE-2.0", "http://xml.org/sax/features/namespaces",
    "517408942575-abc.apps.googleusercontent.com",
    # e-mail addresses are contacts, not destinations
    "support@umeng-mail.com",
])
def test_non_hosts_are_dropped(text: str) -> None:
    assert hosts(text) == [], text


def test_packages_of_the_app_are_never_hosts() -> None:
    defined = ("cn.jpush.android.service.PushService", "io.adafruit.client.Feed", "me.app.sync.Worker")
    assert hosts("cn.jpush.android", "cn.jpush.android.so", names=defined) == []
    assert hosts("io.adafruit.com", names=defined) == []  # reverse-DNS ambiguity resolved towards code
    assert hosts("io.adafruit.com") == ["io.adafruit.com"]
    assert hosts("https://me.app.sync.net/x", names=defined) == []
    names = CodeNames(defined)
    assert names.matches("cn.jpush") and names.matches("cn.jpush.android.service.pushservice")
    assert not names.matches("jpush.cn")


def test_a_url_vouches_for_an_ambiguous_bare_name() -> None:
    assert hosts("adj.st") == []
    assert sorted(hosts("adj.st", "https://app.adj.st/abc")) == ["adj.st", "app.adj.st"]
    # never for a Java root or a version
    assert hosts("com.adjust.st", "https://adjust.st/") == ["adjust.st"]


def test_emails_are_kept_separately() -> None:
    report = endpoints_in_strings(["Contact support@umeng-mail.com or https://umeng-mail.com/help"])
    assert report.emails == ("support@umeng-mail.com",)
    assert [e.host for e in report.endpoints] == ["umeng-mail.com"]


def test_check_host_reasons() -> None:
    assert check_host("api.weibo.com", in_url=False).ok
    assert check_host("Api.Weibo.com", in_url=False).reason == "uppercase"
    assert check_host("Api.Weibo.com", in_url=True).host == "api.weibo.com"
    assert check_host("user.name", in_url=False).reason == "ambiguous-tld"
    assert check_host("user.name", in_url=True).ok  # in a URL it is a host
    assert check_host("com.tencent.mm", in_url=False).reason == "java-root"
    assert check_host("foo.notatld", in_url=True).reason == "unknown-tld"
    assert check_host("co.uk", in_url=True).reason == "public-suffix"
    assert check_host("bad_label.example-co.com", in_url=True).reason == "bad-label"
    assert check_host("10.1.2.3", in_url=True).reason == "non-public-ip"
    assert check_host("3.4.0.200", in_url=False).reason == "version-like"
    assert check_host("3.4.0.200", in_url=True).ok and check_host("8.8.8.8", in_url=False).ok
    assert check_host("cn.jpush.android", in_url=True, code_names=CodeNames(["cn.jpush.android.X"])).reason == "code-name"
    verdict = check_host("[2001:4860:4860::8888]", in_url=True)
    assert verdict.is_ip and verdict.registrable_domain is None


def test_registrable_domain_uses_icann_rules_only() -> None:
    assert registrable_domain("foo.s3.amazonaws.com") == "amazonaws.com"
    assert registrable_domain("leanforinstapaper.appspot.com") == "appspot.com"
    assert registrable_domain("api.weibo.com.cn") == "weibo.com.cn"
    assert registrable_domain("a.b.bbc.co.uk") == "bbc.co.uk"
    assert registrable_domain("com") is None


def test_the_public_suffix_list_is_bundled() -> None:
    import publicsuffixlist

    assert publicsuffixlist.__version__ == "1.1.2.20261023"
    assert Path(publicsuffixlist.PSLFILE).is_file()
    from datatrail.knowledge.psl import public_suffix_list

    assert public_suffix_list().public_suffix("x.example-co.com") == "com"


def test_bounds_on_urls_and_sources() -> None:
    strings = [f"https://cdn.bulk-host.com/file{i}" for i in range(100)]
    (endpoint,) = endpoints_in_strings(strings).endpoints
    assert isinstance(endpoint, Endpoint)
    assert len(endpoint.urls) == 20 and len(endpoint.sources) == 20 and endpoint.source_count == 100
    long = "x" * 5000 + " https://deep.long-string.com/p " + "y" * 5000
    (endpoint,) = endpoints_in_strings([long]).endpoints
    assert "https://deep.long-string.com/p" in endpoint.sources[0].context
    assert len(endpoint.sources[0].context) == 200


def test_public_api() -> None:
    import datatrail.app.shared.hosts as hosts
    import datatrail.app.shared.strings as strings
    import datatrail.model.endpoint as model

    assert endpoints_module.__all__ == ["extract_endpoints", "Mentions"]
    assert sorted(hosts.__all__) == sorted([
        "CodeNames", "HostVerdict", "bare_name_problem", "check_host", "host_syntax", "registrable_domain", "version_like_ip",
    ])
    assert sorted(strings.__all__) == sorted(["Hint", "MAX_CONTEXT", "NETWORK_SCHEMES", "PartyJudge", "StringScan", "endpoints_in_strings"])
    assert sorted(model.__all__) == sorted([
        "AppLink", "DomainGroup", "Endpoint", "EndpointReport", "EndpointSource", "Party", "Rejection",
    ])


def test_scan_speed_on_many_strings() -> None:
    rng = random.Random(7)
    words = ["com", "google", "android", "gms", "Lcom/foo/Bar;", "onCreate", "api", "qq", "cn", "java", "VIEW"]
    strings = [".".join(rng.choice(words) for _ in range(rng.randint(1, 6))) for _ in range(100_000)]
    strings += [f"https://h{i}.speed-test-host.com/p" for i in range(200)]
    t0 = time.perf_counter()
    report = endpoints_in_strings(strings)
    elapsed = time.perf_counter() - t0
    assert len(report.endpoints) >= 200
    assert elapsed < 3.0, elapsed


LARGE = Path(os.environ.get("DATATRAIL_LARGE_DIR", "/tmp/large")) / "appium-uiautomator2-server-v10.6.6.apk"


@pytest.mark.slow
@pytest.mark.skipif(not LARGE.is_file(), reason="run corpus/fetch-large.sh into /tmp/large (or DATATRAIL_LARGE_DIR)")
def test_speed_on_the_large_benchmark_apk() -> None:
    art = load_android(LARGE)
    strings = sum(d.string_count for d in art.dex_files)
    assert len(art.dex_files) == 16 and strings > 100_000
    t0 = time.perf_counter()
    report = extract_endpoints(art)
    elapsed = time.perf_counter() - t0
    # string decoding included; about 0.15 s on the machine the lists were checked on
    assert elapsed < 2.0, (elapsed, report.timings)
    assert {"netty.io", "github.com"} <= {e.host for e in report.endpoints}


def test_native_libraries_in_config_splits_are_scanned(tmp_path: Path) -> None:
    """An APKS/XAPK set keeps its native code in config splits; one ABI is read, like in a single APK."""
    from datatrail.app.options import ScanOptions
    from datatrail.app.pipeline import scan_file
    from tests.support.factories import zip_bytes

    so = make_elf(64, True, rodata=b"\0api.split-native.cn\0/system/lib64/x.so\0", data=b"rtmp://relay.split-native.cn/live\0")
    base = build_apk("org.example.natives", files={"classes.dex": build_dex(["org.example.natives.Main"])})
    arm64 = build_apk("org.example.natives", split="config.arm64_v8a", files={"lib/arm64-v8a/libsplit.so": so})
    arm32 = build_apk("org.example.natives", split="config.armeabi_v7a", files={"lib/armeabi-v7a/libsplit.so": so})
    path = tmp_path / "natives.xapk"
    path.write_bytes(zip_bytes({"manifest.json": b"{}", "org.example.natives.apk": base,
                                "config.armeabi_v7a.apk": arm32, "config.arm64_v8a.apk": arm64}))
    report = extract_endpoints(load_android(path))
    by_host = {e.host: e for e in report.endpoints}
    assert set(by_host) >= {"api.split-native.cn", "relay.split-native.cn"}
    (source,) = by_host["api.split-native.cn"].sources  # the preferred ABI only
    assert source.location.startswith("config.arm64_v8a.apk!lib/arm64-v8a/libsplit.so .rodata@0x")
    # The whole scan attributes it like any other host, and the report keeps the split's path.
    scanned = scan_file(path, ScanOptions(parallel=False))
    (dest,) = [d for d in scanned.destinations if d.endpoint.host == "api.split-native.cn"]
    assert dest.endpoint.sources[0].location == source.location
    assert dest.attribution.query == "api.split-native.cn"


def test_a_field_of_a_record_in_a_message_is_no_host() -> None:
    # Countly's demo: "user.org" is one of user.name, user.email, user.phone, user.username.
    template = "{} will be cast to String"
    family = [template.format(f"user.{k}") for k in ("org", "name", "email", "phone", "username")]
    report = endpoints_in_strings(family)
    assert [e.host for e in report.endpoints] == []
    assert "user.org" in {x for r in report.rejected if r.reason == "member-name" for x in r.examples}
    # Alone, or beside other hosts, it stays what it was.
    assert hosts(template.format("user.org")) == ["user.org"]
    assert hosts(*(template.format(f"user.{k}") for k in ("org", "net", "com"))) == ["user.com", "user.net", "user.org"]
    # A URL names a host whatever its neighbours.
    assert "user.org" in hosts("see https://user.org/x", *family)
    # A whole string is no record's field: "api.example.cn" beside property keys stays.
    assert hosts("api.example.cn", "api.example.key", "api.example.secret", "api.example.token") == ["api.example.cn"]
