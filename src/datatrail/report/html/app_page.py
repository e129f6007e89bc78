"""The HTML report of an app: verdict, map, flow, then the evidence tables."""

from __future__ import annotations

from datatrail.model.report import Report
from datatrail.report.html.app_tables import (
    certificates_table,
    countries_table,
    data_access_table,
    destinations_table,
    diagnostics_table,
    findings_table,
    permissions_table,
    provenance,
    references_table,
    sdks_table,
)
from datatrail.report.html.flow import render_flow
from datatrail.report.html.markup import Markup, el, join, plural
from datatrail.report.html.page import Section, page, section
from datatrail.report.html.places import VIEWER_NAMES, by_country, reaches
from datatrail.report.html.table import details
from datatrail.report.html.verdict import verdict
from datatrail.report.html.worldmap import map_legend, render_map, world_map

__all__ = ["to_html", "report_sections", "report_header", "report_name"]


def _name(report: Report) -> str:
    return report.app.label or report.app.package or (report.inputs[0].path if report.inputs else "app")


def _header(report: Report) -> Markup:
    app = report.app
    facts = [app.package or "no package name"]
    if app.version_name or app.version_code is not None:
        facts.append(f"version {app.version_name} (code {app.version_code})" if app.version_name and app.version_code is not None
                     else f"version {app.version_name}" if app.version_name else f"version code {app.version_code}")
    if app.platform == "android":
        levels = [f"{label} {value}" for label, value in (("min SDK", app.min_sdk), ("target SDK", app.target_sdk)) if value is not None]
        facts.append(", ".join(["Android", *levels]))
        facts.append(f"{app.dex_count} dex, {app.class_count:,} classes")
    else:
        facts.append(app.platform)
    if report.inputs:
        facts.append(f"{report.inputs[0].kind}, {report.inputs[0].size:,} bytes")
    return el(
        "header",
        el("div", el("h1", _name(report)), el("p", " · ".join(facts)), el("p", f"datatrail report, {report.generated_at}"), class_="inner"),
        class_="top",
    )


def _empty(text: str) -> Markup:
    return el("p", text, class_="empty")


def _incomplete(report: Report) -> Markup | None:
    """Said first: the report covers what could be read, not the whole input."""
    done = report.completeness
    if done.complete:
        return None
    classes = f" Classes read: {done.classes_read or 0:,} of {done.classes_declared:,} declared." if done.classes_declared else ""
    return join([
        el("p", el("strong", "Analysed only in part. "),
           f"{plural(len(done.unread), 'part')} of the input could not be read, so every count on this page is a lower bound "
           f"and nothing it does not list is known to be absent.{classes}"),
        el("ul", *(el("li", line) for line in done.unread[:5])),
    ])


def _verdict_section(report: Report) -> Section:
    v = verdict(report)
    warning = _incomplete(report)
    body = join([
        el("div", warning, class_="incomplete", role="alert") if warning is not None else None,
        el("p", v.headline, class_="headline"), el("ul", *(el("li", p) for p in v.points)), el("p", v.caveat, class_="caveat"),
    ])
    return section("verdict", "What this app can do with your data", body, f"verdict lv-{v.level}")


def report_header(report: Report) -> Markup:
    """The page's dark band: the app's name and its facts."""
    return _header(report)


def report_sections(report: Report) -> list[Section]:
    """Every section of the report's page, verdict first (the service's app page shows them too)."""
    items = reaches(report)
    uses = by_country(items)
    viewer = VIEWER_NAMES.get(report.viewer, report.viewer)
    placed = sum(1 for r in items if r.law_countries or r.server_countries or r.weak_countries)
    map_note = el(
        "p",
        f"{plural(len(items), 'host')} named in the package; {placed:,} placed in {plural(len(uses), 'country', 'countries')}. "
        "Hover a country for its organisations, hosts and flags.",
        class_="note",
    )
    return [
        _verdict_section(report),
        section(
            "map",
            "Where data can go",
            join([render_map(uses, "Countries of the organisations and servers the app names"), map_legend(viewer), map_note,
                  countries_table(uses) if uses else None]),
        ),
        section(
            "flow",
            "Who sends where",
            render_flow(_name(report), items) if items else _empty("The package names no hosts."),
        ),
        section("sdks", f"SDKs inside ({len(report.sdks_in_code)})", sdks_table(report) if report.sdks or report.unidentified_libraries else _empty("No SDK identified.")),
        section("data-access", f"What the code can read ({len(report.data_access)})",
                data_access_table(report) if report.data_access else _empty("No privacy-relevant API use found.")),
        section("destinations", f"Destinations ({len(report.destinations)})",
                destinations_table(report) if report.destinations else _empty("No hosts named.")),
        section("references", f"Named only for people ({len(report.references)})",
                details("Hosts in messages, comments, credits and documentation links: not places the app connects to",
                        references_table(report)) if report.references
                else _empty("No host is named only in messages, comments or credits.")),
        section("permissions", f"Permissions ({len(report.permissions)})",
                permissions_table(report) if report.permissions else _empty("No permissions requested.")),
        section("findings", f"Risks found ({len(report.findings)})", findings_table(report) if report.findings else _empty("No findings.")),
        section("certificates", f"Signing certificates ({len(report.certificates)})",
                certificates_table(report) if report.certificates else _empty("No signing certificate found.")),
        section("diagnostics", f"Parser diagnostics ({len(report.diagnostics) + report.diagnostics_dropped})",
                diagnostics_table(report) if report.diagnostics or report.diagnostics_dropped else _empty("Nothing odd met while parsing.")),
        section("about", "About this report", provenance(report, world_map().source)),
    ]


def report_name(report: Report) -> str:
    """What the app is called on the page: its label, its package, or its file's name."""
    return _name(report)


def to_html(report: Report) -> str:
    """The report as one self-contained, offline HTML page."""
    return page(f"{_name(report)} — datatrail report", _header(report), report_sections(report))
