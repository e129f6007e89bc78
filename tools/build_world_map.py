"""Build the world map the HTML report draws (report/assets/world-map.json) from pinned npm packages.

Development-time only: the HTML renderer reads the committed output and never runs this.

Inputs, each pinned by version and npm sha512 integrity (checked before anything is read):

* ``world-atlas`` 2.0.2 (ISC; shapes from Natural Earth, public domain): ``countries-110m.json``
  gives the country outlines; ``countries-50m.json`` gives a marker position for the small
  countries and territories the 110m shapes leave out (Hong Kong, Singapore, Malta...), which
  matter here because servers sit in them.
* ``i18n-iso-countries`` 7.14.0 (MIT): ``codes.json`` maps the ISO 3166-1 numeric ids that
  world-atlas uses to the alpha-2 codes the report uses.

The outlines are projected once, here, with the Natural Earth I projection (Šavrič, Jenny,
Patterson, Petrovič, Hurni 2011: polynomial coefficients as published), scaled to a fixed
view box, rounded to whole units and written as SVG path strings with relative moves, which
keeps the asset small. Every country, drawn or not, also gets an anchor point (the centroid
of its largest polygon) where the report puts its markers. Antarctica is left out: no server or organisation is there, and it
would take a fifth of the height.

Usage:

    .venv/bin/python tools/build_world_map.py [--tarballs DIR]

Afterwards the sha256 line of the map's entry in knowledge/data/SOURCES is refreshed (only that one).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_geo_data import COUNTRIES, Pin, fetch, member  # noqa: E402  (sibling dev tools)
from gen_aosp_permissions import sha256_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "datatrail" / "report" / "assets" / "world-map.json"
SOURCES = ROOT / "src" / "datatrail" / "knowledge" / "data" / "SOURCES"

WORLD_ATLAS = Pin(
    "world-atlas",
    "2.0.2",
    "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
)

WIDTH = 1000
"""View box width; one unit is about 0.36 degrees of longitude at the equator."""
SOUTH_LIMIT = -58.0
"""Latitude cut at the bottom of the view box (Tierra del Fuego is at -55)."""
NORTH_LIMIT = 84.0
NO_ID = {"Kosovo": "XK"}
"""Shapes world-atlas gives without an ISO numeric id that the report has a code for.
N. Cyprus and Somaliland stay uncoded: drawn as land, never coloured."""
LEFT_OUT = {"AQ"}

Point = tuple[float, float]


def natural_earth(lon: float, lat: float) -> Point:
    """Natural Earth I projection of a point in degrees, in projection units (y up)."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)))
    y = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))
    return x, y


class Frame:
    """Projection units -> view box units: x from the antimeridian, y down from NORTH_LIMIT."""

    def __init__(self) -> None:
        left, _ = natural_earth(-180.0, 0.0)
        right, _ = natural_earth(180.0, 0.0)
        _, self.top = natural_earth(0.0, NORTH_LIMIT)
        _, bottom = natural_earth(0.0, SOUTH_LIMIT)
        self.left = left
        self.scale = WIDTH / (right - left)
        self.height = round((self.top - bottom) * self.scale)

    def place(self, lon: float, lat: float) -> Point:
        x, y = natural_earth(lon, max(SOUTH_LIMIT, min(NORTH_LIMIT, lat)))
        return (x - self.left) * self.scale, (self.top - y) * self.scale


def decode_arcs(topology: dict[str, object]) -> list[list[Point]]:
    """TopoJSON arcs (quantised, delta-encoded) as lists of (lon, lat)."""
    transform = topology["transform"]
    assert isinstance(transform, dict)
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs: list[list[Point]] = []
    raw = topology["arcs"]
    assert isinstance(raw, list)
    for arc in raw:
        x = y = 0
        points: list[Point] = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: Sequence[int], arcs: list[list[Point]]) -> list[Point]:
    """One ring stitched from its arcs (a negative index ~i is arc i reversed)."""
    out: list[Point] = []
    for index in ring:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        out.extend(points if not out else points[1:])
    return out


