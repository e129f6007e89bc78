"""What people ask the store: apps by what their latest version contains, one app's versions,
and the counts a watchdog puts in a story. Every filter reads the latest version of each app (the
one a store card shows); SDK filters count code, not SDKs only configured in the manifest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Select, and_, exists, func, or_, select, union

from datatrail.store.catalogue import SEVERITY_RANKS
from datatrail.store.tables import (
    apps,
    captures,
    reports,
    version_destinations,
    version_findings,
    version_flags,
    version_permissions,
    version_sdks,
    versions,
)

__all__ = ["AppFilter", "SORTS", "TOP", "filter_choices", "list_apps", "version_facts", "app_versions", "version_report", "version_app", "capture_report", "stats", "latest_versions"]


@dataclass(frozen=True)
class AppFilter:
    q: str | None = None
    sdk: str | None = None
    sdk_vendor_country: str | None = None
    destination_country: str | None = None
    org_country: str | None = None
    jurisdiction_flag: str | None = None
    permission: str | None = None
    rule: str | None = None
    min_severity: str | None = None
    platform: str | None = None


def latest_versions() -> Any:
    """(app_id, vid): each app's newest version."""
    return (select(apps.c.id.label("app_id"), apps.c.latest_version_id.label("vid"))
            .where(apps.c.latest_version_id.is_not(None)).subquery("latest"))


def _where(f: AppFilter, vid: Any) -> list[Any]:
    cond: list[Any] = []
    if f.q:
        like = f"%{f.q.lower()}%"
        cond.append(or_(func.lower(apps.c.package).like(like), func.lower(func.coalesce(apps.c.label, "")).like(like)))
    if f.platform:
        cond.append(apps.c.platform == f.platform)
    in_code = version_sdks.c.presence == "code"
    if f.sdk:
        cond.append(exists().where(version_sdks.c.version_id == vid, version_sdks.c.sdk_id == f.sdk, in_code))
    if f.sdk_vendor_country:
        cond.append(exists().where(version_sdks.c.version_id == vid, version_sdks.c.vendor_country == f.sdk_vendor_country.upper(), in_code))
    if f.destination_country:
        cond.append(exists().where(version_destinations.c.version_id == vid,
                                   version_destinations.c.server_country == f.destination_country.upper()))
    if f.org_country:
        cond.append(exists().where(version_destinations.c.version_id == vid, version_destinations.c.org_country == f.org_country.upper()))
    if f.jurisdiction_flag:
        cond.append(exists().where(version_flags.c.version_id == vid, version_flags.c.flag == f.jurisdiction_flag))
    if f.permission:
        names = {f.permission, f"android.permission.{f.permission}"}
        cond.append(exists().where(version_permissions.c.version_id == vid, version_permissions.c.name.in_(names)))
    if f.rule:
        cond.append(exists().where(version_findings.c.version_id == vid, version_findings.c.rule_id == f.rule))
    if f.min_severity:
        cond.append(versions.c.worst_severity >= SEVERITY_RANKS[f.min_severity])
    return cond


def _version(row: Any) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["vid"], "sha256": m["sha256"], "size": m["size"], "kind": m["kind"], "version_name": m["version_name"],
        "version_code": m["version_code"], "signer_sha256": m["signer_sha256"], "scanned_at": m["scanned_at"],
        "worst_severity": next((k for k, v in SEVERITY_RANKS.items() if v == m["worst_severity"]), None),
        "complete": bool(m["complete"]),
    }


def _version_columns() -> list[Any]:
    return [versions.c.id.label("vid"), versions.c.sha256, versions.c.size, versions.c.kind, versions.c.version_name,
            versions.c.version_code, versions.c.signer_sha256, versions.c.scanned_at, versions.c.worst_severity,
            versions.c.complete]


