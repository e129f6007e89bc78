"""``datatrail data``: every offline dataset with version, date, license and sha256."""

from __future__ import annotations

import argparse
import json
import sys

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, Errors, Parser
from datatrail.errors import DatatrailError

__all__ = ["NAME", "register", "run"]

NAME = "data"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    data = sub.add_parser(
        "data",
        help="list the offline datasets datatrail ships (version, date, license, sha256)",
        description="List every offline dataset: name, version, date, license, source and sha256.",
    )
    data.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")


def run(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.knowledge.datafile import read_data_file
    from datatrail.knowledge.datasets import dataset_refs
    from datatrail.knowledge.geo import attribution_dataset_info
    from datatrail.labels.taxonomy import dataset_info as label_taxonomy_info

    try:
        rows: list[dict[str, str]] = [
            {"name": r.name, "version": r.version, "source": r.source, "license": r.license, "sha256": r.sha256, "date": r.date}
            for r in dataset_refs()
        ]
        names = {r["name"] for r in rows}
        # Datasets only some commands use: attribution of addresses, traffic field names, store labels.
        extra = [*attribution_dataset_info(), read_data_file("traffic_keys.json", "traffic keys").meta(), label_taxonomy_info()]
        rows += [d for d in extra if d["name"] not in names]
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
