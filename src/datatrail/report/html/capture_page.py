"""The HTML report of a network capture: what the device was seen sending, and where.

Unlike an app scan this is observed traffic, so the page says "contacted" and "sent".
It reads what the capture report holds; the HTTP requests and personal-data hits are
optional fields of newer capture reports and are shown when present.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from datatrail.model.capture import CaptureReport, Flow, TrafficDestination
from datatrail.model.http import HttpRequest
from datatrail.model.personal_data import DataHit
from datatrail.report.html.app_tables import countries_table, flag_pill
from datatrail.report.html.flow import CAPTURE_HEADS, render_flow
from datatrail.report.html.markup import Markup, el, join, plural
from datatrail.report.html.page import page, section
from datatrail.report.html.places import VIEWER_NAMES, Reach, by_country, country_label, level_of, worst
from datatrail.report.html.table import code, details, items, table
from datatrail.report.html.verdict import describe_data, list_words
from datatrail.report.html.worldmap import map_legend, render_map, world_map
from datatrail.report.units import byte_size

__all__ = ["capture_to_html"]

_FLAG_TITLES = {
    "compelled-access": "State-access law",
    "eu-third-country": "Third country without an EU adequacy decision",
    "eu-adequacy-conditional": "EU adequacy only for some recipients",
    "uk-third-country": "Country without UK adequacy regulations",
    "uk-adequacy-conditional": "UK adequacy only for some recipients",
}
_BODY_PREVIEW = 2000


def _flags(dest: TrafficDestination) -> tuple[tuple[str, str, str], ...]:
    out = []
    for flag in dest.flags:
        flag_id, _, country = flag.partition(":")
        out.append((flag_id, country, f"{_FLAG_TITLES.get(flag_id, flag_id)} ({country})"))
    return tuple(out)


def _time(seconds: float) -> str:
    if not seconds:
        return ""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _apps_by_destination(report: CaptureReport) -> dict[str, list[str]]:
    """Destination name -> apps that opened flows to it (PCAPdroid metadata), when known."""
    out: dict[str, dict[str, None]] = {}
    for flow in report.flows:
        app = flow.app
        if not app:
            continue
        server_ip = flow.server.rsplit(":", 1)[0].strip("[]")
        for name in (flow.hostname, server_ip):
            if name:
                out.setdefault(name, {})[str(app)] = None
    return {k: list(v) for k, v in out.items()}


def _reaches(report: CaptureReport) -> tuple[Reach, ...]:
    apps = _apps_by_destination(report)
    return tuple(
        Reach(
            host=d.name,
            organisation=d.organisation,
            law_countries=(d.org_country,) if d.org_country else (),
            server_countries=tuple(d.server_countries),
            weak_countries=(),
            flags=_flags(d),
            owners=tuple(apps.get(d.name, ())),
            data=d.data_categories,
        )
        for d in report.destinations
    )


def _verdict(report: CaptureReport) -> Markup:
    dests = report.destinations
    up = sum(d.bytes_up for d in dests)
    orgs = {d.organisation for d in dests if d.organisation}
    flagged = [d for d in dests if any(f.startswith("compelled-access:") for f in d.flags)]
    if flagged:
        who = list_words(sorted({d.organisation or d.name for d in flagged}), 3)
        countries = list_words(sorted({f.partition(":")[2] for d in flagged for f in d.flags if f.startswith("compelled-access:")}))
        headline = (
            f"Sent {byte_size(sum(d.bytes_up for d in flagged))} to {who}, under the state-access law of {countries}, "
            f"out of {byte_size(up)} sent to {plural(len(dests), 'destination')} in all."
        )
    elif dests:
        headline = f"Sent {byte_size(up)} to {plural(len(dests), 'destination')} run by {plural(len(orgs), 'known organisation')}; none under a state-access law."
    else:
        headline = "The capture shows no connection to any destination."
    points = [
        f"{plural(len(report.flows), 'flow')} in {plural(report.input.frames, 'frame')} ({report.input.format}); "
        f"{sum(1 for f in report.flows if f.opaque)} could not be read in clear (encrypted or unknown)."
    ]
    third = [d for d in dests if any(f.startswith(f"{report.viewer}-third-country:") for f in d.flags)]
    if third:
        viewer = VIEWER_NAMES.get(report.viewer, report.viewer)
        points.append(
            f"{byte_size(sum(d.bytes_up for d in third))} went to {plural(len(third), 'destination')} outside {viewer} "
            f"without an adequacy decision: {list_words(sorted({d.organisation or d.name for d in third}), 4)}."
        )
    homes = sorted({d.org_country for d in dests if d.org_country})
    servers = sorted({c for d in dests for c in d.server_countries})
    if homes:
        points.append("Organisations based in " + list_words([country_label(c) for c in homes], 6) + ".")
    if servers:
        points.append("Servers located in " + list_words([country_label(c) for c in servers], 6) + ".")
    hits = report.personal_data
    if hits:
        labels = [(h.label, (h.data_category,)) for h in hits]
        points.append(f"Personal data seen in readable requests: {describe_data(labels, 6)}.")
    caveat = (
        "How to read this: it is what this capture recorded. Encrypted flows show where data went and how much, "
        "not what it was; only readable (cleartext, HAR or mitmproxy) requests show their contents."
    )
    body = join([el("p", headline, class_="headline"), el("ul", *(el("li", p) for p in points)), el("p", caveat, class_="caveat")])
    return body


def _destinations_table(report: CaptureReport) -> Markup:
    rows = []
    for d in report.destinations:
        evidence = items(
            [
                join(["addresses: ", join((code(a) for a in d.addresses), ", ")]),
                f"ports: {', '.join(str(p) for p in d.ports)}",
                f"name learnt from: {', '.join(d.hostname_sources) or 'none (address only)'}",
                f"seen {_time(d.first_seen)} – {_time(d.last_seen)}",
            ]
        )
        rows.append(
            [
                code(d.name),
                d.organisation or el("span", "unknown", class_="muted"),
                country_label(d.org_country) if d.org_country else "unknown",
                ", ".join(country_label(c) for c in d.server_countries) or el("span", "unknown", class_="muted"),
                join(flag_pill(flag_id, country, title) for flag_id, country, title in _flags(d)),
                f"{d.flows:,}",
                byte_size(d.bytes_up),
                byte_size(d.bytes_down),
                ", ".join(d.data_categories),
                details("evidence", evidence),
            ]
        )
    headers = ["Destination", "Organisation", "Home country (whose law)", "Server location", "Flags", "Flows", "Sent", "Received",
               "Personal data", "Evidence"]
    if not any(d.data_categories for d in report.destinations):
        headers.pop(8)
        rows = [row[:8] + row[9:] for row in rows]
    return table("destinations", headers, rows, numeric=(5, 6, 7))


def _flow_row(index: int, f: Flow) -> list[Markup | str | int | None]:
    return [
        str(index),
        join([code(f.client), " → ", code(f.server)]),
        f"{f.transport}/{f.protocol}" + (" (encrypted DNS)" if f.encrypted_dns else ""),
        join([code(f.hostname), f" ({f.hostname_source})"]) if f.hostname else el("span", "unnamed", class_="muted"),
        byte_size(f.bytes_up),
        byte_size(f.bytes_down),
        f.app or "",
        str(f.first_frame),
    ]


def _requests_table(requests: Sequence[HttpRequest]) -> Markup:
    rows = []
    for r in requests:
        body = r.body
        preview = body[:_BODY_PREVIEW].decode("utf-8", "replace")
        more = f"… ({r.body_size:,} bytes in all)" if len(body) > _BODY_PREVIEW or r.body_truncated else ""
        headers = items(join([code(k), ": ", code(v)]) for k, v in r.headers)
        query = r.query if len(r.query) <= 120 else r.query[:119] + "…"
        rows.append(
            [
                r.method,
                join([code(f"{r.scheme}://{r.host or '?'}{r.path}"), el("br"), code(query) if query else None]),
                r.content_type or "",
                f"{r.body_size:,}",
                f"{r.source}" + (f" frame {r.frame}" if r.frame is not None else "") + (f" entry {r.entry}" if r.entry is not None else ""),
                details("headers and body", headers, el("pre", preview + more) if preview else None),
            ]
        )
    return table("requests", ["Method", "URL", "Content type", "Body bytes", "Where", "Details"], rows, numeric=(3,))


def _hits_table(hits: Sequence[DataHit]) -> Markup:
    rows = [
        [
            h.label,
            h.data_category,
            code(h.location),
            h.encoding,
            code(h.matched),
            join([code(h.rule_id), f" ({h.kind}), flow {h.flow}"]),
        ]
        for h in hits
    ]
    return table("personal-data", ["What", "Data safety category", "Where in the request", "Encoding", "Matched", "Rule"], rows)


def capture_to_html(report: CaptureReport) -> str:
    """A capture report as one self-contained, offline HTML page."""
    reach = _reaches(report)
    uses = by_country(reach)
    name = report.input.path.rsplit("/", 1)[-1] or "capture"
    requests = report.requests
    hits = report.personal_data
    info = report.input
    header = el(
        "header",
        el("div", el("h1", name), el("p", f"{info.format}, {info.size:,} bytes, sha256 {info.sha256}"),
           el("p", f"datatrail capture report, schema {report.schema_version}"), class_="inner"),
        class_="top",
    )
    empty = el("p", "Nothing to show.", class_="empty")
    level = worst(level_of(flag_id) for r in reach for flag_id, _, _ in r.flags)
    sections = [
        section("verdict", "What the device sent, and where", _verdict(report), f"verdict lv-{level}"),
        section("map", "Where the data went", join([render_map(uses, "Countries of the organisations and servers contacted"),
                                                    map_legend(VIEWER_NAMES.get(report.viewer, report.viewer), "personal data was seen sent to these hosts"),
                                                    countries_table(uses, observed=True) if uses else None])),
        section("flow", "Who sent where", render_flow(name, reach, CAPTURE_HEADS, "App not recorded") if reach else empty),
        section("destinations", f"Destinations ({len(report.destinations)})", _destinations_table(report) if report.destinations else empty),
    ]
    if hits:
        sections.append(section("personal-data", f"Personal data in requests ({len(hits)})", _hits_table(hits)))
    if requests:
        sections.append(section("requests", f"Readable HTTP requests ({len(requests)})", _requests_table(requests)))
    sections.append(
        section(
            "flows",
            f"Flows ({len(report.flows)})",
            table("flows", ["#", "Client → server", "Protocol", "Server name", "Sent", "Received", "App", "First frame"],
                  [_flow_row(i, f) for i, f in enumerate(report.flows)], numeric=(0, 4, 5, 7))
            if report.flows else empty,
        )
    )
    diag_rows = [[d.severity.value, code(d.code), d.message, code(d.location)] for d in report.diagnostics]
    sections.append(
        section("diagnostics", f"Parser diagnostics ({len(report.diagnostics) + report.diagnostics_dropped})",
                table("diagnostics", ["Severity", "Code", "Message", "Where"], diag_rows,
                      total=len(report.diagnostics) + report.diagnostics_dropped) if diag_rows else empty)
    )
    sections.append(section("about", "About this report", el("p", f"Map: {world_map().source}.", class_="note")))
    return page(f"{name} — datatrail capture report", header, sections)
