"""Terminal view of a capture report (rich): the answer first, then where the traffic went and what it carried.

It follows the look of the app report's view: width-aware tables whose host
names and paths wrap rather than being cut, flags as sentences, and every
string from the capture shown as text (never read as markup).
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from datatrail.knowledge.geo import country_name
from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS, flag_title
from datatrail.model.capture import CaptureReport, TrafficDestination
from datatrail.report.terminal_table import TerminalTable
from datatrail.report.units import byte_size
from datatrail.report.visible import visible_tree

__all__ = ["render_capture_terminal"]

_UNITS = {"pcap": ("frame", "frames"), "pcapng": ("frame", "frames"), "har": ("entry", "entries"), "mitmproxy": ("flow", "flows")}


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"

_MAX_HITS = 8
_MAX_DIAGNOSTICS = 20


def _text(value: str, style: str = "") -> Text:
    return Text(value, style=style)


def _countries(codes: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"{country_name(c) or c} ({c})" for c in codes)


def _verdict(report: CaptureReport) -> Text:
    dests = report.destinations
    text = Text()
    if not dests:
        text.append("No destination could be read from this capture.")
        return text
    orgs = sorted({d.organisation for d in dests if d.organisation})
    located = sorted({c for d in dests for c in d.server_countries})
    text.append(f"The traffic went to {len(dests)} destination{'s' if len(dests) != 1 else ''}")
    if orgs:
        shown = ", ".join(orgs[:6]) + (f" and {len(orgs) - 6} more" if len(orgs) > 6 else "")
        text.append(f", {len(orgs)} run by known organisations ({shown})")
    text.append(".")
    if located:
        text.append(f" Servers were located in {_countries(located)}.")
    categories = sorted({c for d in dests for c in d.data_categories})
    if report.personal_data:
        reached = sum(1 for d in dests if d.data_categories)
        text.append(f" Personal data ({', '.join(categories) or 'unclassified'}) was sent to {reached} of them.", style="bold")
    else:
        text.append(" No personal data was found in the readable requests.")
    compelled = sorted({f.split(":", 1)[1] for d in dests for f in d.flags if f.startswith(COMPELLED_ACCESS + ":")})
    if compelled:
        text.append(f" Some of it reached an organisation or server under a law that lets the state compel access: "
                    f"{_countries(compelled)}.", style="bold red")
    return text


def _summary(report: CaptureReport) -> Text:
    info, flows = report.input, report.flows
    named = sum(1 for f in flows if f.hostname)
    line = (f"{_count(len(flows), 'flow', 'flows')} ({named} named, {sum(f.opaque for f in flows)} opaque, "
            f"{sum(f.encrypted_dns for f in flows)} encrypted DNS); "
            f"{_count(len(report.requests), 'readable request', 'readable requests')}; "
            f"{_count(len(report.personal_data), 'personal-data hit', 'personal-data hits')}")
    apps = sorted({f.app for f in flows if f.app})
    if apps:
        line += f"; apps: {', '.join(apps[:10])}{' …' if len(apps) > 10 else ''}"
    unit = _UNITS.get(info.format, ("record", "records"))
    return Text(f"{_count(info.frames, *unit)}, {info.format}, {info.size:,} bytes, "
                f"sha256 {info.sha256[:16]}…\n{line}")


def _destinations(dests: tuple[TrafficDestination, ...]) -> Table:
    table = TerminalTable(title="Destinations", title_justify="left", expand=False)
    table.add_column("destination", overflow="fold", ratio=3)
    table.add_column("organisation", overflow="fold", ratio=2)
    table.add_column("org", no_wrap=True)
    table.add_column("located", overflow="fold")
    table.add_column("flows", justify="right", no_wrap=True)
    table.add_column("req", justify="right", no_wrap=True)
    table.add_column("up", justify="right", no_wrap=True)
    table.add_column("down", justify="right", no_wrap=True)
    for d in dests:
        name = _text(d.name, "bold red" if d.data_categories else "")
        table.add_row(name, _text(d.organisation or "-"), _text(d.org_country or "-"),
                      _text(", ".join(d.server_countries) or "-"), str(d.flows), str(d.requests or ""),
                      byte_size(d.bytes_up), byte_size(d.bytes_down))
    return table


def _flags(report: CaptureReport) -> Table | None:
    rows = [(d.name, flag) for d in report.destinations for flag in d.flags]
    if not rows:
        return None
    table = TerminalTable(title="Whose law reaches it", title_justify="left", show_header=True, expand=False)
    table.add_column("destination", overflow="fold", ratio=1)
    table.add_column("flag", overflow="fold", ratio=2)
    for name, flag in rows:
        flag_id, _, country = flag.partition(":")
        title = flag_title(flag_id, country, report.viewer) or flag_id
        table.add_row(_text(name), _text(f"{title} ({country_name(country) or country})",
                                         "bold red" if flag_id == COMPELLED_ACCESS else "yellow"))
    return table


def _personal_data(report: CaptureReport) -> Table | None:
    if not report.personal_data:
        return None
    table = TerminalTable(title="Personal data sent", title_justify="left", expand=False)
    table.add_column("to", overflow="fold", ratio=2)
    table.add_column("what", overflow="fold")
    table.add_column("where in the request", overflow="fold", ratio=2)
    table.add_column("encoding", no_wrap=True)
    table.add_column("value", overflow="fold", ratio=2)
    per_destination: Counter[str] = Counter()
    left = 0
    for hit in report.personal_data:
        where = report.flows[hit.flow].destination if 0 <= hit.flow < len(report.flows) else "?"
        per_destination[where] += 1
        if per_destination[where] > _MAX_HITS:
            left += 1
            continue
        table.add_row(_text(where), _text(hit.label), _text(hit.location), _text(hit.encoding), _text(hit.matched))
    if left:
        table.caption = Text(f"… {left} more (see --format json)")
    return table


def _comparison(report: CaptureReport) -> Text | None:
    cmp = report.app_comparison
    if cmp is None:
        return None
    text = Text("Against the app's code\n", style="bold")
    for sdk in cmp.sdks:
        text.append(f"  SDK {sdk.name}: ")
        text.append(", ".join(sdk.contacted) if sdk.contacted else "none of its hosts contacted")
        text.append("\n")
    if cmp.hosts_not_in_code:
        text.append(f"  contacted but named nowhere in the code: {', '.join(cmp.hosts_not_in_code[:15])}"
                    f"{' …' if len(cmp.hosts_not_in_code) > 15 else ''}\n")
    if cmp.endpoints_not_contacted:
        text.append(f"  in the code, never contacted: {len(cmp.endpoints_not_contacted)} hosts, "
                    f"e.g. {', '.join(cmp.endpoints_not_contacted[:8])}\n")
    return text


def _diagnostics(report: CaptureReport) -> Text | None:
    if not report.diagnostics:
        return None
    text = Text(f"{len(report.diagnostics) + report.diagnostics_dropped} diagnostics\n", style="bold")
    for d in report.diagnostics[:_MAX_DIAGNOSTICS]:
        text.append(f"  {d.code}: {d.message}  [{d.location}]\n")
    if len(report.diagnostics) > _MAX_DIAGNOSTICS:
        text.append(f"  … {len(report.diagnostics) - _MAX_DIAGNOSTICS} more (see --format json)\n")
    return text


def render_capture_terminal(report: CaptureReport, console: Console) -> None:
    """Print the capture's view: the verdict, the counts, destinations, flags, personal data, the rest.
    Every string from the capture is shown with its controls written out (``report.visible``)."""
    report = visible_tree(report)
    console.print(Panel(_verdict(report), title=Text(report.input.path, style="bold"), title_align="left"))
    console.print(_summary(report))
    if report.destinations:
        console.print(_destinations(report.destinations))
    for part in (_flags(report), _personal_data(report), _comparison(report), _diagnostics(report)):
        if part is not None:
            console.print(part)
    console.print()
