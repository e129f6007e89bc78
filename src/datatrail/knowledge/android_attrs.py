"""Names of the platform's public attributes, keyed by resource id.

Android identifies manifest attributes by resource id, not by the string in
the file, so an obfuscator can blank or rename the strings without effect.
Decoders use this table to name attributes the way the platform sees them.
"""

from __future__ import annotations

import json
from functools import cache

from datatrail.knowledge.datafile import data_path

__all__ = ["attr_name"]


@cache
def _table() -> dict[int, str]:
    raw = data_path("android_attrs.json").read_text("utf-8")
    return {int(k, 16): v for k, v in json.loads(raw)["attrs"].items()}


def attr_name(res_id: int) -> str | None:
    """Public attribute name for a 0x0101xxxx resource id, or None."""
    return _table().get(res_id)
