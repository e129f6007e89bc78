"""Destination findings follow their basis: a country-code domain or a bare address with no known owner
is a lead (low severity, said as such), never a high-severity claim or an organisation in the verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from datatrail.model.report import Report, Severity
from datatrail.report.html.verdict import verdict
from datatrail.report.terminal import render_terminal
from tests.support.corpus import corpus_dir, scan_cached
from tests.support.paths import REPO

REALWORLD = REPO.parent / "shared" / "realworld"


def _dst(report: Report, rule: str) -> list[tuple[str, Severity, str]]:
    return [(f.message.split(":", 1)[0], f.severity, f.message) for f in report.findings if f.rule_id == rule]


def _about(report: Report, host: str) -> list[tuple[str, Severity, str]]:
    """(rule, severity, message) of the destination findings naming ``host``."""
    return [(f.rule_id, f.severity, f.message) for f in report.findings
            if f.rule_id in ("DST001", "DST002") and any(e.detail.split(" ")[0] == host for e in f.evidence)]


def test_bare_addresses_with_no_owner_are_low_and_never_organisations(corpus_reports: dict[Path, Report]) -> None:
    # WeChat's SDK names seven literal IPs no dataset attributes to a company, beside hosts of Tencent and the carriers.
    report = scan_cached(corpus_dir() / "sdk" / "android" / "tencent" / "libammsdk.jar", corpus_reports)
    ips = {d.endpoint.host for d in report.destinations if d.endpoint.is_ip and d.named_owner is None}
    assert len(ips) == 7 and "111.30.131.31" in ips
    for ip in ips:
        about = _about(report, ip)
        assert {rule for rule, _, _ in about} == {"DST001", "DST002"}
        assert all(severity is Severity.LOW and "Weak basis: only the address's location; no known organisation runs it." in m
                   for _, severity, m in about)
    # Hosts a known company runs keep the rules' own severities, whatever the address.
    assert {(rule, severity) for rule, severity, _ in _about(report, "103.7.30.94")} == {
        ("DST001", Severity.HIGH), ("DST002", Severity.MEDIUM)}
    headline = verdict(report).headline
    assert "servers run by China Mobile" in headline and "other organisations" in headline
    assert not any(ip in headline for ip in ips)


def test_country_code_domains_alone_are_low_and_said_so(corpus_reports: dict[Path, Report]) -> None:
    report = scan_cached(corpus_dir() / "sdk" / "android" / "iflytek" / "Msc.jar", corpus_reports)
    weak = [(who, s, m) for who, s, m in _dst(report, "DST001") if "by ccTLD" in m]
    assert weak and all(s is Severity.LOW and "Weak basis: only the name's country-code domain" in m for _, s, m in weak)
    assert not any(f.severity is Severity.HIGH for f in report.findings if "by ccTLD" in f.message)


def test_the_terminal_keeps_leads_apart_from_known_companies(corpus_reports: dict[Path, Report]) -> None:
    # The iOS JVerification library names Jiguang's and the carriers' hosts (China Unicom's SMS
    # verification host msv6.wosms.cn among them), and three bare addresses that nothing ties to a company.
    report = scan_cached(corpus_dir() / "sdk" / "ios" / "jiguang" / "libJVerification-3.4.7-arm64.a", corpus_reports)
    for host in ("42.123.76.52", "42.123.76.75", "42.123.76.87"):
        assert {severity for _, severity, _ in _about(report, host)} == {Severity.LOW}
    assert Severity.HIGH in {severity for _, severity, _ in _about(report, "msv6.wosms.cn")}
    console = Console(width=400, record=True)
    render_terminal(report, console)
    text = " ".join(console.export_text().split())
    strong = text.split("Names servers under state-access law: ", 1)[1].split("Hosts whose", 1)[0]
    assert "Aurora Mobile Ltd. (Jiguang) (CN)" in strong and "China Unicom" in strong and "42.123" not in strong
    leads = text.split("Hosts whose country-code domain or address alone points to a state-access law: ", 1)[1].split("Findings:", 1)[0]
    assert "42.123.76.52 (CN)" in leads and "wosms" not in leads


@pytest.mark.skipif(not (REALWORLD / "goluk-sdk-demo.apk").is_file(), reason="../shared/realworld is not beside the checkout")
def test_cn_domains_known_only_by_their_cctld_raise_no_high_finding() -> None:
    from datatrail.app.pipeline import scan_file

    report = scan_file(REALWORLD / "goluk-sdk-demo.apk")
    found = [f for f in report.findings if f.rule_id == "DST001"]
    # The vendor's own .cn hosts and a bare address: leads, low; its CDN host goluk.8686c.com is on
    # Kingsoft Cloud's CDN (a hosting domain of a company based in China): high, and said.
    low = [f for f in found if f.severity is Severity.LOW]
    high = [f for f in found if f.severity is Severity.HIGH]
    assert low and all("by ccTLD" in f.message or "by server location" in f.message for f in low)
    assert len(high) == 1 and high[0].message.startswith("Kingsoft Cloud Holdings Ltd.: 1 host(s) (goluk.8686c.com)")
    headline = verdict(report).headline
    assert headline.startswith("Names servers run by Kingsoft Cloud Holdings Ltd., a company based in China")
