"""The overview (``/stats``): what the store holds, as pictures: a world map shaded by how many
apps name servers or organisations in each country, bars of SDK vendor countries, the most common
SDKs and organisations, and the share of apps whose data can reach a party under a state-access law."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS, compels_access
from datatrail.report.html.charts import bars, shaded_map
from datatrail.report.html.markup import el, join, plural
from datatrail.report.html.places import country_label
from datatrail.service.pages.context import Pages, as_page
from datatrail.service.pages.layout import document, html_response
from datatrail.store.queries import stats

__all__ = ["register"]

_FLAG_SHORT = {"compelled-access": "State-access law", "eu-third-country": "EU → no adequacy",
               "eu-adequacy-conditional": "EU → conditional adequacy"}


def _state_access(codes: list[str]) -> frozenset[str]:
    return frozenset(c for c in codes if compels_access(c))


def overview_page(pages: Pages) -> str:
    with pages.store.begin() as conn:
        s = stats(conn)
    apps = int(s["apps"])
    flagged = int(s["apps_by_jurisdiction_flag"].get(COMPELLED_ACCESS, 0))
    vendor = s["apps_by_sdk_vendor_country"]
    tiles = el(
        "div",
        el("div", el("p", f"{apps:,}", class_="big"), el("p", "apps screened")),
        el("div", el("p", f"{int(s['versions']):,}", class_="big"), el("p", "versions")),
        el("div", el("p", f"{100 * flagged / apps:.0f}%" if apps else "–", class_="big"),
           el("p", f"{plural(flagged, 'app')} name servers whose data a state-access law can reach")),
        el("div", el("p", f"{len(s['apps_by_destination_country']):,}", class_="big"), el("p", "countries their hosts are in or run from")),
        class_="tiles",
    )
    flags = s["apps_by_jurisdiction_flag"]
    sections = join([
        el("h1", "What the store holds"),
        el("section", tiles, aria_label="Totals"),
        el("section", el("h2", "Where apps' data can go"),
           shaded_map(s["apps_by_destination_country"], "Apps naming servers or organisations in each country"),
           el("p", "Darker: more apps name hosts whose servers are there or whose organisation is based there "
                   "(from the packages: what the code names, not traffic). Hover a country for its number.", class_="note"),
           id="map"),
        el("section", el("h2", "Where the SDK vendors are"),
           bars(vendor, "Apps with SDK code from vendors in each country", country_label, apps, _state_access(list(vendor))),
           el("p", "Red: a country whose law lets the state require companies to hand over data.", class_="note"), id="vendors"),
        el("section", el("h2", "The most common SDKs"), bars(s["apps_by_sdk"], "Apps containing each SDK", total=apps), id="sdks"),
        el("section", el("h2", "The most common organisations behind named hosts"),
           bars(s["apps_by_organisation"], "Apps naming hosts of each organisation", total=apps), id="organisations"),
        el("section", el("h2", "Jurisdiction flags"),
           bars(flags, "Apps with each jurisdiction flag", lambda f: _FLAG_SHORT.get(f, f), apps,
                frozenset({COMPELLED_ACCESS}) & frozenset(flags)),
           el("p", "State-access law: a party there can be made to give the state access to the data. EU → no adequacy: "
                   "data leaves the EU for a country without an adequacy decision.", class_="note"), id="flags"),
    ])
    return document("Overview", sections, active="/stats")


def register(router: APIRouter, pages: Pages) -> None:
    @router.get("/stats")
    @as_page
    def overview(request: Request) -> Response:
        pages.access.reader(request)
        return html_response(overview_page(pages))
