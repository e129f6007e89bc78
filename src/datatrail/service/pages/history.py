"""A version history: one line per version with what changed since the one before it (SDKs
added and removed, new destination countries, new permissions), each linked to the full diff."""

from __future__ import annotations

import time
from typing import Any

from datatrail.knowledge.geo import country_name
from datatrail.report.html.markup import Markup, el, plural
from datatrail.service.pages.layout import app_url
from datatrail.service.pages.reports import AppVersions
from datatrail.store import Store
from datatrail.store.queries import version_facts

__all__ = ["history_table", "version_label"]


def version_label(version: dict[str, Any], exact: bool = False) -> str:
    """``2.1.0 (10)``; with ``exact``, the file's kind and hash too (two builds of one version)."""
    name, code = version.get("version_name"), version.get("version_code")
    label = f"{name} ({code})" if name and code else str(name or code or "")
    if exact or not label:
        label = " · ".join(x for x in (label, str(version.get("kind") or ""), f"sha256 {version['sha256'][:12]}") if x)
    return label


def _changes(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> list[Markup]:
    items: list[Markup] = []
    for sdk_id in sorted(set(new["sdks"]) - set(old["sdks"])):
        items.append(el("li", "SDK added: ", new["sdks"][sdk_id], class_="added"))
    for sdk_id in sorted(set(old["sdks"]) - set(new["sdks"])):
        items.append(el("li", "SDK removed: ", old["sdks"][sdk_id], class_="removed"))
    for code in sorted(set(new["countries"]) - set(old["countries"])):
        items.append(el("li", f"New destination country: {country_name(code) or code}", class_="added"))
    for code in sorted(set(old["countries"]) - set(new["countries"])):
        items.append(el("li", f"No longer names: {country_name(code) or code}", class_="removed"))
    added = sorted(set(new["permissions"]) - set(old["permissions"]))
    if added:
        names = ", ".join(p.removeprefix("android.permission.") for p in added[:6]) + (" …" if len(added) > 6 else "")
        items.append(el("li", f"{plural(len(added), 'new permission')}: ", names, class_="added"))
    removed = set(old["permissions"]) - set(new["permissions"])
    if removed:
        items.append(el("li", f"{plural(len(removed), 'permission')} dropped", class_="removed"))
    return items


def history_table(store: Store, app: AppVersions, shown_id: int) -> Markup:
    versions = app.versions
    with store.begin() as conn:
        facts = version_facts(conn, [v["id"] for v in versions])
    rows = []
    for i, v in enumerate(versions):
        older = versions[i + 1] if i + 1 < len(versions) else None
        view = app_url(app.package, platform=app.platform, version=v["id"])
        if older is None:
            changes: Markup | str = "First version screened"
            diff = None
        else:
            items = _changes(facts[older["id"]], facts[v["id"]])
            changes = el("ul", *items, class_="changes") if items else "No change in SDKs, destination countries or permissions"
            diff = el("a", "What changed", href=app_url(app.package, "/diff", platform=app.platform, **{"from": older["id"]}, to=v["id"]))
        current = " (shown above)" if v["id"] == shown_id else ""
        rows.append(el(
            "tr",
            el("td", el("a", version_label(v), href=view), current),
            el("td", time.strftime("%Y-%m-%d %H:%M", time.gmtime(v["scanned_at"])), class_="when hide-narrow"),
            el("td", changes),
            el("td", diff),
        ))
    head = el("tr", *(el("th", h, scope="col", class_=c) for h, c in (("Version", None), ("Scanned (UTC)", "hide-narrow"),
                                                                      ("Changes since the version before", None), ("Diff", None))))
    return el("div", el("table", el("thead", head), el("tbody", *rows), class_="data history"), class_="scroll")
