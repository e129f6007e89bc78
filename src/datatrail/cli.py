"""Command line: ``datatrail scan FILE...``, ``datatrail lookup HOST_OR_IP...``, ``datatrail data``.

Exit codes (stable, documented in the README):
  0  analysed, nothing at or above --fail-on
  1  findings at or above --fail-on
  2  usage error
  3  at least one input could not be analysed (takes precedence over 1)
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Sequence, TextIO

from rich.console import Console

from datatrail import __version__
from datatrail.errors import DatatrailError, InputError
from datatrail.model.attribution import Attribution
from datatrail.model.report import Report, Severity
from datatrail.report.json import to_json
from datatrail.report.terminal import render_terminal
from datatrail.scan import VIEWERS, ScanOptions, scan_file

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
        description=textwrap.fill(
            "Analyse apps offline: identity, permissions, the SDKs inside and what their code can read, the hosts the "
            "package names with who runs them and whose law reaches them, manifest risks and signing certificates. "
            "Inputs are recognised by content, not by file name.",
            width=79,
        ),
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
    _add_lookup_parsers(sub)
    return parser


def _add_lookup_parsers(sub: argparse._SubParsersAction[_Parser]) -> None:
    lookup = sub.add_parser(
        "lookup",
        help="who is behind a host or IP address, where it is, and whose law reaches it (offline)",
        description="Attribute hosts and IP addresses offline: organisation, parent and home country; for addresses "
        "also the located and registered country, AS and anycast/CDN; jurisdiction flags with their legal citations. "
        "Hosts are not resolved.",
        epilog="exit codes: 0 every query attributed, 2 usage error (including a query that is neither host nor IP), "
        "3 a data file is unreadable\n\nexamples:\n  datatrail lookup weixin.qq.com 203.205.254.157\n"
        "  datatrail lookup adjust.com --viewer uk --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lookup.add_argument("queries", nargs="+", metavar="HOST_OR_IP", help="host names or IPv4/IPv6 addresses")
    lookup.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    lookup.add_argument("--viewer", choices=("eu", "uk", "us"), default="eu",
                        help="region of the person whose data it is: selects the transfer rules flagged (default: eu)")
    data = sub.add_parser(
        "data",
        help="list the offline datasets datatrail ships (version, date, license, sha256)",
        description="List every offline dataset: name, version, date, license, source and sha256.",
    )
    data.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")


def _render_attribution(a: Attribution) -> str:
    """Plain text for people: one block per query, facts first, then flags, caveats, evidence."""
    from datatrail.knowledge.geo import country_name

    def country(code: str | None) -> str:
        return f"{code} ({country_name(code) or 'unknown'})" if code else "-"

    lines = [a.query if a.query == (a.host or a.ip) else f"{a.query} -> {a.host or a.ip}"]

    def row(label: str, value: str) -> None:
        lines.append(f"  {label:<14}{value}")

    if a.address_class and a.address_class != "public":
        row("address", a.address_class)
    if a.registrable_domain:
        row("domain", a.registrable_domain)
    if a.organisation:
        via = {"domain": f"domain {a.matched_domain}", "hosting domain": f"hosting domain {a.matched_domain}",
               "AS number": f"AS{a.asn}", "anycast prefix": "anycast prefix"}.get(a.org_basis or "", a.org_basis or "")
        own = country(a.organisation_country) if a.organisation_country else "country not recorded"
        row("organisation", f"{a.organisation}, {own}  [by {via}]")
        if a.parent:
            row("parent", a.parent)
        row("home country", country(a.org_country) + (
            f"; operations in {', '.join(a.operations_countries)}" if a.operations_countries else ""))
        row("source", a.org_source or "-")
    elif a.address_class in (None, "public"):
        row("organisation", "unknown")
    if a.service:
        row("service", a.service)
    if a.kind == "ip" and a.address_class == "public":
        row("located in", country(a.server_country) + "  (DB-IP)" + ("  anycast/CDN: not pinned" if a.anycast_or_cdn else ""))
        row("registered in", country(a.registration_country) + "  (RIR)")
        row("network", f"AS{a.asn} {a.as_org}" if a.asn else "-")
    if a.cctld_country:
        row("ccTLD", f"{country(a.cctld_country)}  (weak evidence)")
    for flag in a.flags:
        row("FLAG", f"{flag.id} {flag.country}: {flag.title}  [{flag.basis}]")
        lines.extend(f"{'':18}- {c}" for c in flag.citations)
    for caveat in a.caveats:
        row("caveat", caveat)
    for fact in a.evidence:
        row("evidence", f"{fact.fact}  <{fact.dataset}>")
    return "\n".join(lines) + "\n\n"


def _lookup(args: argparse.Namespace, err: _Errors) -> int:
    from datatrail.assess.attribution import attribute, attribution_to_dict
    from datatrail.knowledge.geo import attribution_dataset_info

    results: list[Attribution] = []
    status = EXIT_OK
    try:
        for query in args.queries:
            try:
                results.append(attribute(query, args.viewer))
            except ValueError as exc:
                err.print(f"datatrail: error: {exc}")
                status = EXIT_USAGE
        datasets = attribution_dataset_info()
    except DatatrailError as exc:  # an unreadable data file
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    if args.format == "json":
        doc = {"viewer": args.viewer, "results": [attribution_to_dict(a) for a in results], "datasets": datasets}
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("".join(_render_attribution(a) for a in results))
    return status


def _data(args: argparse.Namespace, err: _Errors) -> int:
    from datatrail.knowledge.datasets import dataset_refs
    from datatrail.knowledge.geo import attribution_dataset_info

    try:
        rows: list[dict[str, str]] = [
            {"name": r.name, "version": r.version, "source": r.source, "license": r.license, "sha256": r.sha256, "date": r.date}
            for r in dataset_refs()
        ]
        names = {r["name"] for r in rows}
        rows += [d for d in attribution_dataset_info() if d["name"] not in names]
    except DatatrailError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    for row in rows:
        sys.stdout.write(
            f"{row['name']}  {row['version']}  {row['date'] or 'no date'}\n"
            f"  license  {row['license']}\n  source   {row['source']}\n  sha256   {row['sha256'] or '-'}\n\n"
        )
    return EXIT_OK


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
            report = scan_file(path, ScanOptions(viewer=args.viewer, resolve=args.resolve))
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
        if args.command == "lookup":
            return _lookup(args, err)
        if args.command == "data":
            return _data(args, err)
        return _scan(args, err)
    except KeyboardInterrupt:
        err.print("datatrail: interrupted")
        return 130
    except OSError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
