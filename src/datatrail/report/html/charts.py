"""Pictures of what the store holds, drawn server-side as SVG (no script, no request): a world map
shaded by how many apps reach each country, and bars of counts."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from datatrail.report.html.markup import Markup, el, plural
from datatrail.report.html.places import country_label
from datatrail.report.html.worldmap import world_map

__all__ = ["shaded_map", "bars", "SHADES"]

SHADES = 5


def _shade(n: int, top: int) -> int:
    """1..SHADES on a log scale, so one country with every app does not wash out the rest."""
    if top <= 1:
        return SHADES
    return 1 + min(SHADES - 1, int(math.log(n) / math.log(top) * (SHADES - 1) + 0.5))


def shaded_map(counts: Mapping[str, int], title: str, noun: str = "app") -> Markup:
    """The world, each country shaded by its count; its ``<title>`` says the number."""
    world = world_map()
    top = max(counts.values(), default=0)
    shapes: list[Markup] = []
    for code, d in world.outlines.items():
        n = counts.get(code, 0)
        tip = f"{country_label(code)}: {plural(n, noun)}"
        shapes.append(el("path", el("title", tip), d=d, class_=f"c shade-{_shade(n, top)}" if n else "c", data_cc=code if n else None))
    shapes.extend(el("path", d=d, class_="c") for d in world.uncoded)
    marks = []
    for code, n in counts.items():
        if code not in world.outlines and code in world.points:
            x, y = world.points[code]
            marks.append(el("circle", el("title", f"{country_label(code)}: {plural(n, noun)}"), cx=x, cy=y, r=5,
                            class_=f"c small shade-{_shade(n, top)}", data_cc=code))
    return el("svg", el("title", title), el("g", *shapes, class_="land"), el("g", *marks, class_="marks"),
              viewBox=f"0 0 {world.width} {world.height}", class_="map", role="img", aria_label=title)


def bars(counts: Mapping[str, int], title: str, label: Callable[[str], str] = str, total: int | None = None,
         flagged: frozenset[str] = frozenset(), limit: int = 12) -> Markup:
    """Horizontal bars, biggest first; each bar's ``<title>`` gives its number (and share of ``total``)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    if not items:
        return el("p", "Nothing to show yet.", class_="empty")
    top = items[0][1]
    row, label_w, bar_w = 26, 270, 400
    shapes = []
    for i, (key, n) in enumerate(items):
        y = i * row
        width = max(2, round(bar_w * n / top))
        share = f" ({100 * n / total:.0f}% of {plural(total, 'app')})" if total else ""
        name = label(key)
        text = name if len(name) <= 32 else name[:31] + "…"
        shapes.append(el(
            "g",
            el("title", f"{name}: {plural(n, 'app')}{share}"),
            el("text", text, x=label_w - 8, y=y + 17, text_anchor="end"),
            el("rect", x=label_w, y=y + 4, width=width, height=row - 8, rx=2,
               class_="bar lv-state-access" if key in flagged else "bar"),
            el("text", str(n), x=label_w + width + 6, y=y + 17),
        ))
    height = row * len(items)
    return el("svg", el("title", title), *shapes, viewBox=f"0 0 {label_w + bar_w + 60} {height}", class_="bars", role="img",
              aria_label=title, preserveAspectRatio="xMinYMin meet")
