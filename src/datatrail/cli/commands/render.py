"""``datatrail render REPORT.json``: a saved report in another format, without scanning again."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors, Parser, write_output
from datatrail.report.load import ReportFormatError, load_report
from datatrail.report.renderers import DOCUMENT_FORMATS

__all__ = ["NAME", "register", "run"]

NAME = "render"

EPILOG = """\
formats:
  json       the report itself (normalised to this version's layout)
  sarif      SARIF 2.1.0: one result per finding occurrence, for code scanning
  cyclonedx  CycloneDX 1.6 JSON: the app, its SDKs (components) and the hosts
             it names (services)

exit codes:
  0  rendered
  2  usage error
  3  the report could not be read (missing, not JSON, not a datatrail report,
     or an unsupported schema_version)

examples:
  datatrail scan app.apk --format json -o report.json
  datatrail render report.json --format sarif -o app.sarif
  datatrail render report.json --format cyclonedx -o app.cdx.json
"""


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    render = sub.add_parser(
        NAME,
        help="re-render a saved JSON report (html, sarif, cyclonedx, label, json) without scanning again",
        description=textwrap.fill(
            "Read a report written by `datatrail scan --format json` and write it in another format. "
            "Nothing is analysed again, so the output says exactly what the saved report said.",
            width=79,
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    render.add_argument("report", type=Path, metavar="REPORT", help="a JSON report from datatrail scan")
    render.add_argument("-f", "--format", choices=sorted(DOCUMENT_FORMATS), required=True, help="output format")
    render.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")


def run(args: argparse.Namespace, err: Errors) -> int:
    out: Path | None = args.output
    if out is not None and out.is_dir():
        err.print(f"datatrail: error: {out} is a directory")
        return EXIT_USAGE
    try:
        report = load_report(args.report)
    except ReportFormatError as exc:
        err.print(f"datatrail: cannot read report {exc}")
        return EXIT_INPUT
    write_output(DOCUMENT_FORMATS[args.format](report), out)
    return EXIT_OK