def _sdks_of(conn: Connection, version_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {v: [] for v in version_ids}
    if not version_ids:
        return out
    rows = conn.execute(
        select(version_sdks).where(version_sdks.c.version_id.in_(version_ids), version_sdks.c.presence == "code")
        .order_by(version_sdks.c.version_id, version_sdks.c.sdk_id)
    )
    for r in rows:
        out[r.version_id].append({"id": r.sdk_id, "name": r.name, "vendor": r.vendor, "vendor_country": r.vendor_country})
    return out


SORTS: Final = ("package", "label", "newest", "severity")
"""How a page of apps can be ordered: by package name, by label, newest scan first, worst findings first."""


def _order(sort: str) -> list[Any]:
    if sort == "label":
        return [func.lower(func.coalesce(apps.c.label, apps.c.package)), apps.c.package, apps.c.platform]
    if sort == "newest":
        return [versions.c.scanned_at.desc(), apps.c.package, apps.c.platform]
    if sort == "severity":
        return [versions.c.worst_severity.desc(), apps.c.package, apps.c.platform]
    return [apps.c.platform, apps.c.package]


def list_apps(conn: Connection, f: AppFilter, limit: int, offset: int, sort: str = "package") -> tuple[int, list[dict[str, Any]]]:
    """(total matching, one page of apps with their latest version and its SDKs), in ``sort`` order (``SORTS``)."""
    latest = latest_versions()
    base: Select[Any] = (
        select(apps.c.package, apps.c.platform, apps.c.label, *_version_columns())
        .join(latest, latest.c.app_id == apps.c.id)
        .join(versions, versions.c.id == latest.c.vid)
    )
    cond = _where(f, latest.c.vid)
    if cond:
        base = base.where(and_(*cond))
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(base.order_by(*_order(sort)).limit(limit).offset(offset)).all()
    sdks = _sdks_of(conn, [r.vid for r in rows])
    items = [{"package": r.package, "platform": r.platform, "label": r.label, "latest": {**_version(r), "sdks": sdks[r.vid]}}
             for r in rows]
    return int(total), items


def app_versions(conn: Connection, package: str, platform: str | None = None) -> list[dict[str, Any]]:
    """Every app with this package (one per platform) and its versions, newest first."""
    query = select(apps).where(apps.c.package == package)
    if platform:
        query = query.where(apps.c.platform == platform)
    out = []
    for app in conn.execute(query.order_by(apps.c.platform)).all():
        rows = conn.execute(select(*_version_columns()).where(versions.c.app_id == app.id).order_by(versions.c.id.desc())).all()
        sdks = _sdks_of(conn, [r.vid for r in rows])
        out.append({"package": app.package, "platform": app.platform, "label": app.label,
                    "versions": [{**_version(r), "sdks": sdks[r.vid]} for r in rows]})
    return out


def version_report(conn: Connection, version_id: int) -> str | None:
    return conn.execute(select(reports.c.body).where(reports.c.version_id == version_id)).scalar_one_or_none()


def version_app(conn: Connection, version_id: int) -> tuple[str, str] | None:
    """(package, platform) of the app a version belongs to."""
    row = conn.execute(select(apps.c.package, apps.c.platform).join(versions, versions.c.app_id == apps.c.id)
                       .where(versions.c.id == version_id)).first()
    return None if row is None else (str(row.package), str(row.platform))


def capture_report(conn: Connection, sha256: str) -> str | None:
    """The stored report of the capture with these bytes."""
    return conn.execute(select(captures.c.body).where(captures.c.sha256 == sha256)).scalar_one_or_none()


def _count_by(conn: Connection, column: Any, table: Any, *where: Any, limit: int | None = None) -> dict[str, int]:
    latest = latest_versions()
    query = (
        select(column.label("key"), func.count(func.distinct(latest.c.app_id)).label("n"))
        .select_from(table.join(latest, latest.c.vid == table.c.version_id))
        .where(column.is_not(None), *where)
        .group_by(column)
        .order_by(func.count(func.distinct(latest.c.app_id)).desc(), column)
        .limit(limit)
    )
    return {str(r.key): int(r.n) for r in conn.execute(query)}


def stats(conn: Connection) -> dict[str, Any]:
    """What the store holds: counts of apps and versions, and apps by SDK vendor country,
    by the home country of the organisations their hosts belong to, by server country and by flag."""
    return {
        "apps": conn.execute(select(func.count()).select_from(apps)).scalar_one(),
        "versions": conn.execute(select(func.count()).select_from(versions)).scalar_one(),
        "apps_by_sdk_vendor_country": _count_by(conn, version_sdks.c.vendor_country, version_sdks, version_sdks.c.presence == "code"),
        "apps_by_org_country": _count_by(conn, version_destinations.c.org_country, version_destinations),
        "apps_by_server_country": _count_by(conn, version_destinations.c.server_country, version_destinations),
        "apps_by_jurisdiction_flag": _count_by(conn, version_flags.c.flag, version_flags),
        "apps_by_destination_country": _apps_by_destination_country(conn),
        "apps_by_sdk": _count_by(conn, version_sdks.c.name, version_sdks, version_sdks.c.presence == "code", limit=TOP),
        "apps_by_organisation": _count_by(conn, version_destinations.c.organisation, version_destinations, limit=TOP),
    }


def _apps_by_destination_country(conn: Connection) -> dict[str, int]:
    """Apps whose named hosts have servers or an organisation's home in each country."""
    latest = latest_versions()
    places = union(
        select(version_destinations.c.version_id.label("vid"), version_destinations.c.server_country.label("cc")),
        select(version_destinations.c.version_id.label("vid"), version_destinations.c.org_country.label("cc")),
    ).subquery("places")
    n = func.count(func.distinct(latest.c.app_id))
    query = (select(places.c.cc, n.label("n")).select_from(places.join(latest, latest.c.vid == places.c.vid))
             .where(places.c.cc.is_not(None)).group_by(places.c.cc).order_by(n.desc(), places.c.cc))
    return {str(r.cc): int(r.n) for r in conn.execute(query)}


def filter_choices(conn: Connection) -> dict[str, list[str]]:
    """The values each filter can take in this store (any version): what a form offers to choose."""
    def distinct(column: Any) -> list[str]:
        return sorted(str(v) for v in conn.execute(select(column).where(column.is_not(None)).distinct()).scalars())

    return {
        "sdk_vendor_country": distinct(version_sdks.c.vendor_country),
        "destination_country": distinct(version_destinations.c.server_country),
        "org_country": distinct(version_destinations.c.org_country),
        "jurisdiction_flag": distinct(version_flags.c.flag),
    }


TOP: Final = 20
"""SDKs and organisations ``stats`` lists: the most common ones."""


def version_facts(conn: Connection, version_ids: list[int]) -> dict[int, dict[str, dict[str, str]]]:
    """For each version: its SDKs in code (id -> name), the countries of its destinations (servers
    and organisations' homes, code -> code) and its permissions (name -> name): what a version
    history says changed from one version to the next."""
    out: dict[int, dict[str, dict[str, str]]] = {v: {"sdks": {}, "countries": {}, "permissions": {}} for v in version_ids}
    if not version_ids:
        return out
    for r in conn.execute(select(version_sdks.c.version_id, version_sdks.c.sdk_id, version_sdks.c.name)
                          .where(version_sdks.c.version_id.in_(version_ids), version_sdks.c.presence == "code")):
        out[r.version_id]["sdks"][r.sdk_id] = r.name
    for r in conn.execute(select(version_destinations.c.version_id, version_destinations.c.server_country,
                                 version_destinations.c.org_country).where(version_destinations.c.version_id.in_(version_ids))):
        for code in (r.server_country, r.org_country):
            if code:
                out[r.version_id]["countries"][code] = code
    for r in conn.execute(select(version_permissions.c.version_id, version_permissions.c.name)
                          .where(version_permissions.c.version_id.in_(version_ids))):
        out[r.version_id]["permissions"][r.name] = r.name
    return out
