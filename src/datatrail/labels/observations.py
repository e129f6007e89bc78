"""Reports -> observations: the neutral evidence a label is derived from.

A static report gives two kinds: permissions the app requests that reach
personal data, and code that invokes an API reading it (with whose code it
is). A capture gives data seen leaving the device and who received it. ``derive`` reads
only observations, so every source feeds it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from datatrail.model.capture import CaptureReport
from datatrail.model.label import Observation
from datatrail.model.personal_data import DataHit
from datatrail.model.report import CodeOwner, DataAccess, Permission, Report

__all__ = ["static_observations", "capture_observations", "grantable", "first_party_hosts"]

_GRANTABLE_FLAGS = ("appop", "role")
"""Flags under which a signature-level permission can still be granted to an
ordinary app (by the user in settings, or by holding a role)."""


def grantable(permission: Permission) -> bool:
    """Whether an ordinary app can hold the permission; signature-only ones (READ_LOGS) it cannot."""
    if permission.protection_level in ("normal", "dangerous"):
        return True
    return any(flag in permission.flags for flag in _GRANTABLE_FLAGS)


def _owner_name(owner: CodeOwner, vendors: dict[str, str]) -> str:
    vendor = vendors.get(owner.id)
    return f"{owner.name} ({vendor})" if vendor and vendor != "unknown" and vendor not in owner.name else owner.name


def _code_observations(access: DataAccess, vendors: dict[str, str]) -> Iterator[Observation]:
    if access.permission_requested is False:
        # The platform refuses the call without the permission: the code cannot read this data.
        return
    api = access.api.rsplit(".", 2)
    short_api = ".".join(api[-2:])
    for owner in access.owners:
        who = _owner_name(owner, vendors)
        kind = {"sdk": "SDK", "app": "app", "library": "library"}.get(owner.kind, owner.kind)
        evidence = f"{kind} code of {who} invokes {short_api} ({access.data})"
        if access.permission:
            evidence += f", permission {access.permission.rsplit('.', 1)[-1]} requested"
        third_party = who if owner.kind == "sdk" else None
        for category in access.data_categories:
            yield Observation(category, "static", "code", evidence, data=access.data, third_party=third_party)


def _permission_observations(permission: Permission) -> Iterator[Observation]:
    if not grantable(permission):
        return
    short = permission.name.rsplit(".", 1)[-1] if permission.name.startswith("android.permission.") else permission.name
    evidence = f"requests {short} ({permission.protection_level})"
    if permission.access:
        evidence += f": {permission.access}"
    for category in permission.data_categories:
        yield Observation(category, "static", "permission", evidence, permission=permission.name)


def static_observations(report: Report) -> tuple[Observation, ...]:
    """What a static report shows: code that reads personal data, and permissions that reach it."""
    vendors = {sdk.id: sdk.vendor for sdk in report.sdks}
    out: list[Observation] = []
    for access in report.data_access:
        out.extend(_code_observations(access, vendors))
    for permission in report.permissions:
        out.extend(_permission_observations(permission))
    return tuple(out)


def _receiver(capture: CaptureReport, flow_index: int) -> tuple[str, str | None]:
    """(host or address, organisation) a flow went to."""
    flow = capture.flows[flow_index] if 0 <= flow_index < len(capture.flows) else None
    if flow is None:
        return "unknown destination", None
    name = flow.hostname if flow.hostname and flow.hostname_source != "dns-query" else flow.server.rpartition(":")[0].strip("[]")
    org = next((d.organisation for d in capture.destinations if d.name == name), None)
    return name, org


def capture_observations(capture: CaptureReport, hits: Sequence[DataHit] = (), first_party: Iterable[str] = ()) -> tuple[Observation, ...]:
    """Personal data seen leaving the device.

    With the capture's personal-data hits, one observation per hit (data item
    and where it was); without them, the data categories recorded per
    destination. A receiver is a third party unless ``first_party`` names its
    organisation, its host or a parent domain of it.
    """
    own = {name.lower() for name in first_party}

    def third(org: str | None, host: str) -> str | None:
        labels = host.lower().split(".")
        if (org or "").lower() in own or any(".".join(labels[i:]) in own for i in range(len(labels))):
            return None
        return org or host

    out: list[Observation] = []
    if hits:
        for hit in hits:
            host, org = _receiver(capture, hit.flow)
            where = f"{host} ({org})" if org else host
            evidence = f"{hit.label} sent to {where} in {hit.location} ({hit.encoding}; rule {hit.rule_id})"
            out.append(Observation(hit.data_category, "traffic", "traffic", evidence, data=hit.label, third_party=third(org, host)))
        return tuple(out)
    for d in capture.destinations:
        where = f"{d.name} ({d.organisation})" if d.organisation else d.name
        for category in d.data_categories:
            out.append(Observation(category, "traffic", "traffic", f"{category} data sent to {where}",
                                   third_party=third(d.organisation, d.name)))
    return tuple(out)


def first_party_hosts(report: Report) -> set[str]:
    """Hosts the static scan attributed to the app itself: traffic to them is not sharing."""
    out: set[str] = set()
    for d in report.destinations:
        if d.endpoint.party == "first":
            out.add(d.endpoint.host)
            if d.endpoint.registrable_domain:
                out.add(d.endpoint.registrable_domain)
    return out
