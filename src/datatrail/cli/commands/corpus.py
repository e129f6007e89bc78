"""``datatrail corpus DIR``: the figures of a corpus scan (``scan --cluster --out DIR``) as one
offline HTML page of pictures, as JSON for machines, or as a few lines for a terminal."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors, Parser, write_output

__all__ = ["NAME", "register", "run"]

NAME = "corpus"

EPILOG = """\
DIR is the --out folder of `datatrail scan ... --cluster ... --out DIR`. Every figure the page
shows is in --format json, computed from the Parquet tables alone.

exit codes: 0 done, 2 usage error (or the [cluster] extra missing), 3 DIR holds no corpus tables

examples:
  datatrail corpus corpus/
  datatrail corpus corpus/ --format html -o corpus.html
  datatrail corpus corpus/ --format json -o figures.json
"""


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    cmd = sub.add_parser("corpus", help="the figures of a corpus scan: vendor countries, destinations, organisations, state-access law",
                         description="What a corpus scan found, app by app added up: SDK vendors' countries, destination "
                                     "countries on a map, the organisations in most apps, the apps whose data can reach a "
                                     "party under a state-access law, what SDK code from each country can read, changes "
                                     "across versions.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.add_argument("folder", type=Path, metavar="DIR", help="a corpus scan's --out folder")
    cmd.add_argument("-f", "--format", choices=("terminal", "json", "html"), default="terminal", help="output format (default: terminal)")
    cmd.add_argument("-o", "--output", type=Path, metavar="OUT", help="write here instead of standard output")


def _terminal(f: dict[str, object]) -> str:
    def top(key: str, n: int = 6) -> str:
        figure = f[key]
        assert isinstance(figure, dict)
        return ", ".join(f"{k} {100 * v['share']:.0f}%" for k, v in list(figure.items())[:n]) or "none"

    state = f["state_access"]
    assert isinstance(state, dict)
    lines = [
        f"{f['apps']} apps, {f['versions']} versions",
        f"  SDK vendors' countries (share of apps): {top('apps_by_sdk_vendor_country')}",
        f"  destination countries: {top('apps_by_destination_country')}",
        f"  organisations in most apps: {top('top_organisations', 5)}",
        f"  apps naming servers a state-access law reaches: {state['apps']} ({100 * state['share']:.0f}%)",
        f"  dangerous permissions asked for: {top('apps_by_dangerous_permission', 5)}",
        f"  what the code can read (permission asked for): {top('apps_by_data_category', 5)}",
    ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, err: Errors) -> int:
    try:
        from datatrail.cluster.corpus import CorpusError, corpus_figures
    except ImportError as exc:
        err.print(f"datatrail: error: corpus needs the [cluster] extra: pip install 'datatrail[cluster]' ({exc.name} is missing)")
        return EXIT_USAGE
    if not args.folder.is_dir():
        err.print(f"datatrail: error: {args.folder}: not a folder")
        return EXIT_INPUT
    try:
        figures = corpus_figures(args.folder)
    except CorpusError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    if args.format == "json":
        text = json.dumps(figures, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        from datatrail.report.html.corpus_page import corpus_to_html

        where = args.output.resolve().parent if args.output is not None else Path.cwd()
        base = os.path.relpath(args.folder.resolve(), where).replace(os.sep, "/") + "/"
        text = corpus_to_html(figures, "" if base == "./" else base)
    else:
        text = _terminal(figures)
    write_output(text, args.output)
    return EXIT_OK
