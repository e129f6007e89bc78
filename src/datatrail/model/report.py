"""The report: the one value every renderer reads.

Frozen dataclasses, serialised by ``datatrail.report.json``. Field names are a
public contract (schema/report.schema.json); renaming one is a schema change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, get_type_hints

from datatrail.model.attribution import Attribution, Flag
from datatrail.model.certificate import Certificate
from datatrail.model.diagnostic import Diagnostic
from datatrail.model.endpoint import AppLink, Endpoint
from datatrail.model.resolution import Resolution
from datatrail.model.sdk import SdkFinding, UnidentifiedLibrary

if TYPE_CHECKING:  # imported on first use: an Android scan never needs the iOS model
    from datatrail.model.ios import IosBundle

__all__ = [
    "type_hints",
    "SCHEMA_VERSION",
    "Severity",
    "InputFile",
    "AppIdentity",
    "Permission",
    "CustomPermission",
    "Component",
    "Evidence",
    "Finding",
    "CodeOwner",
    "DataAccess",
    "Destination",
    "DatasetRef",
    "ToolInfo",
    "Report",
]

SCHEMA_VERSION = "1.4"


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
    """What the content sniffed as: apk, apks, xapk, apkm, aab, jar, aar, dex, class;
    for iOS ipa, app, framework, macho or ar (``datatrail.app.shared.sniff.Kind``)."""


@dataclass(frozen=True, slots=True)
class AppIdentity:
    platform: str
    """"android" or "ios" (for iOS, how Info.plist maps here is in ``datatrail.model.ios``)."""
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
class CodeOwner:
    """Whose code is involved: a detected SDK, the app itself, or an unidentified library."""

    kind: str
    """"sdk", "app" or "library"."""
    id: str
    """The SDK id ("tencent-bugly"), the app's package, or the library's package root."""
    name: str
    classes: tuple[str, ...]
    """Up to five of that owner's classes whose code is involved."""
    class_count: int


@dataclass(frozen=True, slots=True)
class DataAccess:
    """Code that can read a kind of data: an invoke of the API was found in it.

    Present in code, not proof that it runs.
    """

    api: str
    data: str
    data_categories: tuple[str, ...]
    permission: str | None
    """The permission gating the API for this app's target SDK (None when none is needed)."""
    permission_requested: bool | None
    """Whether the manifest requests ``permission``; None when the API needs none."""
    owners: tuple[CodeOwner, ...]
    locations: tuple[str, ...]

    @property
    def can_succeed(self) -> bool:
        """False when the API needs a permission the app does not request: the call is in the code,
        but the platform refuses it, so it says nothing of what the app can read."""
        return self.permission_requested is not False


APP_KINDS = frozenset({"apk", "apks", "xapk", "apkm", "aab", "ipa", "app"})
"""Input kinds that are whole apps; the others (jar, aar, dex, class, framework, macho, ar) are code
a host app embeds, with that app's manifest and permissions."""


@dataclass(frozen=True, slots=True)
class Destination:
    """A host named in the package, whose code names it, and who runs it under which law."""

    endpoint: Endpoint
    owners: tuple[CodeOwner, ...]
    attribution: Attribution
    resolution: Resolution | None = None
    """With ``--resolve``: what the resolver answered for this host, and when."""
    addresses: tuple[Attribution, ...] = ()
    """With ``--resolve``: each answered address attributed (server country, AS, flags)."""

    @property
    def named_owner(self) -> str | None:
        """The organisation (its group's parent first) known to run the host, or None."""
        return self.attribution.parent or self.attribution.organisation

    def weakly_placed(self, flag: Flag) -> bool:
        """The host's own flag rests on its name or address alone: a country-code domain, or an IP
        address that no known organisation runs. Such a flag is a lead, never a strong claim."""
        return flag.basis == "ccTLD" or (self.endpoint.is_ip and self.named_owner is None)


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
class Completeness:
    """Whether every part of the input could be read. When not, every count in the report is a
    lower bound and no absence is a finding: what was not read may hold what is missing."""

    complete: bool
    unread: tuple[str, ...] = ()
    """What could not be read, one line each: ``<where>: <what happened>``."""
    classes_declared: int | None = None
    """Classes the DEX headers declare (Android); None where there is no such count."""
    classes_read: int | None = None
    """Of those, the ones whose definitions are in the file."""


COMPLETE = Completeness(True)


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
    sdks: tuple[SdkFinding, ...] = ()
    unidentified_libraries: tuple[UnidentifiedLibrary, ...] = ()
    data_access: tuple[DataAccess, ...] = ()
    destinations: tuple[Destination, ...] = ()
    """Hosts the app would contact: endpoints only (schema 1.4); what every count, map and verdict means."""
    references: tuple[Destination, ...] = ()
    """Hosts only named for people (messages, comments, credits, documentation links): listed
    apart, never counted as places data goes (schema 1.4)."""
    app_links: tuple[AppLink, ...] = ()
    viewer: str = "eu"
    """Whose point of view the jurisdiction flags take (``--viewer``)."""
    diagnostics_dropped: int = 0
    schema_version: str = SCHEMA_VERSION
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage; informative, not part of comparisons."""
    ios: IosBundle | None = None
    """iOS inputs only: Info.plist, binaries, provisioning and privacy manifests (schema 1.2)."""
    completeness: Completeness = COMPLETE
    """Whether the whole input could be read (schema 1.3; earlier reports read back as complete)."""

    @property
    def is_app(self) -> bool:
        return bool(self.inputs) and self.inputs[0].kind in APP_KINDS

    @property
    def readable_data_access(self) -> tuple[DataAccess, ...]:
        """The data access the platform would allow: for an app, calls whose permission it requests;
        for a library, every call (the host app's manifest decides, and it is not here)."""
        return self.data_access if not self.is_app else tuple(a for a in self.data_access if a.can_succeed)

    @property
    def sdks_in_code(self) -> tuple[SdkFinding, ...]:
        """The SDKs whose code is in the package: the ones "SDKs inside" and every count mean."""
        return tuple(s for s in self.sdks if s.in_code)

    @property
    def sdks_declared_only(self) -> tuple[SdkFinding, ...]:
        """SDKs only the manifest names: configured, code not found."""
        return tuple(s for s in self.sdks if not s.in_code)


def type_hints(cls: type) -> dict[str, Any]:
    """``typing.get_type_hints`` for the report's classes (and those they hold), with the
    names this module imports only for type checking resolved too."""
    from datatrail.model.ios import IosBundle

    return get_type_hints(cls, localns={"IosBundle": IosBundle})
