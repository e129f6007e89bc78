"""The traffic pipeline: network captures in, a CaptureReport out (the pipeline itself is in ``pipeline``)."""

from datatrail.capture.pipeline import (
    SNIFF_BYTES,
    analyse_capture,
    analyse_capture_bytes,
    build_destinations,
    capture_format,
    compare_capture,
    is_capture,
)

__all__ = ["SNIFF_BYTES", "capture_format", "is_capture", "analyse_capture", "analyse_capture_bytes", "build_destinations", "compare_capture"]
