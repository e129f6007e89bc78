"""The risk card: the few lines a store puts next to its Install button, each a claim with the
section of the full report that proves it.

Every line is worded for what static analysis shows: code *from* companies, code that *can read*
data, servers the package *names*. Nothing says "sends": a card built from a package never
claims traffic it did not see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from datatrail.knowledge.geo import country_name
from datatrail.knowledge.jurisdictions import compels_access
from datatrail.model.report import Report
from datatrail.report.html.places import level_of, reaches, worst
from datatrail.report.html.verdict import describe_data, list_words

__all__ = ["Claim", "RiskCard", "risk_card", "card_dict", "CARD_CAVEAT"]

CARD_CAVEAT = "From the app's package (static analysis): what its code can do and which servers it names, not what it sent."


@dataclass(frozen=True, slots=True)
class Claim:
    kind: str
    """``companies``, ``data`` or ``servers``."""
    text: str
    evidence: str
    """The report section that proves it (an anchor of the app page: ``sdks``, ``data-access``, ``destinations``)."""
    level: str
    """One of ``places.LEVELS``: ``state-access`` when a country named here has a state-access law."""
    countries: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    """The companies, data or hosts behind the claim, most telling first."""


@dataclass(frozen=True, slots=True)
class RiskCard:
    package: str | None
    label: str | None
    version: str | None
    claims: tuple[Claim, ...]
    caveat: str = CARD_CAVEAT

    @property
    def level(self) -> str:
        return worst(c.level for c in self.claims)


def _country(code: str) -> str:
    name = country_name(code) or code
    return f"the {name}" if name.startswith(("United ", "Netherlands", "Philippines", "Czech")) else name


def _state_access_countries(report: Report) -> set[str]:
    """Countries named on the card whose law gives the state access to data companies hold."""
    codes = {s.vendor_country for s in report.sdks_in_code if s.vendor_country}
    codes |= {f.country for d in report.destinations for f in d.attribution.flags}
    return {c for c in codes if compels_access(c)}


def _companies(report: Report, flagged: set[str]) -> Claim | None:
    vendors: dict[str, dict[str, None]] = {}
    for sdk in report.sdks_in_code:
        if sdk.vendor and sdk.vendor != "unknown":
            vendors.setdefault(sdk.vendor_country or "", {})[sdk.vendor] = None
    if not vendors:
        return None
    order = sorted(vendors.items(), key=lambda item: (item[0] not in flagged, item[0] == "", -len(item[1]), item[0]))
    parts = []
    for code, names in order[:2]:
        n = len(names)
        where = f"in {_country(code)}" if code else "of unknown country"
        parts.append(f"{n} {'company' if n == 1 else 'companies'} {where} ({list_words(list(names), 3)})")
    rest = sum(len(names) for _, names in order[2:])
    text = "Contains code from " + " and ".join(parts) + (f", and {rest} more elsewhere" if rest else "")
    countries = tuple(code for code, _ in order if code)
    level = "state-access" if any(c in flagged for c in countries) else "no-flag"
    return Claim("companies", text, "sdks", level, countries, tuple(v for _, names in order for v in names))


def _data(report: Report) -> Claim | None:
    items = [(a.data, a.data_categories) for a in report.readable_data_access if a.data_categories]
    if not items:
        return None
    text = "Its code can read " + describe_data(items, limit=3)
    return Claim("data", text, "data-access", "no-flag", (), tuple(dict.fromkeys(label for label, _ in items)))


def _servers(report: Report, flagged: set[str]) -> Claim | None:
    items = reaches(report)
    if not items:
        return None
    homes: dict[str, int] = {}
    for r in items:
        for code in r.law_countries[:1] or r.server_countries[:1]:
            homes[code] = homes.get(code, 0) + 1
    order = sorted(homes, key=lambda c: (c not in flagged, -homes[c], c))
    hosts = f"{len(items)} host{'s' if len(items) != 1 else ''}"
    if order:
        text = f"Names servers of companies in {list_words([_country(c) for c in order], 4)} ({hosts})"
    else:
        text = f"Names {hosts} no known company runs"
    level = worst(level_of(flag_id) for r in items for flag_id, _, _ in r.flags)
    return Claim("servers", text, "destinations", level, tuple(order), tuple(r.host for r in items))


def risk_card(report: Report) -> RiskCard:
    flagged = _state_access_countries(report)
    claims = tuple(c for c in (_companies(report, flagged), _data(report), _servers(report, flagged)) if c is not None)
    app = report.app
    version = app.version_name or (str(app.version_code) if app.version_code is not None else None)
    return RiskCard(app.package, app.label, version, claims)


def card_dict(card: RiskCard, evidence_base: str = "") -> dict[str, Any]:
    """The card as JSON-ready data; each claim's ``evidence`` becomes ``evidence_base#anchor``."""
    doc = asdict(card)
    doc["level"] = card.level
    for claim in doc["claims"]:
        claim["evidence"] = f"{evidence_base}#{claim['evidence']}"
        claim["countries"] = list(claim["countries"])
        claim["items"] = list(claim["items"])[:20]
    return doc
