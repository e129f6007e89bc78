"""``datatrail capture FILE...``: where an app's traffic went and what personal data it carried.

Reads pcap/pcapng, HAR and mitmproxy captures; ``--known`` adds the user's own
values to search for, ``--app`` sets the capture against the app's static report.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from datatrail.cli.commands.common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_USAGE,
    VIEWER_HELP,
    Errors,
    Parser,
    report_for,
    terminal_text,
    write_output,
)
from datatrail.errors import DatatrailError
from datatrail.knowledge.viewers import DEFAULT_VIEWER, VIEWERS

if TYPE_CHECKING:
    from rich.console import Console

    from datatrail.capture.gate import CaptureGate
    from datatrail.model.capture import CaptureReport

__all__ = ["NAME", "register", "run"]

NAME = "capture"

EPILOG = """\
exit codes:
  0  every capture read (damage is reported as diagnostics)
  1  a capture shows what --fail-on names (one "datatrail: gate:" line per reason)
  2  usage error
  3  an input is not a capture or is unreadable
  5  the output cannot be written

examples:
  datatrail capture app.pcap
  datatrail capture captures/ --format json -o flows.json --viewer uk
  datatrail capture session.har --known email=me@example.org,imei=356938035643809 --app app.apk
  datatrail capture session.har --fail-on personal-data,compelled-access
"""


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    cmd = sub.add_parser(
        "capture",
        help="what left the device: flows, destinations and personal data in captures (offline)",
        description="Read captures (pcap/pcapng from PCAPdroid, tcpdump or Wireshark; HAR from browsers, Charles or "
        "mitmproxy; mitmproxy flow files): every flow with its server name (TLS SNI, QUIC Initial SNI, HTTP Host, "
        "DNS), bytes each way, the readable HTTP requests and the personal data in them, and the destinations "
        "attributed offline to an organisation and countries. Flows that can't be read are kept and marked opaque.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE",
                     help="pcap, pcapng, HAR (.har/.zhar) or mitmproxy captures, or directories to search for them")
    cmd.add_argument("-f", "--format", choices=("terminal", "json", "html", "sarif", "label"), default="terminal",
                     help="output format (default: terminal); html writes one self-contained offline page per capture "
                     "(with several captures, -o names a directory); sarif has one result per piece of personal data "
                     "(a run per capture); label is the Play/App Store-style privacy label of all the traffic together")
    cmd.add_argument("-o", "--output", type=Path, default=None, metavar="OUT", help="write the report to OUT instead of stdout")
    cmd.add_argument("--fail-on", type=_gate, default=None, metavar="KINDS",
                     help="exit 1 when a capture shows one of these (comma-separated): personal-data, "
                     "flagged-destinations, compelled-access, or NET rule IDs such as NET002")
    cmd.add_argument("--viewer", choices=VIEWERS, default=DEFAULT_VIEWER,
                     help=VIEWER_HELP)
    cmd.add_argument("--follow-symlinks", action="store_true",
                     help="in a directory, also follow symbolic links that lead out of it (default: stay inside)")
    cmd.add_argument("--known", metavar="SPEC", default=None,
                     help="your own values to look for in every encoding, e.g. email=me@example.org,imei=...,adid=...,"
                     "android_id=...,phone=+44...,lat=51.5074,lon=-0.1278")
    cmd.add_argument("--app", type=Path, metavar="FILE", default=None,
                     help="the app (APK, AAB, IPA...) or its saved JSON report: which SDK hosts were contacted, which "
                     "hosts in the code were never seen, which contacted hosts appear nowhere in the code")


def _gate(text: str) -> CaptureGate:
    from datatrail.capture.gate import parse_capture_gate

    try:
        return parse_capture_gate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _inputs(files: list[Path], follow_symlinks: bool, err: Errors) -> tuple[list[Path], bool]:
    """The captures the paths name (directories searched for them by content), and whether a directory was unreadable."""
    from datatrail.batch import discover
    from datatrail.capture import is_capture

    found = discover(files, is_capture, follow_symlinks=follow_symlinks)
    for line in found.problems + found.notes():
        err.print(line)
    if found.directories and found.skipped:
        err.print(f"datatrail: {found.skipped} file{'s' if found.skipped != 1 else ''} in the directories "
                  "given are not captures: skipped")
    return [item.path for item in found.inputs], bool(found.problems)


def run(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.capture import analyse_capture, compare_capture
    from datatrail.capture.known_values import parse_known

    files, unreadable = _inputs(args.files, args.follow_symlinks, err)
    if not files:
        err.print("datatrail: error: no capture found in " + ", ".join(map(str, args.files)))
        return EXIT_INPUT
    if args.format == "html" and len(files) > 1 and (args.output is None or args.output.exists() and not args.output.is_dir()):
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
    status = EXIT_INPUT if unreadable else EXIT_OK
    for path in files:
        try:
            report = analyse_capture(path, args.viewer, known=known)
            reports.append(compare_capture(report, app) if app is not None else report)
        except DatatrailError as exc:
            err.print(f"datatrail: cannot analyse {exc}")
            status = EXIT_INPUT
        except OSError as exc:
            err.print(f"datatrail: cannot analyse {path}: {exc.strerror or exc}")
            status = EXIT_INPUT
    if args.fail_on:
        for report in reports:
            for reason in args.fail_on.reasons(report):
                err.print(f"datatrail: gate: {report.input.path}: {reason}")
                if status == EXIT_OK:
                    status = EXIT_FINDINGS
    if args.format == "html":
        _write_pages(reports, args.output, len(files) > 1)
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
        text = _terminal(reports, args.output)
    write_output(text, args.output)
    return status


def _terminal(reports: list[CaptureReport], out: Path | None) -> str:
    from datatrail.report.capture_terminal import render_capture_terminal

    def draw(console: Console) -> None:
        for report in reports:
            render_capture_terminal(report, console)

    return terminal_text(draw, out)


def _write_pages(reports: list[CaptureReport], out: Path | None, several: bool) -> None:
    from datatrail.report.html import capture_to_html

    if out is not None and several:
        for report in reports:
            write_output(capture_to_html(report), out / f"{Path(report.input.path).name}.html")
    elif reports:
        write_output(capture_to_html(reports[0]), out)
