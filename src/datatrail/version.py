"""The tool's version, as reports record it."""

__version__ = "0.1.0"
