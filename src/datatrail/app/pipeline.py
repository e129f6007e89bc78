"""The static scan: one input in, one report out.

Android packages and iOS inputs (IPA, .app, frameworks, static libraries,
Mach-O) are told apart by content here; each goes through its own pipeline
(``datatrail.app.android.pipeline``, ``datatrail.app.ios.pipeline``) into the
same report model. Each pipeline is imported when it first runs.
"""

from __future__ import annotations

from pathlib import Path

from datatrail.app.ios.sniff import NotIosArchive, is_ios_input
from datatrail.app.options import ScanOptions
from datatrail.batch.baseline import apply_baseline
from datatrail.model.report import Report

__all__ = ["ScanOptions", "scan_file", "scan_with_baseline"]


def scan_file(path: Path | str, options: ScanOptions = ScanOptions()) -> Report:
    """Scan one input file (or an iOS bundle folder). Raises datatrail.InputError when it cannot be analysed."""
    path = Path(path)
    if is_ios_input(path):
        from datatrail.app.ios.pipeline import scan_ios

        try:
            return scan_ios(path, options)
        except NotIosArchive:
            pass  # names that only looked like an iOS layout: the Android loader decides
    from datatrail.app.android.pipeline import scan_android

    return scan_android(path, options)


def scan_with_baseline(path: Path, options: ScanOptions, *, fingerprints: frozenset[str]) -> Report:
    """``scan_file`` then ``apply_baseline``; picklable with ``functools.partial`` for worker processes."""
    return apply_baseline(scan_file(path, options), fingerprints)
