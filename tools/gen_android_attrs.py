"""Regenerate knowledge/data/android_attrs.json from AOSP's public.xml.

Development-time only. AOSP frameworks/base core/res/res/values/public.xml
(Apache-2.0) is taken from the copy androguard ships, so the run is offline:
    .venv/bin/python tools/gen_android_attrs.py
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import androguard

SRC = Path(androguard.__file__).parent / "core" / "resources" / "public.xml"
OUT = Path(__file__).resolve().parents[1] / "src" / "datatrail" / "knowledge" / "data" / "android_attrs.json"


def main() -> int:
    root = ET.parse(SRC).getroot()
    attrs = {
        node.get("id", "").lower(): node.get("name", "")
        for node in root.iter("public")
        if node.get("type") == "attr" and node.get("id") and node.get("name")
    }
    doc = {
        "format": 1,
        "source": f"AOSP core/res/res/values/public.xml via androguard {androguard.__version__}",
        "license": "Apache-2.0",
        "attrs": dict(sorted(attrs.items())),
    }
    OUT.write_text(json.dumps(doc, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {len(attrs)} attributes to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
