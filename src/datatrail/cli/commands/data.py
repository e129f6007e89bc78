"""``datatrail data``: every offline dataset with version, date, license and sha256; ``data add`` and
``data remove`` for the optional data packs a user installs (``knowledge.packs``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datatrail.cli.commands.common import EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors, Parser, write_output
from datatrail.errors import DatatrailError

if TYPE_CHECKING:
    from datatrail.knowledge.packs import PackInfo

__all__ = ["NAME", "register", "run"]

NAME = "data"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    data = sub.add_parser(
        "data",
        help="list the offline datasets (version, date, license, sha256); add or remove optional data packs",
        description="List every offline dataset: name, version, date, license, source and sha256, then the data packs "
        "installed. A data pack is a third-party dataset you obtained yourself (today: Ghostery's TrackerDB, "
        "dist/trackerdb.json of the npm package @ghostery/trackerdb, CC BY-NC-SA 4.0): 'add' shows its licence, checks "
        "it and installs a copy into your data directory ($DATATRAIL_DATA_DIR, else $XDG_DATA_HOME/datatrail, else "
        "~/.local/share/datatrail); from then on lookups and scans use it where datatrail's own table knows no owner, "
        "and every report lists it with its licence.",
        epilog="exit codes: 0 done, 2 usage error (or a licence not accepted), 3 a data file or pack is unreadable, "
        "5 the output cannot be written\n\n"
        "examples:\n  datatrail data\n  datatrail data --format json -o datasets.json\n"
        "  datatrail data add node_modules/@ghostery/trackerdb/dist/trackerdb.json\n"
        "  datatrail data add trackerdb.json --yes   # accept its licence without asking\n"
        "  datatrail data remove ghostery-trackerdb",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data.add_argument("action", nargs="?", choices=("list", "add", "remove"), default="list",
                      help="list (default), add FILE, or remove NAME")
    data.add_argument("target", nargs="?", metavar="FILE|NAME", help="add: the dataset file; remove: the pack's name")
    data.add_argument("--name", help="add: the name to install the pack under (default: the format's, ghostery-trackerdb)")
    data.add_argument("--yes", action="store_true", help="add: accept the pack's licence without asking")
    data.add_argument("-f", "--format", choices=("terminal", "json"), default="terminal", help="output format (default: terminal)")
    data.add_argument("-o", "--output", type=Path, metavar="OUT", help="write output here instead of standard output")


def run(args: argparse.Namespace, err: Errors) -> int:
    if args.action == "add":
        return _add(args, err)
    if args.action == "remove":
        return _remove(args, err)
    if args.target is not None:
        err.print("datatrail: error: 'data list' takes no argument; did you mean 'data add FILE'?")
        return EXIT_USAGE
    return _list(args, err)


def _add(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.knowledge import packs

    if args.target is None:
        err.print("datatrail: error: data add needs the dataset file: datatrail data add trackerdb.json")
        return EXIT_USAGE
    path = Path(args.target)
    try:
        pack = packs.read_pack_file(path)
    except DatatrailError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    licence = packs.licence_of(pack.format)
    sys.stderr.write(f"{path} is {pack.format}, licensed {licence}.\n"
                     "It is installed for you alone and never shipped; reports that use it will say so.\n")
    if not args.yes:
        if not sys.stdin.isatty():
            err.print("datatrail: error: the licence must be accepted: run it in a terminal to be asked, or add --yes")
            return EXIT_USAGE
        sys.stderr.write("Install it? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            err.print("datatrail: not installed")
            return EXIT_USAGE
    try:
        info = packs.install(pack, args.name)
    except DatatrailError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    write_output(f"installed {info.name}: {info.organisations} organisations, {info.domains} domains, in {info.path}\n"
                 if args.format == "terminal" else json.dumps(_pack_row(info), indent=2) + "\n", args.output)
    return EXIT_OK


def _remove(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.knowledge import packs

    if args.target is None:
        err.print("datatrail: error: data remove needs the pack's name (see: datatrail data)")
        return EXIT_USAGE
    try:
        removed = packs.remove(args.target)
    except DatatrailError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    if not removed:
        names = ", ".join(p.name for p in packs.installed_packs()) or "none is installed"
        err.print(f"datatrail: error: no data pack named {args.target!r} ({names})")
        return EXIT_USAGE
    write_output(f"removed {args.target}\n" if args.format == "terminal" else json.dumps({"removed": args.target}) + "\n",
                 args.output)
    return EXIT_OK


def _pack_row(info: PackInfo) -> dict[str, Any]:
    return {"name": info.name, "version": info.installed, "source": info.source, "license": info.license,
            "sha256": info.sha256, "date": info.installed, "pack": True, "format": info.format,
            "organisations": info.organisations, "domains": info.domains, "path": str(info.path)}


def _list(args: argparse.Namespace, err: Errors) -> int:
    from datatrail.knowledge import packs
    from datatrail.knowledge.datafile import read_data_file
    from datatrail.knowledge.datasets import dataset_refs
    from datatrail.knowledge.geo import attribution_dataset_info
    from datatrail.knowledge.orgs import table_size
    from datatrail.labels.taxonomy import dataset_info as label_taxonomy_info
    from datatrail.report.html.worldmap import world_map_dataset

    try:
        installed = packs.installed_packs()
        pack_names = {p.name for p in installed}
        rows: list[dict[str, Any]] = [
            {"name": r.name, "version": r.version, "source": r.source, "license": r.license, "sha256": r.sha256, "date": r.date}
            for r in dataset_refs() if r.name not in pack_names
        ]
        names = {r["name"] for r in rows}
        # Datasets only some commands use: attribution of addresses, traffic field names, store labels, the HTML map.
        extra = [*attribution_dataset_info(), read_data_file("traffic_keys.json", "traffic keys").meta(), label_taxonomy_info(),
                 world_map_dataset()]
        rows += [d for d in extra if d["name"] not in names]
        rows += [_pack_row(p) for p in installed]
        for row in rows:
            if row["name"] == "datatrail-orgs":
                row["size"] = table_size()
    except DatatrailError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT
    if args.format == "json":
        write_output(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", args.output)
        return EXIT_OK
    shipped = [r for r in rows if not r.get("pack")]
    text = "".join(
        f"{row['name']}  {row['version']}  {row['date'] or 'no date'}\n"
        + (f"  size     {row['size']}\n" if row.get("size") else "")
        + f"  license  {row['license']}\n  source   {row['source']}\n  sha256   {row['sha256'] or '-'}\n\n"
        for row in shipped)
    where = packs.data_dir() / "packs"
    if installed:
        text += f"data packs (installed by you, in {where}):\n\n" + "".join(
            f"{p.name}  installed {p.installed}  {p.organisations} organisations, {p.domains} domains\n"
            f"  license  {p.license}\n  source   {p.source}\n  sha256   {p.sha256}\n\n" for p in installed)
    else:
        text += f"data packs: none installed (add one with: datatrail data add FILE; they go to {where})\n"
    write_output(text, args.output)
    return EXIT_OK
