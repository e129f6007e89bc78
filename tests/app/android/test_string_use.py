"""Where the code sends a host it loads, on real apps: to people (an Intent, the screen, a log),
on as content (a share's link), only compared, a file's name - references or not hosts - or to
the network, where it stays an endpoint. dexdump's disassembly is the oracle for the sites."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import pytest

from datatrail.app.android.load import load_android
from datatrail.app.android.string_use import FATE_REASONS, Fate, _Callers, _Follower, _Node, string_fates
from datatrail.app.pipeline import scan_file
from datatrail.model.report import Report
from tests.support.realworld import HERE, locate, present_apks, truth_apps

BALDPHONE = HERE / "baldphone.apk"
LICENCES = "https://sites.google.com/view/baldphone-open-source-licenses/home"


def _index(apk: Path, text: str) -> tuple[str, int]:
    art = load_android(apk)
    for dex in art.dex_files:
        strings = dex.strings()
        if text in strings:
            return dex.name, strings.index(text)
    raise AssertionError(f"{text} not in {apk}")


@cache
def _report(name: str) -> Report:
    app = next(a for a in truth_apps() if a.file == name)
    path = locate(app)
    if path is None:
        pytest.skip(f"{name} is not here (see tests/data/realworld/SOURCES.md)")
    return scan_file(path)


def _reference(name: str, host: str) -> str:
    report = _report(name)
    assert host not in {d.endpoint.host for d in report.destinations}, (name, host)
    refs = {d.endpoint.host: d.endpoint for d in report.references}
    assert host in refs, (name, host)
    return refs[host].role_reason


def test_a_licences_page_opened_with_an_intent_is_a_reference() -> None:
    assert _reference("baldphone.apk", "sites.google.com") == FATE_REASONS[Fate.PEOPLE]


def test_the_site_reads_like_dexdump_says() -> None:
    if shutil.which("dexdump") is None:
        pytest.skip("dexdump not installed (apt-get install dexdump)")
    site = _index(BALDPHONE, LICENCES)
    assert string_fates(load_android(BALDPHONE), [[site]]) == {site: Fate.PEOPLE}
    # dexdump: the const-string of the URL, then Uri.parse and an Intent taking the result.
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(BALDPHONE) as z:
        z.extract(site[0], tmp)
        listing = subprocess.run(["dexdump", "-d", str(Path(tmp) / site[0])], capture_output=True, text=True, errors="replace", timeout=300).stdout
    lines = listing.splitlines()
    at = next(i for i, line in enumerate(lines) if "const-string" in line and LICENCES in line)
    after = "\n".join(lines[at : at + 10])
    assert re.search(r"Landroid/net/Uri;\.parse", after) and "Landroid/content/Intent;" in after


def test_content_handed_to_an_sdk_is_a_reference() -> None:
    # Countly's UserEditor.setPicturePath: a profile picture, stored as a user property.
    assert _reference("countly-sample.apk", "i.pravatar.cc") == FATE_REASONS[Fate.CONTENT]
    # Branch: a deep link's content image.
    assert _reference("branch-testbed.apk", "lorempixel.com") == FATE_REASONS[Fate.CONTENT]


def test_a_documentation_link_passed_to_a_logging_helper_is_a_reference() -> None:
    # IntegrationValidator.logIntegrationError(message, "https://branch.app.link/…"): followed
    # into the app's own private method, which logs it.
    assert _reference("branch-testbed.apk", "branch.app.link") == FATE_REASONS[Fate.PEOPLE]


def test_a_host_only_compared_is_a_reference_unless_its_domain_is_contacted() -> None:
    # A unit test's assertEquals("8.8.8.8", …): recognised, never contacted.
    assert _reference("unity-ads-androidtest.apk", "8.8.8.8") == FATE_REASONS[Fate.COMPARED]
    # Bugly's url.contains("qq.com") checks the upload URLs on android.bugly.qq.com it fetches.
    report = _report("buglytest-release-1.0.2.apk")
    hosts = {d.endpoint.host for d in report.destinations}
    assert {"qq.com", "android.bugly.qq.com"} <= hosts


def test_a_file_name_is_not_a_host() -> None:
    # Tencent's X5 SDK: new File(dir, "x5.tbs.org") - neither a destination nor a reference.
    report = _report("microblog.apk")
    named = {d.endpoint.host for d in report.destinations} | {d.endpoint.host for d in report.references}
    assert not {"x5.tbs.org", "x5.oversea.tbs.org"} & named


def test_a_method_no_code_can_call_says_nothing() -> None:
    # ShareSDK's filterFriendshipInfo puts "http://t.qq.com/" + name in a map that public
    # methods nobody in the demo calls return; the other site stores it in the signed-in user's
    # profile (PlatformDb.put): content.
    assert _reference("mob-sharesdk-demo.apk", "t.qq.com") == FATE_REASONS[Fate.CONTENT]


def test_urls_the_code_fetches_stay_endpoints() -> None:
    # The endpoints the truth set labels as such and that a flow ends at a network call.
    kept = {"api.deezer.com", "news-at.zhihu.com", "android.bugly.qq.com", "api2.branch.io", "cdn.branch.io"}
    for apk in present_apks():
        report = scan_file(apk)
        demoted = {d.endpoint.host for d in report.references}
        assert not kept & demoted, apk


def test_a_link_shared_as_an_intents_text_is_a_reference() -> None:
    # ShareHelper.Share: putExtra(Intent.EXTRA_TEXT, chapterLink) on an ACTION_SEND intent.
    assert _reference("bhagavadgita-release.apk", "floydpink.github.io") == FATE_REASONS[Fate.PEOPLE]


def test_the_authority_of_an_identifier_uri_is_a_reference() -> None:
    # Google Analytics: new Uri.Builder().scheme("uri").authority("google-analytics.com") names
    # the tracker's transport; the hosts it sends hits to stay endpoints.
    assert _reference("insecurebankv2-release.apk", "google-analytics.com") == FATE_REASONS[Fate.IDENTIFIER]
    hosts = {d.endpoint.host for d in _report("insecurebankv2-release.apk").destinations}
    assert "ssl.google-analytics.com" in hosts


def test_a_host_appended_after_another_urls_path_is_inside_it() -> None:
    # ShareSDK's Tumblr: "https://api.tumblr.com/v2/blog/" + name + ".tumblr.com/followers".
    assert _reference("mob-sharesdk-demo.apk", "tumblr.com") == FATE_REASONS[Fate.INSIDE]
    assert "api.tumblr.com" in {d.endpoint.host for d in _report("mob-sharesdk-demo.apk").destinations}


def test_a_whole_url_compared_is_a_reference_even_when_its_domain_is_contacted() -> None:
    # Tencent X5: the WebView intercepts http://debugtbs.qq.com (its debug page); the app
    # contacts other qq.com hosts, but a whole URL compared is one it recognises.
    assert _reference("microblog.apk", "debugtbs.qq.com") == FATE_REASONS[Fate.COMPARED]


def _follower_with(edges: dict[str, list[str]], direct: dict[str, Fate], unexpanded: frozenset[str] = frozenset()) -> _Follower:
    follower = object.__new__(_Follower)
    keys = {name: _Callers("Lx;", name) for name in {*edges, *(c for cs in edges.values() for c in cs)}}
    follower.nodes = {keys[n]: _Node(direct.get(n, Fate.NOWHERE), [keys[c] for c in edges.get(n, [])], n not in unexpanded)
                      for n in keys}
    follower._fates = {}
    follower.keys = keys  # type: ignore[attr-defined]
    return follower


def test_a_value_going_round_a_cycle_leaves_it_only_where_it_leads_out() -> None:
    # a -> b -> a (a recursive helper), b -> c, which hands it to people: the cycle says people.
    f = _follower_with({"a": ["b"], "b": ["a", "c"]}, {"c": Fate.PEOPLE})
    assert f.fate(f.keys["a"]) is Fate.PEOPLE and f.fate(f.keys["b"]) is Fate.PEOPLE
    # A node beyond the depth (never expanded) is unknown: fetched, for every node reaching it.
    f = _follower_with({"a": ["b"], "b": ["a", "c"], "c": ["d"]}, {"c": Fate.PEOPLE}, frozenset({"d"}))
    assert f.fate(f.keys["a"]) is Fate.FETCHED
    # Two cycles one after the other: the first takes the second's fate, not the reverse.
    f = _follower_with({"a": ["b"], "b": ["a", "c"], "c": ["d"], "d": ["c"]}, {"a": Fate.COMPARED, "d": Fate.CONTENT})
    assert f.fate(f.keys["a"]) is Fate.CONTENT and f.fate(f.keys["c"]) is Fate.CONTENT
    f = _follower_with({"a": ["b"], "b": ["a"], "c": ["a"]}, {"a": Fate.COMPARED, "c": Fate.PEOPLE})
    assert f.fate(f.keys["a"]) is Fate.COMPARED and f.fate(f.keys["c"]) is Fate.PEOPLE


def test_a_host_rewritten_before_use_is_not_a_host() -> None:
    # Deezer's SDK: "live.com/".replace(".com", ".deezer.com") - the code uses live.deezer.com.
    report = _report("nuance-32-release.apk")
    named = {d.endpoint.host for d in report.destinations} | {d.endpoint.host for d in report.references}
    assert "live.com" not in named
    assert "api.deezer.com" in {d.endpoint.host for d in report.destinations}


def _named(name: str) -> set[str]:
    report = _report(name)
    return {d.endpoint.host for d in report.destinations} | {d.endpoint.host for d in report.references}


def test_a_host_compared_with_the_access_points_name_is_a_name() -> None:
    # Tencent's open SDK: getActiveNetworkInfo().getExtraInfo().toLowerCase().startsWith("epc.tmobile.com"),
    # beside "cmwap", "cmnet", "uniwap": APN names - neither a destination nor a reference.
    assert "epc.tmobile.com" not in _named("xpush-xg-demo.apk")


def test_a_host_given_where_the_code_gives_package_names_is_a_name() -> None:
    # Branch's SharingHelper.SHARE_WITH enum: FACEBOOK("com.facebook.katana"), …, WECHAT("jom.tencent.mm").
    named = _named("branch-testbed.apk")
    assert "jom.tencent.mm" not in named
    assert {"api2.branch.io", "cdn.branch.io"} <= {d.endpoint.host for d in _report("branch-testbed.apk").destinations}


def test_a_field_named_in_a_log_message_is_no_host() -> None:
    # Countly: "user.org will be cast to String", beside "user.email …", "user.phone …".
    assert "user.org" not in _named("countly-sample.apk")
