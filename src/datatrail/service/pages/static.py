"""The pages' own files under ``/static/``: the report's stylesheet and table filter (the same
ones the offline report inlines), the pages' stylesheet and scripts, the card's stylesheet."""

from __future__ import annotations

import functools
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from datatrail.report.html.card_page import CARD_CSS
from datatrail.report.html.page import asset
from datatrail.service.errors import ApiError

__all__ = ["register", "STATIC"]

_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
STATIC = ("report.css", "filter.js", "pages.css", "upload.js", "scan.js", "card.css")


@functools.cache
def _text(name: str) -> str:
    if name in ("report.css", "filter.js"):
        return asset(name)
    if name == "card.css":
        return CARD_CSS
    return resources.files("datatrail.service.pages").joinpath("assets", name).read_text(encoding="utf-8")


def register(router: APIRouter) -> None:
    @router.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            raise ApiError(404, f"no file {name[:64]!r}")
        suffix = name[name.rfind("."):]
        return Response(_text(name), media_type=_TYPES[suffix],
                        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
