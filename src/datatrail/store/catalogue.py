"""A finished report into the store: its app, its version, the report's JSON text, and the rows
people query by (SDKs, destinations, jurisdiction flags, permissions, findings).

The rows are read from the report's JSON document, the same text ``datatrail scan --format json``
writes and the API returns, so what is queried and what is shown cannot disagree. Recording the
same file again (a rescan) replaces its report and rows: one version per sha256, one report each.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Connection, bindparam, delete, insert, select, update

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

__all__ = ["record_report", "record_capture", "is_capture_document", "SEVERITY_RANKS"]

SEVERITY_RANKS: Final = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
_QUERY_TABLES: Final = (version_sdks, version_destinations, version_flags, version_permissions, version_findings)


def _platform(doc: dict[str, Any]) -> str:
    app = doc.get("app") or {}
    if app.get("platform"):
        return str(app["platform"])
    return "ios" if doc.get("ios") else "android"


# Built once, with bound parameters (see ``queue``): a worker runs them for every report.
_FIND_APP = select(apps.c.id).where(apps.c.platform == bindparam("where"), apps.c.package == bindparam("name"))
_RELABEL = update(apps).where(apps.c.id == bindparam("app")).values(label=bindparam("text"))
_LATEST = update(apps).where(apps.c.id == bindparam("app")).values(latest_version_id=bindparam("version"))
_FIND_VERSION = select(versions.c.id).where(versions.c.sha256 == bindparam("sha"))
_INSERTS = {table: insert(table) for table in (apps, versions, reports, *_QUERY_TABLES)}


def _app_id(conn: Connection, platform: str, package: str, label: str | None) -> int:
    row = conn.execute(_FIND_APP, {"where": platform, "name": package}).first()
    if row is not None:
        if label:
            conn.execute(_RELABEL, {"app": row.id, "text": label})
        return int(row.id)
    result = conn.execute(_INSERTS[apps], {"platform": platform, "package": package, "label": label})
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def _rows(version_id: int, doc: dict[str, Any]) -> dict[Any, list[dict[str, Any]]]:
    sdks = [
        {"version_id": version_id, "sdk_id": s["id"], "name": s["name"], "vendor": s["vendor"],
         "vendor_country": s.get("vendor_country"), "presence": s.get("presence", "code")}
        for s in doc.get("sdks", [])
    ]
    dests: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    for d in doc.get("destinations", []):
        e, a = d["endpoint"], d["attribution"]
        servers = [a.get("server_country")] + [x.get("server_country") for x in d.get("addresses", [])]
        dests.append({
            "version_id": version_id, "host": e["host"][:255], "registrable_domain": e.get("registrable_domain"),
            "organisation": a.get("parent") or a.get("organisation"), "org_country": a.get("org_country"),
            "server_country": next((c for c in servers if c), None),
        })
        flags.extend({"version_id": version_id, "flag": f["id"], "country": f.get("country"), "host": e["host"][:255]}
                     for f in a.get("flags", []))
    permissions = [{"version_id": version_id, "name": p["name"][:255]} for p in doc.get("permissions", [])]
    findings = [{"version_id": version_id, "rule_id": f["rule_id"], "severity_rank": SEVERITY_RANKS.get(f["severity"], 0)}
                for f in doc.get("findings", [])]
    return {version_sdks: sdks, version_destinations: dests, version_flags: flags,
            version_permissions: permissions, version_findings: findings}


def record_report(conn: Connection, sha256: str, size: int, doc: dict[str, Any], text: str, now: float,
                  run_key: str | None = None) -> int:
    """Store the report ``text`` (parsed as ``doc``) of the file ``sha256``, made by the tool and
    datasets ``run_key`` names when given; returns its version id."""
    app = doc.get("app") or {}
    platform = _platform(doc)
    package = app.get("package") or f"unnamed:{sha256[:16]}"
    label = app.get("label")
    kind = (doc.get("inputs") or [{}])[0].get("kind", "unknown")
    certificates = doc.get("certificates") or []
    values = {
        "app_id": _app_id(conn, platform, str(package)[:255], label),
        "sha256": sha256, "size": size, "kind": kind,
        "version_name": app.get("version_name"),
        "version_code": None if app.get("version_code") is None else str(app["version_code"]),
        "signer_sha256": certificates[0]["sha256"] if certificates else None,
        "label": label,
        "worst_severity": max((SEVERITY_RANKS.get(f["severity"], 0) for f in doc.get("findings", [])), default=-1),
        "complete": int(bool((doc.get("completeness") or {}).get("complete", True))),
        "scanned_at": now,
        "run_key": run_key,
    }
    existing = conn.execute(_FIND_VERSION, {"sha": sha256}).first()
    if existing is None:
        result = conn.execute(_INSERTS[versions], values)
        assert result.inserted_primary_key is not None
        version_id = int(result.inserted_primary_key[0])
        conn.execute(_LATEST, {"app": values["app_id"], "version": version_id})
    else:
        version_id = int(existing.id)
        conn.execute(update(versions).where(versions.c.id == version_id).values(**values))
        conn.execute(delete(reports).where(reports.c.version_id == version_id))
        for table in _QUERY_TABLES:
            conn.execute(delete(table).where(table.c.version_id == version_id))
    conn.execute(_INSERTS[reports], {"version_id": version_id, "schema_version": str(doc.get("schema_version", "")), "body": text})
    for table, rows in _rows(version_id, doc).items():
        if rows:
            conn.execute(_INSERTS[table], rows)
    return version_id


def record_capture(conn: Connection, sha256: str, size: int, doc: dict[str, Any], text: str, now: float) -> None:
    """Store the report ``text`` (parsed as ``doc``, a ``datatrail capture --format json`` document
    of one capture) of the file ``sha256``; a rescan replaces it."""
    capture = (doc.get("captures") or [{}])[0]
    values = {
        "format": str((capture.get("input") or {}).get("format", "unknown"))[:16], "size": size,
        "flows": len(capture.get("flows", [])), "destinations": len(capture.get("destinations", [])),
        "personal_data": len(capture.get("personal_data", [])), "schema_version": str(doc.get("schema_version", "")),
        "scanned_at": now, "body": text,
    }
    conn.execute(delete(captures).where(captures.c.sha256 == sha256))
    conn.execute(insert(captures).values(sha256=sha256, **values))


def is_capture_document(doc: dict[str, Any]) -> bool:
    """The JSON is a capture report's (``captures``), not an app's."""
    return isinstance(doc.get("captures"), list)
