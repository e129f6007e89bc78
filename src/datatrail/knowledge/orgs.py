"""Host -> organisation -> parent -> home country, and AS number -> organisation, offline.

``knowledge/data/orgs.json`` is datatrail's own table of facts, curated by hand from
companies' websites, annual reports and Wikipedia (every organisation says where its facts
come from). No CC BY-NC tracker list is used (Ghostery, DuckDuckGo and Disconnect are not
bundleable in an open-source tool).

Hosts are cut to their registrable domain with the Public Suffix List (PyPI
``publicsuffixlist``, which bundles a snapshot and never fetches), ICANN section only:
``bucket.s3.amazonaws.com`` belongs to ``amazonaws.com``, which is Amazon's, even though
the private section would make every bucket its own site. A host is then matched from its
longest suffix down to the registrable domain, so ``weixin.qq.com`` can say more than
``qq.com``.

Data semantics (also in the file's "fields"):

* an organisation's ``country`` is where it is headquartered; ``parent`` is its owner;
  the *home country* of an organisation is its top parent's country, the law that reaches
  the group wherever its servers are ("a Tencent server in Hong Kong is still Tencent's");
* ``since`` is when an organisation came under its current parent (acquisitions move domains:
  MoPub from Twitter to AppLovin, Tapjoy to ironSource and then Unity); reports say the current
  owner;
* ``operations`` lists other countries where a group's main operations are, when those
  differ from its declared headquarters (PDD Holdings: Ireland; Pinduoduo: China);
* a *hosting* domain (``amazonaws.com``, ``myqcloud.com``) is a platform run for customers:
  the operator is known, the customer behind a host is not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from typing import Any, NamedTuple

from datatrail.errors import DatatrailError
from datatrail.knowledge import psl
from datatrail.knowledge.datafile import read_data_file

__all__ = [
    "Organisation",
    "DomainMatch",
    "NetworkInfo",
    "AnycastPrefix",
    "normalise_host",
    "special_use_domain",
    "registrable_domain",
    "organisation",
    "top_parent",
    "home_countries",
    "match_domain",
    "network",
    "anycast_prefix",
    "dataset_info",
    "table_size",
]

_FILE = "orgs.json"
_SUPPORTED_FORMAT = 1
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# RFC 6761, 6762, 7686, 8375 and ICANN's .internal: never on the public internet.
_SPECIAL_USE = ("localhost", "local", "test", "example", "invalid", "onion", "internal", "home.arpa", "arpa")


class Organisation(NamedTuple):
    id: str
    name: str
    country: str | None
    """ISO 3166-1 alpha-2 of the headquarters; None when only the parent's is recorded."""
    parent: str | None
    """Id of the owning organisation, None at the top of a group."""
    operations: tuple[str, ...]
    """Other countries of the group's main operations, when they differ from its headquarters."""
    source: str
    note: str | None
    since: str | None = None
    """When it came under its current parent (a year: "2022"), where the table knows it."""


class DomainMatch(NamedTuple):
    host: str
    matched: str
    """The table entry that matched: ``host`` itself or one of its parent domains."""
    organisation: Organisation
    hosting: bool
    """The matched domain is a hosting/CDN platform: its customer behind ``host`` is unknown."""
    service: str | None


class NetworkInfo(NamedTuple):
    asn: int
    organisation: Organisation | None
    anycast_or_cdn: bool
    note: str | None


class AnycastPrefix(NamedTuple):
    network: IPv4Network | IPv6Network
    organisation: Organisation
    service: str


class _Entry(NamedTuple):
    org: str
    hosting: bool


