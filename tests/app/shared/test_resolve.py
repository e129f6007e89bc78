"""--resolve: opt-in, bounded, recorded as evidence; tested with injected answers and localhost only."""

from __future__ import annotations

import socket
import time

import pytest

from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.app.shared.resolve import resolve_hosts, system_resolver
from tests.support.corpus import corpus_dir

# Injected answers: addresses DB-IP places in mainland China (China Telecom) and Hong Kong (Tencent).
ANSWERS = {"rqd.uu.qq.com": ["203.205.254.157", "180.101.50.188"]}


def _injected(host: str) -> list[str]:
    if host in ANSWERS:
        return ANSWERS[host]
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def test_a_default_scan_never_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("a scan without --resolve used the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    report = scan_file(corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk")
    assert report.destinations and all(d.resolution is None and d.addresses == () for d in report.destinations)


def test_injected_answers_are_recorded_and_attributed() -> None:
    options = ScanOptions(resolve=True, resolver=_injected, resolver_name="injected test resolver")
    report = scan_file(corpus_dir() / "apk" / "bugly-demo" / "BuglyUpgradeDemo-demo.apk", options)
    by_host = {d.endpoint.host: d for d in report.destinations}
    bugly = by_host["rqd.uu.qq.com"]
    assert bugly.resolution is not None
    assert bugly.resolution.answers == ("203.205.254.157", "180.101.50.188")
    assert bugly.resolution.resolver == "injected test resolver"
    assert bugly.resolution.resolved_at.endswith("Z")
    hk, cn = bugly.addresses
    assert (hk.server_country, hk.registration_country) == ("HK", "CN")  # located HK, registered CN
    assert cn.server_country == "CN"
    missing = by_host["android.bugly.qq.com"].resolution
    assert missing is not None and missing.answers == () and "gaierror" in (missing.error or "")
    # The server location adds its own state-access finding beside the organisation's.
    bases = {f.message.split(" by ")[1].split(".")[0] for f in report.findings if f.rule_id == "DST001"}
    assert bases == {"organisation home country", "server location"}


def test_resolution_is_time_bounded() -> None:
    def slow(host: str) -> list[str]:
        time.sleep(3)
        return ["192.0.2.1"]

    t0 = time.perf_counter()
    result = resolve_hosts(["a.example.net", "b.example.net"], slow, "slow", timeout=0.3)
    assert time.perf_counter() - t0 < 2
    assert all(r.answers == () and "no answer within 0.3 s" in (r.error or "") for r in result.values())


def test_system_resolver_on_localhost_only() -> None:
    answers = system_resolver("localhost")
    assert set(answers) & {"127.0.0.1", "::1"}
    result = resolve_hosts(["localhost"])
    assert result["localhost"].resolver.startswith("system")
