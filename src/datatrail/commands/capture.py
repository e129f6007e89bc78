"""``datatrail capture FILE...``: where an app's traffic went, read from pcap/pcapng captures."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from datatrail.commands.common import EXIT_INPUT, EXIT_OK, Errors, Parser, write_output
from datatrail.errors import DatatrailError
from datatrail.model.capture import CAPTURE_SCHEMA_VERSION, CaptureReport

__all__ = ["NAME", "register", "run", "report_to_dict", "render_terminal"]

NAME = "capture"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    cmd = sub.add_parser(
        "capture",
        help="what left the device: flows and destinations in pcap/pcapng captures (offline)",
        description="Read pcap/pcapng captures (e.g. from PCAPdroid or tcpdump): every TCP/UDP flow with its server "
        "name (TLS SNI, QUIC Initial SNI, HTTP Host, DNS), bytes each way, and the destinations attributed offline "
        "to an organisation and countries. Flows that can't be read are kept and marked opaque.",
        epilog="exit codes: 0 every capture read (damage is reported as diagnostics), 2 usage error, "
        "3 an input is not a capture or is unreadable\n\nexamples:\n  datatrail capture app.pcap\n"
        "  datatrail capture app.pcapng --format json -o flows.json --viewer uk",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE", help="pcap or pcapng captures")
    cmd.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    cmd.add_argument("-o", "--output", type=Path, default=None, metavar="OUT", help="write the report to OUT instead of stdout")
    cmd.add_argument("--viewer", choices=("eu", "uk", "us"), default="eu",
                     help="region of the person whose data it is: selects the transfer rules flagged (default: eu)")


def report_to_dict(report: CaptureReport) -> dict[str, Any]:
    doc = dataclasses.asdict(report)
    doc["diagnostics"] = [{**d, "severity": d["severity"].value} for d in doc["diagnostics"]]
    return doc


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def render_terminal(report: CaptureReport) -> str:
    info = report.input
    flows = report.flows
    named = sum(1 for f in flows if f.hostname)
    lines = [
        f"{info.path}  ({info.format}, {info.frames} frames, sha256 {info.sha256[:16]}…)",
        f"  {len(flows)} flows, {named} named; {sum(f.opaque for f in flows)} opaque; "
        f"{sum(f.encrypted_dns for f in flows)} encrypted DNS",
        "",
        f"  {'destination':<40} {'organisation':<26} {'org':<4} {'located':<10} {'flows':>5} {'up':>9} {'down':>9}",
    ]
    for d in report.destinations:
        lines.append(
            f"  {d.name[:40]:<40} {(d.organisation or '-')[:26]:<26} {d.org_country or '-':<4} "
            f"{','.join(d.server_countries) or '-':<10} {d.flows:>5} {_size(d.bytes_up):>9} {_size(d.bytes_down):>9}")
        for flag in d.flags:
            lines.append(f"  {'':40} FLAG {flag}")
    if report.diagnostics:
        lines.append("")
        lines.append(f"  {len(report.diagnostics) + report.diagnostics_dropped} diagnostics:")
        lines.extend(f"    {d.code}: {d.message}  [{d.location}]" for d in report.diagnostics[:20])
        if len(report.diagnostics) > 20:
            lines.append(f"    … {len(report.diagnostics) - 20} more (see --format json)")
    return "\n".join(lines) + "\n\n"


def run(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.capture import analyse_capture

    reports: list[CaptureReport] = []
    status = EXIT_OK
    for path in args.files:
        try:
            reports.append(analyse_capture(path, args.viewer))
        except DatatrailError as exc:
            err.print(f"datatrail: error: {exc}")
            status = EXIT_INPUT
        except OSError as exc:
            err.print(f"datatrail: error: {path}: {exc.strerror or exc}")
            status = EXIT_INPUT
    if args.format == "json":
        doc = {"schema_version": CAPTURE_SCHEMA_VERSION, "viewer": args.viewer,
               "captures": [report_to_dict(r) for r in reports]}
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        text = "".join(render_terminal(r) for r in reports)
    write_output(text, args.output)
    return status
