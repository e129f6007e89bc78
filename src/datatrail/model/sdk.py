"""Who is inside an app: SDK findings, their evidence, and big unidentified libraries.

Every finding carries the evidence that produced it, so a reader can check the
claim against the package: which class prefixes matched and how many classes,
which native libraries, manifest components, meta-data keys, permissions or
assets. "Present in code" is all a static finding says; it never claims the
SDK ran.

Evidence kinds:

* ``class-prefix``: defined classes whose dotted name starts with the pattern
  (``com.tencent.bugly.``); a pattern without the trailing dot is a raw string
  prefix (``com.facebook.Facebook`` matches ``FacebookSdk`` and
  ``FacebookActivity``).
* ``class-package``: defined classes directly in the package named by the
  pattern, not in its sub-packages (the Facebook SDK keeps its core classes
  in ``com.facebook`` itself, next to unrelated Meta libraries in
  ``com.facebook.react`` and friends).
* ``class-regex``: defined classes matched by one of the few Exodus
  signatures that are real regular expressions, not prefixes.
* ``native-lib``: a ``.so`` file anywhere in the package whose file name
  matches the glob.
* ``manifest-component``: an activity, service, receiver or provider whose
  class name matches a class pattern or a component glob
  (``*.wxapi.WXEntryActivity``).
* ``manifest-meta-data``: an ``<meta-data android:name>`` key.
* ``manifest-permission``: a declared or requested permission name.
* ``asset``: a file path under ``assets/`` matching the glob.
* ``objc-class``: (iOS) Objective-C or Swift classes defined in a Mach-O whose
  name starts with the pattern (``JPUSHService``, ``WXApi``).
* ``ios-framework``: (iOS) an embedded or linked framework or library whose
  name matches (``AlipaySDK.framework``, ``libJPush.a``).

An SDK named only by manifest entries (a crash reporter's API-key meta-data, an
ad network's application-id key, a component whose class is not in the code) is
reported with ``presence`` "declared": configured, code not found. It is not
counted among the SDKs inside the app, and its confidence is at most "low".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "EVIDENCE_KINDS",
    "DECLARED_KINDS",
    "PRESENCE_CODE",
    "PRESENCE_DECLARED",
    "presence_of",
    "SdkEvidence",
    "SdkFinding",
    "UnidentifiedLibrary",
    "OwnerRule",
    "SdkReport",
]

EVIDENCE_KINDS = (
    "class-prefix",
    "class-package",
    "class-regex",
    "native-lib",
    "manifest-component",
    "manifest-meta-data",
    "manifest-permission",
    "asset",
    "objc-class",
    "ios-framework",
)


@dataclass(frozen=True, slots=True)
class SdkEvidence:
    kind: str
    """One of ``EVIDENCE_KINDS``."""
    pattern: str
    """The signature element that matched (e.g. "com.tencent.bugly.")."""
    count: int
    """How many items matched it (classes, files, components, keys)."""
    examples: tuple[str, ...]
    """Up to five of the matched items."""


PRESENCE_CODE = "code"
PRESENCE_DECLARED = "declared"
DECLARED_KINDS = frozenset({"manifest-component", "manifest-meta-data", "manifest-permission"})
"""Evidence an app can carry without the SDK's code: what its manifest says."""


def presence_of(evidence: Iterable[SdkEvidence]) -> str:
    """"declared" when every piece of evidence is a manifest entry, else "code"."""
    return PRESENCE_CODE if any(e.kind not in DECLARED_KINDS for e in evidence) else PRESENCE_DECLARED


@dataclass(frozen=True, slots=True)
class SdkFinding:
    id: str
    """Stable id: "tencent-bugly" for datatrail signatures, "exodus-52" for Exodus ones."""
    name: str
    vendor: str
    """The company behind the SDK; "unknown" for Exodus-only entries (Exodus records none)."""
    vendor_country: str | None
    """ISO 3166-1 alpha-2 code of the vendor's home (headquarters) country."""
    categories: tuple[str, ...]
    website: str | None
    source: str
    """"datatrail" or "exodus-etip": which signature set identified the SDK."""
    confidence: str
    """"high", "medium" or "low"; see ``datatrail.app.android.sdks`` for the rule."""
    obfuscated: bool
    """Most matched classes have short, meaningless names (renamed by R8/ProGuard or the vendor)."""
    class_count: int
    """Defined classes attributed to this SDK (each class counts for one SDK only)."""
    evidence: tuple[SdkEvidence, ...]
    aliases: tuple[str, ...] = ()
    """Ids of other signatures folded into this finding (e.g. the Exodus entry for the same SDK)."""
    parent: str | None = None
    """The vendor's owner when that differs (Adjust -> AppLovin), else None."""
    parent_country: str | None = None
    presence: str = "code"
    """How the SDK is in the package: "code" (its classes, native libraries or assets are there) or
    "declared" (only manifest entries name it: a key or component left in, code not found). Reports
    of schema 1.2 and earlier did not say, and read back as "code"."""

    @property
    def in_code(self) -> bool:
        return self.presence == PRESENCE_CODE


