"""The figures of a corpus scan's output folder: what ``datatrail corpus`` shows and writes as JSON,
each computed from the Parquet tables alone (so each is a few lines of pandas or DuckDB too).

An *app* is a package; where the corpus holds several versions of one, the figures use the newest
(the highest version code, then the last path) and the version changes list the others.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS
from datatrail.version import __version__

__all__ = ["CorpusError", "corpus_figures", "FIGURES_FORMAT"]

FIGURES_FORMAT = "datatrail-corpus/1"
_TOP = 25


class CorpusError(Exception):
    """The folder is not a corpus scan's output (no tables)."""


def _rows(root: Path, table: str, columns: list[str]) -> list[dict[str, Any]]:
    folder = root / "tables" / table
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        return []
    rows: list[dict[str, Any]] = ds.dataset(folder, format="parquet").to_table(columns=columns).to_pylist()
    return rows


def _code(value: str | None) -> tuple[int, str]:
    return (int(value), "") if value and value.isdigit() else (-1, value or "")


def corpus_figures(root: Path) -> dict[str, Any]:
    versions = _rows(root, "versions", ["sha256", "path", "package", "version_name", "version_code"])
    if not versions:
        raise CorpusError(f"{root}: no corpus tables here (tables/versions/*.parquet); make them with "
                          "'datatrail scan DIR --cluster ... --out DIR'")
    by_app: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in versions:
        by_app[v["package"] or f"sha256:{v['sha256']}"].append(v)
    for rows in by_app.values():
        rows.sort(key=lambda v: (_code(v["version_code"]), v["path"] or ""))
    latest = {rows[-1]["sha256"]: app for app, rows in by_app.items()}
    apps = len(by_app)

    sdks = [r for r in _rows(root, "sdks", ["sha256", "sdk_id", "name", "vendor", "vendor_country", "presence"]) if r["presence"] == "code"]
    dests = _rows(root, "destinations", ["sha256", "host", "organisation", "org_country", "server_country", "flags"])
    access = _rows(root, "data_access", ["sha256", "data_categories", "owners", "permission_requested"])
    perms = _rows(root, "permissions", ["sha256", "name", "protection_level"])

    def share(counter: Counter[str], top: int | None = None) -> dict[str, dict[str, float | int]]:
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return {k: {"apps": n, "share": round(n / apps, 4)} for k, n in ranked}

    vendor_country: Counter[str] = Counter()
    for country, shas in _group(sdks, "vendor_country", latest).items():
        vendor_country[country] = len(shas)
    destination_country: Counter[str] = Counter()
    places: dict[str, set[str]] = defaultdict(set)
    for d in dests:
        if d["sha256"] in latest:
            for code in {d["server_country"], d["org_country"]} - {None}:
                places[code].add(d["sha256"])
    destination_country.update({c: len(s) for c, s in places.items()})
    organisations = Counter({org: len(shas) for org, shas in _group(dests, "organisation", latest).items()})
    sdk_counts = Counter({name: len(shas) for name, shas in _group(sdks, "name", latest).items()})

    state_access: dict[str, dict[str, Any]] = {}
    for d in dests:
        if d["sha256"] in latest and COMPELLED_ACCESS in (d["flags"] or []):
            entry = state_access.setdefault(d["sha256"], {"package": latest[d["sha256"]], "sha256": d["sha256"],
                                                         "report": f"reports/{d['sha256'][:2]}/{d['sha256']}.json",
                                                         "organisations": set(), "countries": set(), "hosts": set()})
            entry["organisations"].add(d["organisation"] or d["host"])
            entry["countries"] |= {d["org_country"], d["server_country"]} - {None}
            entry["hosts"].add(d["host"])
    flagged = sorted(({**e, "organisations": sorted(e["organisations"]), "countries": sorted(e["countries"]),
                       "hosts": sorted(e["hosts"])} for e in state_access.values()), key=lambda e: e["package"])

    # What code from each vendor country can read, and the dangerous permissions of the apps carrying it.
    sdk_country = {(r["sha256"], r["sdk_id"]): r["vendor_country"] for r in sdks if r["vendor_country"]}
    reads: dict[str, Counter[str]] = defaultdict(Counter)
    for a in access:
        if a["sha256"] not in latest or a["permission_requested"] is False:
            continue  # an app's code whose permission the app does not ask for cannot read it
        for owner in a["owners"] or []:
            kind, _, sdk_id = owner.partition(":")
            vendor_home = sdk_country.get((a["sha256"], sdk_id)) if kind == "sdk" else None
            if vendor_home:
                for category in a["data_categories"] or []:
                    reads[vendor_home][category] += 1
    carriers: dict[str, set[str]] = defaultdict(set)
    for (sha, _), country in sdk_country.items():
        if sha in latest:
            carriers[country].add(sha)
    dangerous: dict[str, set[str]] = defaultdict(set)
    for p in perms:
        if p["protection_level"] == "dangerous":
            dangerous[p["sha256"]].add(p["name"].removeprefix("android.permission."))
    by_vendor_country = {
        country: {"apps": len(shas), "data_categories": dict(sorted(reads[country].items(), key=lambda kv: (-kv[1], kv[0]))),
                  "dangerous_permissions": dict(sorted(Counter(n for sha in shas for n in dangerous[sha]).items(),
                                                       key=lambda kv: (-kv[1], kv[0]))[:10])}
        for country, shas in sorted(carriers.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    }

    # Across every app: the dangerous permissions asked for, and what the code can read - the
    # app's own code and its SDKs' apart - where the app asks for the permission that needs.
    permission_apps: dict[str, set[str]] = defaultdict(set)
    for sha, names in dangerous.items():
        if sha in latest:
            for name in names:
                permission_apps[name].add(sha)
    category_apps: dict[str, set[str]] = defaultdict(set)
    category_by_sdks: dict[str, set[str]] = defaultdict(set)
    for a in access:
        if a["sha256"] not in latest or a["permission_requested"] is False:
            continue
        by_sdk = any(str(o).startswith("sdk:") for o in a["owners"] or [])
        for category in a["data_categories"] or []:
            category_apps[category].add(a["sha256"])
            if by_sdk:
                category_by_sdks[category].add(a["sha256"])
    data_categories = {
        category: {"apps": len(shas), "share": round(len(shas) / apps, 4), "by_sdks": len(category_by_sdks[category])}
        for category, shas in sorted(category_apps.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    }

    changes = []
    sdk_sets: dict[str, dict[str, str]] = defaultdict(dict)
    for r in sdks:
        sdk_sets[r["sha256"]][r["sdk_id"]] = r["name"]
    for app, rows in sorted(by_app.items()):
        if len(rows) < 2:
            continue
        first, last = rows[0], rows[-1]
        old, new = sdk_sets[first["sha256"]], sdk_sets[last["sha256"]]
        changes.append({"package": app, "versions": len(rows),
                        "from": first["version_name"] or first["version_code"], "to": last["version_name"] or last["version_code"],
                        "sdks_added": sorted(new[k] for k in set(new) - set(old)),
                        "sdks_removed": sorted(old[k] for k in set(old) - set(new))})
    return {
        "format": FIGURES_FORMAT, "tool": {"name": "datatrail", "version": __version__},
        "apps": apps, "versions": len(versions),
        "apps_by_sdk_vendor_country": share(vendor_country),
        "apps_by_destination_country": share(destination_country),
        "top_organisations": share(organisations, _TOP),
        "top_sdks": share(sdk_counts, _TOP),
        "state_access": {"apps": len(flagged), "share": round(len(flagged) / apps, 4), "items": flagged},
        "by_sdk_vendor_country": by_vendor_country,
        "apps_by_dangerous_permission": share(Counter({k: len(v) for k, v in permission_apps.items()}), _TOP),
        "apps_by_data_category": data_categories,
        "version_changes": changes,
    }


def _group(rows: list[dict[str, Any]], key: str, latest: dict[str, str]) -> dict[str, set[str]]:
    """Each value of ``key`` with the latest versions whose rows have it."""
    out: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["sha256"] in latest and r[key]:
            out[r[key]].add(r["sha256"])
    return out
