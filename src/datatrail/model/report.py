"""The report: the one value every renderer reads.

Frozen dataclasses, serialised by ``datatrail.report.json``. Field names are a
public contract (schema/report.schema.json); renaming one is a schema change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from datatrail.model.certificate import Certificate
from datatrail.model.diagnostic import Diagnostic

__all__ = [
    "SCHEMA_VERSION",
    "Severity",
    "InputFile",
    "AppIdentity",
    "Permission",
    "CustomPermission",
    "Component",
    "Evidence",
    "Finding",
    "DatasetRef",
    "ToolInfo",
    "Report",
]

SCHEMA_VERSION = "1.0"


class Severity(str, Enum):
    """Finding severity, ordered; ``--fail-on`` compares against it."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {s: i for i, s in enumerate(Severity)}


@dataclass(frozen=True, slots=True)
class InputFile:
    path: str
    sha256: str
    size: int
    kind: str
    """What the content sniffed as: apk, apks, xapk, apkm, aab, jar, aar, dex."""


@dataclass(frozen=True, slots=True)
class AppIdentity:
    platform: str
    package: str | None
    version_name: str | None
    version_code: int | None
    min_sdk: int | None
    target_sdk: int | None
    compile_sdk: int | None
    label: str | None
    dex_count: int
    class_count: int
    """Classes defined in the app's code (DEX class_defs plus class files)."""
    splits: tuple[str, ...] = ()
    """Names of the split APKs merged into this report (base first)."""
    nested: tuple[str, ...] = ()
    """Archives or DEX files found inside the package (e.g. in assets/) and analysed too."""


@dataclass(frozen=True, slots=True)
class Permission:
    name: str
    protection_level: str
    flags: tuple[str, ...]
    data_categories: tuple[str, ...]
    access: str | None
    group: str | None
    known: bool
    """False for permissions not in the AOSP data (vendor or app-defined)."""
    max_sdk: int | None = None
    declared_by_app: bool = False
    """The app defines this permission itself (<permission>)."""


@dataclass(frozen=True, slots=True)
class CustomPermission:
    name: str
    protection_level: str


@dataclass(frozen=True, slots=True)
class Component:
    kind: str
    """activity, activity-alias, service, receiver or provider."""
    name: str
    exported: bool
    exported_reason: str
    """Why: "explicit" when android:exported says so, "intent-filter" when implied."""
    permission: str | None
    intent_actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    location: str
    """Where: ``AndroidManifest.xml``, ``res/xml/network_security_config.xml``, ``META-INF/CERT.RSA``..."""
    detail: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...]
    fingerprint: str
    """Stable across runs for the same app and occurrence (baselines, SARIF)."""


@dataclass(frozen=True, slots=True)
class DatasetRef:
    name: str
    version: str
    source: str
    license: str
    sha256: str
    date: str = ""


@dataclass(frozen=True, slots=True)
class ToolInfo:
    name: str
    version: str


@dataclass(frozen=True, slots=True)
class Report:
    tool: ToolInfo
    generated_at: str
    inputs: tuple[InputFile, ...]
    app: AppIdentity
    permissions: tuple[Permission, ...]
    custom_permissions: tuple[CustomPermission, ...]
    components: tuple[Component, ...]
    findings: tuple[Finding, ...]
    certificates: tuple[Certificate, ...]
    diagnostics: tuple[Diagnostic, ...]
    datasets: tuple[DatasetRef, ...]
    diagnostics_dropped: int = 0
    schema_version: str = SCHEMA_VERSION
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage; informative, not part of comparisons."""
