"""``datatrail scan FILE...``: the static analysis of Android packages and code."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import textwrap
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from datatrail.cli.commands.common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    VIEWER_HELP,
    Errors,
    Parser,
    add_accept_partial,
    open_output,
    partial_line,
    write_output,
)
from datatrail.cli.commands.scan_cluster import add_arguments as add_cluster_arguments
from datatrail.errors import InputError
from datatrail.knowledge.rules import RULES
from datatrail.knowledge.viewers import DEFAULT_VIEWER, VIEWERS
from datatrail.model.report import Report, Severity
from datatrail.report.json import to_json
from datatrail.report.renderers import DOCUMENT_FORMATS

if TYPE_CHECKING:
    from rich.console import Console

    from datatrail.batch import BatchInput, Outcome
    from datatrail.report.overview import OverviewRow

__all__ = ["NAME", "FailOn", "register", "run", "render_text", "parse_fail_on"]

NAME = "scan"
FORMATS = ("terminal", "jsonl", *DOCUMENT_FORMATS)

EPILOG = """\
formats:
  terminal  a summary for people (default)
  json      one report object per input; with several inputs, -o must name a
            directory (one FILE.json each)
  jsonl     one compact report object per line, one line per input, in the
            order they finish
  sarif     SARIF 2.1.0: one result per finding occurrence (code scanning)
  cyclonedx CycloneDX 1.6: SDKs as components, destinations as services
  label     the Play Data safety and Apple App Privacy labels the evidence
            supports, with reasons (JSON; see datatrail label, docs/labels.md)
            (sarif, cyclonedx, label: -o DIRECTORY with several inputs, as json)

directories are searched recursively in name order; files in them that are not
Android packages or code are skipped (counted in the summary), while a file
named on the command line that is not one is an error. Several inputs are
analysed in parallel (--jobs); terminal reports still come in input order.
A one-line summary (analysed, failed, skipped, apps per minute) ends on stderr.

--fail-on takes a severity (info, low, medium, high, critical: that or worse),
rule IDs (DST001), or both, comma-separated: --fail-on high,DST002.
--baseline FILE leaves out the findings FILE lists (by fingerprint), so only
new ones are reported and can trip --fail-on; --write-baseline FILE records
every finding of this scan in FILE (see docs/ci.md).

exit codes:
  0  analysed; no finding at or above --fail-on
  1  a finding at or above --fail-on (or of a rule it names)
  2  usage error
  3  an input could not be analysed (unreadable, unsupported or corrupt)
  4  an input was analysed only in part (damaged or cut short): its report is a lower bound;
     --accept-partial makes this 0 (or 1 for a tripped gate)

examples:
  datatrail scan app.apk
  datatrail scan app.apk --format json -o report.json
  datatrail scan base.apks bundle.aab sdk.aar --format jsonl --fail-on high
  datatrail scan app.apk --format sarif -o app.sarif --baseline baseline.json --fail-on medium,DST001
  datatrail scan apps/ --format jsonl --jobs 8 -o reports.jsonl
