"""Host or IP address -> organisation -> country -> jurisdiction flags, offline.

Two answers are kept apart, because they differ and both matter:

* *where the server is*: for an address, the DB-IP country (with the RIR registration
  country beside it); unreliable for anycast and CDN networks, which are marked instead
  of pinned to a country;
* *whose law reaches it*: the operating organisation and its group's home country, from
  datatrail's organisation table (by domain for hosts, by AS number or anycast prefix for
  addresses); a Tencent server in Hong Kong is still Tencent's.

Host queries are not resolved (nothing here touches the network), so they carry no server
country; attribute the addresses seen in traffic or DNS answers with :func:`attribute_ip`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from datatrail.knowledge import asn as asn_db
from datatrail.knowledge import geo, jurisdictions, orgs, packs
from datatrail.model.attribution import Attribution, Fact, Flag

__all__ = ["attribute", "attribute_host", "attribute_ip", "attribution_to_dict", "preload_host_tables"]

# Dataset names, as listed by `datatrail data` and in reports.
_DBIP = "dbip-country-lite"
_RIR = "iptocc-rir"
_ASN = "ip-location-db-asn"
_ORGS = "datatrail-orgs"
_PSL = "public-suffix-list"
_JUR = "datatrail-jurisdictions"
_IANA = "IANA special-purpose address registry (Python ipaddress)"
_SPECIAL_NAMES = "IANA special-use domain names (RFC 6761)"


class _Builder:
    """Collects one attribution's facts; each setter records the dataset that said it."""

    def __init__(self, query: str, kind: str, viewer: str) -> None:
        if viewer not in jurisdictions.VIEWERS:
            raise ValueError(f"unknown viewer region {viewer!r}; expected one of {', '.join(jurisdictions.VIEWERS)}")
        self.viewer = viewer
        self.fields: dict[str, Any] = {
            "query": query, "kind": kind, "viewer": viewer, "host": None, "ip": None, "address_class": None,
            "registrable_domain": None, "matched_domain": None, "service": None,
            "organisation": None, "organisation_id": None, "organisation_country": None,
            "parent": None, "parent_id": None, "org_country": None, "operations_countries": (),
            "org_source": None, "org_basis": None, "hosting": False,
            "server_country": None, "registration_country": None, "asn": None, "as_org": None,
            "anycast_or_cdn": False, "cctld_country": None,
        }
        self.flags: list[Flag] = []
        self.caveats: list[str] = []
        self.evidence: list[Fact] = []

    def fact(self, text: str, dataset: str) -> None:
        self.evidence.append(Fact(text, dataset))

    def caveat(self, text: str) -> None:
        if text not in self.caveats:
            self.caveats.append(text)

    def set_organisation(self, org: orgs.Organisation, basis: str, dataset_fact: str, dataset: str = _ORGS) -> None:
        home: str | None
        if dataset == _ORGS:
            top = orgs.top_parent(org)
            home, operations = orgs.home_countries(org)
        else:  # a data pack's organisation stands alone, its country maybe unknown
            top, home, operations = org, org.country, ()
        self.fields.update(
            organisation=org.name, organisation_id=org.id, organisation_country=org.country,
            parent=None if top is org else top.name, parent_id=None if top is org else top.id,
            org_country=home, operations_countries=operations, org_source=org.source, org_basis=basis,
        )
        self.fact(dataset_fact, dataset)
        chain = f"{org.name} ({org.country or 'country not recorded'})"
        if top is not org:
            chain += f", part of {top.name} ({home})" + (f" since {org.since}" if org.since else "")
        self.fact(f"organisation {chain}; source: {org.source}", dataset)
        for note in (org.note, top.note):
            if note is not None:
                self.caveat(note)
        if home is None:
            return
        self.add_flags(home, "organisation home country")
        if org.country is not None and org.country != home:
            self.add_flags(org.country, "organisation country")
        for country in operations:
            self.add_flags(country, "organisation operations country")
        note = jurisdictions.region_note(org.country)
        if note is not None:
            self.caveat(note)

    def add_flags(self, country: str, basis: str) -> None:
        for flag in jurisdictions.flags_for(country, basis, self.viewer):
            if not any(f.id == flag.id and f.country == flag.country and f.basis == flag.basis for f in self.flags):
                self.flags.append(flag)

    def build(self) -> Attribution:
        if self.flags:
            self.fact(f"flags for a viewer in region {self.viewer!r}: " + ", ".join(
                f"{f.id} {f.country} ({f.basis})" for f in self.flags), _JUR)
        return Attribution(**self.fields, flags=tuple(self.flags), caveats=tuple(self.caveats), evidence=tuple(self.evidence))


