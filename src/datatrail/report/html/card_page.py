"""The risk card drawn: a small HTML document for an ``<iframe>`` (each claim links to its
evidence) and an SVG for an ``<img>``. Both fit in a few kilobytes and load nothing but the card
stylesheet the service serves (the SVG nothing at all)."""

from __future__ import annotations

from datatrail.report.card import RiskCard
from datatrail.report.html.markup import Markup, el, join

__all__ = ["card_fragment", "card_svg", "CARD_CSS"]

CARD_CSS = """
html { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: #1d232b; }
body { margin: 0; }
.card { border: 1px solid #d5dae1; border-left: 6px solid #3b7dd8; border-radius: 6px; padding: 8px 12px; background: #fff; }
.card.lv-state-access { border-left-color: #c62828; } .card.lv-no-adequacy { border-left-color: #ef6c00; }
.card.lv-conditional { border-left-color: #f2b705; }
.card h2 { font-size: 1rem; margin: 0 0 4px; overflow-wrap: anywhere; }
.card ul { margin: 0; padding-left: 18px; } .card li { margin: 2px 0; }
.card a { color: #1f5fbf; } .card .lv-state-access::marker { color: #c62828; }
.card p { margin: 6px 0 0; color: #5f6b7a; font-size: .8rem; }
""".strip()

_COLOURS = {"state-access": "#c62828", "no-adequacy": "#ef6c00", "conditional": "#f2b705", "no-flag": "#3b7dd8"}


def _title(card: RiskCard) -> str:
    name = card.label or card.package or "This app"
    return f"{name} {card.version}" if card.version else name


def card_fragment(card: RiskCard, evidence_base: str, stylesheet: str) -> str:
    """The card as a document of its own; links open the evidence in the embedding page's window."""
    items = [el("li", el("a", c.text, href=f"{evidence_base}#{c.evidence}", target="_top"), class_=f"lv-{c.level}")
             for c in card.claims] or [el("li", "No SDK, data access or server found in the package.")]
    body = el("div", el("h2", _title(card)), el("ul", *items), el("p", card.caveat, " ",
                                                                  el("a", "Full report", href=evidence_base, target="_top")),
              class_=f"card lv-{card.level}", role="region", aria_label="datatrail risk card")
    head = join([el("meta", charset="utf-8"), el("meta", name="viewport", content="width=device-width, initial-scale=1"),
                 el("title", f"{_title(card)} — datatrail risk card"), el("link", rel="icon", href="data:,"),
                 el("link", rel="stylesheet", href=stylesheet)])
    return "<!DOCTYPE html>\n" + el("html", el("head", head), el("body", body), lang="en") + "\n"


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def card_svg(card: RiskCard, width: int = 480) -> str:
    """The card as a standalone SVG image (text only, escaped; no link can work inside an ``<img>``)."""
    chars = (width - 40) // 7
    rows: list[tuple[str, str, bool]] = [(line, "title", False) for line in _wrap(_title(card), chars)[:2]]
    for claim in card.claims:
        for i, line in enumerate(_wrap(claim.text, chars - 2)[:3]):
            rows.append((line, claim.level, i == 0))
    rows += [(line, "caveat", False) for line in _wrap(card.caveat, chars + 8)[:2]]
    y, parts = 24, []
    for text, kind, first in rows:
        if kind == "title":
            parts.append(el("text", text, x=16, y=y, font_weight="700", font_size="15"))
            y += 22
        elif kind == "caveat":
            parts.append(el("text", text, x=16, y=y + 4, font_size="11", fill="#5f6b7a"))
            y += 15
        else:
            if first:
                parts.append(el("circle", cx=22, cy=y - 4, r=3.5, fill=_COLOURS.get(kind, "#3b7dd8")))
            parts.append(el("text", text, x=32, y=y, font_size="13"))
            y += 18
    height = y + 8
    colour = _COLOURS.get(card.level, "#3b7dd8")
    svg = el(
        "svg",
        el("title", f"datatrail risk card: {_title(card)}"),
        el("rect", x=0.5, y=0.5, width=width - 1, height=height - 1, rx=6, fill="#fff", stroke="#d5dae1"),
        el("rect", x=0.5, y=0.5, width=6, height=height - 1, fill=colour),
        Markup(join(parts)),
        xmlns="http://www.w3.org/2000/svg", width=width, height=height, viewBox=f"0 0 {width} {height}",
        font_family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, DejaVu Sans, sans-serif", fill="#1d232b",
        role="img",
    )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"
