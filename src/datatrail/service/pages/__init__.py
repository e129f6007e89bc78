"""The service's pages: upload, catalogue, app pages with their version history, diffs, the
overview and the risk card; rendered on the server (they read with JavaScript off; scripts only
add the upload's progress and live scan states), served by the same process as the API.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from datatrail.service.access import Access
from datatrail.service.config import ServiceConfig
from datatrail.service.pages import app_page, card, catalogue, diff_page, overview, static, upload
from datatrail.service.pages.context import Pages
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
    return pages