def attribute_ip(ip: str, viewer: str = "eu") -> Attribution:
    """Attribute one IP address (v4 or v6). Raises ValueError when ``ip`` is not one."""
    address = geo.parse_ip(ip)
    if address is None:
        raise ValueError(f"{ip!r} is not an IP address")
    b = _Builder(ip, "ip", viewer)
    b.fields["ip"] = str(address)
    special = geo.special_address(address)
    if special is not None:
        b.fields["address_class"] = "private/reserved"
        b.fact(f"{address} is a {special} address: not on the public internet, no country", _IANA)
        b.caveat(f"{special} address: it does not identify a server on the internet")
        return b.build()
    b.fields["address_class"] = "public"

    located = geo.server_country(address)
    b.fields["server_country"] = located
    if located is not None:
        b.fact(f"{address} is located in {located} ({geo.country_name(located)})", _DBIP)
    registered = geo.registration_country(address)
    b.fields["registration_country"] = registered
    if registered is not None:
        b.fact(f"{address} is in a block registered in {registered} ({geo.country_name(registered)})", _RIR)
    if located and registered and located != registered:
        b.caveat(f"registered in {registered} but located in {located}: the registry records who holds the block, "
                 "the geolocation database where it is used")

    info = asn_db.lookup_asn(address)
    net = None
    if info is not None:
        b.fields.update(asn=info.asn, as_org=info.organisation)
        b.fact(f"{address} is announced by AS{info.asn} ({info.organisation})", _ASN)
        net = orgs.network(info.asn)
    prefix = orgs.anycast_prefix(address)
    if prefix is not None:
        b.fields["anycast_or_cdn"] = True
        b.fields["service"] = prefix.service
        b.fact(f"{address} is in {prefix.network}, an anycast prefix ({prefix.service})", _ORGS)
        b.set_organisation(prefix.organisation, "anycast prefix", f"{prefix.network} is operated by {prefix.organisation.name}")
    elif net is not None and net.organisation is not None:
        b.set_organisation(net.organisation, "AS number", f"AS{net.asn} is operated by {net.organisation.name}")
    if net is not None:
        if net.anycast_or_cdn:
            b.fields["anycast_or_cdn"] = True
            b.fact(f"AS{net.asn} is an anycast/CDN network", _ORGS)
        if net.note:
            b.caveat(net.note)

    if b.fields["anycast_or_cdn"]:
        b.caveat("anycast/CDN address: the same address is served from many places, so the located country "
                 f"({located or 'none'}) is where the database puts the prefix, not necessarily where a user's data goes; "
                 "no flag is based on it")
    elif located is not None:
        b.add_flags(located, "server location")
        note = jurisdictions.region_note(located)
        if note is not None:
            b.caveat(note)
    return b.build()


def attribute_host(host: str, viewer: str = "eu") -> Attribution:
    """Attribute one host name (an IP literal is passed to :func:`attribute_ip`).

    Raises ValueError when ``host`` is neither a valid host name nor an IP address.
    """
    if geo.parse_ip(host) is not None:
        return attribute_ip(host, viewer)
    name = orgs.normalise_host(host)
    if name is None:
        raise ValueError(f"{host!r} is not a host name or IP address")
    b = _Builder(host, "host", viewer)
    b.fields["host"] = name
    special = orgs.special_use_domain(name)
    if special is not None:
        b.fields["address_class"] = "special-use name"
        b.fact(f"{name} is under the special-use name .{special}: not resolvable on the public internet", _SPECIAL_NAMES)
        b.caveat(f".{special} is a special-use name: it does not identify a server on the internet")
        return b.build()

    base = orgs.registrable_domain(name)
    b.fields["registrable_domain"] = base
    if base is not None:
        b.fact(f"registrable domain of {name} is {base}", _PSL)
    match = orgs.match_domain(name)
    if match is not None:
        b.fields.update(matched_domain=match.matched, service=match.service, hosting=match.hosting)
        how = "hosting domain" if match.hosting else "domain"
        b.set_organisation(match.organisation, how, f"{match.matched} is operated by {match.organisation.name}"
                           + (f" (service: {match.service})" if match.service else ""))
        if match.hosting:
            b.caveat(f"{match.matched} is a hosting/cloud/CDN platform of {match.organisation.name}: "
                     "the customer whose host this is is not known")

    # Only where datatrail's own table is silent: a data pack the user installed.
    match_pack = packs.match_domain(name) if match is None else None
    if match_pack is not None:
        b.fields.update(matched_domain=match_pack.matched, service=match_pack.tracker)
        what = f" ({match_pack.tracker}{', ' + match_pack.category if match_pack.category else ''})" if match_pack.tracker else ""
        b.set_organisation(match_pack.organisation, "domain (data pack)",
                           f"{match_pack.matched} is operated by {match_pack.organisation.name}{what}", match_pack.pack.name)
    cctld = jurisdictions.cctld_country(name)
    b.fields["cctld_country"] = cctld
    if cctld is not None:
        b.fact(f"ccTLD .{name.rsplit('.', 1)[-1]} -> {cctld} ({geo.country_name(cctld)}); ccTLD, weak evidence", _JUR)
        if match is None and match_pack is None:
            b.add_flags(cctld, "ccTLD")
    if match is None and match_pack is None:
        b.caveat("organisation not in datatrail's table; attribute the addresses it resolves to (attribute_ip) "
                 "for the server's country and network")
    return b.build()


def attribute(query: str, viewer: str = "eu") -> Attribution:
    """:func:`attribute_ip` for an address, :func:`attribute_host` otherwise."""
    return attribute_host(query, viewer)


def attribution_to_dict(attribution: Attribution) -> dict[str, Any]:
    """Plain JSON-ready dict (field order as in the model; tuples become lists)."""
    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    result: dict[str, Any] = plain(attribution)
    return result


def preload_host_tables() -> None:
    """Load what attributing a host reads (Public Suffix List, organisations, jurisdictions) now.

    Each is loaded once per process on first use anyway; the scan calls this
    before it forks a stage (so the child inherits the tables instead of
    loading its own) and while it waits for that child (so attribution after
    the join finds them ready).
    """
    from datatrail.knowledge import jurisdictions, orgs, psl

    psl.public_suffix_list()
    orgs.dataset_info()
    jurisdictions.dataset_info()
