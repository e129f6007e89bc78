"""Two reports -> what was added and removed between them, section by section.

Each section reads one fact family of a report into {key: item}; the diff is
the set difference both ways. Details of removed items come from the old
report and of added items from the new one. Timings, generation time and
diagnostics are not compared: they change on every run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS
from datatrail.labels.observations import grantable
from datatrail.model.changes import SECTIONS, AppVersion, DiffItem, DiffSection, ReportDiff
from datatrail.model.report import Destination, Report, Severity

__all__ = ["diff_reports"]

_MAX_LISTED = 5


def _listed(items: list[str]) -> str:
    items = sorted(set(items))
    more = f" (+{len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else ""
    return ", ".join(items[:_MAX_LISTED]) + more


def _version(report: Report) -> AppVersion:
    first = report.inputs[0] if report.inputs else None
    return AppVersion(
        package=report.app.package,
        version_name=report.app.version_name,
        version_code=report.app.version_code,
        path=first.path if first else "",
        sha256=first.sha256 if first else None,
    )


def _sdks(report: Report) -> dict[str, DiffItem]:
    out: dict[str, DiffItem] = {}
    for sdk in report.sdks_in_code:  # a key left in the manifest is not an SDK the update added
        where = ", ".join(x for x in (sdk.vendor if sdk.vendor != "unknown" else None, sdk.vendor_country) if x)
        out[sdk.id] = DiffItem(sdk.id, f"{sdk.name} ({where})" if where else sdk.name)
    return out


def _permissions(report: Report) -> dict[str, DiffItem]:
    out: dict[str, DiffItem] = {}
    for p in report.permissions:
        reach = f"; can reach {', '.join(p.data_categories)}" if p.data_categories and grantable(p) else ""
        out[p.name] = DiffItem(p.name, f"{p.protection_level}{reach}", flagged=p.protection_level == "dangerous")
    return out


def _state_access_countries(d: Destination) -> set[str]:
    flags = [*d.attribution.flags, *(f for a in d.addresses for f in a.flags)]
    return {f.country for f in flags if f.id == COMPELLED_ACCESS}


def _destinations(report: Report) -> dict[str, DiffItem]:
    out: dict[str, DiffItem] = {}
    for d in report.destinations:
        a = d.attribution
        org = d.named_owner
        who = f"{org} ({a.org_country})" if org and a.org_country else org or "organisation unknown"
        owners = _listed([o.name for o in d.owners])
        detail = who + (f"; named in code of {owners}" if owners else "")
        state = _state_access_countries(d)
        if state:
            detail += f"; under state-access law of {', '.join(sorted(state))}"
        out[d.endpoint.host] = DiffItem(d.endpoint.host, detail, flagged=bool(state))
    return out


def _countries(report: Report, country_of: Callable[[Destination], set[str]]) -> dict[str, DiffItem]:
    hosts: dict[str, list[str]] = defaultdict(list)
    flagged: set[str] = set()
    for d in report.destinations:
        countries = country_of(d)
        for country in countries:
            hosts[country].append(d.endpoint.host)
        flagged |= countries & _state_access_countries(d)
    return {c: DiffItem(c, f"hosts {_listed(h)}", flagged=c in flagged) for c, h in hosts.items()}


def _org_country(d: Destination) -> set[str]:
    return {d.attribution.org_country} if d.attribution.org_country else set()


def _server_countries(d: Destination) -> set[str]:
    return {a.server_country for a in d.addresses if a.server_country}


def _data_categories(report: Report) -> dict[str, DiffItem]:
    perms: dict[str, list[str]] = defaultdict(list)
    code: dict[str, list[str]] = defaultdict(list)
    for p in report.permissions:
        if grantable(p):
            for c in p.data_categories:
                perms[c].append(p.name.rsplit(".", 1)[-1])
    for access in report.data_access:
        if access.permission_requested is not False:
            for c in access.data_categories:
                code[c].append(access.data)
    out: dict[str, DiffItem] = {}
    for c in sorted({*perms, *code}):
        parts = []
        if c in code:
            parts.append(f"code reads {_listed(code[c])}")
        if c in perms:
            parts.append(f"permissions {_listed(perms[c])}")
        out[c] = DiffItem(c, "; ".join(parts))
    return out


def _data(report: Report) -> dict[str, DiffItem]:
    owners: dict[str, list[str]] = defaultdict(list)
    for access in report.data_access:
        if access.permission_requested is not False:
            owners[access.data].extend(o.name for o in access.owners)
    return {data: DiffItem(data, f"read by code of {_listed(names)}") for data, names in owners.items()}


def _findings(report: Report, by_fingerprint: bool) -> dict[str, DiffItem]:
    out: dict[str, DiffItem] = {}
    for f in report.findings:
        key = f.fingerprint if by_fingerprint else f"{f.rule_id}: {f.message}"
        out[key] = DiffItem(key, f"{f.severity.value} {f.rule_id}: {f.message}", flagged=f.severity.rank >= Severity.HIGH.rank)
    return out


def _section(name: str, old: dict[str, DiffItem], new: dict[str, DiffItem]) -> DiffSection:
    added = tuple(new[k] for k in sorted(new.keys() - old.keys()))
    removed = tuple(old[k] for k in sorted(old.keys() - new.keys()))
    return DiffSection(name, added, removed)


def diff_reports(old: Report, new: Report) -> ReportDiff:
    """What ``new`` adds to and removes from ``old``."""
    same_app = old.app.package is not None and old.app.package == new.app.package
    readers: dict[str, Callable[[Report], dict[str, DiffItem]]] = {
        "sdks": _sdks,
        "permissions": _permissions,
        "destinations": _destinations,
        "org_countries": lambda r: _countries(r, _org_country),
        "server_countries": lambda r: _countries(r, _server_countries),
        "data_categories": _data_categories,
        "data": _data,
        "findings": lambda r: _findings(r, same_app),
    }
    sections = tuple(_section(name, readers[name](old), readers[name](new)) for name in SECTIONS)
    return ReportDiff(_version(old), _version(new), "fingerprint" if same_app else "rule-and-message", sections)
