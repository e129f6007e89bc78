"""The HTML report without a browser: verdict wording, escaping, map geometry, size bounds."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from datatrail.errors import DatatrailError
from datatrail.model.capture import CaptureReport
from datatrail.model.http import HttpRequest
from datatrail.model.report import Report
from datatrail.report.html import capture_to_html, to_html
from datatrail.report.html.flow import links, render_flow
from datatrail.report.html.markup import MAX_TEXT
from datatrail.report.html.places import by_country, reaches
from datatrail.report.html.table import MAX_ROWS
from datatrail.report.html.verdict import describe_data, list_words, verdict
from datatrail.report.html.worldmap import world_map
from tests.support.corpus import corpus_dir, corpus_files, scan_cached
from tests.support.html_pages import BUGLY, HOSTILE, HOSTILE_ATTR, hostile_page
from tests.support.html_pages import parse_html as _parse

BLOOD = "apk/exodus-core/blooddonation.apk"
INSTAPAPER = "apk/exodus-core/instapaper.apk"


def _report(name: str, cache: dict[Path, Any]) -> Report:
    report = scan_cached(corpus_dir() / name, cache)
    assert isinstance(report, Report)
    return report


# --- verdict -----------------------------------------------------------------------------------


def test_bugly_verdict_names_tencent_china_and_the_data_its_code_reads(corpus_reports: dict[Path, Any]) -> None:
    v = verdict(_report(BUGLY, corpus_reports))
    assert v.level == "state-access"
    # Tencent Bugly's code reads Android ID, SIM serial and Build.SERIAL and names *.qq.com hosts.
    assert v.headline.startswith("Can send device identifiers (Android ID, device serial and SIM serial)")
    assert "servers run by Tencent Holdings Ltd., a company based in China" in v.headline
    assert "Chinese law obliges organisations to give the state access to data" in v.headline
    assert v.points[0].startswith("2 of its 2 SDKs are from China")
    assert "Tencent Tinker and Tencent Bugly" in v.points[0]
    # github.com and bugly.qq.com are named only in messages ("welcome to submit issue to us: https://github.com/…",
    # "POWERED BY bugly.qq.com"): references, not places data goes.
    assert any("2 hosts run by 1 known organisation, based in China (2 hosts)" in p for p in v.points)
    assert any("2 hosts are named with unencrypted URLs" in p for p in v.points)


def test_calls_the_platform_refuses_stay_out_of_the_verdict(corpus_reports: dict[Path, Any]) -> None:
    # AndroidX's LocationManagerCompat reads the last known location; hello-world does not request a
    # location permission, so the call cannot succeed: the tables say why, the verdict says nothing.
    report = _report("apk/androguard/hello-world.apk", corpus_reports)
    refused = [a for a in report.data_access if a.data == "last known location"]
    assert refused and not refused[0].permission_requested and not refused[0].can_succeed
    assert refused[0] not in report.readable_data_access
    v = verdict(report)
    assert not any("location" in p for p in (v.headline, *v.points))
    page = to_html(report)
    assert "cannot succeed" in page and "without ACCESS_FINE_LOCATION, which the app does not request" in page


def test_a_library_keeps_calls_its_host_app_may_allow(corpus_reports: dict[Path, Any]) -> None:
    # A JAR has no app manifest: whether READ_PHONE_STATE is granted is the host app's decision.
    report = _report("sdk/android/baidu/BaiduLBS_Android.jar", corpus_reports)
    assert not report.is_app and report.readable_data_access == report.data_access
    assert any(not a.permission_requested for a in report.data_access)
    assert "IMEI/MEID" in verdict(report).headline
    page = to_html(report)
    assert "not requested here" in page and "manifest decides" in page and "cannot succeed" not in page


@pytest.mark.parametrize("name", [BUGLY, BLOOD, INSTAPAPER])
def test_static_verdicts_never_claim_that_data_was_sent(name: str, corpus_reports: dict[Path, Any]) -> None:
    v = verdict(_report(name, corpus_reports))
    text = " ".join((v.headline, *v.points))
    assert not re.search(r"\b(sends|sent|transmits|shares)\b", text), text
    assert "static analysis" in v.caveat


def test_us_hosts_get_the_conditional_adequacy_note(corpus_reports: dict[Path, Any]) -> None:
    v = verdict(_report(BLOOD, corpus_reports))
    assert v.level == "conditional"
    # 32: its support.google.com/…/answer/… link is a documentation page, a reference.
    assert v.headline.startswith("Names 32 hosts, none run by a company under a state-access law")
    assert "EU-US Data Privacy Framework" in v.headline


def test_verdict_without_destinations_or_sdks(corpus_reports: dict[Path, Any]) -> None:
    bare = dataclasses.replace(_report(BUGLY, corpus_reports), destinations=(), sdks=(), findings=())
    # Hosts named only in messages are not servers, but they are said.
    assert verdict(bare).headline == ("Names no servers to connect to in its code or files; 2 hosts named only for "
                                      "people (messages, credits, documentation links).")
    bare = dataclasses.replace(bare, references=())
    v = verdict(bare)
    assert v.headline == "Names no servers in its code or files."
    assert v.level == "no-flag"
    assert not any("SDKs" in p for p in v.points)


def test_list_words_and_describe_data() -> None:
    assert list_words([]) == "" and list_words(["a"]) == "a" and list_words(["a", "b"]) == "a and b"
    assert list_words(["a", "b", "c", "d", "e", "f"], 4) == "a, b, c, d and 2 more"
    described = describe_data([
        ("IMEI/MEID", ("Device or other IDs",)),
        ("Android ID", ("Device or other IDs",)),
        ("installed apps (matching an intent)", ("App activity",)),
        ("mobile network operator", ()),
    ])
    # Categories with more items first; labels sorted; uncategorised data left out.
    assert described == "device identifiers (Android ID and IMEI/MEID) and app activity (installed apps)"


# --- escaping and self-containment -------------------------------------------------------------







def test_hostile_strings_come_out_as_text(corpus_reports: dict[Path, Any]) -> None:
    page = hostile_page(_report(BUGLY, corpus_reports))
    doc = _parse(page)
    tags = [tag for tag, _ in doc.tags]
    assert tags.count("script") == 1  # ours, at the end of the body
    assert tags.count("style") == 1
    assert "img" not in tags and "b" not in tags
    assert not [(t, a) for t, a in doc.tags for name in a if name.startswith("on")]
    assert not [a for _, a in doc.tags for v in a.values() if v and v.strip().lower().startswith("javascript:")]
    text = "".join(doc.text)
    # The strings survive as text a reader can see.
    assert HOSTILE in text and "evil.example" + HOSTILE_ATTR in text and "CN=<b>bold</b>" in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_overlong_package_strings_are_cut(corpus_reports: dict[Path, Any]) -> None:
    report = _report(BUGLY, corpus_reports)
    app = dataclasses.replace(report.app, label="A" * 3_000_000)
    page = to_html(dataclasses.replace(report, app=app))
    assert len(page.encode()) < 400_000
    assert "A" * MAX_TEXT + "… (2,996,000 more characters)" in page


def test_page_refers_to_nothing_outside_itself(corpus_reports: dict[Path, Any]) -> None:
    page = to_html(_report(BUGLY, corpus_reports))
    doc = _parse(page)
    for tag, attrs in doc.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)
    assert "@import" not in page and not re.search(r"url\((?!#)", page)
    csp = next(a["content"] for t, a in doc.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and csp.startswith("default-src 'none'")
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_csp_hashes_match_the_inline_blocks(corpus_reports: dict[Path, Any]) -> None:
    import base64
    import hashlib

    page = to_html(_report(BUGLY, corpus_reports))
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    csp = next(a["content"] for t, a in _parse(page).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None
    assert f"style-src '{digest(style)}'" in csp and f"script-src '{digest(script)}'" in csp


# --- sections, map, flow -------------------------------------------------------------------------


def test_sections_and_evidence_are_present(corpus_reports: dict[Path, Any]) -> None:
    report = _report(BUGLY, corpus_reports)
    page = to_html(report)
    ids = {a.get("id") for _, a in _parse(page).tags}
    assert {"verdict", "map", "flow", "sdks", "data-access", "destinations", "permissions", "findings",
            "certificates", "diagnostics", "about"} <= ids
    # Evidence to drill into: where android.bugly.qq.com was found, and the certificate's digest.
    assert "classes.dex string 12926" in page
    assert report.certificates[0].sha256 in page
    assert page.count("<details>") >= len(report.destinations) + len(report.sdks) + len(report.findings)


def test_map_colours_bugly_countries(corpus_reports: dict[Path, Any]) -> None:
    page = to_html(_report(BUGLY, corpus_reports))
    coloured = {a["data-cc"]: a["class"] for t, a in _parse(page).tags if t == "path" and a.get("data-cc")}
    assert coloured == {"CN": "c lv-state-access fill-law reads"}
    world = world_map()
    assert page.count('<path d="') >= len(world.outlines)


def _rings(d: str) -> list[list[tuple[int, int]]]:
    """Absolute points of each ring of a path written as ``M x y l dx dy ... z``."""
    rings = []
    for part in d.split("z"):
        if not part:
            continue
        head, _, steps = part[1:].partition("l")
        x, y = (int(n) for n in head.split())
        nums = [int(n) for n in re.findall(r"-?\d+", steps)]
        points = [(x, y)]
        for dx, dy in zip(nums[::2], nums[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
        rings.append(points)
    return rings


def test_world_map_geometry() -> None:
    world = world_map()
    assert len(world.outlines) >= 170 and {"CN", "US", "RU", "BR", "IN", "AU", "FR", "XK"} <= set(world.outlines)
    assert "AQ" not in world.outlines
    assert {"HK", "SG", "MO", "MT"} <= set(world.points) - set(world.outlines)
    for code, d in world.outlines.items():
        for ring in _rings(d):
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            assert 0 <= min(xs) and max(xs) <= world.width and 0 <= min(ys) and max(ys) <= world.height, code
            # Rings crossing the antimeridian are split, so none streaks across the map.
            assert max(xs) - min(xs) < world.width * 0.5, code
    # Anchors sit where the countries are: west to east, north to south.
    p = world.points
    assert p["US"][0] < p["BR"][0] < p["NG"][0] < p["IN"][0] < p["CN"][0] < p["JP"][0]
    assert p["NO"][1] < p["FR"][1] < p["NG"][1] < p["ZA"][1]
    france = [pt for ring in _rings(world.outlines["FR"]) for pt in ring]
    assert min(x for x, _ in france) <= p["FR"][0] <= max(x for x, _ in france)


def test_flow_keeps_every_host_and_folds_long_columns(corpus_reports: dict[Path, Any]) -> None:
    report = _report(BLOOD, corpus_reports)
    items = reaches(report)
    steps = links("app", items)
    hosts = {r.host for r in items}
    for column in (0, 1, 2):
        assert set().union(*(s.hosts for s in steps if s.column == column)) == hosts
    many = [dataclasses.replace(r, organisation=f"Org {i}", owners=(f"SDK {i}",)) for i, r in enumerate(items)]
    folded = links("app", many)
    for column in (1, 2):
        targets = {s.target for s in folded if s.column == column}
        assert len(targets) <= 10
    assert f"{len(items) - 9} more organisations" in {s.target for s in folded if s.column == 1}
    # Hundreds of hosts still make a flow view of bounded height.
    crowd = [dataclasses.replace(r, host=f"h{i}.{r.host}") for i in range(60) for r in many]
    height = float(re.search(r'viewBox="0 0 1000 ([\d.]+)"', render_flow("app", crowd)).group(1))  # type: ignore[union-attr]
    assert height < 700


def test_countries_fold_roles_and_flags(corpus_reports: dict[Path, Any]) -> None:
    uses = {u.code: u for u in by_country(reaches(_report(BUGLY, corpus_reports)))}
    assert set(uses) == {"CN"}  # github.com, in the US, is named only in a message
    assert uses["CN"].law == ("Tencent Holdings Ltd.",) and uses["CN"].roles == ("law",)
    assert sorted(uses["CN"].hosts) == ["android.bugly.qq.com", "rqd.uu.qq.com"]
    assert {f for f, _ in uses["CN"].flags} == {"compelled-access", "eu-third-country"}
    assert "Android ID" in uses["CN"].data


INPUTS = corpus_files("apk/**/*.apk", "apk/**/*.aab", "apk/**/*.dex", "apk/**/*.jar", "sdk/android/**/*", "ipa/**/*.ipa")


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_every_corpus_report_renders_a_complete_page(path: Path, corpus_reports: dict[Path, Any]) -> None:
    try:
        report = scan_cached(path, corpus_reports)
    except DatatrailError:
        pytest.skip("not analysable (covered by the scan tests)")
    page = to_html(report)
    doc = _parse(page)
    assert [t for t, _ in doc.tags].count("script") == 1
    assert {"verdict", "map", "flow", "destinations", "about"} <= {a.get("id") for _, a in doc.tags}
    text = "".join(doc.text)
    for dest in report.destinations[:MAX_ROWS]:
        assert dest.endpoint.host in text
    coloured = {a["data-cc"] for t, a in doc.tags if a.get("data-cc")}
    assert coloured == {u.code for u in by_country(reaches(report))}
    assert len(page.encode()) < 2_000_000


def test_server_and_cctld_roles_reach_the_map(corpus_reports: dict[Path, Any]) -> None:
    report = _report(BUGLY, corpus_reports)
    qq = next(d for d in report.destinations if d.endpoint.host == "android.bugly.qq.com")
    # As with --resolve: the host answered with an address located in Hong Kong (no outline at 110m).
    address = dataclasses.replace(qq.attribution, kind="ip", ip="203.205.254.157", server_country="HK", flags=())
    resolved = dataclasses.replace(qq, addresses=(address,))
    gh = next(d for d in report.references if d.endpoint.host == "github.com")
    unknown = dataclasses.replace(
        gh,
        endpoint=dataclasses.replace(gh.endpoint, host="api.example.ru"),
        attribution=dataclasses.replace(gh.attribution, organisation=None, parent=None, org_country=None,
                                        organisation_country=None, cctld_country="RU", flags=()),
    )
    page = to_html(dataclasses.replace(report, destinations=(resolved, unknown)))
    uses = {u.code: u for u in by_country(reaches(dataclasses.replace(report, destinations=(resolved, unknown))))}
    assert uses["HK"].roles == ("server",) and uses["HK"].servers == ("android.bugly.qq.com",)
    assert uses["RU"].roles == ("weak",) and uses["CN"].roles == ("law",)
    tags = _parse(page).tags
    assert {a["data-server"] for t, a in tags if t == "circle" and a.get("data-server")} == {"HK"}
    small = [a for t, a in tags if t == "circle" and a.get("data-cc") == "HK"]
    assert small and "fill-server" in small[0]["class"]
    assert next(a["class"] for t, a in tags if t == "path" and a.get("data-cc") == "RU") == "c lv-no-flag fill-weak reads"


# --- size --------------------------------------------------------------------------------------


def test_largest_corpus_report_is_small(corpus_reports: dict[Path, Any]) -> None:
    assert len(to_html(_report(BLOOD, corpus_reports)).encode()) < 400_000


def test_huge_report_stays_under_two_megabytes(corpus_reports: dict[Path, Any]) -> None:
    report = _report(BLOOD, corpus_reports)
    dests = tuple(
        dataclasses.replace(d, endpoint=dataclasses.replace(d.endpoint, host=f"h{i}.{d.endpoint.host}"))
        for i in range(60)
        for d in report.destinations
    )
    findings = tuple(dataclasses.replace(f, fingerprint=f"{f.fingerprint}{i}") for i in range(300) for f in report.findings)
    big = dataclasses.replace(
        report,
        destinations=dests,
        findings=findings,
        data_access=report.data_access * 200,
        permissions=report.permissions * 200,
    )
    page = to_html(big)
    assert len(page.encode()) < 2_000_000
    assert f"Showing {MAX_ROWS} of {len(dests):,} rows" in page
    assert f"Destinations ({len(dests)})" in page


# --- captures ----------------------------------------------------------------------------------


def _capture(name: str) -> CaptureReport:
    from datatrail.capture import analyse_capture

    return analyse_capture(corpus_dir() / name)


def test_capture_page_shows_destinations_and_server_countries() -> None:
    report = _capture("net/pcapdroid/metadata.pcap")
    page = capture_to_html(report)
    doc = _parse(page)
    ids = {a.get("id") for _, a in doc.tags}
    assert {"verdict", "map", "flow", "destinations", "flows"} <= ids
    servers = {a["data-server"] for t, a in doc.tags if t == "circle" and a.get("data-server")}
    assert servers == {c for d in report.destinations for c in d.server_countries}
    for dest in report.destinations:
        assert dest.name in page
    assert "Sent " in page.split('class="headline">', 1)[1][:40]


def test_capture_request_contents_are_escaped() -> None:
    report = _capture("net/pcapdroid/metadata.pcap")
    request = HttpRequest(
        flow=0, time=0.0, method="POST", scheme="http", host="x.example", path="/" + HOSTILE, query="q=" + HOSTILE_ATTR,
        headers=(("X-Evil", HOSTILE),), body=HOSTILE.encode() + b"\xff", body_size=40, body_truncated=False,
        content_type="text/html", source="pcap", frame=1,
    )
    page = capture_to_html(dataclasses.replace(report, requests=(request,)))
    doc = _parse(page)
    assert [t for t, _ in doc.tags].count("script") == 1 and "img" not in [t for t, _ in doc.tags]
    assert "requests" in {a.get("id") for _, a in doc.tags}
    assert HOSTILE in "".join(doc.text)


def test_references_fold_apart_with_their_reason(corpus_reports: dict[Path, Any]) -> None:
    report = _report(BUGLY, corpus_reports)
    page = to_html(report)
    body = page.split('id="references"', 1)[1]
    assert "Named only for people (2)" in page and "named in a message (a sentence around it)" in body
    assert "github.com" in body and "github.com" not in page.split('id="destinations"', 1)[1].split('id="references"', 1)[0]
