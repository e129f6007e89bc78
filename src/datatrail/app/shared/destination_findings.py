"""Destination findings (rules DST001-DST004): whose law reaches the data, and cleartext."""

from __future__ import annotations

from collections.abc import Iterable

from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS
from datatrail.knowledge.rules import make_finding
from datatrail.model.attribution import Flag
from datatrail.model.report import Destination, Evidence, Finding, Severity

__all__ = ["destination_findings"]

_MAX_EVIDENCE = 8


def _group_key(d: Destination) -> str:
    a = d.attribution
    return a.parent_id or a.organisation_id or d.endpoint.registrable_domain or d.endpoint.host


def _who(d: Destination) -> str:
    a = d.attribution
    if a.organisation and a.parent and a.parent != a.organisation:
        return f"{a.organisation} ({a.parent})"
    return a.organisation or d.endpoint.registrable_domain or d.endpoint.host


def _found_in(d: Destination) -> str:
    names = [o.name for o in d.owners if o.kind == "sdk"] or [o.name for o in d.owners]
    return f" (code of {', '.join(names[:3])})" if names else ""


def _evidence(dests: Iterable[Destination]) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    for d in dests:
        src = d.endpoint.sources[0] if d.endpoint.sources else None
        where = src.location if src else "package"
        out.append(Evidence(where, f"{d.endpoint.host}{_found_in(d)}"))
        if len(out) >= _MAX_EVIDENCE:
            break
    return tuple(out)


def _flags(d: Destination) -> list[Flag]:
    """The host's own flags, then those of the addresses it resolved to (``--resolve``)."""
    return [*d.attribution.flags, *(f for a in d.addresses for f in a.flags)]


def _by_flag(destinations: tuple[Destination, ...], flag_id: str) -> dict[str, tuple[Flag, list[Destination]]]:
    groups: dict[str, tuple[Flag, list[Destination]]] = {}
    for d in destinations:
        seen: set[tuple[str, str]] = set()
        for flag in _flags(d):
            if flag.id == flag_id and (flag.country, flag.basis) not in seen:
                seen.add((flag.country, flag.basis))
                key = f"{_group_key(d)}|{flag.country}|{flag.basis}"
                groups.setdefault(key, (flag, []))[1].append(d)
    return groups


_TRANSFER_RULES = (
    ("eu-third-country", "DST002", "is outside the EEA without an adequacy decision"),
    ("us-country-of-concern", "DST004", "is in a country of concern for US sensitive data"),
)
"""Viewer-specific transfer flags: (flag id, rule, what the flag means for the organisation or server)."""


def _weak(flag: Flag, dests: list[Destination]) -> tuple[Severity | None, str]:
    """A flag that rests on a country-code domain or a bare address with no known owner is
    reported at low severity and says so; otherwise the rule's own severity."""
    if not all(d.weakly_placed(flag) for d in dests):
        return None, ""
    why = "the name's country-code domain" if flag.basis == "ccTLD" else "the address's location"
    unowned = "; no known organisation runs it" if all(d.named_owner is None for d in dests) else ""
    return Severity.LOW, f" Weak basis: only {why}{unowned}."


def destination_findings(destinations: tuple[Destination, ...], subject: str) -> list[Finding]:
    out: list[Finding] = []
    for key, (flag, dests) in sorted(_by_flag(destinations, COMPELLED_ACCESS).items()):
        hosts = ", ".join(sorted({d.endpoint.host for d in dests})[:5])
        laws = "; ".join(flag.citations[:3])
        severity, caveat = _weak(flag, dests)
        out.append(make_finding(
            "DST001", subject, key,
            f"{_who(dests[0])}: {len(dests)} host(s) ({hosts}) under {flag.country} law by {flag.basis}. {laws}.{caveat}",
            _evidence(dests), severity,
        ))
    for flag_id, rule_id, what in _TRANSFER_RULES:
        for key, (flag, dests) in sorted(_by_flag(destinations, flag_id).items()):
            hosts = ", ".join(sorted({d.endpoint.host for d in dests})[:5])
            severity, caveat = _weak(flag, dests)
            out.append(make_finding(
                rule_id, subject, key, f"{_who(dests[0])} ({flag.country}, by {flag.basis}) {what}: {hosts}.{caveat}",
                _evidence(dests), severity,
            ))
    cleartext: dict[str, list[Destination]] = {}
    for d in destinations:
        if d.endpoint.cleartext:
            cleartext.setdefault(d.endpoint.registrable_domain or d.endpoint.host, []).append(d)
    for domain, dests in sorted(cleartext.items()):
        urls = [u for d in dests for u in d.endpoint.urls if u.startswith(("http://", "ws://"))]
        out.append(make_finding(
            "DST003", subject, domain,
            f"Unencrypted URLs to {domain}: {', '.join(urls[:3])}{' …' if len(urls) > 3 else ''}",
            _evidence(dests),
        ))
    return out
