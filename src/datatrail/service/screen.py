"""What the service screens, told apart by content: a capture (pcap, pcapng, HAR, mitmproxy) goes
through the traffic pipeline, anything else through the static scan. Both run inside the batch's
isolated worker processes, so ``screen`` and ``render`` are module-level (picklable); neither
imports the web framework.
"""

from __future__ import annotations

from pathlib import Path

from datatrail.app.corpus import looks_analysable
from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.batch.analyse import Analysed
from datatrail.capture import analyse_capture, is_capture
from datatrail.model.capture import CaptureReport
from datatrail.report.capture_json import captures_json
from datatrail.report.json import to_json

__all__ = ["ACCEPTED", "PRELOAD", "is_capture", "acceptable", "screen", "render"]

ACCEPTED = "an APK, split APKs, AAB, JAR, AAR, DEX or IPA, or a pcap, pcapng, HAR or mitmproxy capture"
"""What an upload may be, for people (the API's description and its 422s)."""

PRELOAD = ("datatrail.app.android.pipeline", "datatrail.capture.pipeline")
"""What each scanning process imports once."""

def acceptable(path: Path) -> bool:
    """Worth queueing: a capture, or what the static scan's loader recognises."""
    return is_capture(path) or looks_analysable(path)


def screen(path: Path, options: ScanOptions) -> Analysed:
    """The report ``datatrail capture`` or ``datatrail scan`` makes of the file."""
    if is_capture(path):
        return analyse_capture(path, options.viewer)
    return scan_file(path, options)


def render(report: Analysed) -> str:
    """The JSON text the CLI writes: ``capture --format json`` for a capture, ``scan --format json`` for an app."""
    if isinstance(report, CaptureReport):
        return captures_json([report], report.viewer)
    return to_json(report)
