"""The risk card's pages: ``/apps/{package}/card`` (an HTML document to frame) and
``/apps/{package}/card.svg`` (an image), for the app's newest version or ``?version=``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from datatrail.report.card import RiskCard, risk_card
from datatrail.report.html.card_page import card_fragment, card_svg
from datatrail.service.pages.app_page import resolve
from datatrail.service.pages.context import Pages, as_page
from datatrail.service.pages.layout import app_url, html_response
from datatrail.service.pages.query import platform_of, version_id

__all__ = ["register", "card_of"]


def card_of(pages: Pages, package: str, platform: str | None, version: int | None) -> tuple[RiskCard, str]:
    """The card of that version (default: the newest), and the app page that holds its evidence."""
    app, found = resolve(pages, package, platform, version)
    return risk_card(pages.reports.report(found)), app_url(package, platform=app.platform, version=found["id"])


def register(router: APIRouter, pages: Pages) -> None:
    @router.get("/apps/{package}/card")
    @as_page
    def card_page(request: Request, package: str) -> Response:
        pages.access.reader(request)
        card, evidence = card_of(pages, package, platform_of(request.query_params), version_id(request.query_params))
        return html_response(card_fragment(card, evidence, "/static/card.css"), frame=True)

    @router.get("/apps/{package}/card.svg")
    @as_page
    def card_image(request: Request, package: str) -> Response:
        pages.access.reader(request)
        card, _ = card_of(pages, package, platform_of(request.query_params), version_id(request.query_params))
        return Response(card_svg(card), media_type="image/svg+xml",
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
