"""What changed between two reports of an app: the model ``datatrail diff`` renders.

Each section lists items added and removed, keyed by something stable (an
SDK id, a permission name, a host, a country code, a finding fingerprint)
with a line of detail for people. Sections are in ``SECTIONS`` order.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SECTIONS", "AppVersion", "DiffItem", "DiffSection", "ReportDiff"]

SECTIONS = (
    "sdks",
    "permissions",
    "destinations",
    "org_countries",
    "server_countries",
    "data_categories",
    "data",
    "findings",
)
"""sdks: SDK ids; permissions: requested permission names; destinations: hosts
the package names; org_countries: home countries of the organisations behind
those hosts; server_countries: countries their addresses are located in (only
with --resolve); data_categories: Play Data safety categories reachable by
permissions or code; data: data items code can read ("IMEI/MEID");
findings: rule findings."""


@dataclass(frozen=True, slots=True)
class AppVersion:
    """Which app, which version, from which input."""

    package: str | None
    version_name: str | None
    version_code: int | None
    path: str
    sha256: str | None


@dataclass(frozen=True, slots=True)
class DiffItem:
    key: str
    detail: str
    flagged: bool = False
    """Something CI may want to stop on: a dangerous permission, a host or country under a
    state-access law."""


@dataclass(frozen=True, slots=True)
class DiffSection:
    name: str
    """One of ``SECTIONS``."""
    added: tuple[DiffItem, ...]
    removed: tuple[DiffItem, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True, slots=True)
class ReportDiff:
    old: AppVersion
    new: AppVersion
    finding_key: str
    """How findings were matched: "fingerprint" (same package) or "rule-and-message"
    (different packages, whose fingerprints never agree)."""
    sections: tuple[DiffSection, ...]

    @property
    def changed(self) -> bool:
        return any(s.changed for s in self.sections)

    def section(self, name: str) -> DiffSection:
        for s in self.sections:
            if s.name == name:
                return s
        raise KeyError(name)
