"""The Parquet tables of a corpus scan: one row per fact a report states, keyed by the input's
sha256, read from the report's JSON document (the same text the ``reports/`` folder keeps, so a
table and the report it came from cannot disagree)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

import pyarrow as pa

__all__ = ["SCHEMAS", "rows_of"]

_S, _I, _B = pa.string(), pa.int64(), pa.bool_()

SCHEMAS: Final[dict[str, pa.Schema]] = {
    "apps": pa.schema([("sha256", _S), ("platform", _S), ("package", _S), ("label", _S)]),
    "versions": pa.schema([("sha256", _S), ("path", _S), ("size", _I), ("kind", _S), ("package", _S), ("version_name", _S),
                           ("version_code", _S), ("min_sdk", _I), ("target_sdk", _I), ("signer_sha256", _S), ("complete", _B),
                           ("tool_version", _S), ("schema_version", _S)]),
    "sdks": pa.schema([("sha256", _S), ("sdk_id", _S), ("name", _S), ("vendor", _S), ("vendor_country", _S), ("presence", _S),
                       ("class_count", _I)]),
    "destinations": pa.schema([("sha256", _S), ("host", _S), ("registrable_domain", _S), ("organisation", _S), ("org_country", _S),
                               ("server_country", _S), ("flags", pa.list_(_S)), ("owners", pa.list_(_S)), ("cleartext", _B)]),
    "permissions": pa.schema([("sha256", _S), ("name", _S), ("protection_level", _S), ("data_categories", pa.list_(_S))]),
    "findings": pa.schema([("sha256", _S), ("rule_id", _S), ("severity", _S), ("title", _S), ("fingerprint", _S)]),
    "data_access": pa.schema([("sha256", _S), ("api", _S), ("data", _S), ("data_categories", pa.list_(_S)), ("permission", _S),
                              ("permission_requested", _B), ("owners", pa.list_(_S))]),
    "diagnostics": pa.schema([("sha256", _S), ("code", _S), ("severity", _S), ("message", _S), ("location", _S)]),
}
"""Every table and its columns; a list column holds the ids or names a row refers to."""


def _owner(o: dict[str, Any]) -> str:
    return f"{o.get('kind')}:{o.get('id')}"


def _apps(sha: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    app = doc.get("app") or {}
    yield {"sha256": sha, "platform": app.get("platform"), "package": app.get("package"), "label": app.get("label")}


def _versions(sha: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    app, first = doc.get("app") or {}, (doc.get("inputs") or [{}])[0]
    certs = doc.get("certificates") or []
    code = app.get("version_code")
    yield {"sha256": sha, "path": first.get("path"), "size": first.get("size"), "kind": first.get("kind"),
           "package": app.get("package"), "version_name": app.get("version_name"), "version_code": None if code is None else str(code),
           "min_sdk": app.get("min_sdk"), "target_sdk": app.get("target_sdk"), "signer_sha256": certs[0]["sha256"] if certs else None,
           "complete": bool((doc.get("completeness") or {}).get("complete", True)),
           "tool_version": (doc.get("tool") or {}).get("version"), "schema_version": doc.get("schema_version")}


def _sdks(sha: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for s in doc.get("sdks", []):
        yield {"sha256": sha, "sdk_id": s["id"], "name": s["name"], "vendor": s["vendor"], "vendor_country": s.get("vendor_country"),
               "presence": s.get("presence", "code"), "class_count": s.get("class_count")}


def _destinations(sha: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for d in doc.get("destinations", []):
        e, a = d["endpoint"], d["attribution"]
        servers = [a.get("server_country")] + [x.get("server_country") for x in d.get("addresses", [])]
        yield {"sha256": sha, "host": e["host"], "registrable_domain": e.get("registrable_domain"),
               "organisation": a.get("parent") or a.get("organisation"), "org_country": a.get("org_country"),
               "server_country": next((c for c in servers if c), None), "flags": [f["id"] for f in a.get("flags", [])],
               "owners": [_owner(o) for o in d.get("owners", [])], "cleartext": bool(e.get("cleartext"))}


def _permissions(sha: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for p in doc.get("permissions", []):
        yield {"sha256": sha, "name": p["name"], "protection_level": p.get("protection_level"),
               "data_categories": list(p.get("data_categories", []))}


def _findings(sha: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for f in doc.get("findings", []):
        yield {"sha256": sha, "rule_id": f["rule_id"], "severity": f["severity"], "title": f.get("title"), "fingerprint": f.get("fingerprint")}


def _data_access(sha: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for a in doc.get("data_access", []):
        yield {"sha256": sha, "api": a["api"], "data": a.get("data"), "data_categories": list(a.get("data_categories", [])),
               "permission": a.get("permission"), "permission_requested": a.get("permission_requested"),
               "owners": [_owner(o) for o in a.get("owners", [])]}


def _diagnostics(sha: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for d in doc.get("diagnostics", []):
        yield {"sha256": sha, "code": d["code"], "severity": d.get("severity"), "message": d.get("message"), "location": d.get("location")}


_ROWS: Final[dict[str, Callable[[str, dict[str, Any]], Iterator[dict[str, Any]]]]] = {
    "apps": _apps, "versions": _versions, "sdks": _sdks, "destinations": _destinations, "permissions": _permissions,
    "findings": _findings, "data_access": _data_access, "diagnostics": _diagnostics,
}


def rows_of(sha256: str, doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows for one report."""
    return {name: list(rows(sha256, doc)) for name, rows in _ROWS.items()}