class _Table(NamedTuple):
    meta: dict[str, str]
    orgs: Mapping[str, Organisation]
    domains: Mapping[str, _Entry]
    services: Mapping[str, str]
    networks: Mapping[int, NetworkInfo]
    anycast: tuple[AnycastPrefix, ...]


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _build(doc: Mapping[str, Any], sha256: str) -> _Table:
    orgs: dict[str, Organisation] = {}
    domains: dict[str, _Entry] = {}
    services: dict[str, str] = {}
    for org_id, raw in doc["organisations"].items():
        orgs[org_id] = Organisation(
            id=org_id, name=str(raw["name"]), country=_opt(raw.get("country")), parent=_opt(raw.get("parent")),
            operations=tuple(str(c) for c in raw.get("operations", ())), source=str(raw["source"]), note=_opt(raw.get("note")),
            since=_opt(raw.get("since")),
        )
        for key, hosting in [(d, False) for d in raw.get("domains", ())] + [(d, True) for d in raw.get("hosting", ())]:
            if key in domains:
                raise ValueError(f"domain {key} is claimed by {domains[key].org} and {org_id}")
            domains[key] = _Entry(org_id, hosting)
        for host, service in raw.get("services", {}).items():
            services[str(host)] = str(service)
    for org in orgs.values():
        seen = {org.id}
        cursor = org
        while cursor.parent is not None:
            if cursor.parent not in orgs:
                raise ValueError(f"{cursor.id}: unknown parent {cursor.parent}")
            cursor = orgs[cursor.parent]
            if cursor.id in seen:
                raise ValueError(f"{org.id}: parent cycle")
            seen.add(cursor.id)
        if cursor.country is None:
            raise ValueError(f"{org.id}: the top of its group ({cursor.id}) has no country")
    networks = {}
    for asn, raw in doc["asns"].items():
        org_id = _opt(raw.get("org"))
        if org_id is not None and org_id not in orgs:
            raise ValueError(f"AS{asn}: unknown organisation {org_id}")
        networks[int(asn)] = NetworkInfo(
            asn=int(asn), organisation=None if org_id is None else orgs[org_id],
            anycast_or_cdn=bool(raw["anycast_or_cdn"]), note=_opt(raw.get("note")),
        )
    anycast = tuple(
        AnycastPrefix(network=ip_network(str(p["prefix"])), organisation=orgs[str(p["org"])], service=str(p["service"]))
        for p in doc["anycast_prefixes"]
    )
    meta = {k: str(doc[k]) for k in ("name", "version", "source", "license", "date")}
    meta["sha256"] = sha256
    return _Table(meta, orgs, domains, services, networks, anycast)


@functools.cache
def _table() -> _Table:
    data = read_data_file(_FILE, "organisation knowledge", _SUPPORTED_FORMAT)
    try:
        return _build(data.doc, data.sha256)
    except (ValueError, KeyError, TypeError) as exc:
        raise DatatrailError(f"organisation knowledge file {_FILE} is missing or malformed: {exc}") from exc




def normalise_host(text: str) -> str | None:
    """Lower-case ASCII (IDNA) form of a host name, without a trailing dot or a leading "*.";
    None when ``text`` is not a syntactically valid host name."""
    host = text.strip().lower().rstrip(".")
    if host.startswith("*."):
        host = host[2:]
    if not host or len(host) > 253:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return host


def special_use_domain(host: str) -> str | None:
    """The special-use name (RFC 6761 and kin) ``host`` falls under, e.g. "local"; else None."""
    for name in _SPECIAL_USE:
        if host == name or host.endswith("." + name):
            return name
    return None


def registrable_domain(host: str) -> str | None:
    """The ICANN-registrable domain of a normalised host ("weixin.qq.com" -> "qq.com")."""
    if special_use_domain(host) is not None:
        return None
    return psl.registrable_domain(host)


def organisation(org_id: str) -> Organisation:
    return _table().orgs[org_id]


def top_parent(org: Organisation) -> Organisation:
    """The top of ``org``'s group (``org`` itself when it has no parent)."""
    orgs = _table().orgs
    while org.parent is not None:
        org = orgs[org.parent]
    return org


def home_countries(org: Organisation) -> tuple[str, tuple[str, ...]]:
    """(home country, operations countries) of ``org``'s group, taken from its top parent."""
    top = top_parent(org)
    assert top.country is not None  # checked when the table is loaded
    return top.country, tuple(c for c in top.operations if c != top.country)


def match_domain(host: str) -> DomainMatch | None:
    """The organisation operating a normalised host, matched from the longest suffix down to
    its registrable domain; None when the table does not know it."""
    table = _table()
    base = registrable_domain(host)
    if base is None:
        return None
    labels = host.split(".")
    floor = len(labels) - base.count(".") - 1
    service = None
    for i in range(floor + 1):
        suffix = ".".join(labels[i:])
        if service is None:
            service = table.services.get(suffix)
        entry = table.domains.get(suffix)
        if entry is not None:
            return DomainMatch(host, suffix, table.orgs[entry.org], entry.hosting, service)
    return None


def network(asn: int) -> NetworkInfo | None:
    """What the table says about an AS: its organisation and whether it is anycast/CDN."""
    return _table().networks.get(asn)


def anycast_prefix(ip: IPv4Address | IPv6Address) -> AnycastPrefix | None:
    for prefix in _table().anycast:
        if ip.version == prefix.network.version and ip in prefix.network:
            return prefix
    return None




def dataset_info() -> list[dict[str, str]]:
    """Provenance of the organisation table and the Public Suffix List snapshot."""
    return [dict(_table().meta), dict(psl.dataset_info())]


def table_size() -> str:
    """How much the organisation table holds, in words (``datatrail data`` shows it)."""
    table = _table()
    hosting = sum(1 for e in table.domains.values() if e.hosting)
    return (f"{len(table.orgs)} organisations, {len(table.domains) - hosting} domains and {hosting} hosting domains, "
            f"{len(table.networks)} AS numbers")