def unwrap(ring: list[Point]) -> list[Point]:
    """Longitudes made continuous: a step of more than 180 degrees crosses the antimeridian."""
    out = [ring[0]]
    for lon, lat in ring[1:]:
        prev = out[-1][0]
        while lon - prev > 180:
            lon -= 360
        while prev - lon > 180:
            lon += 360
        out.append((lon, lat))
    return out


def clip(ring: list[Point], edge: float, keep_below: bool) -> list[Point]:
    """The part of ``ring`` on one side of the meridian ``edge`` (Sutherland-Hodgman, one half-plane)."""

    def inside(point: Point) -> bool:
        return point[0] <= edge if keep_below else point[0] >= edge

    out: list[Point] = []
    for current, following in zip(ring, ring[1:] + ring[:1], strict=True):
        if inside(current):
            out.append(current)
        if inside(current) != inside(following):
            t = (edge - current[0]) / (following[0] - current[0])
            out.append((edge, current[1] + t * (following[1] - current[1])))
    return out


def split_antimeridian(ring: list[Point]) -> list[list[Point]]:
    """A ring crossing 180 degrees as the pieces east and west of it, each inside [-180, 180].

    world-atlas keeps such rings whole (Chukotka, Fiji): projected as they are, they
    would streak across the whole map.
    """
    ring = unwrap(ring)
    lons = [lon for lon, _ in ring]
    if min(lons) >= -180 and max(lons) <= 180:
        return [ring]
    shift = -360 if max(lons) > 180 else 360
    pieces = [clip(ring, 180, True) if shift < 0 else clip(ring, -180, False)]
    moved = [(lon + shift, lat) for lon, lat in ring]
    pieces.append(clip(moved, -180, False) if shift < 0 else clip(moved, 180, True))
    return [piece for piece in pieces if len(piece) >= 3]


def polygons(geometry: dict[str, object]) -> list[list[Sequence[int]]]:
    kind, arcs = geometry.get("type"), geometry.get("arcs")
    if kind == "Polygon":
        return [arcs]  # type: ignore[list-item]
    if kind == "MultiPolygon":
        return list(arcs)  # type: ignore[call-overload]
    return []


def path_data(rings: Iterable[list[Point]], frame: Frame) -> str:
    """SVG path data: an absolute move per ring, then relative whole-unit steps."""
    parts: list[str] = []
    for ring in rings:
        placed: list[tuple[int, int]] = []
        for lon, lat in ring:
            x, y = frame.place(lon, lat)
            point = (round(x), round(y))
            if not placed or point != placed[-1]:
                placed.append(point)
        if len(placed) > 1 and placed[0] == placed[-1]:
            placed.pop()
        if len(set(placed)) < 3:
            continue
        steps = [f"M{placed[0][0]} {placed[0][1]}l"]
        for (x0, y0), (x1, y1) in zip(placed, placed[1:], strict=False):
            steps.append(_pair(x1 - x0, y1 - y0))
        parts.append("".join(steps).replace("l ", "l") + "z")
    return "".join(parts)


def _pair(dx: int, dy: int) -> str:
    # A minus sign separates numbers by itself; otherwise a space does.
    return f"{' ' if dx >= 0 else ''}{dx}{' ' if dy >= 0 else ''}{dy}"


