"""``datatrail capture FILE...``: where an app's traffic went and what personal data it carried.

Reads pcap/pcapng, HAR and mitmproxy captures; ``--known`` adds the user's own
values to search for, ``--app`` sets the capture against the app's static report.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors, Parser, report_for, write_output
from datatrail.errors import DatatrailError
from datatrail.knowledge.viewers import DEFAULT_VIEWER, VIEWERS
from datatrail.report.units import byte_size

if TYPE_CHECKING:
    from datatrail.model.capture import CaptureReport
    from datatrail.model.capture_compare import AppComparison
    from datatrail.model.personal_data import DataHit

__all__ = ["NAME", "register", "run", "render_terminal"]

NAME = "capture"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    cmd = sub.add_parser(
        "capture",
        help="what left the device: flows, destinations and personal data in captures (offline)",
        description="Read captures (pcap/pcapng from PCAPdroid, tcpdump or Wireshark; HAR from browsers, Charles or "
        "mitmproxy; mitmproxy flow files): every flow with its server name (TLS SNI, QUIC Initial SNI, HTTP Host, "
        "DNS), bytes each way, the readable HTTP requests and the personal data in them, and the destinations "
        "attributed offline to an organisation and countries. Flows that can't be read are kept and marked opaque.",
        epilog="exit codes: 0 every capture read (damage is reported as diagnostics), 2 usage error, "
        "3 an input is not a capture or is unreadable\n\nexamples:\n  datatrail capture app.pcap\n"
        "  datatrail capture app.pcapng --format json -o flows.json --viewer uk\n"
        "  datatrail capture session.har --known email=me@example.org,imei=356938035643809 --app app.apk",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE", help="pcap, pcapng, HAR (.har/.zhar) or mitmproxy captures")
    cmd.add_argument("-f", "--format", choices=("terminal", "json", "html", "sarif", "label"), default="terminal",
                     help="output format (default: terminal); html writes one self-contained offline page per capture "
                     "(with several captures, -o names a directory); sarif has one result per piece of personal data "
                     "(a run per capture); label is the Play/App Store-style privacy label of all the traffic together")
    cmd.add_argument("-o", "--output", type=Path, default=None, metavar="OUT", help="write the report to OUT instead of stdout")
    cmd.add_argument("--viewer", choices=VIEWERS, default=DEFAULT_VIEWER,
                     help="region of the person whose data it is: selects the transfer rules flagged (default: eu)")
    cmd.add_argument("--known", metavar="SPEC", default=None,
                     help="your own values to look for in every encoding, e.g. email=me@example.org,imei=...,adid=...,"
                     "android_id=...,phone=+44...,lat=51.5074,lon=-0.1278")
    cmd.add_argument("--app", type=Path, metavar="FILE", default=None,
                     help="the app (APK, AAB, IPA...) or its saved JSON report: which SDK hosts were contacted, which "
                     "hosts in the code were never seen, which contacted hosts appear nowhere in the code")


_UNITS = {"pcap": "frames", "pcapng": "frames", "har": "entries", "mitmproxy": "flows"}
_MAX_HITS_SHOWN = 8


def render_terminal(report: CaptureReport) -> str:
    from datatrail.capture import destination_name

    info = report.input
    flows = report.flows
    named = sum(1 for f in flows if f.hostname)
    apps = sorted({f.app for f in flows if f.app})
    lines = [
        f"{info.path}  ({info.format}, {info.frames} {_UNITS.get(info.format, 'records')}, sha256 {info.sha256[:16]}…)",
        f"  {len(flows)} flows, {named} named; {sum(f.opaque for f in flows)} opaque; "
        f"{sum(f.encrypted_dns for f in flows)} encrypted DNS; {len(report.requests)} readable requests; "
        f"{len(report.personal_data)} personal-data hits",
    ]
    if apps:
        lines.append(f"  apps: {', '.join(apps[:10])}{' …' if len(apps) > 10 else ''}")
    lines += [
        "",
        f"  {'destination':<40} {'organisation':<26} {'org':<4} {'located':<10} {'flows':>5} {'req':>4} {'up':>9} {'down':>9}",
    ]
    hits_by_flow: dict[int, list[DataHit]] = {}
    for hit in report.personal_data:
        hits_by_flow.setdefault(hit.flow, []).append(hit)
    flow_index: dict[str, list[int]] = {}
    for i, f in enumerate(flows):
        flow_index.setdefault(destination_name(f), []).append(i)
    for d in report.destinations:
        lines.append(
            f"  {d.name[:40]:<40} {(d.organisation or '-')[:26]:<26} {d.org_country or '-':<4} "
            f"{','.join(d.server_countries) or '-':<10} {d.flows:>5} {d.requests or '':>4} {byte_size(d.bytes_up):>9} "
            f"{byte_size(d.bytes_down):>9}")
        for flag in d.flags:
            lines.append(f"  {'':40} FLAG {flag}")
        if d.data_categories:
            lines.append(f"  {'':40} DATA {', '.join(d.data_categories)}")
        hits = [h for i in flow_index.get(d.name, []) for h in hits_by_flow.get(i, [])]
        for hit in hits[:_MAX_HITS_SHOWN]:
            lines.append(f"  {'':42}{hit.rule_id} {hit.label} at {hit.location} ({hit.encoding}): {hit.matched}")
        if len(hits) > _MAX_HITS_SHOWN:
            lines.append(f"  {'':42}… {len(hits) - _MAX_HITS_SHOWN} more (see --format json)")
    if report.app_comparison is not None:
        lines += _comparison_lines(report.app_comparison)
    if report.diagnostics:
        lines.append("")
        lines.append(f"  {len(report.diagnostics) + report.diagnostics_dropped} diagnostics:")
        lines.extend(f"    {d.code}: {d.message}  [{d.location}]" for d in report.diagnostics[:20])
        if len(report.diagnostics) > 20:
            lines.append(f"    … {len(report.diagnostics) - 20} more (see --format json)")
    return "\n".join(lines) + "\n\n"


def _comparison_lines(cmp: AppComparison) -> list[str]:
    lines = ["", "  against the app's code:"]
    for sdk in cmp.sdks:
        seen = ", ".join(sdk.contacted) if sdk.contacted else "none of its hosts contacted"
        lines.append(f"    SDK {sdk.name}: {seen}")
    unknown = cmp.hosts_not_in_code
    if unknown:
        lines.append(f"    contacted but named nowhere in the code: {', '.join(unknown[:15])}"
                     f"{' …' if len(unknown) > 15 else ''}")
    unseen = cmp.endpoints_not_contacted
    if unseen:
        lines.append(f"    in the code, never contacted: {len(unseen)} hosts, e.g. {', '.join(unseen[:8])}")
    return lines


def run(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.capture import analyse_capture, compare_capture
    from datatrail.capture.known_values import parse_known

    if args.format == "html" and len(args.files) > 1 and (args.output is None or not args.output.is_dir()):
        err.print("datatrail: error: --format html with several captures writes one page each: give -o DIRECTORY")
        return EXIT_USAGE
    known = None
    if args.known is not None:
        try:
            known = parse_known(args.known)
        except ValueError as exc:
            err.print(f"datatrail: error: --known: {exc}")
            return EXIT_USAGE
    app = None
    if args.app is not None:
        try:
            app = report_for(args.app, args.viewer)
        except DatatrailError as exc:
            err.print(f"datatrail: error: --app: {exc}")
            return EXIT_INPUT
    reports: list[CaptureReport] = []
    status = EXIT_OK
    for path in args.files:
        try:
            report = analyse_capture(path, args.viewer, known=known)
            reports.append(compare_capture(report, app) if app is not None else report)
        except DatatrailError as exc:
            err.print(f"datatrail: error: {exc}")
            status = EXIT_INPUT
        except OSError as exc:
            err.print(f"datatrail: error: {path}: {exc.strerror or exc}")
            status = EXIT_INPUT
    if args.format == "html":
        _write_pages(reports, args.output)
        return status
    if args.format == "sarif":
        from datatrail.report.capture_renderers import captures_sarif

        text = captures_sarif(reports)
    elif args.format == "label":
        from datatrail.report.capture_renderers import captures_label

        text = captures_label(reports, app)
    elif args.format == "json":
        from datatrail.report.capture_json import captures_json

        text = captures_json(reports, args.viewer)
    else:
        text = "".join(render_terminal(r) for r in reports)
    write_output(text, args.output)
    return status


def _write_pages(reports: list[CaptureReport], out: Path | None) -> None:
    from datatrail.report.html import capture_to_html

    if out is not None and out.is_dir():
        for report in reports:
            write_output(capture_to_html(report), out / f"{Path(report.input.path).name}.html")
    elif reports:
        write_output(capture_to_html(reports[0]), out)
