"""Command line: ``datatrail scan FILE...``.

Exit codes (stable, documented in the README):
  0  analysed, nothing at or above --fail-on
  1  findings at or above --fail-on
  2  usage error
  3  at least one input could not be analysed (takes precedence over 1)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence, TextIO

from rich.console import Console

from datatrail import __version__
from datatrail.errors import InputError
from datatrail.model.report import Report, Severity
from datatrail.report.json import to_json
from datatrail.report.terminal import render_terminal
from datatrail.scan import ScanOptions, scan_file

__all__ = ["main", "EXIT_OK", "EXIT_FINDINGS", "EXIT_USAGE", "EXIT_INPUT"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3
FORMATS = ("terminal", "json", "jsonl")

_EPILOG = """\
formats:
  terminal  a summary for people (default)
  json      one report object per input; with several inputs, -o must name a directory
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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"datatrail: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="datatrail", description="What a mobile app can collect, whose code is inside it, and where its data goes.")
    parser.add_argument("--version", action="version", version=f"datatrail {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    scan = sub.add_parser(
        "scan",
        help="analyse Android packages and code (APK, APKS/XAPK/APKM, AAB, JAR, AAR, DEX)",
        description="Analyse apps offline: identity, permissions and the data they reach, manifest risks, signing certificates. "
        "Inputs are recognised by content, not by file name.",
        epilog=_EPILOG,
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
    return parser


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)  # never leave a half-written report where a good one was


class _Errors:
    """One plain line per problem on stderr: people read it, scripts grep it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def print(self, message: str) -> None:
        self.stream.write(message.replace("\n", " ") + "\n")
        self.stream.flush()


def _scan(args: argparse.Namespace, err: _Errors) -> int:
    files: list[Path] = args.files
    out: Path | None = args.output
    if args.format == "json" and len(files) > 1 and (out is None or not out.is_dir()):
        err.print("datatrail: error: --format json with several inputs needs -o DIRECTORY (or use --format jsonl)")
        return EXIT_USAGE
    if out is not None and args.format != "json" and out.is_dir():
        err.print(f"datatrail: error: {out} is a directory")
        return EXIT_USAGE
    threshold = None if args.fail_on == "none" else Severity(args.fail_on).rank
    status = EXIT_OK
    reports: list[Report] = []
    lines: list[str] = []
    console = Console(file=sys.stdout if out is None else None, record=out is not None, width=None if out is None else 120)
    for path in files:
        try:
            report = scan_file(path, ScanOptions())
        except InputError as exc:
            err.print(f"datatrail: cannot analyse {exc}")
            status = EXIT_INPUT
            continue
        except Exception as exc:  # a bug of ours must not hide the other inputs' results
            err.print(f"datatrail: internal error on {path}: {type(exc).__name__}: {exc} (please report this)")
            status = EXIT_INPUT
            continue
        reports.append(report)
        if threshold is not None and status == EXIT_OK and any(f.severity.rank >= threshold for f in report.findings):
            status = EXIT_FINDINGS
        if args.format == "terminal":
            if out is None:
                render_terminal(report, console)
            else:
                with console.capture():
                    render_terminal(report, console)
        elif args.format == "jsonl":
            lines.append(to_json(report, indent=None))
        elif out is not None and len(files) > 1:
            _write(to_json(report), out / (Path(path).name + ".json"))
        else:
            _write(to_json(report), out)
    if args.format == "jsonl":
        _write("".join(lines), out)
    elif args.format == "terminal" and out is not None:
        _write(console.export_text(), out)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    err = _Errors(sys.stderr)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return _scan(args, err)
    except KeyboardInterrupt:
        err.print("datatrail: interrupted")
        return 130
    except OSError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
