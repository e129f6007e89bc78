"""The catalogue (``/apps``): every app in the store, searchable and filterable with the API's own
filters (the query string is the same, so a filtered view is a link to share), sortable, paged."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from datatrail.knowledge.geo import country_name
from datatrail.report.html.markup import Markup, el, join, plural
from datatrail.service.errors import ApiError
from datatrail.service.pages.context import Pages, as_page
from datatrail.service.pages.layout import app_url, document, html_response
from datatrail.service.pages.query import platform_of
from datatrail.store.catalogue import SEVERITY_RANKS
from datatrail.store.queries import SORTS, AppFilter, filter_choices, list_apps

__all__ = ["register", "parse_filter", "FLAG_WORDS", "PAGE_SIZE"]

PAGE_SIZE = 50
FLAG_WORDS = {
    "compelled-access": "Can reach a party under a state-access law (e.g. China's National Intelligence Law)",
    "eu-third-country": "Leaves the EU for a country without an adequacy decision",
    "eu-adequacy-conditional": "Leaves the EU under a conditional adequacy decision",
}
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_TEXT_LIMITS = {"q": 200, "sdk": 128, "jurisdiction_flag": 64, "permission": 255, "rule": 32}
_SORT_WORDS = {"package": "Package name", "label": "App name", "newest": "Newest scan", "severity": "Worst findings"}


def parse_filter(params: Mapping[str, str]) -> tuple[AppFilter, str, int]:
    """The filter, sort and page number a query string asks for; 422 for a value the API would refuse."""
    values: dict[str, str | None] = {}
    for name in ("q", "sdk", "jurisdiction_flag", "permission", "rule"):
        value = (params.get(name) or "").strip()
        if len(value) > _TEXT_LIMITS[name]:
            raise ApiError(422, f"{name} is longer than {_TEXT_LIMITS[name]} characters")
        values[name] = value or None
    for name in ("sdk_vendor_country", "destination_country", "org_country"):
        value = (params.get(name) or "").strip()
        if value and not _COUNTRY.match(value):
            raise ApiError(422, f"{name} must be a two-letter country code, not {value[:20]!r}")
        values[name] = value.upper() or None
    severity = params.get("min_severity") or None
    if severity is not None and severity not in SEVERITY_RANKS:
        raise ApiError(422, f"min_severity must be one of {', '.join(SEVERITY_RANKS)}")
    platform = platform_of(params)
    sort = params.get("sort") or "package"
    if sort not in SORTS:
        raise ApiError(422, f"sort must be one of {', '.join(SORTS)}")
    page = params.get("page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        raise ApiError(422, "page must be a number from 1")
    return AppFilter(min_severity=severity, platform=platform, **values), sort, int(page)


def _country(code: str) -> str:
    return f"{country_name(code) or code} ({code})"


def _select(name: str, label: str, choices: Sequence[tuple[str, str]], chosen: str | None) -> Markup:
    options = [el("option", "any", value="")] + [el("option", text, value=value, selected=value == chosen) for value, text in choices]
    return el("label", label, el("select", *options, name=name))


def _text(name: str, label: str, value: str | None, placeholder: str = "") -> Markup:
    return el("label", label, el("input", type="search" if name == "q" else "text", name=name, value=value or "",
                                 placeholder=placeholder or None, maxlength=_TEXT_LIMITS.get(name)))


def _form(f: AppFilter, sort: str, known: dict[str, list[str]]) -> Markup:
    def countries(key: str) -> list[tuple[str, str]]:
        return [(c, _country(c)) for c in sorted(known.get(key, []), key=lambda c: country_name(c) or c)]

    flags = [(flag, FLAG_WORDS.get(flag, flag)) for flag in known.get("jurisdiction_flag", [])]
    return el(
        "form",
        _text("q", "Name or package", f.q, "e.g. weather"),
        _text("sdk", "SDK id", f.sdk, "e.g. tencent-bugly"),
        _select("sdk_vendor_country", "SDK vendor country", countries("sdk_vendor_country"), f.sdk_vendor_country),
        _select("destination_country", "Server country", countries("destination_country"), f.destination_country),
        _select("org_country", "Organisation's country", countries("org_country"), f.org_country),
        _select("jurisdiction_flag", "Jurisdiction", flags, f.jurisdiction_flag),
        _text("permission", "Permission", f.permission, "e.g. READ_CONTACTS"),
        _text("rule", "Rule id", f.rule, "e.g. DST001"),
        _select("min_severity", "Findings at least", [(s, s) for s in SEVERITY_RANKS], f.min_severity),
        _select("platform", "Platform", [("android", "Android"), ("ios", "iOS")], f.platform),
        _select("sort", "Sort by", [(s, _SORT_WORDS[s]) for s in SORTS], sort),
        el("div", el("button", "Show apps", type="submit"), " ", el("a", "Clear", href="/apps", class_="button secondary")),
        class_="filters", method="get", action="/apps", role="search",
    )


def _query(f: AppFilter, sort: str, page: int) -> str:
    pairs = [(k, v) for k, v in vars(f).items() if v]
    if sort != "package":
        pairs.append(("sort", sort))
    if page > 1:
        pairs.append(("page", str(page)))
    return urlencode(pairs)


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


def _row(item: dict[str, object]) -> Markup:
    latest: dict[str, object] = item["latest"]  # type: ignore[assignment]
    sdks: list[dict[str, str | None]] = latest["sdks"]  # type: ignore[assignment]
    name = str(item["label"] or item["package"])
    href = app_url(str(item["package"]), platform=item["platform"])
    countries = sorted({str(s["vendor_country"]) for s in sdks if s["vendor_country"]})
    version = " ".join(str(v) for v in (latest.get("version_name"), f"({latest['version_code']})" if latest.get("version_code") else None) if v)
    return el(
        "tr",
        el("td", el("a", name, href=href), el("br"), el("code", str(item["package"])), class_="app-name"),
        el("td", "iOS" if item["platform"] == "ios" else "Android", class_="hide-narrow"),
        el("td", version or "–", class_="hide-narrow"),
        el("td", str(len(sdks)), el("span", f" ({', '.join(countries)})" if countries else "", class_="muted"), class_="num"),
        el("td", str(latest.get("worst_severity") or "none")),
        el("td", _when(float(latest["scanned_at"])), class_="hide-narrow"),  # type: ignore[arg-type]
    )


def catalogue_page(pages: Pages, params: Mapping[str, str]) -> str:
    f, sort, page = parse_filter(params)
    with pages.store.begin() as conn:
        total, items = list_apps(conn, f, PAGE_SIZE, (page - 1) * PAGE_SIZE, sort)
        known = filter_choices(conn)
    head = el("tr", *(el("th", h, scope="col", class_=c) for h, c in (
        ("App", None), ("Platform", "hide-narrow"), ("Version", "hide-narrow"), ("SDKs (vendor countries)", None),
        ("Worst finding", None), ("Scanned", "hide-narrow"))))
    table = el("div", el("table", el("caption", f"{plural(total, 'app')} match", class_="muted"), el("thead", head),
                         el("tbody", *(_row(i) for i in items)), class_="data"), class_="scroll") if items else el(
        "p", "No app matches these filters." if total == 0 and any(vars(f).values()) else "No app has been screened yet.",
        class_="empty")
    last = max(1, -(-total // PAGE_SIZE))
    pager = el("nav", el("a", "← Previous", href=f"/apps?{_query(f, sort, page - 1)}", rel="prev") if page > 1 else None,
               el("span", f"Page {page} of {last}"),
               el("a", "Next →", href=f"/apps?{_query(f, sort, page + 1)}", rel="next") if page < last else None,
               class_="pager", aria_label="Pages")
    body = join([el("h1", "Apps"), el("section", _form(f, sort, known), aria_label="Filters"), el("section", table, pager)])
    return document("Apps", body, active="/apps", scripts=("filter.js",))


def register(router: APIRouter, pages: Pages) -> None:
    @router.get("/apps")
    @as_page
    def apps_page(request: Request) -> Response:
        pages.access.reader(request)
        return html_response(catalogue_page(pages, request.query_params))