def ring_area_centroid(ring: list[Point]) -> tuple[float, Point]:
    """Absolute area and centroid of a ring in view box units (shoelace formula)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        xs, ys = zip(*ring, strict=True)
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    return abs(area) / 2, (cx / (3 * area), cy / (3 * area))


def coded_outer_rings(
    topology: dict[str, object], arcs: list[list[Point]], iso: dict[str, str]
) -> Iterable[tuple[str, list[list[Point]]]]:
    """(alpha-2 code, outer rings of its polygons) for each coded feature, Antarctica left out."""
    for geometry in geometries(topology):
        code = feature_code(geometry, iso)
        if code is None or code in LEFT_OUT:
            continue
        rings = [piece for polygon in polygons(geometry) if polygon for piece in split_antimeridian(ring_points(polygon[0], arcs))]
        if rings:
            yield code, rings


def anchor(rings: list[list[Point]], frame: Frame) -> list[int]:
    """Where to put a marker for a country: the centroid of its largest polygon, in view box units."""
    placed = [[frame.place(lon, lat) for lon, lat in ring] for ring in rings]
    _, (x, y) = max((ring_area_centroid(ring) for ring in placed), key=lambda item: item[0])
    return [round(x), round(y)]


def numeric_to_alpha2(codes: list[list[str]]) -> dict[str, str]:
    return {row[2]: row[0] for row in codes}


def feature_code(geometry: dict[str, object], iso: dict[str, str]) -> str | None:
    ident = geometry.get("id")
    if isinstance(ident, str) and ident in iso:
        return iso[ident]
    props = geometry.get("properties")
    name = props.get("name") if isinstance(props, dict) else None
    return NO_ID.get(name) if isinstance(name, str) else None


def geometries(topology: dict[str, object]) -> list[dict[str, object]]:
    objects = topology["objects"]
    assert isinstance(objects, dict)
    found = objects["countries"]["geometries"]
    assert isinstance(found, list)
    return found


def build(atlas: bytes, countries: bytes) -> dict[str, object]:
    iso = numeric_to_alpha2(json.loads(member(countries, "codes.json")))
    frame = Frame()
    coarse = json.loads(member(atlas, "countries-110m.json"))
    arcs = decode_arcs(coarse)
    shapes: dict[str, str] = {}
    uncoded: list[str] = []
    for geometry in geometries(coarse):
        code = feature_code(geometry, iso)
        if code in LEFT_OUT:
            continue
        rings = [piece for polygon in polygons(geometry) for ring in polygon for piece in split_antimeridian(ring_points(ring, arcs))]
        d = path_data(rings, frame)
        if not d:
            continue
        if code is None:
            uncoded.append(d)
        else:
            shapes[code] = shapes.get(code, "") + d

    fine = json.loads(member(atlas, "countries-50m.json"))
    points = {code: anchor(rings, frame) for code, rings in coded_outer_rings(coarse, arcs, iso)}
    for code, rings in coded_outer_rings(fine, decode_arcs(fine), iso):
        points.setdefault(code, anchor(rings, frame))

    return {
        "format": 1,
        "name": "world-map",
        "version": f"world-atlas-{WORLD_ATLAS.version}",
        "source": (
            f"npm {WORLD_ATLAS.spec} countries-110m.json (outlines) and countries-50m.json (marker positions "
            f"of countries missing at 110m), from Natural Earth; ISO numeric -> alpha-2 from npm {COUNTRIES.spec} codes.json"
        ),
        "license": "Natural Earth: public domain; world-atlas: ISC; i18n-iso-countries: MIT",
        "projection": "Natural Earth I",
        "viewbox": [0, 0, WIDTH, frame.height],
        "countries": dict(sorted(shapes.items())),
        "points": dict(sorted(points.items())),
        "uncoded": uncoded,
    }


def refresh_own_checksum(sources: Path) -> None:
    """Rewrite the sha256 line of the entry naming OUT; other entries are left as they are."""
    name = "file: " + os.path.relpath(OUT, sources.parent)
    lines = sources.read_text(encoding="utf-8").splitlines()
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("file: "):
            inside = line == name
        elif inside and line.startswith("sha256: "):
            lines[i] = f"sha256: {sha256_of(OUT)}"
            inside = False
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the HTML report's world map from pinned npm packages.")
    parser.add_argument("--tarballs", type=Path, help="directory holding the pinned npm tarballs (default: npm pack)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        atlas = fetch(WORLD_ATLAS, args.tarballs, Path(tmp))
        countries = fetch(COUNTRIES, args.tarballs, Path(tmp))
    doc = build(atlas, countries)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    refresh_own_checksum(SOURCES)
    print(f"{OUT}: {OUT.stat().st_size} bytes, {len(doc['countries'])} outlines, {len(doc['points'])} anchor points")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
