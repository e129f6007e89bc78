"""The viewer regions: whose law the transfer flags take the point of view of (``--viewer``).

A leaf module so that every command can offer the choice without importing the
jurisdiction tables or the scan pipeline.
"""

from __future__ import annotations

__all__ = ["VIEWERS", "DEFAULT_VIEWER"]

VIEWERS: tuple[str, ...] = ("eu", "uk", "us")
DEFAULT_VIEWER = "eu"
