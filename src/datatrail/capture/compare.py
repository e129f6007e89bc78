"""Line a capture's destinations up against an app's static report (``datatrail capture --app``).

Answers three questions: which detected SDKs' hosts were contacted, which
hosts named in the code were never contacted, and which contacted hosts the
code names nowhere. Hosts match exactly first (names case-folded, a trailing
dot dropped, a destination's server addresses against IP literals in the
code); failing that, through the registrable domain (eTLD+1 under the Public
Suffix List), a weaker tier reported as such. Which SDK owns a host comes
from the static report: the owners of the code that names it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from datatrail.knowledge.psl import registrable_domain
from datatrail.model.capture import TrafficDestination
from datatrail.model.capture_compare import AppComparison, CodeEndpoint, ContactedHost, SdkContact
from datatrail.model.report import Report

__all__ = ["compare_with_app"]

_RANK = {"exact": 0, "registrable-domain": 1, "none": 2}


def _name(host: str) -> str:
    return host.strip().rstrip(".").lower()


def _domain(host: str, known: str | None = None) -> str | None:
    return known or registrable_domain(host)


def _best(tiers: Iterable[str]) -> str:
    return min(tiers, key=_RANK.__getitem__, default="none")


def compare_with_app(app: Report, destinations: Sequence[TrafficDestination]) -> AppComparison:
    """What the code names versus what the capture contacted; see the module docstring."""
    code_owners: dict[str, set[str]] = defaultdict(set)
    code_domain: dict[str, str | None] = {}
    for dest in app.destinations:
        host = _name(dest.endpoint.host)
        code_owners[host].update(owner.id for owner in dest.owners)
        code_domain.setdefault(host, None if dest.endpoint.is_ip else _domain(host, dest.endpoint.registrable_domain))
    code_by_domain: dict[str, set[str]] = defaultdict(set)
    for host, domain in code_domain.items():
        if domain:
            code_by_domain[domain].add(host)

    contacted: list[ContactedHost] = []
    seen_exact: dict[str, set[str]] = defaultdict(set)
    for captured in destinations:
        name = _name(captured.name)
        exact = {h for h in (name, *(_name(a) for a in captured.addresses)) if h in code_domain}
        siblings: set[str] = set()
        if not exact and captured.kind == "host":
            domain = _domain(name)
            siblings = set(code_by_domain.get(domain, ())) if domain else set()
        for host in exact:
            seen_exact[host].add(captured.name)
        matched = exact or siblings
        contacted.append(ContactedHost(
            name=captured.name, kind=captured.kind,
            match="exact" if exact else "registrable-domain" if siblings else "none",
            code_hosts=tuple(sorted(matched)),
            owners=tuple(sorted({o for h in matched for o in code_owners[h]})),
        ))

    contacted_by_domain: dict[str, set[str]] = defaultdict(set)
    for c in contacted:
        if c.kind == "host" and (domain := _domain(_name(c.name))):
            contacted_by_domain[domain].add(c.name)

    endpoints: list[CodeEndpoint] = []
    for host in sorted(code_domain):
        if seen_exact[host]:
            match, seen = "exact", seen_exact[host]
        else:
            domain = code_domain[host]
            seen = contacted_by_domain.get(domain, set()) if domain else set()
            match = "registrable-domain" if seen else "none"
        endpoints.append(CodeEndpoint(host, tuple(sorted(code_owners[host])), match, tuple(sorted(seen))))

    by_host = {e.host: e for e in endpoints}
    sdks: list[SdkContact] = []
    for sdk in app.sdks:
        ids = {sdk.id, *sdk.aliases}
        hosts = sorted(h for h, owners in code_owners.items() if owners & ids)
        hits = [by_host[h] for h in hosts if by_host[h].match != "none"]
        sdks.append(SdkContact(
            sdk_id=sdk.id, name=sdk.name, vendor=sdk.vendor, code_hosts=tuple(hosts),
            contacted=tuple(sorted({name for e in hits for name in e.seen_as})),
            match=_best(e.match for e in hits),
        ))

    return AppComparison(
        app=app.app.package,
        sdks=tuple(sdks),
        endpoints=tuple(endpoints),
        contacted=tuple(contacted),
        sdks_contacted=tuple(s.sdk_id for s in sdks if s.match != "none"),
        endpoints_not_contacted=tuple(e.host for e in endpoints if e.match == "none"),
        hosts_not_in_code=tuple(c.name for c in contacted if c.match == "none"),
    )
