"""Host/IP attribution end to end, on facts anyone can check."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

import datatrail.knowledge.attribution as attribution
from datatrail.knowledge.attribution import attribute, attribute_host, attribute_ip, attribution_to_dict
from datatrail.knowledge.geo import attribution_dataset_info
from datatrail.model.attribution import BASES, Attribution

HOME = "organisation home country"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Attribution is offline: any attempt to open a connection or resolve a name fails the test."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("attribution touched the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)
    yield


def _flags(a: Attribution) -> set[tuple[str, str, str]]:
    return {(f.id, f.country, f.basis) for f in a.flags}


def test_public_api() -> None:
    assert sorted(attribution.__all__) == ["attribute", "attribute_host", "attribute_ip", "attribution_to_dict", "preload_host_tables"]


@pytest.mark.parametrize(("host", "org_id", "home"), [
    ("qq.com", "tencent", "CN"),
    ("weixin.qq.com", "tencent", "CN"),
    ("umeng.com", "umeng", "CN"),
    ("jpush.cn", "aurora_mobile", "CN"),
    ("igexin.com", "getui", "CN"),
    ("pangle.io", "bytedance", "CN"),
    ("snssdk.com", "bytedance", "CN"),
])
def test_chinese_vendors(host: str, org_id: str, home: str) -> None:
    a = attribute_host(host)
    assert a.organisation_id == org_id and a.org_country == home
    flags = {f.id: f for f in a.flags}
    assert flags["compelled-access"].country == "CN" and flags["compelled-access"].basis == HOME
    assert any("National Intelligence Law" in c and "art. 7" in c for c in flags["compelled-access"].citations)
    assert flags["eu-third-country"].country == "CN"


def test_umeng_is_alibaba() -> None:
    a = attribute_host("umeng.com")
    assert a.organisation == "Umeng" and a.parent == "Alibaba Group Holding Ltd." and a.parent_id == "alibaba"


def test_wechat_service_and_evidence() -> None:
    a = attribute_host("weixin.qq.com")
    assert a.organisation == "Tencent Holdings Ltd." and a.registrable_domain == "qq.com"
    assert a.matched_domain == "qq.com" and a.service == "WeChat (Weixin)"
    assert a.server_country is None  # hosts are not resolved
    datasets = {f.dataset for f in a.evidence}
    assert {"public-suffix-list", "datatrail-orgs", "datatrail-jurisdictions"} <= datasets


def test_yandex_is_russian() -> None:
    a = attribute_host("yandex.ru")
    assert a.organisation_id == "yandex" and a.org_country == "RU"
    assert ("compelled-access", "RU", HOME) in _flags(a)
    cites = " ".join(next(f for f in a.flags if f.id == "compelled-access").citations)
    assert "152-FZ" in cites and "23-FZ" in cites
    assert a.cctld_country == "RU"


@pytest.mark.parametrize(("host", "org", "home"), [
    ("facebook.com", "meta", "US"),
    ("app-measurement.com", "google", "US"),
    ("appsflyer.com", "appsflyer", "IL"),
])
def test_us_and_other_vendors(host: str, org: str, home: str) -> None:
    a = attribute_host(host)
    assert a.organisation_id == org and a.org_country == home
    assert not any(f.id == "compelled-access" for f in a.flags)


def test_facebook_us_flag_is_conditional_adequacy_for_eu_viewers() -> None:
    a = attribute_host("graph.facebook.com")
    assert a.organisation == "Meta Platforms, Inc." and a.service == "Facebook Graph API"
    assert _flags(a) == {("eu-adequacy-conditional", "US", HOME)}
    assert _flags(attribute_host("graph.facebook.com", viewer="us")) == set()
    assert _flags(attribute_host("graph.facebook.com", viewer="uk")) == {("uk-adequacy-conditional", "US", HOME)}


def test_adjust_is_applovin() -> None:
    a = attribute_host("adjust.com")
    assert a.organisation == "Adjust GmbH" and a.organisation_country == "DE"
    assert a.parent == "AppLovin Corporation" and a.org_country == "US"
    assert _flags(a) == {("eu-adequacy-conditional", "US", HOME)}


def test_tiktok_flags_both_the_operator_and_the_parent() -> None:
    a = attribute_host("api16-normal-c-useast1a.tiktokv.com")
    assert a.organisation_id == "tiktok" and a.parent_id == "bytedance" and a.org_country == "CN"
    assert ("compelled-access", "CN", HOME) in _flags(a)
    assert ("eu-third-country", "SG", "organisation country") in _flags(a)


def test_operations_country_is_flagged() -> None:
    a = attribute_host("temu.com")
    assert a.org_country == "IE" and a.operations_countries == ("CN",)
    assert ("compelled-access", "CN", "organisation operations country") in _flags(a)


def test_hosting_domain_names_the_platform_not_the_customer() -> None:
    a = attribute_host("mybucket.s3.eu-west-1.amazonaws.com")
    assert a.organisation_id == "aws" and a.hosting and a.org_basis == "hosting domain"
    assert any("customer" in c for c in a.caveats)


def test_unknown_host_falls_back_to_cctld() -> None:
    a = attribute_host("cdn.some-unknown-vendor.cn")
    assert a.organisation is None and a.cctld_country == "CN"
    assert {f.basis for f in a.flags} == {"ccTLD"}
    assert any("weak" in f.fact for f in a.evidence)
    b = attribute_host("api.unknown-vendor.io")
    assert b.organisation is None and b.cctld_country is None and b.flags == ()


def test_cctld_is_weaker_than_the_organisation() -> None:
    a = attribute_host("foo.vivo.com.cn")
    assert a.organisation_id == "vivo" and a.cctld_country == "CN"
    assert "ccTLD" not in {f.basis for f in a.flags}


# --- addresses --------------------------------------------------------------------------

def test_alidns() -> None:
    a = attribute_ip("223.5.5.5")
    assert a.server_country == "CN" and a.registration_country == "CN"
    assert a.organisation_id == "alibaba" and a.org_country == "CN" and a.anycast_or_cdn
    assert ("compelled-access", "CN", HOME) in _flags(a)


def test_yandex_dns() -> None:
    a = attribute_ip("77.88.8.8")
    assert a.server_country == "RU" and a.registration_country == "RU"
    assert a.asn == 13238 and a.organisation_id == "yandex" and not a.anycast_or_cdn
    assert ("compelled-access", "RU", "server location") in _flags(a)
    assert ("compelled-access", "RU", HOME) in _flags(a)


def test_google_dns_is_anycast() -> None:
    a = attribute_ip("8.8.8.8")
    assert a.asn == 15169 and a.as_org == "Google LLC" and a.organisation_id == "google"
    assert a.anycast_or_cdn and a.service == "Google Public DNS"
    assert a.server_country == "US"  # what DB-IP says, kept as evidence ...
    assert "server location" not in {f.basis for f in a.flags}  # ... but no flag rests on it
    assert any("anycast" in c for c in a.caveats)


def test_cloudflare_dns_is_anycast() -> None:
    a = attribute_ip("1.1.1.1")
    assert a.asn == 13335 and a.organisation == "Cloudflare, Inc." and a.anycast_or_cdn
    assert "server location" not in {f.basis for f in a.flags}


def test_tencent_hong_kong_shows_registration_and_location() -> None:
    a = attribute_ip("203.205.254.157")
    assert a.registration_country == "CN" and a.server_country == "HK"
    assert a.asn == 132203 and a.organisation_id == "tencent" and a.org_country == "CN"
    flags = _flags(a)
    assert ("compelled-access", "CN", HOME) in flags  # a Tencent server in Hong Kong is still Tencent's
    assert ("eu-third-country", "HK", "server location") in flags
    assert ("compelled-access", "HK", "server location") not in flags
    assert any("registered in CN but located in HK" in c for c in a.caveats)
    assert any("Hong Kong is a separate legal system" in c for c in a.caveats)
    by_dataset = {f.dataset for f in a.evidence}
    assert {"dbip-country-lite", "iptocc-rir", "ip-location-db-asn", "datatrail-orgs"} <= by_dataset


def test_ipv6_google() -> None:
    a = attribute_ip("2001:4860:4860::8888")
    assert a.asn == 15169 and a.organisation_id == "google" and a.anycast_or_cdn
    assert a.registration_country == "US"


@pytest.mark.parametrize("ip", ["10.0.0.1", "127.0.0.1", "::1", "192.168.0.10", "fe80::1", "100.64.1.1"])
def test_private_and_reserved(ip: str) -> None:
    a = attribute_ip(ip)
    assert a.address_class == "private/reserved"
    assert a.server_country is None and a.registration_country is None and a.asn is None
    assert a.organisation is None and a.flags == ()
    assert a.caveats and a.evidence


def test_ipv4_mapped_and_bracketed() -> None:
    assert attribute_ip("::ffff:77.88.8.8").ip == "77.88.8.8"
    assert attribute_ip("[2001:4860:4860::8888]").asn == 15169


def test_host_query_with_an_ip_is_an_ip_query() -> None:
    a = attribute("8.8.8.8")
    assert a.kind == "ip" and a.asn == 15169
    assert attribute("qq.com").kind == "host"


def test_special_use_names() -> None:
    a = attribute_host("printer.local")
    assert a.address_class == "special-use name" and a.organisation is None and a.flags == ()


# --- contract ---------------------------------------------------------------------------

def test_invalid_queries() -> None:
    for bad in ("not a host!", "", "a..b", "http://qq.com/"):
        with pytest.raises(ValueError):
            attribute(bad)
    with pytest.raises(ValueError):
        attribute_ip("qq.com")
    with pytest.raises(ValueError, match="viewer"):
        attribute("qq.com", viewer="mars")


def test_every_flag_has_citations_and_a_known_basis() -> None:
    for query in ("qq.com", "yandex.ru", "temu.com", "tiktok.com", "203.205.254.157", "77.88.8.8", "foo.cn"):
        for viewer in ("eu", "uk", "us"):
            for flag in attribute(query, viewer).flags:
                assert flag.citations and all(flag.citations) and flag.basis in BASES


def test_evidence_names_only_listed_datasets() -> None:
    listed = {d["name"] for d in attribution_dataset_info()}
    extra = {"IANA special-purpose address registry (Python ipaddress)", "IANA special-use domain names (RFC 6761)"}
    for query in ("qq.com", "203.205.254.157", "8.8.8.8", "2001:4860:4860::8888", "foo.cn", "10.0.0.1", "a.local"):
        for fact in attribute(query).evidence:
            assert fact.dataset in listed | extra, fact


def test_to_dict_is_plain_json() -> None:
    d = attribution_to_dict(attribute_ip("203.205.254.157"))
    text = json.dumps(d)
    back = json.loads(text)
    assert back["server_country"] == "HK" and back["registration_country"] == "CN"
    assert back["flags"][0]["citations"] and isinstance(back["evidence"][0], dict)
    assert list(back) == [f for f in Attribution.__dataclass_fields__]


def test_preload_loads_what_host_attribution_reads() -> None:
    from datatrail.knowledge import psl

    psl.public_suffix_list.cache_clear()
    attribution.preload_host_tables()
    assert psl.public_suffix_list.cache_info().currsize == 1
    assert attribution.attribute_host("weixin.qq.com").organisation == "Tencent Holdings Ltd."
