"""Tables with evidence to drill into, capped so a huge report still makes a small page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from datatrail.report.html.markup import Markup, el, join, plural

__all__ = ["MAX_ROWS", "MAX_ITEMS", "table", "details", "items", "pill", "code"]

MAX_ROWS = 250
"""Rows per table; the rest is counted in a note pointing at the JSON report."""
MAX_ITEMS = 20
"""Entries per evidence list inside a row."""


def code(text: str) -> Markup:
    return el("code", text)


def pill(text: str, kind: str, tooltip: str | None = None) -> Markup:
    """A small coloured label (``kind`` selects the colour class)."""
    return el("span", text, class_=f"pill {kind}", title=tooltip)


def items(values: Iterable[Markup | str], limit: int = MAX_ITEMS, total: int | None = None) -> Markup:
    """A bullet list of at most ``limit`` entries, saying how many were left out."""
    values = list(values)
    count = len(values) if total is None else total
    shown = [el("li", v) for v in values[:limit]]
    if count > len(shown):
        shown.append(el("li", f"… and {count - len(shown):,} more in the JSON report", class_="more"))
    return el("ul", *shown, class_="ev")


def details(summary: Markup | str, *body: Markup | str | None) -> Markup:
    """A closed disclosure: the summary shows, the evidence opens on click."""
    return el("details", el("summary", summary), *body)


def table(
    ident: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Markup | str | int | None]],
    *,
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
    total: int | None = None,
) -> Markup:
    """A filterable table of at most ``MAX_ROWS`` rows.

    ``numeric`` lists the columns to right-align; ``total`` is the number of rows the
    report holds when the caller already cut them.
    """
    count = len(rows) if total is None else total
    head = el("thead", el("tr", *(el("th", h, class_="num" if i in numeric else None) for i, h in enumerate(headers))))
    body_rows = []
    for index, row in enumerate(rows[:MAX_ROWS]):
        cells = [el("td", cell, class_="num" if i in numeric else None) for i, cell in enumerate(row)]
        body_rows.append(el("tr", *cells, class_=row_classes[index] if row_classes else None))
    parts = [el("div", el("table", head, el("tbody", *body_rows), id=ident, class_="data filterable"), class_="scroll")]
    shown = min(len(rows), MAX_ROWS)
    if count > shown:
        parts.append(el("p", f"Showing {shown:,} of {plural(count, 'row')}; the rest are in the JSON report.", class_="note"))
    return join(parts)
