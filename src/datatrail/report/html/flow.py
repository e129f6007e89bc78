"""The flow view: app -> whose code -> organisation -> country whose law reaches it, as SVG.

Four columns of boxes joined by ribbons whose width is the number of hosts. Each column
keeps its largest entries and folds the rest into one "N more" box, so the view stays
readable for an app naming hundreds of hosts. Colours are the worst jurisdiction flag
on the hosts a ribbon stands for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from datatrail.report.html.markup import Markup, el, plural
from datatrail.report.html.places import LEVELS, Reach, country_label, level_of, worst

__all__ = ["Link", "links", "render_flow", "STATIC_HEADS", "CAPTURE_HEADS"]

_KEEP = 9
"""Boxes per column before the rest is folded into one."""
_WIDTH = 1000
_BOX_W = 190
_COLUMNS = (0, 270, 540, 810)
_UNIT = 9.0
"""Pixels per host of ribbon width (shrunk when a column would grow too tall)."""
_MIN_BOX = 22.0
_GAP = 8.0
_MAX_HEIGHT = 640.0
_LABEL_CHARS = 26


@dataclass(frozen=True, slots=True)
class Link:
    """One step of the flow with the hosts it stands for."""

    column: int
    """0: app -> code, 1: code -> organisation, 2: organisation -> country."""
    source: str
    target: str
    hosts: frozenset[str]
    level: str


UNKNOWN_ORG = "Unknown organisation"
UNKNOWN_COUNTRY = "Unknown country"


def _org(reach: Reach) -> str:
    return reach.organisation or UNKNOWN_ORG


def _country(reach: Reach) -> str:
    if reach.law_countries:
        return country_label(reach.law_countries[0])
    if reach.server_countries:
        return country_label(reach.server_countries[0]) + " (servers)"
    if reach.weak_countries:
        return country_label(reach.weak_countries[0]) + " (ccTLD only)"
    return UNKNOWN_COUNTRY


def _fold(items: dict[str, set[str]], other: str) -> dict[str, str]:
    """Name -> shown name: the largest ``_KEEP`` by hosts stay, the rest become ``other``."""
    ranked = sorted(items, key=lambda k: (-len(items[k]), k))
    if len(ranked) <= _KEEP + 1:
        return {k: k for k in ranked}
    rest = len(ranked) - _KEEP
    folded = other.format(n=rest)
    return {k: (k if i < _KEEP else folded) for i, k in enumerate(ranked)}


STATIC_HEADS = ("App", "Whose code names the host", "Organisation running it", "Whose law (home country)")
CAPTURE_HEADS = ("Capture", "App that connected", "Organisation running it", "Whose law (home country)")


def links(app: str, items: Sequence[Reach], unowned: str = "Files in the package") -> tuple[Link, ...]:
    """The ribbons of the flow, columns folded to at most ``_KEEP + 1`` boxes.

    ``unowned`` names the second-column box for hosts no code owner (or app) is known for.
    """
    steps: list[tuple[str, str, str, str, str]] = []
    for reach in items:
        level = worst(level_of(flag_id) for flag_id, _, _ in reach.flags)
        for owner in reach.owners or (unowned,):
            steps.append((owner, _org(reach), _country(reach), reach.host, level))
    by_owner: dict[str, set[str]] = {}
    by_org: dict[str, set[str]] = {}
    by_country: dict[str, set[str]] = {}
    for owner, org, country, host, _ in steps:
        by_owner.setdefault(owner, set()).add(host)
        by_org.setdefault(org, set()).add(host)
        by_country.setdefault(country, set()).add(host)
    owners = _fold(by_owner, "{n} more code owners")
    orgs = _fold(by_org, "{n} more organisations")
    countries = _fold(by_country, "{n} more countries")
    acc: dict[tuple[int, str, str], tuple[set[str], list[str]]] = {}
    for owner, org, country, host, level in steps:
        for key in ((0, app, owners[owner]), (1, owners[owner], orgs[org]), (2, orgs[org], countries[country])):
            hosts, levels = acc.setdefault(key, (set(), []))
            hosts.add(host)
            levels.append(level)
    return tuple(
        Link(column, source, target, frozenset(hosts), worst(levels))
        for (column, source, target), (hosts, levels) in acc.items()
    )


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


@dataclass
class _Box:
    column: int
    name: str
    hosts: set[str]
    level: str
    y: float = 0.0
    height: float = 0.0
    out_at: float = 0.0
    in_at: float = 0.0


def render_flow(
    app: str, items: Sequence[Reach], heads: Sequence[str] = STATIC_HEADS, unowned: str = "Files in the package"
) -> Markup:
    """SVG of the flow; every box and ribbon has a ``<title>`` naming its hosts."""
    steps = links(app, items, unowned)
    boxes: dict[tuple[int, str], _Box] = {}
    for link in steps:
        for column, name in ((link.column, link.source), (link.column + 1, link.target)):
            box = boxes.setdefault((column, name), _Box(column, name, set(), "no-flag"))
            box.hosts |= link.hosts
            box.level = worst((box.level, link.level))
    columns: list[list[_Box]] = [[] for _ in _COLUMNS]
    for box in boxes.values():
        columns[box.column].append(box)
    for stack in columns:
        stack.sort(key=lambda b: (LEVELS.index(b.level), -len(b.hosts), b.name))
    tallest = max((sum(len(b.hosts) for b in col), len(col)) for col in columns) if steps else (0, 0)
    unit = min(_UNIT, max(0.02, (_MAX_HEIGHT - tallest[1] * (_MIN_BOX + _GAP)) / max(1, tallest[0])))
    height = 0.0
    for stack in columns:
        y = 0.0
        for box in stack:
            box.y, box.height = y, max(_MIN_BOX, len(box.hosts) * unit)
            box.out_at = box.in_at = box.y
            y += box.height + _GAP
        height = max(height, y)
    out_total: dict[tuple[int, str], int] = {}
    in_total: dict[tuple[int, str], int] = {}
    for link in steps:
        out_total[(link.column, link.source)] = out_total.get((link.column, link.source), 0) + len(link.hosts)
        in_total[(link.column + 1, link.target)] = in_total.get((link.column + 1, link.target), 0) + len(link.hosts)
    ribbons: list[Markup] = []
    ordered = sorted(steps, key=lambda k: (k.column, boxes[(k.column, k.source)].y, boxes[(k.column + 1, k.target)].y))
    for link in ordered:
        src, dst = boxes[(link.column, link.source)], boxes[(link.column + 1, link.target)]
        # A host named by two owners is in two ribbons: each end shares its box's height out in proportion.
        w0 = src.height * len(link.hosts) / out_total[(link.column, link.source)]
        w1 = dst.height * len(link.hosts) / in_total[(link.column + 1, link.target)]
        x0, x1 = _COLUMNS[link.column] + _BOX_W, _COLUMNS[link.column + 1]
        a0, a1 = src.out_at, dst.in_at
        src.out_at += w0
        dst.in_at += w1
        mid = (x0 + x1) / 2
        hosts = sorted(link.hosts)
        tip = f"{link.source} → {link.target}: {plural(len(hosts), 'host')} ({', '.join(hosts[:5])}{' …' if len(hosts) > 5 else ''})"
        d = (
            f"M{x0} {a0:.1f}C{mid} {a0:.1f} {mid} {a1:.1f} {x1} {a1:.1f}"
            f"V{a1 + w1:.1f}C{mid} {a1 + w1:.1f} {mid} {a0 + w0:.1f} {x0} {a0 + w0:.1f}Z"
        )
        ribbons.append(el("path", el("title", tip), d=d, class_=f"ribbon lv-{link.level}"))
    reads: dict[str, set[str]] = {}
    for reach in items:
        for owner in reach.owners:
            reads.setdefault(owner, set()).update(reach.data)
    nodes: list[Markup] = []
    for box in boxes.values():
        x = _COLUMNS[box.column]
        hosts = sorted(box.hosts)
        tip = f"{box.name}: {plural(len(hosts), 'host')} ({', '.join(hosts[:8])}{' …' if len(hosts) > 8 else ''})"
        data = sorted(reads.get(box.name, ())) if box.column == 1 else []
        if data:
            tip += f"; data: {', '.join(data[:8])}{' …' if len(data) > 8 else ''}"
        nodes.append(
            el(
                "g",
                el("title", tip),
                el("rect", x=x, y=f"{box.y:.1f}", width=_BOX_W, height=f"{box.height:.1f}", rx=3, class_="node unknown" if box.name in (UNKNOWN_ORG, UNKNOWN_COUNTRY) else f"node lv-{box.level}"),
                el("text", _short(box.name), x=x + 6, y=f"{box.y + 15:.1f}", class_="node-label"),
                class_="flow-node",
                data_column=box.column,
            )
        )
    heads = [
        el("text", head, x=x, y=12, class_="flow-head")
        for x, head in zip(_COLUMNS, heads, strict=True)
    ]
    return el(
        "svg",
        el("title", "Flow of data: app, code, organisation, country"),
        el("g", *heads),
        el("g", *ribbons, *nodes, transform="translate(0 22)"),
        viewBox=f"0 0 {_WIDTH} {height + 26:.0f}",
        class_="flow",
        role="img",
        aria_label="Flow of data from the app through the code that names each host to the organisation and country",
    )
