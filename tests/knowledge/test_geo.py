"""IP -> country (DB-IP, RIR) and IP -> AS: test vectors and data integrity.

The vectors are facts checked when the datasets were pinned (KNOWLEDGE.md: DB-IP via the
deprecated npm channel, so keep vectors; 77.88.8.8 must be RU, which iptoasn-country got wrong).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path

import pytest

import datatrail.knowledge.asn as asn
import datatrail.knowledge.geo as geo
from datatrail.knowledge.asn import AsnInfo, as_organisation, lookup_asn
from datatrail.knowledge.geo import (
    attribution_dataset_info,
    country_name,
    is_country_code,
    parse_ip,
    registration_country,
    server_country,
    special_address,
)

DATA_DIR = Path(geo.__file__).parent / "data"
DATASET_FIELDS = {"name", "version", "source", "license", "sha256", "date"}


def _ip(text: str) -> IPv4Address | IPv6Address:
    return ip_address(text)


def test_public_api() -> None:
    assert sorted(geo.__all__) == sorted([
        "IPAddress", "parse_ip", "special_address", "server_country", "registration_country",
        "country_name", "is_country_code", "dataset_info", "attribution_dataset_info",
    ])
    assert sorted(asn.__all__) == ["AsnInfo", "as_organisation", "dataset_info", "lookup_asn"]


@pytest.mark.parametrize(("ip", "country"), [
    ("223.5.5.5", "CN"),          # AliDNS
    ("77.88.8.8", "RU"),          # Yandex DNS
    ("8.8.8.8", "US"),            # Google Public DNS (anycast; DB-IP's answer)
    ("203.205.254.157", "HK"),    # Tencent, located in Hong Kong
    ("2a02:6b8::1", "RU"),        # Yandex IPv6
    ("51.15.0.1", "NL"),          # Scaleway, Amsterdam
])
def test_server_country_vectors(ip: str, country: str) -> None:
    assert server_country(_ip(ip)) == country


@pytest.mark.parametrize(("ip", "country"), [
    ("203.205.254.157", "CN"),    # registered CN (Tencent), located HK
    ("77.88.8.8", "RU"),
    ("223.5.5.5", "CN"),
    ("8.8.8.8", "US"),
    ("1.1.1.1", "AU"),            # APNIC's research prefix, lent to Cloudflare
    ("2001:4860:4860::8888", "US"),
])
def test_registration_country_vectors(ip: str, country: str) -> None:
    assert registration_country(_ip(ip)) == country


def test_registration_and_location_differ_for_tencent_hk() -> None:
    ip = _ip("203.205.254.157")
    assert (registration_country(ip), server_country(ip)) == ("CN", "HK")


@pytest.mark.parametrize(("ip", "kind"), [
    ("10.0.0.1", "private"),
    ("192.168.1.1", "private"),
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),
    ("169.254.10.1", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"),
    ("100.64.0.1", "shared address space (carrier-grade NAT)"),
    ("fc00::1", "private"),
    ("240.0.0.1", "reserved"),
])
def test_special_addresses_get_no_country(ip: str, kind: str) -> None:
    address = _ip(ip)
    assert special_address(address) == kind
    assert server_country(address) is None
    assert registration_country(address) is None


def test_public_addresses_are_not_special() -> None:
    for ip in ("8.8.8.8", "2001:4860:4860::8888", "203.205.254.157"):
        assert special_address(_ip(ip)) is None


def test_parse_ip() -> None:
    assert parse_ip(" 8.8.8.8 ") == IPv4Address("8.8.8.8")
    assert parse_ip("[2001:4860:4860::8888]") == IPv6Address("2001:4860:4860::8888")
    assert parse_ip("::ffff:77.88.8.8") == IPv4Address("77.88.8.8")  # IPv4-mapped: looked up as IPv4
    for bad in ("qq.com", "", "1.2.3", "256.1.1.1", "[8.8.8.8"):
        assert parse_ip(bad) is None


@pytest.mark.parametrize(("ip", "number", "org"), [
    ("8.8.8.8", 15169, "Google LLC"),
    ("1.1.1.1", 13335, "Cloudflare, Inc."),
    ("203.205.254.157", 132203, "Shenzhen Tencent Computer Systems Company Limited"),
    ("77.88.8.8", 13238, "YANDEX LLC"),
    ("223.5.5.5", 45102, "Alibaba (US) Technology Co., Ltd."),
    ("2001:4860:4860::8888", 15169, "Google LLC"),
    ("2a02:6b8::1", 13238, "YANDEX LLC"),
])
def test_asn_vectors(ip: str, number: int, org: str) -> None:
    assert lookup_asn(_ip(ip)) == AsnInfo(number, org)


def test_asn_range_edges_and_gaps() -> None:
    # Rows are inclusive ranges: 1.0.0.0-1.0.0.255 is AS13335, 1.0.1.0-1.0.3.255 has no row.
    assert lookup_asn(_ip("1.0.0.0")) == AsnInfo(13335, "Cloudflare, Inc.")
    assert lookup_asn(_ip("1.0.0.255")) == AsnInfo(13335, "Cloudflare, Inc.")
    assert lookup_asn(_ip("1.0.1.0")) is None
    for ip in ("0.0.0.0", "10.0.0.1", "255.255.255.255", "::", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"):
        assert lookup_asn(_ip(ip)) is None


def test_asn_overlapping_rows_newer_wins() -> None:
    # Upstream lists 214.95.0.0-215.0.255.255 (AS749) and then 215.0.0.0-215.1.3.255 (AS721).
    assert lookup_asn(_ip("214.96.0.1")).asn == 749  # type: ignore[union-attr]
    assert lookup_asn(_ip("215.0.0.1")).asn == 721  # type: ignore[union-attr]


def test_as_organisation() -> None:
    assert as_organisation(13335) == "Cloudflare, Inc."
    assert as_organisation(15169) == "Google LLC"
    assert as_organisation(4_294_967_295) is None
    assert as_organisation(0) is None


def test_asn_file_rejects_other_formats() -> None:
    with pytest.raises(ValueError):
        asn._parse(b"not an asn table")


def test_lookups_are_fast() -> None:
    v4 = [_ip(f"{a}.{b}.7.9") for a in range(1, 224, 7) for b in range(0, 256, 17)]
    v6 = [_ip(f"2a02:{a:x}::1") for a in range(0, 4000, 10)]
    lookup_asn(v4[0])
    server_country(v4[0])
    start = time.perf_counter()
    for ip in v4 + v6:
        lookup_asn(ip)
        server_country(ip)
    assert time.perf_counter() - start < 2.0, "IP lookups should take microseconds"


def test_countries_table() -> None:
    doc = json.loads((DATA_DIR / "geo-countries.json").read_text(encoding="utf-8"))
    codes = doc["countries"]
    assert len(codes) == 250
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes)
    assert country_name("CN") == "China" and country_name("HK") == "Hong Kong" and country_name("TW") == "Taiwan"
    assert country_name("cn") == "China"
    assert country_name("ZZ") is None and country_name(None) is None
    assert is_country_code("XK") and not is_country_code("EU")


def test_every_dbip_country_code_is_known() -> None:
    import maxminddb

    with maxminddb.open_database(str(DATA_DIR / "geo-dbip-country.mmdb")) as reader:
        seen = {record["country_code"] for _, record in reader if isinstance(record, dict)}
    assert len(seen) > 240
    assert all(is_country_code(str(code)) for code in seen)


def test_mmdb_is_the_upstream_file() -> None:
    meta = json.loads((DATA_DIR / "geo-dbip-country.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256((DATA_DIR / "geo-dbip-country.mmdb").read_bytes()).hexdigest()
    assert digest == meta["file_sha256"]
    assert meta["version"] == "2.3.2026060120" and meta["license"] == "CC-BY-4.0"
    assert meta["attribution"].startswith("IP Geolocation by DB-IP")
    assert meta["upstream_integrity"].startswith("sha512-")


def test_sources_lists_every_attribution_file() -> None:
    text = (DATA_DIR / "SOURCES").read_text(encoding="utf-8")
    entries = dict(re.findall(r"^file: (\S+)$.*?^sha256: ([0-9a-f]{64})$", text, re.M | re.S))
    for name in ("geo-dbip-country.mmdb", "geo-dbip-country.json", "asn-ranges.bin", "geo-countries.json",
                 "orgs.json", "jurisdictions.json"):
        assert entries[name] == hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest(), name


def test_attribution_dataset_info() -> None:
    info = {d["name"]: d for d in attribution_dataset_info()}
    assert set(info) == {
        "dbip-country-lite", "iptocc-rir", "iso-3166-countries", "ip-location-db-asn",
        "datatrail-orgs", "public-suffix-list", "datatrail-jurisdictions",
    }
    for entry in info.values():
        assert set(entry) == DATASET_FIELDS
        assert all(entry.values()), entry
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["date"])
    assert "IP Geolocation by DB-IP" in info["dbip-country-lite"]["license"]
    assert info["dbip-country-lite"]["sha256"] == hashlib.sha256((DATA_DIR / "geo-dbip-country.mmdb").read_bytes()).hexdigest()
    assert info["ip-location-db-asn"]["sha256"] == hashlib.sha256((DATA_DIR / "asn-ranges.bin").read_bytes()).hexdigest()
    assert info["public-suffix-list"]["version"] == "1.1.2.20261023"
