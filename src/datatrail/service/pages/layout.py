"""The document around every page of the service: header, navigation, the shared stylesheets,
and the HTTP headers that keep an app's strings inert.

Pages are built only through ``markup.el`` (every app-controlled string is escaped once, there),
and served with a Content-Security-Policy that allows the server's own stylesheets and scripts
and nothing else: no inline script, no other origin. ``el`` also writes out invisible controls
(bidirectional overrides, ANSI escapes), so a label cannot disguise itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode

from fastapi.responses import HTMLResponse

from datatrail.report.html.markup import Markup, el, join

__all__ = ["CSP", "FRAME_CSP", "NAV", "app_url", "document", "html_response", "error_page"]

CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
"""Every page: the server's own files only."""

FRAME_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *"
"""The risk card, which stores embed in their pages: no script at all, any page may frame it."""

_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

NAV: Sequence[tuple[str, str]] = (("/", "Screen an app"), ("/apps", "Apps"), ("/stats", "Overview"))

def app_url(package: str, tail: str = "", /, **params: object) -> str:
    """The path of an app's page (or of ``tail`` under it), the package quoted as one path segment."""
    query = urlencode([(k, v) for k, v in params.items() if v is not None])
    return f"/apps/{quote(package, safe='')}{tail}" + (f"?{query}" if query else "")


def document(title: str, body: Markup, *, active: str = "", scripts: Sequence[str] = (), heading: Markup | None = None,
             refresh: int | None = None) -> str:
    """A whole page: ``heading`` (a dark band) or the plain navigation, then ``body``; with
    ``refresh``, a page that reloads itself every so many seconds when JavaScript is off."""
    links = [el("a", label, href=href, aria_current="page" if href == active else None) for href, label in NAV]
    nav = el("nav", el("a", "datatrail", href="/", class_="brand"), el("span", *links, class_="links"), class_="site",
             aria_label="Site")
    head = join([
        el("meta", charset="utf-8"),
        el("noscript", el("meta", http_equiv="refresh", content=str(refresh))) if refresh is not None else None,
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        el("meta", name="referrer", content="no-referrer"),
        el("title", f"{title} — datatrail"),
        el("link", rel="icon", href="data:,"),  # no favicon request
        el("link", rel="stylesheet", href="/static/report.css"),
        el("link", rel="stylesheet", href="/static/pages.css"),
    ])
    tail = join(el("script", src=f"/static/{name}", defer=True) for name in scripts)
    page = el("html", el("head", head), el("body", nav, heading, el("main", body, id="main"), tail), lang="en")
    return "<!DOCTYPE html>\n" + page + "\n"


def html_response(text: str, status: int = 200, *, frame: bool = False) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers={**_HEADERS, "Content-Security-Policy": FRAME_CSP if frame else CSP})


def error_page(status: int, message: str) -> HTMLResponse:
    """The page for a refusal or a missing app: what went wrong, in words, with the way back."""
    titles = {400: "Bad request", 401: "A token is needed", 403: "Not allowed", 404: "Not found", 409: "Not ready",
              413: "Too large", 422: "Not something datatrail reads", 429: "Too many uploads"}
    title = titles.get(status, "Something went wrong")
    body = el("section", el("h1", title), el("p", message, class_="error-message", role="alert"),
              el("p", el("a", "Screen another file", href="/"), " · ", el("a", "Browse the apps", href="/apps")), class_="error")
    return html_response(document(title, body), status)
