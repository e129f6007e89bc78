"""Capture versus app: SDK hosts contacted, code endpoints never reached, contacted hosts absent from the code."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from datatrail.capture.compare import compare_with_app
from datatrail.knowledge.attribution import attribute_host
from datatrail.model.capture import TrafficDestination as Captured
from datatrail.model.endpoint import Endpoint
from datatrail.model.report import CodeOwner, Destination, Report
from tests.support.corpus import corpus_dir, scan_cached


def captured(name: str, kind: str = "host", addresses: tuple[str, ...] = ("198.51.100.1",)) -> Captured:
    return Captured(name=name, kind=kind, addresses=addresses, ports=(443,), flows=1, bytes_up=1, bytes_down=1,
                    hostname_sources=("sni",) if kind == "host" else (), organisation=None, org_country=None,
                    server_countries=(), flags=())


@pytest.fixture(scope="module")
def instapaper(corpus_reports: dict[Path, Any]) -> Report:
    report = scan_cached(corpus_dir() / "apk/exodus-core/instapaper.apk", corpus_reports)
    assert isinstance(report, Report)
    return report


def test_real_app_against_a_capture(instapaper: Report) -> None:
    # From the static report: settings.crashlytics.com and e.crashlytics.com are Crashlytics' hosts,
    # facebook.com the Facebook SDKs', app-measurement.com Firebase Analytics'.
    result = compare_with_app(instapaper, [
        captured("settings.crashlytics.com"), captured("graph.facebook.com"), captured("www.instapaper.com"),
        captured("tracker.unknown-example.net"), captured("198.51.100.7", kind="ip", addresses=("198.51.100.7",)),
    ])
    assert result.app == "com.olivierpayen.leaninstapaper"
    by_name = {c.name: c for c in result.contacted}
    assert by_name["settings.crashlytics.com"].match == "exact"
    assert by_name["settings.crashlytics.com"].owners == ("firebase-crashlytics",)
    assert by_name["graph.facebook.com"].match == "registrable-domain"
    # developers.facebook.com is named only in messages ("… see developers.facebook.com/docs …"): a reference.
    assert by_name["graph.facebook.com"].code_hosts == ("facebook.com",)
    assert by_name["graph.facebook.com"].owners == ("facebook-core", "facebook-login")
    assert by_name["www.instapaper.com"].match == "exact" and by_name["www.instapaper.com"].owners == ()
    assert result.hosts_not_in_code == ("tracker.unknown-example.net", "198.51.100.7")

    sdks = {s.sdk_id: s for s in result.sdks}
    assert sdks["firebase-crashlytics"].match == "exact"
    assert sdks["firebase-crashlytics"].contacted == ("settings.crashlytics.com",)
    assert sdks["facebook-core"].match == "registrable-domain"
    assert sdks["firebase-analytics"].match == "none" and "app-measurement.com" in sdks["firebase-analytics"].code_hosts
    assert sdks["facebook-places"].code_hosts == () and sdks["facebook-places"].match == "none"
    assert set(result.sdks_contacted) == {"firebase-crashlytics", "facebook-core", "facebook-login"}

    endpoints = {e.host: e for e in result.endpoints}
    assert endpoints["e.crashlytics.com"].match == "registrable-domain"
    assert endpoints["e.crashlytics.com"].seen_as == ("settings.crashlytics.com",)
    assert endpoints["settings.crashlytics.com"].match == "exact"
    assert "app-measurement.com" in result.endpoints_not_contacted
    assert "e.crashlytics.com" not in result.endpoints_not_contacted
    assert len(result.endpoints) == len({d.endpoint.host for d in instapaper.destinations})


def _code(host: str, owners: tuple[str, ...], is_ip: bool = False, domain: str | None = None) -> Destination:
    endpoint = Endpoint(host=host, registrable_domain=domain, is_ip=is_ip, urls=(), schemes=(), cleartext=False,
                        sources=(), source_count=1, party="third", party_reason="test")
    return Destination(endpoint, tuple(CodeOwner("sdk", o, o, (), 1) for o in owners), attribute_host(host))


def test_ip_literals_case_and_trailing_dots(instapaper: Report) -> None:
    report = dataclasses.replace(instapaper, sdks=(), destinations=(
        _code("203.0.113.9", ("sdk-a",), is_ip=True), _code("api.example.co.uk", ("sdk-b",), domain="example.co.uk"),
        _code("other.co.uk", ("sdk-c",), domain="other.co.uk")))
    result = compare_with_app(report, [captured("feed.example.com", addresses=("203.0.113.9",)),
                                       captured("API.Example.co.uk."), captured("www.co.uk")])
    assert [(c.name, c.match, c.code_hosts) for c in result.contacted] == [
        ("feed.example.com", "exact", ("203.0.113.9",)),
        ("API.Example.co.uk.", "exact", ("api.example.co.uk",)),
        ("www.co.uk", "none", ()),   # co.uk is a public suffix: no registrable-domain match with other.co.uk
    ]
    assert result.endpoints_not_contacted == ("other.co.uk",)


def test_nothing_captured_means_nothing_contacted(instapaper: Report) -> None:
    result = compare_with_app(instapaper, [])
    assert result.contacted == () and result.sdks_contacted == () and result.hosts_not_in_code == ()
    assert len(result.endpoints_not_contacted) == len(result.endpoints) > 0
