"""Was the whole input read? What the loaders' diagnostics say was lost, and what follows from it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from datatrail.model.diagnostic import Diagnostic, Level
from datatrail.model.report import COMPLETE, Completeness
from datatrail.model.sdk import SdkFinding

__all__ = ["MAX_UNREAD", "completeness", "cap_confidence"]

MAX_UNREAD = 20

_LOST_WARNINGS = frozenset({"dex.truncated", "dex.table-truncated", "dex.table-missing"})
"""Warnings that mean part of a file was not there to read (errors always do)."""

_NOT_CONTENT = ("signing.",)
"""Errors about the signature: the app's code and files are read all the same."""


def _lost(d: Diagnostic) -> bool:
    if d.code.startswith(_NOT_CONTENT):
        return False
    return d.severity is Level.ERROR or d.code in _LOST_WARNINGS


def completeness(diagnostics: Iterable[Diagnostic], classes: Sequence[tuple[int, int]] = ()) -> Completeness:
    """From the scan's diagnostics and, per DEX file, (classes declared, classes present)."""
    unread = [f"{d.location}: {d.message}" for d in diagnostics if _lost(d)]
    declared = sum(c for c, _ in classes) if classes else None
    present = sum(p for _, p in classes) if classes else None
    if not unread and declared == present:
        return COMPLETE if not classes else Completeness(True, (), declared, present)
    if not unread:
        unread = [f"{(declared or 0) - (present or 0)} of {declared} declared classes are not in the code"]
    return Completeness(False, tuple(dict.fromkeys(unread))[:MAX_UNREAD], declared, present)


def cap_confidence(sdks: tuple[SdkFinding, ...], done: Completeness) -> tuple[SdkFinding, ...]:
    """In an incomplete analysis no SDK is more than "medium": its evidence may be cut short."""
    if done.complete:
        return sdks
    return tuple(dataclasses.replace(s, confidence="medium") if s.confidence == "high" else s for s in sdks)