"""



def register(sub: argparse._SubParsersAction[Parser]) -> None:
    scan = sub.add_parser(
        "scan",
        help="analyse apps and SDKs (APK, APKS/XAPK/APKM, AAB, JAR, AAR, DEX; IPA, .app, .framework, .a, Mach-O)",
        description=textwrap.fill(
            "Analyse apps offline: identity, permissions, the SDKs inside and what their code can read, the hosts the "
            "package names with who runs them and whose law reaches them, manifest risks and signing certificates. "
            "Android and iOS apps, and SDKs for either; inputs are recognised by content, not by file name.",
            width=79,
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="input files, or directories to search recursively (files in them that are not apps are skipped)",
    )
    scan.add_argument("-f", "--format", choices=FORMATS, default="terminal", help="output format (default: terminal)")
    scan.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")
    scan.add_argument(
        "--details",
        action="store_true",
        help="with several inputs in the terminal, also print each app's whole view before the overview "
        "(default: the overview table alone; one input always gets its whole view)",
    )
    scan.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="in a directory, also follow symbolic links that lead out of it (default: stay inside; "
        "never /proc, /sys or /dev)",
    )
    scan.add_argument(
        "--fail-on",
        type=_fail_on,
        default=FailOn(),
        metavar="LEVEL,RULE",
        help="exit 1 when a finding has this severity or higher, or one of these rule IDs; "
        "comma-separated, e.g. high,DST001 (default: none)",
    )
    known = scan.add_mutually_exclusive_group()
    known.add_argument("--baseline", type=Path, metavar="FILE",
                       help="leave out the findings listed in this baseline file (matched by fingerprint)")
    known.add_argument("--write-baseline", type=Path, metavar="FILE",
                       help="write every finding of this scan to FILE as a baseline")
    scan.add_argument(
        "--viewer",
        choices=VIEWERS,
        default=DEFAULT_VIEWER,
        help=VIEWER_HELP,
    )
    scan.add_argument(
        "--resolve",
        action="store_true",
        help="resolve the hosts found with the system resolver and attribute their addresses; "
        "the only option that uses the network (answers are recorded with resolver and time)",
    )
    scan.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="analyse N inputs at a time in worker processes (default: the number of CPUs; 1 = in this process)",
    )
    scan.add_argument(
        "--timeout",
        type=_positive_seconds,
        metavar="S",
        help="give up on an input after S seconds: it fails alone (exit 3) and the others go on (default: no limit)",
    )
    add_accept_partial(scan)
    scan.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: for several inputs when stderr is a terminal)",
    )
    add_cluster_arguments(scan)
    scan.add_argument(
        "--summary-json",
        type=Path,
        metavar="PATH",
        help="also write the counts, elapsed time and apps per minute to PATH as JSON",
    )


class FailOn(NamedTuple):
    """What makes a scan exit 1: a severity rank at or above ``threshold``, or a finding of one of ``rules``."""

    threshold: int | None = None
    rules: frozenset[str] = frozenset()

    def tripped(self, worst_rank: int, rule_ids: Iterable[str] = ()) -> bool:
        if self.threshold is not None and worst_rank >= self.threshold:
            return True
        return not self.rules.isdisjoint(rule_ids)

    def reasons(self, rule_ranks: Iterable[tuple[str, int]]) -> list[str]:
        """Why it tripped, one line per rule: its findings' worst severity reached the threshold, or it is named."""
        names = {s.rank: s.value for s in Severity}
        out = []
        for rule, rank in sorted(rule_ranks, key=lambda item: (-item[1], item[0])):
            if self.threshold is not None and rank >= self.threshold:
                out.append(f"{rule} ({names[rank]}) is at or above --fail-on {names[self.threshold]}")
            elif rule in self.rules:
                out.append(f"{rule} ({names[rank]}) is named by --fail-on")
        return out


def parse_fail_on(text: str) -> FailOn:
    """``"high,DST001"`` -> FailOn; raises ValueError for an unknown severity or rule ID."""
    threshold: int | None = None
    rules: set[str] = set()
    severities = {s.value: s for s in Severity}
    for word in (w.strip() for w in text.split(",")):
        if not word or word.lower() == "none":
            continue
        if word.lower() in severities:
            rank = severities[word.lower()].rank
            threshold = rank if threshold is None else min(threshold, rank)
        elif word.upper() in RULES:
            rules.add(word.upper())
        else:
            raise ValueError(f"{word!r} is neither a severity ({', '.join(severities)}) nor a rule ID ({', '.join(RULES)})")
    return FailOn(threshold, frozenset(rules))


