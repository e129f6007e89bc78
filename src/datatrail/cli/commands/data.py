"""``datatrail data``: every offline dataset with version, date, license and sha256."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, Errors, Parser, write_output
from datatrail.errors import DatatrailError

__all__ = ["NAME", "register", "run"]

NAME = "data"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    data = sub.add_parser(
        "data",
        help="list the offline datasets datatrail ships (version, date, license, sha256)",
        description="List every offline dataset: name, version, date, license, source and sha256.",
        epilog="exit codes: 0 listed, 2 usage error, 3 a data file is unreadable, 5 the output cannot be written\n\n"
        "examples:\n  datatrail data\n  datatrail data --format json -o datasets.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    data.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")


def run(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.knowledge.datafile import read_data_file
    from datatrail.knowledge.datasets import dataset_refs
    from datatrail.knowledge.geo import attribution_dataset_info
    from datatrail.labels.taxonomy import dataset_info as label_taxonomy_info
    from datatrail.report.html.worldmap import world_map_dataset

    try:
        rows: list[dict[str, str]] = [
            {"name": r.name, "version": r.version, "source": r.source, "license": r.license, "sha256": r.sha256, "date": r.date}
            for r in dataset_refs()
        ]
        names = {r["name"] for r in rows}
        # Datasets only some commands use: attribution of addresses, traffic field names, store labels, the HTML map.
        extra = [*attribution_dataset_info(), read_data_file("traffic_keys.json", "traffic keys").meta(), label_taxonomy_info(),
                 world_map_dataset()]
        rows += [d for d in extra if d["name"] not in names]
    except DatatrailError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    if args.format == "json":
        write_output(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", args.output)
        return EXIT_OK
    write_output("".join(
        f"{row['name']}  {row['version']}  {row['date'] or 'no date'}\n"
        f"  license  {row['license']}\n  source   {row['source']}\n  sha256   {row['sha256'] or '-'}\n\n"
        for row in rows), args.output)
    return EXIT_OK
