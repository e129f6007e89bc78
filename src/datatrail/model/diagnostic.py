"""Diagnostics: everything odd a parser met, with where it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = ["Level", "Diagnostic", "DiagnosticLog", "Tally"]


class Level(str, Enum):
    """How odd a diagnostic is (how much a finding matters is ``model.report.Severity``)."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    """Stable identifier of the kind of oddity, e.g. ``zip.local-header-mismatch``."""
    message: str
    location: str
    """Where it was: ``<entry or file>`` optionally followed by ``@0xOFFSET``."""
    severity: Level = Level.WARNING


@dataclass(slots=True)
class DiagnosticLog:
    """Append-only collector handed to parsers; the report keeps what it holds.

    A cap keeps a file with millions of broken records from flooding memory:
    past it, diagnostics are counted but not stored.
    """

    cap: int = 1000
    items: list[Diagnostic] = field(default_factory=list)
    dropped: int = 0

    def add(
        self,
        code: str,
        message: str,
        location: str,
        severity: Level = Level.WARNING,
    ) -> None:
        if len(self.items) >= self.cap:
            self.dropped += 1
            return
        self.items.append(Diagnostic(code, message, location, severity))

    def extend(self, items: list[Diagnostic], dropped: int = 0) -> None:
        """Add diagnostics collected elsewhere (another process's copy of this log), under this log's cap."""
        room = max(0, self.cap - len(self.items))
        self.items.extend(items[:room])
        self.dropped += max(0, len(items) - room) + dropped

    def __len__(self) -> int:
        return len(self.items) + self.dropped


class Tally:
    """Counts repeated oddities of one parsing pass so each kind becomes one diagnostic.

    A damaged table can have a thousand bad entries; the report wants "1000
    entries run past their chunk, first at entry 7", not a thousand lines.
    """

    __slots__ = ("counts", "first")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.first: dict[str, object] = {}
        """Where each kind was first seen (an index or a label)."""

    def note(self, code: str, where: object) -> None:
        self.counts[code] = self.counts.get(code, 0) + 1
        self.first.setdefault(code, where)