def _fail_on(text: str) -> FailOn:
    try:
        return parse_fail_on(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def run(args: argparse.Namespace, err: Errors) -> int:
    if args.cluster is not None:
        from datatrail.cli.commands.scan_cluster import run_cluster

        return run_cluster(args, err)
    if args.out is not None or args.ship or args.database is not None:
        err.print("datatrail: error: --out, --database and --ship go with --cluster")
        return EXIT_USAGE
    # The pipeline is imported here, not at the top: registering this command
    # must stay cheap for every other command.
    from datatrail.app.corpus import AppScanner, discover_apps, scan_apps
    from datatrail.app.options import ScanOptions
    from datatrail.app.pipeline import scan_file, scan_with_baseline
    from datatrail.batch import BatchSummary, Status
    from datatrail.batch.baseline import BaselineBuilder, baseline_json, read_baseline

    started = time.perf_counter()
    files: list[Path] = args.files
    out: Path | None = args.output
    document = DOCUMENT_FORMATS.get(args.format)
    found = discover_apps(files, args.follow_symlinks)
    several = len(files) > 1 or found.directories > 0
    if document is not None and several and (out is None or (out.exists() and not out.is_dir())):
        err.print(f"datatrail: error: --format {args.format} with several inputs needs -o DIRECTORY (or use --format jsonl)")
        return EXIT_USAGE
    if out is not None and document is None and out.is_dir():
        err.print(f"datatrail: error: {out} is a directory")
        return EXIT_USAGE
    gate: FailOn = args.fail_on
    scanner: AppScanner = scan_file
    if args.baseline is not None:
        try:
            baseline = read_baseline(args.baseline)
        except InputError as exc:
            err.print(f"datatrail: error: baseline {exc}")
            return EXIT_USAGE
        scanner = partial(scan_with_baseline, fingerprints=baseline.fingerprints)
    # Inputs analysed in this process may use a second core each; worker processes never do.
    options = ScanOptions(viewer=args.viewer, resolve=args.resolve, parallel=True)
    jobs: int = args.jobs if args.jobs is not None else _usable_cpus()
    summary = BatchSummary(jobs=min(jobs, max(1, len(found.inputs))), skipped=found.skipped)
    status = EXIT_OK
    for problem in found.problems:
        err.print(problem)
        status = EXIT_INPUT
    for note in found.notes():
        err.print(note)
    if not found.inputs and found.directories:
        err.print("datatrail: error: no app package or code found in " + ", ".join(str(f) for f in files if f.is_dir()))
        return EXIT_INPUT

    sink = _Sink(args.format, out, several, args.details)
    # Terminal reports are read in order by people; machine formats go out as
    # soon as they are ready (every jsonl line and JSON file names its input).
    ordered = args.format == "terminal"
    # Workers render machine formats; terminal reports are drawn here, in order.
    render = None if args.format == "terminal" else partial(render_text, args.format)
    known = BaselineBuilder()
    progress = None
    # rich's progress machinery loads only when a bar may be shown (asked for, or a batch on a terminal).
    if args.progress or (args.progress is None and several and sys.stderr.isatty()):
        from datatrail.cli.progress import print_above, progress_bar

        progress = progress_bar(args.progress, several, args.format == "terminal" and out is None, len(found.inputs))
    say = err.print if progress is None else partial(print_above, progress)
    batch = scan_apps(found.inputs, options, jobs=jobs, render=render, ordered=ordered, scanner=scanner,
                      timeout=args.timeout)
    try:
        if progress is not None:
            progress.start()
        for outcome in batch:
            summary.count(outcome)
            if progress is not None:
                progress.advance(progress.task_ids[0])
            if outcome.status is not Status.ANALYSED:
                if outcome.status is Status.FAILED:
                    status = EXIT_INPUT
                    say(outcome.error or f"datatrail: cannot analyse {outcome.path}")
                continue
            if outcome.lookups is not None and (warning := outcome.lookups.warning(outcome.path)) is not None:
                say(warning)
            if outcome.unread:
                say(partial_line(outcome.path, outcome.unread, args.accept_partial))
                if not args.accept_partial and status in (EXIT_OK, EXIT_FINDINGS):
                    status = EXIT_PARTIAL
            if gate.tripped(outcome.worst_rank, outcome.rule_ids):
                for reason in gate.reasons(outcome.rule_ranks):
                    say(f"datatrail: gate: {outcome.path}: {reason}")
                if status == EXIT_OK:
                    status = EXIT_FINDINGS
            if args.write_baseline is not None:
                known.add_entries(outcome.baseline)
            sink.write(outcome, found.inputs[outcome.index], outcome.text)
        sink.close()
    finally:
        batch.close()  # on an interruption, stops the worker pool now rather than at garbage collection
        sink.abort()
        if progress is not None:
            progress.stop()
    summary.elapsed = time.perf_counter() - started
    if several or args.progress:
        err.print(summary.line())
    if args.summary_json is not None:
        write_output(json.dumps(summary.as_dict(), indent=2) + "\n", args.summary_json)
    if args.write_baseline is not None:
        write_output(baseline_json(known.build()), args.write_baseline)
    return status


def _usable_cpus() -> int:
    """CPUs this process may run on (a container or taskset can allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def render_text(fmt: str, report: Report) -> str:
    """A report as the text of one machine format; runs in worker processes (picklable by name)."""
    if fmt == "jsonl":
        return to_json(report, indent=None)
    return DOCUMENT_FORMATS[fmt](report)


class _Sink:
    """Where reports go, one at a time as they arrive: nothing is kept after it is written."""

    def __init__(self, fmt: str, out: Path | None, several: bool, details: bool = False) -> None:
        self.fmt = fmt
        self.out = out
        self.several = several
        # Several apps in the terminal: one overview row each (kept until the end; a row is a few strings),
        # and each app's whole view only when asked for.
        self.overview: list[OverviewRow] | None = [] if fmt == "terminal" and several else None
        self.details = details or not several
        self.document = fmt in DOCUMENT_FORMATS
        self.used: set[Path] = set()
        self.part: Path | None = None
        self.stream: TextIO | None = None
        if out is not None and not self.document:
            # One file for every report, replaced at the end: never half a report where a good one was.
            self.stream, self.part = open_output(out)
        self.console: Console | None = None
        if fmt == "terminal":
            from rich.console import Console

            self.console = Console(file=sys.stdout) if out is None else Console(file=self.stream, width=120)

    def write(self, outcome: Outcome, item: BatchInput, text: str | None) -> None:
        if self.console is not None:
            from datatrail.report.terminal import render_terminal

            assert outcome.report is not None
            if self.overview is not None:
                from datatrail.report.overview import overview_row

                self.overview.append(overview_row(outcome.report, str(item.path)))
            if self.details:
                render_terminal(outcome.report, self.console)
        elif self.document:
            assert text is not None
            write_output(text, self._target(item))
        else:
            assert text is not None
            stream = self.stream if self.stream is not None else sys.stdout
            stream.write(text)
            stream.flush()

    def _target(self, item: BatchInput) -> Path | None:
        if self.out is None or not self.several:
            return self.out
        # Found in a directory: mirror the tree below it, so equal names in
        # different folders do not overwrite each other.
        base = self.out / item.relative.parent / f"{item.relative.name}.{self.fmt}"
        target, n = base, 1
        while target in self.used:
            n += 1
            target = base.with_name(f"{item.relative.name}~{n}.{self.fmt}")
        self.used.add(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def close(self) -> None:
        if self.console is not None and self.overview:
            from datatrail.report.overview import overview_table

            self.console.print(overview_table(self.overview))
        if self.stream is not None and self.out is not None:
            self.stream.close()
            if self.part is not None:
                self.part.replace(self.out)
            self.stream = None

    def abort(self) -> None:
        """After an interruption: drop the partial file, keep whatever was there before."""
        if self.stream is not None:
            self.stream.close()
            if self.part is not None:
                self.part.unlink(missing_ok=True)
            self.stream = None
