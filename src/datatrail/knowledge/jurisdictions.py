"""Whose law reaches data in a country, as seen by a viewer in a given region. Offline.

``knowledge/data/jurisdictions.json`` keeps the legal facts and their citations as data:

* compelled access: countries whose law obliges organisations to hand data to the state
  (China, Russia), with the articles;
* EEA membership (EU-27 plus Iceland, Liechtenstein and Norway, and EU territories with
  their own ISO codes);
* per viewer region, the transfer regime: for "eu", the Commission's adequacy decisions
  under GDPR art. 45 (the United States only for organisations certified under the Data
  Privacy Framework); for "uk", the UK's adequacy regulations ("data bridges"); "us" has
  no general transfer regime, but flags the countries of concern of 28 CFR part 202 and PADFA;
* notes on Hong Kong and Macao (separate legal systems; a mainland parent's law still applies);
* which two-letter TLDs say nothing about a country (.io, .co, .tv, ...).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

from datatrail.errors import DatatrailError
from datatrail.knowledge.datafile import read_data_file
from datatrail.knowledge.viewers import VIEWERS
from datatrail.model.attribution import BASES, Flag

__all__ = ["VIEWERS", "COMPELLED_ACCESS", "flags_for", "flag_title", "compels_access", "region_note", "cctld_country", "is_eea", "dataset_info"]

_FILE = "jurisdictions.json"
_SUPPORTED_FORMAT = 1
COMPELLED_ACCESS = "compelled-access"


class _Adequacy(NamedTuple):
    decision: str
    date: str
    scope: str | None
    conditional_title: str | None
    """Set when adequacy covers only some recipients (US: DPF-certified organisations)."""


class _Viewer(NamedTuple):
    home: frozenset[str]
    adequacy: Mapping[str, _Adequacy]
    third_country: tuple[str, str, tuple[str, ...]] | None  # id, title, citations
    conditional_id: str | None
    concern: tuple[str, str, tuple[str, ...], frozenset[str]] | None = None
    """Countries the viewer's law singles out (US: countries of concern): id, title, citations, countries."""


class _Table(NamedTuple):
    meta: dict[str, str]
    compelled: Mapping[str, tuple[str, tuple[str, ...]]]  # country -> (title, citations)
    regions: Mapping[str, str]
    eea: frozenset[str]
    territories: Mapping[str, str]
    viewers: Mapping[str, _Viewer]
    cctld_exceptions: Mapping[str, str]
    cctld_ignored: frozenset[str]
    idn_cctld: Mapping[str, str]


def _expand(codes: Any, eea: frozenset[str]) -> frozenset[str]:
    out: set[str] = set()
    for code in codes:
        out |= eea if code == "eea" else {str(code)}
    return frozenset(out)


def _viewer(raw: Mapping[str, Any], eea: frozenset[str]) -> _Viewer:
    adequacy = {
        str(code): _Adequacy(
            decision=str(entry["decision"]), date=str(entry["date"]), scope=entry.get("scope"),
            conditional_title=str(entry["title"]) if entry.get("conditional") else None,
        )
        for code, entry in raw.get("adequacy", {}).items()
    }
    for group in raw.get("adequate_groups", {}):
        for code in _expand([group], eea):
            adequacy.setdefault(code, _Adequacy(str(raw["adequate_groups"][group]), "", None, None))
    third = raw.get("third_country")
    concern = raw.get("concern")
    return _Viewer(
        home=_expand(raw["home"], eea),
        adequacy=adequacy,
        third_country=None if third is None else (str(third["id"]), str(third["title"]), tuple(str(c) for c in third["citations"])),
        conditional_id=str(raw["conditional"]["id"]) if "conditional" in raw else None,
        concern=None if concern is None else (
            str(concern["id"]), str(concern["title"]), tuple(str(c) for c in concern["citations"]),
            frozenset(str(c) for c in concern["countries"]),
        ),
    )


