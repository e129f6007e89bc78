"""Who is behind a host or an IP address, where it is, and whose law reaches it.

Frozen dataclasses produced by ``datatrail.knowledge.attribution``. Every fact names the
dataset that said it (``evidence``); weaker evidence (a ccTLD, an AS registration) is
labelled as such and never silently merged with stronger evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BASES", "Flag", "Fact", "Attribution"]

BASES = (
    "organisation home country",
    "organisation country",
    "organisation operations country",
    "server location",
    "ccTLD",
)
"""Why a flag's country applies, strongest first.

organisation home country: the top parent's headquarters (its law reaches the whole group);
organisation country: the operating company's own headquarters, when it differs;
organisation operations country: where the group's main operations are, when that differs
from its declared headquarters; server location: where the geolocation database puts the
address; ccTLD: only the domain's country-code TLD (weak, used when nothing else is known).
"""


@dataclass(frozen=True, slots=True)
class Flag:
    """A jurisdiction concern, with the law it rests on and why it applies."""

    id: str
    """Stable identifier: "compelled-access", "eu-third-country", "eu-adequacy-conditional",
    "uk-third-country", "uk-adequacy-conditional"."""
    title: str
    country: str
    """ISO 3166-1 alpha-2 code of the jurisdiction."""
    citations: tuple[str, ...]
    basis: str
    """One of ``BASES``."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One statement and the dataset (by its ``DatasetRef`` name) that made it."""

    fact: str
    dataset: str


@dataclass(frozen=True, slots=True)
class Attribution:
    query: str
    """The host or address as given."""
    kind: str
    """"host" or "ip"."""
    viewer: str
    """Region of the person whose data it is ("eu", "uk", "us"): selects the transfer rules flagged."""
    host: str | None
    """Normalised host name (lower-case, IDNA), for host queries."""
    ip: str | None
    """Normalised address, for IP queries (IPv4-mapped IPv6 is shown as IPv4)."""
    address_class: str | None
    """"public", "private/reserved" (no country, never leaves the local network or is not
    routable) or "special-use name" (.local, .onion, .test, ...); None when not applicable."""
    registrable_domain: str | None
    """Registrable domain per the Public Suffix List, ICANN section."""
    matched_domain: str | None
    """The organisation-table entry that matched (the host or one of its parent domains)."""
    service: str | None
    """Product name when the table knows one ("WeChat (Weixin)", "AppMetrica")."""
    organisation: str | None
    organisation_id: str | None
    organisation_country: str | None
    """Headquarters of the organisation itself (Adjust GmbH: DE)."""
    parent: str | None
    """Top of the organisation's group, when it has a parent (Adjust: AppLovin Corporation)."""
    parent_id: str | None
    org_country: str | None
    """Home country: the top parent's headquarters, whose law reaches the group everywhere."""
    operations_countries: tuple[str, ...]
    """Countries of the group's main operations that differ from its declared headquarters."""
    org_source: str | None
    """Where the organisation facts come from (company website, annual report, ...)."""
    org_basis: str | None
    """How the organisation was found: "domain", "hosting domain", "AS number" or "anycast prefix"."""
    hosting: bool
    """The organisation runs a hosting/CDN/cloud platform here; the customer behind it is unknown."""
    server_country: str | None
    """Where DB-IP locates the address (IP queries only; hosts are not resolved)."""
    registration_country: str | None
    """Country the Regional Internet Registry recorded for the address block."""
    asn: int | None
    as_org: str | None
    """The AS organisation as registered, e.g. "Shenzhen Tencent Computer Systems Company Limited"."""
    anycast_or_cdn: bool
    """The address is served from many places (anycast, CDN): ``server_country`` is where the
    database puts the prefix, not necessarily where a given user's data goes."""
    cctld_country: str | None
    """Country of the host's country-code TLD: weak evidence, shown with its label."""
    flags: tuple[Flag, ...]
    caveats: tuple[str, ...]
    evidence: tuple[Fact, ...]
