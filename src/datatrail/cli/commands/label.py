"""``datatrail label``: the privacy label the evidence supports, and how it differs from the declared one."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from datatrail.cli.commands.common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_USAGE,
    VIEWER_HELP,
    Errors,
    Parser,
    add_accept_partial,
    output_width,
    partial_status,
    report_for,
    write_output,
)
from datatrail.errors import DatatrailError, InputError
from datatrail.knowledge.viewers import DEFAULT_VIEWER, VIEWERS
from datatrail.model.label import MISMATCH_KINDS, LabelComparison, Mismatch, Observation

if TYPE_CHECKING:
    from datatrail.model.report import Report

__all__ = ["NAME", "register", "run"]

NAME = "label"

EPILOG = """\
Evidence comes from an app (scanned now) or a saved JSON report, from
captures of its traffic (--capture: pcap, pcapng, HAR, mitmproxy), or both.
Static evidence is what the code can read and the permissions that reach
data; traffic evidence is data seen leaving the device. Each data type lists
its reasons, strongest first.

--declared FILE compares with the label the app declares (JSON or CSV; the
format is in docs/labels.md). Mismatches: seen-not-declared, declared-not-seen,
shared-not-declared. --fail-on KINDS exits 1 when one of those kinds
(comma-separated, or "any") is found; "permission" evidence alone never trips
seen-not-declared unless --strict.

exit codes:
  0  label derived; no mismatch --fail-on names
  1  a mismatch --fail-on names
  2  usage error
  3  an input, capture or declared label could not be read
  4  the app was analysed only in part, so the label is a lower bound
     (--accept-partial makes this 0, or 1 for a mismatch)

examples:
  datatrail label app.apk
  datatrail label report.json --capture session.pcapng --format json -o label.json
  datatrail label app.apk --declared play-label.csv --fail-on seen-not-declared
"""


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    cmd = sub.add_parser(
        "label",
        help="derive Play Data safety and Apple App Privacy labels from the evidence; compare with the declared one",
        description=textwrap.fill("Derive a Google Play Data safety-style and an Apple App Privacy-style label "
                                  "(data types, and why) from an app, a saved report and/or captures of its traffic.",
                                  width=79),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("app", nargs="?", type=Path, metavar="APP", help="an app or a report saved with --format json")
    cmd.add_argument("--capture", type=Path, action="append", default=[], metavar="FILE",
                     help="a capture of the app's traffic (repeatable)")
    cmd.add_argument("--declared", type=Path, metavar="FILE", help="the label the app declares (JSON or CSV)")
    cmd.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    cmd.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")
    cmd.add_argument("--fail-on", "--fail-on-mismatch", dest="fail_on_mismatch", type=_kinds, default=(), metavar="KINDS",
                     help=f"exit 1 on these mismatch kinds: {', '.join(MISMATCH_KINDS)}, or any "
                     "(--fail-on-mismatch is the older name)")
    cmd.add_argument("--strict", action="store_true",
                     help="let data types known only from a requested permission trip --fail-on too")
    cmd.add_argument("--viewer", choices=VIEWERS, default=DEFAULT_VIEWER, help=VIEWER_HELP)
    add_accept_partial(cmd)


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    if "any" in kinds:
        return MISMATCH_KINDS
    unknown = [k for k in kinds if k not in MISMATCH_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"unknown mismatch kind {unknown[0] if unknown else text!r} "
                                         f"(choose from any, {', '.join(MISMATCH_KINDS)})")
    return kinds


def _tripped(comparison: LabelComparison, kinds: tuple[str, ...], strict: bool) -> list[Mismatch]:
    return [m for m in comparison.mismatches if m.kind in kinds and (strict or m.basis != "permission")]


def run(args: argparse.Namespace, err: Errors) -> int:
    if args.app is None and not args.capture:
        err.print("datatrail: error: give an APP (or saved report) and/or --capture FILE")
        return EXIT_USAGE
    if args.fail_on_mismatch and args.declared is None:
        err.print("datatrail: error: --fail-on needs --declared FILE")
        return EXIT_USAGE
    from datatrail.capture import analyse_capture
    from datatrail.labels.compare import compare
    from datatrail.labels.declared import read_declared
    from datatrail.labels.derive import derive, derive_from_report
    from datatrail.labels.observations import capture_observations, first_party_hosts
    from datatrail.report.label import label_json, label_text

    traffic: list[Observation] = []
    report: Report | None = None
    try:
        if args.app is not None:
            report = report_for(args.app, args.viewer)
        first_party = first_party_hosts(report) if report is not None else set()
        for path in args.capture:
            try:
                capture = analyse_capture(path, args.viewer)
            except OSError as exc:
                raise InputError(f"{path}: {exc.strerror or exc}") from exc
            traffic.extend(capture_observations(capture, capture.personal_data, first_party=first_party))
        declared = read_declared(args.declared) if args.declared is not None else None
    except DatatrailError as exc:
        err.print(f"datatrail: cannot analyse {exc}")
        return EXIT_INPUT
    if report is not None:
        label = derive_from_report(report, traffic)
    else:
        label = derive(traffic, package=declared.package if declared else None)
    comparison = compare(declared, label) if declared is not None else None
    text = label_json(label, comparison) if args.format == "json" else label_text(label, comparison, output_width(args.output))
    write_output(text, args.output)
    status = partial_status([(args.app, report)] if report is not None else [], args.accept_partial, err)
    if comparison is not None and args.fail_on_mismatch:
        tripped = _tripped(comparison, args.fail_on_mismatch, args.strict)
        for m in tripped:
            what = f"{m.category}: {m.data_type}" if m.data_type else m.category
            err.print(f"datatrail: gate: {args.app or args.declared}: {m.kind} ({m.store}): {what}")
        if tripped:
            return status or EXIT_FINDINGS
    return status