def _build(doc: Mapping[str, Any], sha256: str) -> _Table:
    eea = frozenset(str(c) for c in doc["eea"]["members"])
    compelled = {
        str(code): (str(entry["title"]), tuple(str(c) for c in entry["citations"]))
        for code, entry in doc["compelled_access"].items()
    }
    viewers = {name: _viewer(doc["viewers"][name], eea) for name in VIEWERS}
    cctld = doc["cctld"]
    meta = {k: str(doc[k]) for k in ("name", "version", "source", "license", "date")}
    meta["sha256"] = sha256
    return _Table(
        meta=meta,
        compelled=compelled,
        regions={
            str(k): f"{v['note']} ({'; '.join(str(c) for c in v['citations'])})" for k, v in doc["regions"].items()
        },
        eea=eea,
        territories={str(k): str(v) for k, v in doc["eea"]["territories"].items()},
        viewers=viewers,
        cctld_exceptions={str(k): str(v) for k, v in cctld["exceptions"].items()},
        cctld_ignored=frozenset(str(t) for t in [*cctld["generic"], *cctld["not_countries"]]),
        idn_cctld={str(k): str(v) for k, v in doc["idn_cctld"].items()},
    )


@functools.cache
def _table() -> _Table:
    data = read_data_file(_FILE, "jurisdiction knowledge", _SUPPORTED_FORMAT)
    try:
        return _build(data.doc, data.sha256)
    except (ValueError, KeyError, TypeError) as exc:
        raise DatatrailError(f"jurisdiction knowledge file {_FILE} is missing or malformed: {exc}") from exc


def is_eea(country: str) -> bool:
    table = _table()
    return table.territories.get(country, country) in table.eea


def flags_for(country: str, basis: str, viewer: str = "eu") -> tuple[Flag, ...]:
    """The jurisdiction flags raised by data reaching ``country`` on ``basis``, for ``viewer``."""
    if viewer not in VIEWERS:
        raise ValueError(f"unknown viewer region {viewer!r}; expected one of {', '.join(VIEWERS)}")
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}")
    table = _table()
    flags: list[Flag] = []
    if country in table.compelled:
        title, citations = table.compelled[country]
        flags.append(Flag(COMPELLED_ACCESS, title, country, citations, basis))
    regime = table.viewers[viewer]
    if regime.concern is not None and country in regime.concern[3]:
        flag_id, title, citations, _ = regime.concern
        flags.append(Flag(flag_id, title, country, citations, basis))
    if regime.third_country is None:
        return tuple(flags)
    effective = table.territories.get(country, country)
    if effective in regime.home:
        return tuple(flags)
    adequacy = regime.adequacy.get(effective)
    if adequacy is None:
        flag_id, title, citations = regime.third_country
        flags.append(Flag(flag_id, title, country, citations, basis))
    elif adequacy.conditional_title is not None and regime.conditional_id is not None:
        cites = (adequacy.decision,) + ((f"Scope: {adequacy.scope}",) if adequacy.scope else ())
        flags.append(Flag(regime.conditional_id, adequacy.conditional_title, country, cites, basis))
    return tuple(flags)


def flag_title(flag_id: str, country: str, viewer: str = "eu") -> str | None:
    """The sentence for the flag ``flag_id`` raised for ``country`` (as in ``flags_for``); None when it isn't one."""
    if viewer not in VIEWERS:
        return None
    return next((f.title for f in flags_for(country, BASES[0], viewer) if f.id == flag_id), None)


def compels_access(country: str) -> bool:
    """The country's law lets the state require organisations based there to hand over data
    (the ``compelled-access`` flag, whoever is looking)."""
    return country in _table().compelled


def region_note(country: str | None) -> str | None:
    """A note for places with their own legal system inside another state (HK, MO)."""
    return _table().regions.get(country) if country else None


def cctld_country(host: str) -> str | None:
    """Country of a normalised host's country-code TLD, or None (generic, not a country, gTLD)."""
    table = _table()
    tld = host.rsplit(".", 1)[-1]
    if tld in table.idn_cctld:
        return table.idn_cctld[tld]
    if len(tld) != 2 or not tld.isalpha() or tld in table.cctld_ignored:
        return None
    return table.cctld_exceptions.get(tld, tld.upper())


def dataset_info() -> dict[str, str]:
    return dict(_table().meta)