@dataclass(frozen=True, slots=True)
class UnidentifiedLibrary:
    package: str
    """A large third-party package root that no signature matched, e.g. "com.squareup.okhttp3"."""
    class_count: int


@dataclass(frozen=True, slots=True)
class OwnerRule:
    """One class pattern that owned at least one class in this app, and the SDK it names."""

    kind: str
    """"class-prefix", "class-package" or "class" (one exact class name, from a regex match)."""
    pattern: str
    sdk_id: str


def _package(name: str) -> str:
    return name.rpartition(".")[0]


@dataclass(frozen=True, slots=True)
class SdkReport:
    sdks: tuple[SdkFinding, ...]
    unidentified: tuple[UnidentifiedLibrary, ...]
    app_packages: tuple[str, ...] = ()
    """The app's own package first, then its organisation root when it has one
    ("fr.mobdev.blooddonation", "fr.mobdev"); empty for libraries (JAR, AAR, DEX)."""
    owner_rules: tuple[OwnerRule, ...] = ()
    """Every class pattern that owned a class here; ``owner_of`` answers from these."""
    first_party_packages: tuple[str, ...] = ()
    """Every package whose classes are never attributed to an SDK (the app's own): the manifest
    package and, when it differs, the build namespace of the app's entry points."""
    _prefixes: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _packages: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _classes: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _raw: tuple[OwnerRule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookup tables for owner_of, built once; the rule tuple stays the serialisable form.
        prefixes: dict[str, str] = {}
        packages: dict[str, str] = {}
        classes: dict[str, str] = {}
        raw: list[OwnerRule] = []
        for rule in self.owner_rules:
            if rule.kind == "class-package":
                packages.setdefault(rule.pattern, rule.sdk_id)
            elif rule.kind == "class":
                classes.setdefault(rule.pattern, rule.sdk_id)
            elif rule.pattern.endswith("."):
                prefixes.setdefault(rule.pattern, rule.sdk_id)
            else:
                raw.append(rule)
        raw.sort(key=lambda r: len(r.pattern), reverse=True)
        object.__setattr__(self, "_prefixes", MappingProxyType(prefixes))
        object.__setattr__(self, "_packages", MappingProxyType(packages))
        object.__setattr__(self, "_classes", MappingProxyType(classes))
        object.__setattr__(self, "_raw", tuple(raw))

    @property
    def first_party_package(self) -> str | None:
        """The app's manifest package (the first of its own packages)."""
        return self.first_party_packages[0] if self.first_party_packages else None

    def owner_of(self, class_name: str) -> str | None:
        """Id of the SDK whose matching class pattern is the longest prefix of ``class_name``.

        None for first-party classes (under the app's own package) and for classes no
        SDK found in this app claims. Only patterns that matched a defined class here
        count, so a referenced-but-absent SDK type is never attributed.
        """
        for first in self.first_party_packages:
            if class_name == first or class_name.startswith(first + "."):
                return None
        exact = self._classes.get(class_name)
        if exact is not None:
            return exact
        best_len = -1
        best: str | None = None
        package = _package(class_name)
        owner = self._packages.get(package)
        if owner is not None:
            best_len, best = len(package) + 1, owner
        # Dotted prefixes end at a package boundary, so only those lengths can match.
        end = class_name.find(".")
        while end != -1:
            head = class_name[: end + 1]
            owner = self._prefixes.get(head)
            if owner is not None and len(head) > best_len:
                best_len, best = len(head), owner
            end = class_name.find(".", end + 1)
        for rule in self._raw:
            if len(rule.pattern) <= best_len:
                break
            if class_name.startswith(rule.pattern):
                return rule.sdk_id
        return best

    def finding(self, sdk_id: str) -> SdkFinding | None:
        """The finding with this id, or the one that lists it among its aliases."""
        for sdk in self.sdks:
            if sdk.id == sdk_id or sdk_id in sdk.aliases:
                return sdk
        return None
