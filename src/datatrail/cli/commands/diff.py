"""``datatrail diff OLD NEW``: what changed between two versions of an app (apps or saved reports)."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from datatrail.changes.gate import FAIL_KINDS, parse_kinds
from datatrail.cli.commands.common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    VIEWER_HELP,
    Errors,
    Parser,
    add_accept_partial,
    partial_status,
    report_for,
    terminal_text,
    write_output,
)
from datatrail.errors import InputError
from datatrail.knowledge.viewers import DEFAULT_VIEWER, VIEWERS

if TYPE_CHECKING:
    from rich.console import Console

    from datatrail.model.report import Report

__all__ = ["NAME", "register", "run", "report_for"]

NAME = "diff"

EPILOG = f"""\
OLD and NEW are each an app (APK, APKS/XAPK/APKM, AAB, JAR, AAR, DEX: scanned
now) or a report saved with `datatrail scan --format json`, told apart by
content. Sections: SDKs, permissions, destinations (hosts), countries of the
organisations behind them and (with --resolve reports) of their servers, data
categories and data items within reach, findings. Findings are matched by
fingerprint when both are the same package, else by rule and message.

--fail-on KINDS (comma-separated) exits 1 when NEW adds any of:
{textwrap.fill(", ".join(FAIL_KINDS) + ", or any", width=77, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False)}
  (dangerous-permissions, flagged-destinations and flagged-countries are the
  additions marked "!": dangerous permissions, hosts or countries under a
  state-access law; high-findings are high or critical ones)

exit codes:
  0  compared; nothing --fail-on forbids was added
  1  NEW adds something --fail-on forbids
  2  usage error
  3  OLD or NEW could not be analysed or read
  4  OLD or NEW was analysed only in part, so what it lacks may be unread
     (--accept-partial makes this 0, or 1 for a tripped --fail-on)

examples:
  datatrail diff app-1.2.apk app-1.3.apk
  datatrail diff old-report.json app-1.3.apk --format json -o changes.json
  datatrail diff main.json pr.json --fail-on sdks,flagged-destinations,dangerous-permissions
"""


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    cmd = sub.add_parser(
        "diff",
        help="what changed between two versions of an app: SDKs, permissions, hosts, countries, data, findings",
        description=textwrap.fill("Compare two versions of an app (apps or saved JSON reports): what the update "
                                  "added and removed.", width=79),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("old", type=Path, metavar="OLD", help="the earlier app or report.json")
    cmd.add_argument("new", type=Path, metavar="NEW", help="the later app or report.json")
    cmd.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    cmd.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")
    cmd.add_argument("--fail-on", "--fail-on-new", dest="fail_on_new", type=_kinds, metavar="KINDS", default=(),
                     help="exit 1 when NEW adds any of these kinds (see below; --fail-on-new is the older name)")
    cmd.add_argument("--viewer", choices=VIEWERS, default=DEFAULT_VIEWER,
                     help=VIEWER_HELP)
    add_accept_partial(cmd)


def _kinds(text: str) -> tuple[str, ...]:
    try:
        return parse_kinds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.changes.diff import diff_reports
    from datatrail.changes.gate import new_items
    from datatrail.changes.render import diff_json

    reports: list[Report] = []
    for path in (args.old, args.new):
        try:
            reports.append(report_for(path, args.viewer))
        except InputError as exc:
            err.print(f"datatrail: cannot analyse {exc}")
    if len(reports) != 2:
        return EXIT_INPUT
    old, new = reports
    diff = diff_reports(old, new)
    if args.format == "json":
        write_output(diff_json(diff), args.output)
    else:
        from datatrail.report.diff_terminal import render_diff_terminal

        def draw(console: Console) -> None:
            render_diff_terminal(diff, old, new, console)

        write_output(terminal_text(draw, args.output), args.output)
    status = partial_status(zip((args.old, args.new), reports), args.accept_partial, err)
    forbidden = new_items(diff, args.fail_on_new)
    if forbidden:
        for section, item in forbidden:
            err.print(f"datatrail: gate: {args.new}: new in {section}: {item.detail if section == 'findings' else item.key}")
        return status or EXIT_FINDINGS
    return status
