"""An app's page (``/apps/{package}``): the verdict first, then the version's report (the offline
report's own sections: map, flow, evidence tables), then its version history, and the snippet
that embeds its risk card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from datatrail.report.html import report_header, report_sections
from datatrail.report.html.markup import Markup, el, join
from datatrail.service.pages.context import Pages, as_page
from datatrail.service.pages.history import history_table, version_label
from datatrail.service.pages.layout import app_url, document, html_response
from datatrail.service.pages.query import platform_of, version_id
from datatrail.service.pages.reports import AppVersions, find_app

__all__ = ["register", "resolve"]


def resolve(pages: Pages, package: str, platform: str | None, version_id: int | None) -> tuple[AppVersions, dict[str, Any]]:
    """The app and the version (default: the newest); 404 for either missing."""
    app = find_app(pages.store, package, platform)
    return app, app.one(version_id)


def _embed(package: str, platform: str) -> Markup:
    card, svg = app_url(package, "/card", platform=platform), app_url(package, "/card.svg", platform=platform)
    frame = f'<iframe src="{card}" title="datatrail risk card" width="420" height="200"></iframe>'
    image = f'<img src="{svg}" alt="datatrail risk card" width="480">'
    return join([
        el("p", "Stores can show this card next to the Install button (prefix the paths with this server's address):"),
        el("pre", el("code", frame)), el("pre", el("code", image)),
        el("p", el("a", "See the card", href=card), " · ", el("a", "as JSON", href="/api/v1" + card)),
    ])


def app_page(pages: Pages, package: str, params: Mapping[str, str]) -> str:
    app, version = resolve(pages, package, platform_of(params), version_id(params))
    report = pages.reports.report(version)
    sections = report_sections(report)
    newest = version["id"] == app.versions[0]["id"]
    note = None if newest else el("p", f"This is version {version_label(version)}, not the newest one. ",
                                  el("a", "See the newest", href=app_url(package, platform=app.platform)),
                                  class_="note", role="note")
    toc = el("nav", *(el("a", s.title, href=f"#{s.ident}") for s in sections), el("a", "Versions", href="#versions"),
             el("a", "Risk card", href="#card"), class_="toc", aria_label="Sections")
    body = join([
        note, toc,
        join(el("section", el("h2", s.title), s.body, id=s.ident, class_=s.css_class) for s in sections),
        el("section", el("h2", f"Versions ({len(app.versions)})"), history_table(pages.store, app, int(version["id"])), id="versions"),
        el("section", el("h2", "Risk card"), _embed(package, app.platform), id="card", class_="card-embed"),
    ])
    name = report.app.label or report.app.package or package
    return document(name, body, active="/apps", scripts=("filter.js",), heading=report_header(report))


def register(router: APIRouter, pages: Pages) -> None:
    @router.get("/apps/{package}")
    @as_page
    def app_view(request: Request, package: str) -> Response:
        pages.access.reader(request)
        return html_response(app_page(pages, package, request.query_params))
