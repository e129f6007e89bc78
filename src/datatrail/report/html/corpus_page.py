"""The corpus report: one offline page of pictures over a corpus scan's figures (what
``datatrail corpus --format json`` writes), for a story or a store's review board."""

from __future__ import annotations

from typing import Any

from datatrail.knowledge.geo import country_name
from datatrail.knowledge.jurisdictions import compels_access
from datatrail.report.html.charts import bars, shaded_map
from datatrail.report.html.markup import Markup, el, join, plural
from datatrail.report.html.page import page, section
from datatrail.report.html.places import country_label

__all__ = ["corpus_to_html"]


def _counts(figure: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {k: int(v["apps"]) for k, v in figure.items()}


def _state_access(codes: list[str]) -> frozenset[str]:
    return frozenset(c for c in codes if compels_access(c))


def _table(headers: list[str], rows: list[list[Markup | str]]) -> Markup:
    head = el("thead", el("tr", *(el("th", h, scope="col") for h in headers)))
    return el("div", el("table", head, el("tbody", *(el("tr", *(el("td", c) for c in row)) for row in rows)),
                        class_="data filterable"), class_="scroll")


def corpus_to_html(figures: dict[str, Any], report_base: str = "") -> str:
    """The page; ``report_base`` is the corpus folder as seen from where the page is written (for
    the links to each app's JSON report)."""
    apps = int(figures["apps"])
    flagged = figures["state_access"]
    vendor = _counts(figures["apps_by_sdk_vendor_country"])
    header = el("header", el("div", el("h1", "Corpus report"),
                             el("p", f"{plural(apps, 'app')}, {plural(int(figures['versions']), 'version')} · datatrail "
                                     f"{figures['tool']['version']} · static analysis: what the code can do and which servers "
                                     "it names, not traffic"), class_="inner"), class_="top")
    tiles = el("div",
               el("div", el("p", f"{apps:,}", class_="big"), el("p", "apps")),
               el("div", el("p", f"{100 * flagged['share']:.0f}%", class_="big"),
                  el("p", f"{plural(int(flagged['apps']), 'app')} name servers whose data a state-access law can reach")),
               el("div", el("p", f"{len(figures['apps_by_destination_country']):,}", class_="big"),
                  el("p", "countries their hosts are in or run from")),
               class_="tiles")
    flagged_rows = [[el("a", item["package"], href=f"{report_base}{item['report']}"), ", ".join(item["organisations"]),
                     ", ".join(country_label(c) for c in item["countries"]), ", ".join(item["hosts"][:6])]
                    for item in flagged["items"]]
    by_country_rows = [[country_label(code), str(v["apps"]),
                        ", ".join(f"{k} ({n})" for k, n in list(v["data_categories"].items())[:6]) or "–",
                        ", ".join(f"{k} ({n})" for k, n in v["dangerous_permissions"].items()) or "–"]
                       for code, v in figures["by_sdk_vendor_country"].items()]
    change_rows = [[c["package"], str(c["versions"]), f"{c['from']} → {c['to']}", ", ".join(c["sdks_added"]) or "–",
                    ", ".join(c["sdks_removed"]) or "–"] for c in figures["version_changes"]]
    sections = [
        section("totals", "In numbers", tiles),
        section("map", "Where apps' data can go", join([
            shaded_map(_counts(figures["apps_by_destination_country"]), "Apps naming servers or organisations in each country"),
            el("p", "Darker: more apps name hosts whose servers are there or whose organisation is based there.", class_="note")])),
        section("vendors", "SDK vendors' countries", join([
            bars(vendor, "Apps with SDK code from vendors in each country", country_label, apps, _state_access(list(vendor))),
            el("p", "Red: a country whose law lets the state require companies to hand over data "
                    f"({country_name('CN')}'s National Intelligence Law, {country_name('RU')}'s SORM and 152-FZ...).", class_="note")])),
        section("organisations", "Organisations in most apps",
                bars(_counts(figures["top_organisations"]), "Apps naming hosts of each organisation", total=apps)),
        section("sdks", "The most common SDKs", bars(_counts(figures["top_sdks"]), "Apps containing each SDK", total=apps)),
        section("state-access", f"Apps whose data can reach a party under a state-access law ({flagged['apps']})",
                _table(["App (its report)", "Organisations", "Countries", "Hosts"], flagged_rows) if flagged_rows
                else el("p", "None.", class_="empty")),
        section("permissions", "Dangerous permissions apps ask for",
                bars(_counts(figures.get("apps_by_dangerous_permission", {})), "Apps asking for each dangerous permission", total=apps)),
        section("data-access", "What apps' code can read",
                join([bars(_counts(figures.get("apps_by_data_category", {})),
                           "Apps whose code reads each kind of data, with the permission it needs asked for", total=apps),
                      el("p", "From the API calls in the code (the app's own and its SDKs'), where the app asks for the "
                              "permission the call needs; a call that cannot succeed is not counted.", class_="note")])),
        section("by-vendor-country", "What SDK code from each country can read",
                _table(["Vendor country", "Apps", "Data categories its SDKs' code reads (API uses)", "Dangerous permissions of those apps"],
                       by_country_rows) if by_country_rows else el("p", "No SDK of known country.", class_="empty")),
        section("versions", f"Across versions ({len(change_rows)} apps with several)",
                _table(["App", "Versions", "From → to", "SDKs added", "SDKs removed"], change_rows) if change_rows
                else el("p", "Every app has one version in this corpus.", class_="empty")),
    ]
    return page("Corpus report — datatrail", header, sections)
