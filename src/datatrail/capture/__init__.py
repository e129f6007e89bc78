"""The traffic pipeline: network captures in, a CaptureReport out (the pipeline itself is in ``pipeline``)."""

from datatrail.capture.pipeline import analyse_capture, analyse_capture_bytes, build_destinations, compare_capture, destination_name

__all__ = ["analyse_capture", "analyse_capture_bytes", "build_destinations", "compare_capture", "destination_name"]
