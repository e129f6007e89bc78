"""Regenerate knowledge/data/aosp_permissions.json from androguard's AOSP permission tables.

Development-time only; scans never run this. androguard ships one JSON file per API
level (core/api_specific_resources/aosp_permissions/permissions_<API>.json), extracted
from AOSP frameworks/base core/res/AndroidManifest.xml (Apache-2.0), so the run is offline:

    .venv/bin/python tools/gen_aosp_permissions.py [--date YYYY-MM-DD]

The output keeps, per permission, only the API levels at which its protection flags
change (``null`` flags: the permission is absent from that level on). Afterwards the
sha256 lines in knowledge/data/SOURCES are refreshed for every file it lists, so run
this script again after hand-editing a curated data file too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path

import androguard

SRC_DIR = Path(androguard.__file__).parent / "core" / "api_specific_resources" / "aosp_permissions"
DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "datatrail" / "knowledge" / "data"
OUT = DATA_DIR / "aosp_permissions.json"
SOURCES = DATA_DIR / "SOURCES"

_LEVEL_FILE = re.compile(r"permissions_(\d+)\.json")
_SOURCES_ENTRY = re.compile(r"^file: (?P<file>\S+)$")
_SOURCES_SHA = re.compile(r"^sha256: [0-9a-f]{64}$")

Flags = list[str] | None
History = list[tuple[int, Flags]]


def split_flags(protection_level: str) -> list[str]:
    """Split a combined protectionLevel such as "dangerous|instant" into its flags.

    An absent attribute (an empty string upstream) means Android's default, "normal".
    """
    flags = [flag for flag in protection_level.split("|") if flag]
    return flags or ["normal"]


def read_levels(src_dir: Path) -> dict[int, dict[str, list[str]]]:
    levels: dict[int, dict[str, list[str]]] = {}
    for path in src_dir.iterdir():
        match = _LEVEL_FILE.fullmatch(path.name)
        if match is None:
            continue
        table = json.loads(path.read_text(encoding="utf-8"))["permissions"]
        levels[int(match.group(1))] = {
            name: split_flags(entry.get("protectionLevel", "")) for name, entry in table.items()
        }
    if not levels:
        raise SystemExit(f"no permissions_<API>.json files in {src_dir}")
    return dict(sorted(levels.items()))


def histories(levels: dict[int, dict[str, list[str]]]) -> dict[str, History]:
    names = sorted(set().union(*levels.values()))
    result: dict[str, History] = {}
    for name in names:
        history: History = []
        previous: Flags = None
        for api, table in levels.items():
            current = table.get(name)
            if current != previous and (history or current is not None):
                history.append((api, current))
            previous = current
        result[name] = history
    return result


def render(doc_header: dict[str, object], perms: dict[str, History]) -> str:
    # One permission per line: small, and diffs stay readable when upstream changes.
    head = "{\n" + ",\n".join(
        f" {json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}" for key, value in doc_header.items()
    )
    lines = [
        f" {json.dumps(name)}: {json.dumps([[api, flags] for api, flags in history], separators=(',', ':'))}"
        for name, history in perms.items()
    ]
    return head + ',\n "permissions": {\n' + ",\n".join(lines) + "\n }\n}\n"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refresh_sources(sources: Path) -> None:
    """Rewrite each entry's sha256 line to match the file it names."""
    out: list[str] = []
    current: Path | None = None
    for line in sources.read_text(encoding="utf-8").splitlines():
        entry = _SOURCES_ENTRY.match(line)
        if entry is not None:
            current = sources.parent / entry.group("file")
        elif current is not None and _SOURCES_SHA.match(line):
            line = f"sha256: {sha256_of(current)}"
        out.append(line)
    sources.write_text("\n".join(out) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate aosp_permissions.json from androguard.")
    parser.add_argument("--date", default=dt.datetime.now(dt.UTC).date().isoformat())
    args = parser.parse_args(argv)

    levels = read_levels(SRC_DIR)
    perms = histories(levels)
    header: dict[str, object] = {
        "format": 1,
        "name": "aosp-permissions",
        "version": f"androguard-{androguard.__version__}",
        "source": (
            f"androguard {androguard.__version__}, androguard/core/api_specific_resources/"
            "aosp_permissions/permissions_<API>.json (extracted from AOSP frameworks/base "
            "core/res/AndroidManifest.xml)"
        ),
        "license": "Apache-2.0",
        "date": args.date,
        "api_levels": list(levels),
    }
    OUT.write_text(render(header, perms), encoding="utf-8")
    if SOURCES.exists():
        refresh_sources(SOURCES)
    print(f"wrote {len(perms)} permissions over {len(levels)} API levels to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
