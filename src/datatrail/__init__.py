"""datatrail: what a mobile app can collect, whose code is inside it, and where its data goes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from datatrail.errors import CorruptInput, DatatrailError, InputError, LimitExceeded, UnsupportedInput
from datatrail.version import __version__

if TYPE_CHECKING:
    from datatrail.app.options import ScanOptions
    from datatrail.app.pipeline import scan_file

__all__ = [
    "__version__",
    "scan_file",
    "ScanOptions",
    "DatatrailError",
    "InputError",
    "UnsupportedInput",
    "CorruptInput",
    "LimitExceeded",
]



def __getattr__(name: str) -> Any:
    # The scan pipeline imports every parser and knowledge table: load it on first use, so that
    # `datatrail capture`, `lookup` or `--help` don't pay for it.
    if name in ("scan_file", "ScanOptions"):
        from datatrail.app import pipeline as scan

        return getattr(scan, name)
    raise AttributeError(f"module 'datatrail' has no attribute {name!r}")
