"""Names of the platform's public attributes, keyed by resource id.

Android identifies manifest attributes by resource id, not by the string in
the file, so an obfuscator can blank or rename the strings without effect.
Decoders use this table to name attributes the way the platform sees them.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

__all__ = ["attr_name", "dataset_info"]

_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "android_attrs.json"
"""The table ships with the other datasets (one folder, one SOURCES file) but is read here as a
plain file, not through knowledge's loader: parsers import nothing above formats."""


@cache
def _load() -> tuple[dict[int, str], dict[str, str]]:
    """The table and its provenance, from one read of the file."""
    raw = _FILE.read_bytes()
    doc = json.loads(raw)
    info = {"name": "android-attrs", "version": str(doc["format"]), "source": doc["source"],
            "license": doc["license"], "sha256": hashlib.sha256(raw).hexdigest()}
    return {int(k, 16): v for k, v in doc["attrs"].items()}, info


def _table() -> dict[int, str]:
    return _load()[0]


def dataset_info() -> dict[str, str]:
    """Provenance in ``DatasetRef``'s fields (no date: the table has none)."""
    return _load()[1]


def attr_name(res_id: int) -> str | None:
    """Public attribute name for a 0x0101xxxx resource id, or None."""
    return _table().get(res_id)
