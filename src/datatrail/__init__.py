"""datatrail: what a mobile app can collect, whose code is inside it, and where its data goes."""

from __future__ import annotations

from datatrail.errors import CorruptInput, DatatrailError, InputError, LimitExceeded, UnsupportedInput
from datatrail.scan import ScanOptions, scan_file

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

__version__ = "0.1.0"
