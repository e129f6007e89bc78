"""``datatrail scan FILE...``: the static analysis of Android packages and code."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from rich.console import Console

from datatrail.commands.common import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors, Parser, write_output
from datatrail.errors import InputError
from datatrail.model.report import Report, Severity
from datatrail.report.json import to_json
from datatrail.report.renderers import DOCUMENT_FORMATS
from datatrail.report.terminal import render_terminal
from datatrail.scan import VIEWERS, ScanOptions, scan_file

__all__ = ["NAME", "register", "run"]

NAME = "scan"
FORMATS = ("terminal", "jsonl", *DOCUMENT_FORMATS)

EPILOG = """\
formats:
  terminal  a summary for people (default)
  json      one report object per input; with several inputs, -o must name a
            directory (one FILE.json each)
  jsonl     one compact report object per line, one line per input

exit codes:
  0  analysed; no finding at or above --fail-on
  1  a finding at or above --fail-on
  2  usage error
  3  an input could not be analysed (unreadable, unsupported or corrupt)

examples:
  datatrail scan app.apk
  datatrail scan app.apk --format json -o report.json
  datatrail scan base.apks bundle.aab sdk.aar --format jsonl --fail-on high
"""



def register(sub: argparse._SubParsersAction[Parser]) -> None:
    scan = sub.add_parser(
        "scan",
        help="analyse Android packages and code (APK, APKS/XAPK/APKM, AAB, JAR, AAR, DEX)",
        description=textwrap.fill(
            "Analyse apps offline: identity, permissions, the SDKs inside and what their code can read, the hosts the "
            "package names with who runs them and whose law reaches them, manifest risks and signing certificates. "
            "Inputs are recognised by content, not by file name.",
            width=79,
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument("files", nargs="+", type=Path, metavar="FILE", help="input files")
    scan.add_argument("-f", "--format", choices=FORMATS, default="terminal", help="output format (default: terminal)")
    scan.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")
    scan.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity] + ["none"],
        default="none",
        help="exit 1 when a finding has this severity or higher (default: none)",
    )
    scan.add_argument(
        "--viewer",
        choices=VIEWERS,
        default="eu",
        help="region of the people whose data it is: selects which transfer rules are flagged (default: eu)",
    )
    scan.add_argument(
        "--resolve",
        action="store_true",
        help="resolve the hosts found with the system resolver and attribute their addresses; "
        "the only option that uses the network (answers are recorded with resolver and time)",
    )


def run(args: argparse.Namespace, err: Errors) -> int:
    files: list[Path] = args.files
    out: Path | None = args.output
    document = DOCUMENT_FORMATS.get(args.format)
    if document is not None and len(files) > 1 and (out is None or not out.is_dir()):
        err.print(f"datatrail: error: --format {args.format} with several inputs needs -o DIRECTORY (or use --format jsonl)")
        return EXIT_USAGE
    if out is not None and document is None and out.is_dir():
        err.print(f"datatrail: error: {out} is a directory")
        return EXIT_USAGE
    threshold = None if args.fail_on == "none" else Severity(args.fail_on).rank
    options = ScanOptions(viewer=args.viewer, resolve=args.resolve)
    status = EXIT_OK
    lines: list[str] = []
    console = Console(file=sys.stdout if out is None else None, record=out is not None, width=None if out is None else 120)
    for path in files:
        report = _scan_one(path, options, err)
        if report is None:
            status = EXIT_INPUT
            continue
        if threshold is not None and status == EXIT_OK and any(f.severity.rank >= threshold for f in report.findings):
            status = EXIT_FINDINGS
        if document is not None:
            target = out / f"{Path(path).name}.{args.format}" if out is not None and len(files) > 1 else out
            write_output(document(report), target)
        elif args.format == "jsonl":
            lines.append(to_json(report, indent=None))
        elif out is None:
            render_terminal(report, console)
        else:
            with console.capture():
                render_terminal(report, console)
    if args.format == "jsonl":
        write_output("".join(lines), out)
    elif args.format == "terminal" and out is not None:
        write_output(console.export_text(), out)
    return status


def _scan_one(path: Path, options: ScanOptions, err: Errors) -> Report | None:
    try:
        return scan_file(path, options)
    except InputError as exc:
        err.print(f"datatrail: cannot analyse {exc}")
    except Exception as exc:  # a bug of ours must not hide the other inputs' results
        err.print(f"datatrail: internal error on {path}: {type(exc).__name__}: {exc} (please report this)")
    return None
