"""The world map: destination countries as inline SVG, coloured by whose law reaches the data.

Outlines come precomputed (Natural Earth I projection, Natural Earth data via world-atlas)
from ``report/assets/world-map.json``, built by ``tools/build_world_map.py``. A country an
organisation calls home (its law reaches the data wherever it is stored) is filled solid;
a country where servers are located gets a dot, and is striped when no organisation
is based there; one only a country-code domain points to is striped and outlined dashed
(weak evidence). The colour is the worst jurisdiction flag on that country; a dark outline
marks countries whose hosts are named by code that can read personal data (or, in a
capture, were sent personal data).
Countries too small for the outlines (Hong Kong, Singapore...) are drawn as circles.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from datatrail.errors import DatatrailError
from datatrail.report.html.markup import Markup, el, join, plural
from datatrail.report.html.places import LEVEL_TEXT, LEVELS, CountryUse, country_label

__all__ = ["WorldMap", "world_map", "world_map_dataset", "render_map", "map_legend"]

_ASSET = "world-map.json"


@dataclass(frozen=True, slots=True)
class WorldMap:
    width: int
    height: int
    outlines: dict[str, str]
    """Alpha-2 code -> SVG path data."""
    points: dict[str, tuple[int, int]]
    """Alpha-2 code -> anchor for markers (also for countries without an outline)."""
    uncoded: tuple[str, ...]
    """Land with no ISO code (drawn, never coloured)."""
    source: str


@functools.cache
def world_map() -> WorldMap:
    """The packaged map asset, read once."""
    try:
        doc = json.loads(resources.files("datatrail.report").joinpath("assets", _ASSET).read_bytes())
        _, _, width, height = doc["viewbox"]
        return WorldMap(
            width=int(width),
            height=int(height),
            outlines={str(k): str(v) for k, v in doc["countries"].items()},
            points={str(k): (int(v[0]), int(v[1])) for k, v in doc["points"].items()},
            uncoded=tuple(str(d) for d in doc["uncoded"]),
            source=f"{doc['source']} ({doc['license']})",
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatatrailError(f"the HTML report's map asset {_ASSET} is missing or unreadable") from exc


def world_map_dataset() -> dict[str, str]:
    """The map asset as ``datatrail data`` lists datasets: name, version, source, license, sha256, date."""
    import hashlib

    try:
        raw = resources.files("datatrail.report").joinpath("assets", _ASSET).read_bytes()
        doc = json.loads(raw)
        return {"name": str(doc.get("name", "world-map")), "version": str(doc.get("version", "")),
                "source": str(doc.get("source", "")), "license": str(doc.get("license", "")),
                "sha256": hashlib.sha256(raw).hexdigest(), "date": str(doc.get("date", ""))}
    except (OSError, ValueError, AttributeError) as exc:
        raise DatatrailError(f"the HTML report's map asset {_ASSET} is missing or unreadable") from exc


def _tooltip(use: CountryUse) -> str:
    lines = [country_label(use.code)]
    if use.law:
        lines.append(f"Home of {', '.join(use.law[:4])}{' …' if len(use.law) > 4 else ''}: its law reaches the data")
    if use.servers:
        lines.append(f"Servers located here: {', '.join(use.servers[:4])}{' …' if len(use.servers) > 4 else ''}")
    if use.weak:
        lines.append(f"Only the country-code domain points here: {', '.join(use.weak[:4])}")
    for _, title in use.flags:
        lines.append(f"⚑ {title}")
    if use.owners:
        lines.append(f"Named by: {', '.join(use.owners[:4])}{' …' if len(use.owners) > 4 else ''}")
    if use.data:
        lines.append(f"That code can read: {', '.join(use.data[:6])}{' …' if len(use.data) > 6 else ''}")
    lines.append(plural(len(use.hosts), "host"))
    return "\n".join(lines)


def _classes(use: CountryUse) -> str:
    fill = "law" if use.law else ("server" if use.servers else "weak")
    return f"c lv-{use.level} fill-{fill}" + (" reads" if use.data else "")


def _patterns() -> Markup:
    patterns = []
    for level in LEVELS:
        patterns.append(
            el(
                "pattern",
                el("rect", width="5", height="5", class_="hatch-bg"),
                el("rect", width="2.2", height="5", class_=f"hatch-{level}"),
                id=f"hatch-{level}",
                patternUnits="userSpaceOnUse",
                width="5",
                height="5",
                patternTransform="rotate(45)",
            )
        )
    return el("defs", *patterns)


def render_map(uses: Sequence[CountryUse], title: str) -> Markup:
    """The SVG map; every involved country carries a ``<title>`` tooltip and a ``data-cc``."""
    world = world_map()
    used = {u.code: u for u in uses}
    shapes: list[Markup] = []
    for code, d in world.outlines.items():
        use = used.get(code)
        if use is None:
            shapes.append(el("path", el("title", country_label(code)), d=d, class_="c"))
        else:
            shapes.append(el("path", el("title", _tooltip(use)), d=d, class_=_classes(use), data_cc=code))
    shapes.extend(el("path", d=d, class_="c") for d in world.uncoded)
    marks: list[Markup] = []
    for use in uses:
        point = world.points.get(use.code)
        if point is None:
            continue
        x, y = point
        if use.code not in world.outlines:
            marks.append(el("circle", el("title", _tooltip(use)), cx=x, cy=y, r=5, class_=f"small {_classes(use)}", data_cc=use.code))
        if use.servers:
            marks.append(el("circle", el("title", _tooltip(use)), cx=x, cy=y, r=3.2, class_="server-dot", data_server=use.code))
    return el(
        "svg",
        el("title", title),
        _patterns(),
        el("g", *shapes, class_="land"),
        el("g", *marks, class_="marks"),
        viewBox=f"0 0 {world.width} {world.height}",
        class_="map",
        role="img",
        aria_label=title,
    )


def map_legend(viewer_name: str, reads_text: str = "code naming these hosts can read personal data") -> Markup:
    items = [
        el("li", el("span", class_=f"sw lv-{level} fill-law"), LEVEL_TEXT[level][:1].upper() + LEVEL_TEXT[level][1:])
        for level in LEVELS
    ]
    roles = [
        el("li", el("span", class_="sw lv-no-flag fill-law"), "Solid: an organisation is based here; its law reaches the data wherever it is stored"),
        el("li", el("span", class_="sw dot"), "Dot: servers located here (from traffic, --resolve or an IP address in the package)"),
        el("li", el("span", class_="sw lv-no-flag fill-server"), "Striped: servers here, no organisation based here"),
        el("li", el("span", class_="sw lv-no-flag fill-weak"), "Dashed: only the host's country-code domain points here (weak)"),
        el("li", el("span", class_="sw lv-no-flag fill-law reads"), f"Dark outline: {reads_text}"),
    ]
    return el(
        "div",
        el("p", el("strong", "Colour"), f" (transfer rules for a viewer in {viewer_name}):"),
        el("ul", join(items), class_="legend"),
        el("ul", join(roles), class_="legend"),
        class_="legend-box",
    )
