"""What changed between two versions (``/apps/{package}/diff?from=…&to=…``): ``datatrail diff``
made readable, section by section, the items a reviewer should stop on marked."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from datatrail.changes.diff import diff_reports
from datatrail.changes.render import SECTION_TITLES
from datatrail.model.changes import DiffItem, ReportDiff
from datatrail.report.html.markup import Markup, el, join, plural
from datatrail.service.pages.context import Pages, as_page
from datatrail.service.pages.history import version_label
from datatrail.service.pages.layout import app_url, document, html_response
from datatrail.service.pages.query import platform_of, version_id
from datatrail.service.pages.reports import find_app

__all__ = ["register"]


def _items(items: tuple[DiffItem, ...], sign: str) -> list[Markup]:
    return [el("li", el("strong", "Flagged: ") if i.flagged else None, i.key,
               el("span", f" — {i.detail}", class_="muted") if i.detail else None, class_=sign) for i in items]


def _sections(diff: ReportDiff) -> Markup:
    parts = []
    for section in diff.sections:
        if not section.changed:
            continue
        title = SECTION_TITLES.get(section.name, section.name)
        counts = f"{len(section.added)} added, {len(section.removed)} removed"
        parts.append(el("section", el("h2", title), el("p", counts, class_="muted"),
                        el("ul", *_items(section.added, "added"), *_items(section.removed, "removed"), class_="changes"),
                        id=f"diff-{section.name}"))
    if not parts:
        return el("section", el("p", "No change in SDKs, permissions, destinations, countries, data or findings.", class_="empty"))
    return join(parts)


def diff_page(pages: Pages, package: str, params: Mapping[str, str]) -> str:
    app = find_app(pages.store, package, platform_of(params))
    old, new = app.pair(version_id(params, "from"), version_id(params, "to"))
    old_id, new_id = old["id"], new["id"]
    diff = diff_reports(pages.reports.report(old), pages.reports.report(new))
    changed = sum(len(s.added) + len(s.removed) for s in diff.sections)
    flagged = sum(1 for s in diff.sections for i in s.added if i.flagged)
    name = app.label or package
    summary = el("p", f"{plural(changed, 'change')}" + (f", {plural(flagged, 'new item')} to stop on" if flagged else ""), class_="lead")
    body = join([
        el("h1", "What changed in ", name),
        el("p", "From ", el("a", version_label(old, exact=True), href=app_url(package, platform=app.platform, version=old_id)),
           " to ", el("a", version_label(new, exact=True), href=app_url(package, platform=app.platform, version=new_id)), class_="diff-side"),
        summary,
        _sections(diff),
        el("p", el("a", "As JSON", href="/api/v1" + app_url(package, "/diff", platform=app.platform, to=new_id, **{"from": old_id})),
           " · ", el("a", "As text", href="/api/v1" + app_url(package, "/diff", platform=app.platform, to=new_id, format="text",
                                                               **{"from": old_id})),
           " · ", el("a", "Back to the app", href=app_url(package, platform=app.platform))),
    ])
    return document(f"{app.label or package}: what changed", body, active="/apps")


def register(router: APIRouter, pages: Pages) -> None:
    @router.get("/apps/{package}/diff")
    @as_page
    def diff_view(request: Request, package: str) -> Response:
        pages.access.reader(request)
        return html_response(diff_page(pages, package, request.query_params))
