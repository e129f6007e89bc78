"""The document around the sections: one self-contained file that makes no request at all.

The stylesheet and the filter script are packaged assets inlined at render time. The
Content-Security-Policy allows nothing but those two inline blocks (by their sha256)
and ``data:`` images, so even a string that slipped through escaping could not load or
run anything.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from datatrail.errors import DatatrailError
from datatrail.report.html.markup import Markup, el, join

__all__ = ["Section", "asset", "content_security_policy", "page", "section"]


@dataclass(frozen=True, slots=True)
class Section:
    ident: str
    title: str
    body: Markup
    css_class: str | None = None


def section(ident: str, title: str, body: Markup, css_class: str | None = None) -> Section:
    return Section(ident, title, body, css_class)


@functools.cache
def asset(name: str) -> str:
    """A packaged asset's text (the stylesheet, the filter script)."""
    return _asset(name)


@functools.cache
def _asset(name: str) -> str:
    try:
        return resources.files("datatrail.report").joinpath("assets", name).read_text(encoding="utf-8")
    except OSError as exc:
        raise DatatrailError(f"the HTML report's asset {name} is missing") from exc


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    """Nothing from anywhere: only the given inline style and script blocks, and data: images."""
    return (
        f"default-src 'none'; style-src {_hash(style)}; script-src {_hash(script)}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def page(title: str, header: Markup, sections: Sequence[Section]) -> str:
    """The whole HTML document."""
    style, script = _asset("report.css"), _asset("filter.js")
    toc = el("nav", *(el("a", s.title, href=f"#{s.ident}") for s in sections), class_="toc")
    body = join(
        el("section", el("h2", s.title), s.body, id=s.ident, class_=s.css_class) for s in sections
    )
    head = join(
        [
            el("meta", charset="utf-8"),
            el("meta", http_equiv="Content-Security-Policy", content=content_security_policy(style, script)),
            el("meta", name="referrer", content="no-referrer"),
            el("meta", name="viewport", content="width=device-width, initial-scale=1"),
            el("title", title),
            Markup(f"<style>{style}</style>"),
        ]
    )
    document = el(
        "html",
        el("head", head),
        el("body", header, toc, el("main", body), Markup(f"<script>{script}</script>")),
        lang="en",
    )
    return "<!DOCTYPE html>\n" + document + "\n"
