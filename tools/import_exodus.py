"""Import the Exodus Privacy ETIP tracker list into knowledge/data/exodus_etip.json.

Development-time only; scans never read the upstream file or the network.

    .venv/bin/python tools/import_exodus.py [--source PATH] [--date YYYY-MM-DD]

The upstream snapshot (default ../shared/data/etip-trackers.json) is a JSON object
with "source", "license" and "trackers". The output keeps every tracker's fields as
Exodus published them (id, name, code_signature, network_signature, website,
categories, creation_date), sorted by id, so the file stays a plain copy of the
Exodus database under its own license (ODbL 1.0 for the database, DbCL 1.0 for the
contents; attribution "Exodus Privacy"). Interpreting the signatures (splitting the
regex alternations into prefixes) is done at load time by datatrail.knowledge.sdks,
not baked into this file. datatrail's own signatures live in sdk_signatures.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "etip-trackers.json"
OUT = ROOT / "src" / "datatrail" / "knowledge" / "data" / "exodus_etip.json"

_FIELDS = ("id", "name", "code_signature", "network_signature", "website", "categories", "creation_date")


def _tracker(entry: dict[str, Any]) -> dict[str, Any]:
    missing = [f for f in _FIELDS if f not in entry]
    if missing:
        raise SystemExit(f"tracker {entry.get('id')!r} lacks {missing}")
    out = {f: entry[f] for f in _FIELDS}
    out["id"] = int(out["id"])
    out["categories"] = [str(c) for c in out["categories"]]
    return out


def _dump(doc: dict[str, Any]) -> str:
    """JSON with one tracker per line, so a data update reads as a small diff."""
    head = {k: v for k, v in doc.items() if k != "trackers"}
    lines = [json.dumps(head, indent=1, ensure_ascii=False)[:-2] + ',\n "trackers": [']
    rows = [" " + json.dumps(t, ensure_ascii=False) for t in doc["trackers"]]
    lines.append(",\n".join(rows))
    lines.append(" ]\n}\n")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="generation date to record")
    args = parser.parse_args(argv)

    raw = args.source.read_bytes()
    upstream = json.loads(raw)
    trackers = sorted((_tracker(t) for t in upstream["trackers"]), key=lambda t: t["id"])
    newest = max(t["creation_date"] for t in trackers)
    doc = {
        "format": 1,
        "name": "exodus-etip",
        "version": newest,
        "source": "Exodus Privacy tracker investigation platform (ETIP), https://etip.exodus-privacy.eu.org/ "
        f"(snapshot file {args.source.name}, trackers created up to {newest})",
        "license": "ODbL-1.0 (database) + DbCL-1.0 (contents)",
        "attribution": "Contains information from the Exodus Privacy tracker database (https://exodus-privacy.eu.org), "
        "made available under the Open Database License (ODbL) v1.0 "
        "(https://opendatacommons.org/licenses/odbl/1-0/); contents under the Database Contents License (DbCL) v1.0.",
        "upstream_sha256": hashlib.sha256(raw).hexdigest(),
        "date": args.date,
        "trackers": trackers,
    }
    OUT.write_text(_dump(doc), encoding="utf-8")
    print(f"wrote {len(trackers)} Exodus trackers (newest {newest}) to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
