"""Where the data can go, per country: the facts the map, the flow view and the verdict share.

A :class:`Reach` is one host with what attribution said about it, in a shape common to
app reports (hosts named in the package) and capture reports (hosts contacted). Folding
reaches by country gives :class:`CountryUse`: whose law reaches data there (the
organisation's home), which servers are there, and which hosts only have a country-code
domain pointing there (weak). The colour of a country is the worst jurisdiction flag
attached to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from datatrail.knowledge.geo import country_name
from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS
from datatrail.model.report import CodeOwner, Report

__all__ = ["VIEWER_NAMES", "LEVELS", "LEVEL_TEXT", "Reach", "CountryUse", "level_of", "worst", "reaches", "by_country", "country_label"]

VIEWER_NAMES = {"eu": "the EU/EEA", "uk": "the UK", "us": "the US"}
"""How the ``viewer`` regions read in a sentence."""

LEVELS = ("state-access", "no-adequacy", "conditional", "no-flag")
"""Colour classes, worst first."""

LEVEL_TEXT = {
    "state-access": "law obliges organisations to give the state access to data",
    "no-adequacy": "transfers restricted: no adequacy decision (EU, UK) or a country of concern (US)",
    "conditional": "adequacy only for some recipients (e.g. certified US companies)",
    "no-flag": "no transfer concern flagged for this viewer",
}


def level_of(flag_id: str) -> str:
    if flag_id == COMPELLED_ACCESS:
        return "state-access"
    if flag_id.endswith("-third-country") or flag_id == "us-country-of-concern":
        return "no-adequacy"
    return "conditional"


def worst(levels: Iterable[str]) -> str:
    found = set(levels)
    return next((level for level in LEVELS if level in found), "no-flag")


def country_label(code: str | None) -> str:
    """``"China (CN)"``; ``"unknown"`` for None; the bare code when the name is not known."""
    if not code:
        return "unknown"
    name = country_name(code)
    return f"{name} ({code})" if name else code


@dataclass(frozen=True, slots=True)
class Reach:
    """One host and what is known about where data sent to it goes."""

    host: str
    organisation: str | None
    """Top of the organisation's group (whose home law reaches it), when known."""
    law_countries: tuple[str, ...]
    """Home country of the group, then the operating company's own when it differs."""
    server_countries: tuple[str, ...]
    """Where its addresses are located (traffic, ``--resolve`` or an IP literal)."""
    weak_countries: tuple[str, ...]
    """Only the host's country-code TLD points here."""
    flags: tuple[tuple[str, str, str], ...]
    """Jurisdiction flags as (id, country, title)."""
    owners: tuple[str, ...] = ()
    """Whose code names the host (SDK, library or the app)."""
    data: tuple[str, ...] = ()
    """Data that code can read."""
    cleartext: bool = False


@dataclass(frozen=True, slots=True)
class CountryUse:
    code: str
    law: tuple[str, ...]
    """Organisations whose home is here: their law reaches the data wherever it is stored."""
    servers: tuple[str, ...]
    """Hosts located here."""
    weak: tuple[str, ...]
    """Hosts with only a ccTLD pointing here."""
    hosts: tuple[str, ...]
    flags: tuple[tuple[str, str], ...]
    """(id, title) of the flags attached to this country."""
    owners: tuple[str, ...]
    data: tuple[str, ...]

    @property
    def level(self) -> str:
        return worst(level_of(flag_id) for flag_id, _ in self.flags)

    @property
    def roles(self) -> tuple[str, ...]:
        """"law", "server" and/or "weak", strongest first."""
        return tuple(role for role, items in (("law", self.law), ("server", self.servers), ("weak", self.weak)) if items)


def _owner_key(owner: CodeOwner) -> tuple[str, str]:
    return owner.kind, owner.id


def owner_label(owner: CodeOwner) -> str:
    return "the app's own code" if owner.kind == "app" else owner.name


def reaches(report: Report) -> tuple[Reach, ...]:
    """Every destination of an app report as a :class:`Reach`."""
    reads: dict[tuple[str, str], set[str]] = {}
    for access in report.readable_data_access:
        if not access.data_categories:
            continue
        for owner in access.owners:
            reads.setdefault(_owner_key(owner), set()).add(access.data)
    out: list[Reach] = []
    for dest in report.destinations:
        a = dest.attribution
        law = tuple(dict.fromkeys(c for c in (a.org_country, a.organisation_country) if c))
        servers = [a.server_country] + [addr.server_country for addr in dest.addresses]
        server = tuple(dict.fromkeys(c for c in servers if c))
        weak = (a.cctld_country,) if a.cctld_country and not law and not server else ()
        data = sorted({d for owner in dest.owners for d in reads.get(_owner_key(owner), ())})
        flags = {(f.id, f.country, f.title) for f in a.flags}
        flags |= {(f.id, f.country, f.title) for addr in dest.addresses for f in addr.flags}
        out.append(
            Reach(
                host=dest.endpoint.host,
                organisation=dest.named_owner,
                law_countries=law,
                server_countries=server,
                weak_countries=weak,
                flags=tuple(sorted(flags)),
                owners=tuple(dict.fromkeys(owner_label(o) for o in dest.owners)),
                data=tuple(data),
                cleartext=dest.endpoint.cleartext,
            )
        )
    return tuple(out)


class _Fold:
    """Ordered sets collecting one country's facts (insertion order is first-seen order)."""

    def __init__(self) -> None:
        self.law: dict[str, None] = {}
        self.servers: dict[str, None] = {}
        self.weak: dict[str, None] = {}
        self.hosts: dict[str, None] = {}
        self.flags: dict[tuple[str, str], None] = {}
        self.owners: dict[str, None] = {}
        self.data: dict[str, None] = {}

    def use(self, code: str) -> CountryUse:
        return CountryUse(
            code=code,
            law=tuple(self.law),
            servers=tuple(self.servers),
            weak=tuple(self.weak),
            hosts=tuple(self.hosts),
            flags=tuple(self.flags),
            owners=tuple(self.owners),
            data=tuple(sorted(self.data)),
        )


def by_country(items: Iterable[Reach]) -> tuple[CountryUse, ...]:
    """Reaches folded per country, worst level first, then by number of hosts."""
    folds: dict[str, _Fold] = {}
    for reach in items:
        org = reach.organisation or reach.host
        roles = (
            [(code, "law", org) for code in reach.law_countries]
            + [(code, "servers", reach.host) for code in reach.server_countries]
            + [(code, "weak", reach.host) for code in reach.weak_countries]
        )
        for code, role, value in roles:
            fold = folds.setdefault(code, _Fold())
            getattr(fold, role)[value] = None
            fold.hosts[reach.host] = None
            fold.owners.update(dict.fromkeys(reach.owners))
            fold.data.update(dict.fromkeys(reach.data))
        for flag_id, code, title in reach.flags:
            if code in folds and any(c == code for c, _, _ in roles):
                folds[code].flags[(flag_id, title)] = None
    uses = [fold.use(code) for code, fold in folds.items()]
    return tuple(sorted(uses, key=lambda u: (LEVELS.index(u.level), -len(u.hosts), u.code)))
