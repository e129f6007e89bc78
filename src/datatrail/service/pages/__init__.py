"""The service's pages: upload, catalogue, app pages with their version history, diffs, the
overview and the risk card; rendered on the server (they read with JavaScript off; scripts only
add the upload's progress and live scan states), served by the same process as the API.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from datatrail.service.access import Access
from datatrail.service.config import ServiceConfig
from datatrail.service.errors import error_response, problems
from datatrail.service.pages import app_page, card, catalogue, diff_page, overview, static, upload
from datatrail.service.pages.context import Pages
from datatrail.service.pages.layout import error_page
from datatrail.service.pages.reports import ReportCache
from datatrail.store import Store

__all__ = ["install_pages", "Pages"]


def install_pages(app: FastAPI, config: ServiceConfig, store: Store, access: Access, reports: ReportCache) -> Pages:
    pages = Pages(config, store, access, reports)
    router = APIRouter(include_in_schema=False)
    static.register(router)
    upload.register(router, pages)
    catalogue.register(router, pages)
    # The longer paths first: /apps/{package} must not swallow /apps/{package}/diff.
    diff_page.register(router, pages)
    card.register(router, pages)
    app_page.register(router, pages)
    overview.register(router, pages)
    app.include_router(router)
    app.add_exception_handler(HTTPException, _not_a_page)
    app.add_exception_handler(RequestValidationError, _not_a_page)
    return pages


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/healthz", "/readyz")) and "text/html" in request.headers.get("accept", "")


async def _not_a_page(request: Request, exc: Exception) -> Response:
    """A path no page has, or a page's malformed parameter: a page for a browser, JSON for the rest."""
    if isinstance(exc, HTTPException):
        status, message = exc.status_code, ("there is no such page" if exc.status_code == 404 else str(exc.detail))
        headers = getattr(exc, "headers", None)
    else:
        status, message, headers = 422, "the address has a parameter this page does not accept", None
    if _wants_page(request):
        return error_page(status, message)
    if isinstance(exc, RequestValidationError):
        return error_response(422, problems(exc))
    assert isinstance(exc, HTTPException)
    return error_response(status, str(exc.detail), headers)
