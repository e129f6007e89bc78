"""``datatrail render REPORT.json``: a saved report, app or capture, in another format, without analysing again."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors, Parser, terminal_text, write_output

if TYPE_CHECKING:
    from rich.console import Console

    from datatrail.report.saved import SavedReport

__all__ = ["NAME", "register", "run"]

NAME = "render"

FORMATS = ("terminal", "json", "html", "sarif", "cyclonedx", "label")

EPILOG = """\
formats:
  terminal   the view `datatrail scan` or `datatrail capture` prints (default)
  json       the report itself (normalised to this version's layout)
  html       one offline page (a capture report of several captures: one page
             each, -o names a directory)
  sarif      SARIF 2.1.0: one result per finding (app) or per piece of personal
             data (capture), for code scanning
  cyclonedx  CycloneDX 1.6 JSON: the app, its SDKs (components) and the hosts
             it names (services); app reports only
  label      the privacy label the report implies (JSON)

exit codes:
  0  rendered
  2  usage error (including cyclonedx for a capture report)
  3  the report could not be read (missing, not JSON, not a datatrail report,
     or an unsupported schema_version)
  5  the output cannot be written

examples:
  datatrail scan app.apk --format json -o report.json
  datatrail render report.json
  datatrail render report.json --format sarif -o app.sarif
  datatrail capture session.har --format json -o traffic.json
  datatrail render traffic.json --format html -o traffic.html
"""


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    render = sub.add_parser(
        NAME,
        help="show or convert a saved JSON report, app or capture (terminal, html, sarif, cyclonedx, label, json)",
        description=textwrap.fill(
            "Read a report written by `datatrail scan --format json` or `datatrail capture --format json` and show "
            "it, or write it in another format. Nothing is analysed again, so the output says exactly what the "
            "saved report said.",
            width=79,
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    render.add_argument("report", type=Path, metavar="REPORT", help="a JSON report from datatrail scan or capture")
    render.add_argument("-f", "--format", choices=FORMATS, default="terminal", help="output format (default: terminal)")
    render.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")


def run(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.report.load import ReportFormatError
    from datatrail.report.saved import load_saved

    out: Path | None = args.output
    try:
        saved = load_saved(args.report)
    except ReportFormatError as exc:
        err.print(f"datatrail: error: cannot read report {exc}")
        return EXIT_INPUT
    several_pages = args.format == "html" and len(saved.captures) > 1
    if out is not None and out.is_dir() and not several_pages:
        err.print(f"datatrail: error: {out} is a directory — give a file name for the {args.format} output")
        return EXIT_USAGE
    if saved.app is None:
        return _capture(saved, args.format, out, err)
    if args.format == "terminal":
        from datatrail.report.terminal import render_terminal

        report = saved.app
        write_output(terminal_text(lambda console: render_terminal(report, console), out), out)
        return EXIT_OK
    from datatrail.report.renderers import DOCUMENT_FORMATS

    write_output(DOCUMENT_FORMATS[args.format](saved.app), out)
    return EXIT_OK


def _capture(saved: SavedReport, fmt: str, out: Path | None, err: Errors) -> int:
    from datatrail.report.capture_renderers import CAPTURE_FORMATS

    captures = list(saved.captures)
    if fmt == "terminal":
        from datatrail.report.capture_terminal import render_capture_terminal

        def draw(console: Console) -> None:
            for capture in captures:
                render_capture_terminal(capture, console)

        write_output(terminal_text(draw, out), out)
        return EXIT_OK
    if fmt not in CAPTURE_FORMATS:
        err.print(f"datatrail: error: --format {fmt} is for app reports — a capture report renders as "
                  f"terminal, {', '.join(CAPTURE_FORMATS)}")
        return EXIT_USAGE
    if fmt == "html" and len(captures) > 1:
        if out is None or (out.exists() and not out.is_dir()):
            err.print("datatrail: error: this report holds several captures: --format html writes one page each, "
                      "give -o DIRECTORY")
            return EXIT_USAGE
        from datatrail.report.html import capture_to_html

        for capture in captures:
            write_output(capture_to_html(capture), out / f"{Path(capture.input.path).name}.html")
        return EXIT_OK
    write_output(CAPTURE_FORMATS[fmt](captures, saved.viewer), out)
    return EXIT_OK
