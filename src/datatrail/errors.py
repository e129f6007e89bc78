"""Exceptions raised at datatrail's layer boundaries.

Library code raises these; only the CLI turns them into exit codes and messages.
"""

from __future__ import annotations

__all__ = [
    "DatatrailError",
    "InputError",
    "UnsupportedInput",
    "CorruptInput",
    "LimitExceeded",
]


class DatatrailError(Exception):
    """Base class of every error datatrail raises on purpose."""


class InputError(DatatrailError):
    """An input could not be analysed (CLI exit code 3)."""


class UnsupportedInput(InputError):
    """The input is readable but not a format datatrail analyses."""


class CorruptInput(InputError):
    """The input claims a supported format but is too damaged to analyse."""


class LimitExceeded(CorruptInput):
    """A structure asked for more than a safety bound allows (zip bomb, huge counts)."""
