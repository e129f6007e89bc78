"""Who is inside the app: SDKs found by their code, native libraries, manifest and assets.

``detect_sdks`` reads an :class:`AndroidArtifact` and returns an :class:`SdkReport`:
one :class:`SdkFinding` per SDK with the evidence behind it, the large third-party
package roots no signature recognises, and ``owner_of`` for attributing a class
(an API call site, a string's location) to the SDK that contains it.

Rules, in the order they apply:

* **First party.** For apps (APK, split sets, AAB) classes under the manifest
  package are the app's own and never count for an SDK, even when an SDK prefix
  covers them (a vendor's demo app such as ``com.tencent.bugly.hotfix``, or
  ``com.tencent.mm.sdk`` inside WeChat). Library inputs (JAR, AAR, DEX, class
  files) have no first party: their manifest package is the library's own.
* **One owner per class.** The longest matching class pattern owns a class, so
  ``com.google.android.gms.ads.identifier.`` (the advertising-ID client) takes
  those classes from ``com.google.android.gms.ads.`` (AdMob).
* **One finding per SDK.** Exodus entries that one of our signatures lists in
  ``exodus_ids`` are folded into our finding: their patterns add to its evidence
  and their ids appear in ``aliases``. Exodus entries nobody claims are reported
  on their own, with id ``exodus-<n>`` and vendor "unknown".
* **Confidence.** Evidence of code (classes, or a manifest component naming a
  class pattern) counts as one kind; native libraries, explicit component
  patterns, meta-data keys, permissions and assets are a kind each.
  *high*: at least 10 classes, or two or more independent kinds.
  *medium*: 2-9 classes, or a native library or explicit component pattern alone
  (both survive renaming).
  *low*: a single class, or only a meta-data key, permission or asset (all of
  which an app can declare without shipping the SDK).
* **Obfuscated.** At least half of the SDK's classes have renamed-looking names
  (``datatrail.app.shared.sdk_match.looks_renamed``).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.android.manifest import component_class_name
from datatrail.app.shared.sdk_match import ClassMatch, PatternHits, SignatureIndex
from datatrail.formats.common.xmltree import XmlElement
from datatrail.knowledge.sdks import Signature, signatures
from datatrail.model.report import APP_KINDS
from datatrail.model.sdk import (
    OwnerRule,
    SdkEvidence,
    SdkFinding,
    SdkReport,
    UnidentifiedLibrary,
)

__all__ = [
    "detect_sdks",
    "signature_index",
    "SdkReport",
    "UNIDENTIFIED_MIN_CLASSES",
    "PLATFORM_ROOTS",
]

UNIDENTIFIED_MIN_CLASSES = 30
"""A package root with fewer unmatched classes than this is not listed as unidentified."""

PLATFORM_ROOTS = (
    "android.",
    "androidx.",
    "dalvik.",
    "java.",
    "javax.",
    "kotlin.",
    "kotlinx.",
    "j$.",
    "sun.",
    "org.w3c.",
    "org.xml.",
    "org.json.",
    "org.apache.http.",
    "org.intellij.lang.annotations.",
    "org.jetbrains.annotations.",
    "com.google.android.material.",
    "com.android.internal.",
)
"""Platform, language-runtime and toolchain packages: never an SDK, never unidentified."""

_COMPONENT_TAGS = ("activity", "activity-alias", "service", "receiver", "provider")
_PERMISSION_TAGS = ("permission", "uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m")
# Where the package manager extracts native libraries from (APK lib/<abi>/, AAR jni/<abi>/);
# a .so elsewhere (assets/) is data until the app copies it, and is matched as an asset.
_NATIVE_DIR = re.compile(r"(?:^|/)(?:lib|jni)/[^/]+/[^/]+$")
_CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}
_CODE = "code"
# Organisation namespaces that hold many unrelated products: unidentified code under
# them is listed per product ("com.google.gson", "com.google.zxing"), not as one blob.
_MULTI_PRODUCT = frozenset({
    "com.google", "com.google.android", "com.facebook", "com.android", "org.apache", "org.eclipse",
    "com.github", "io.github", "com.squareup", "com.jakewharton", "com.tencent", "com.alibaba",
    "com.baidu", "com.huawei", "com.amazon", "com.amazonaws", "com.microsoft", "org.jetbrains",
})
# First segments of reverse-domain package names; others ("okhttp3", "retrofit2") are one-word roots.
_DOMAIN_ROOTS = frozenset({"com", "org", "net", "io", "edu", "gov", "info", "biz", "co", "me", "app", "dev", "tv"})


class _Glob(NamedTuple):
    owner: int
    pattern: str
    regex: re.Pattern[str] | None
    """None for plain strings, compared for equality (prefix for components)."""

    def matches(self, value: str, prefix_ok: bool = False) -> bool:
        if self.regex is not None:
            return self.regex.fullmatch(value) is not None
        return value.startswith(self.pattern) if prefix_ok else value == self.pattern


class _Knowledge(NamedTuple):
    sig_index: SignatureIndex
    native: tuple[_Glob, ...]
    components: tuple[_Glob, ...]
    meta_exact: dict[str, tuple[_Glob, ...]]
    meta_globs: tuple[_Glob, ...]
    permissions: tuple[_Glob, ...]
    assets: tuple[_Glob, ...]


def _glob(owner: int, pattern: str) -> _Glob:
    has_magic = any(ch in pattern for ch in "*?[")
    return _Glob(owner, pattern, re.compile(fnmatch.translate(pattern)) if has_magic else None)


def _owner_globs(index: SignatureIndex, sigs: Sequence[Signature], attr: str) -> tuple[_Glob, ...]:
    owner_by_id = {sig.id: i for i, sig in enumerate(index.owners)}
    folded = {alias: owner for owner, aliases in index.folded.items() for alias in aliases}
    out: dict[tuple[int, str], _Glob] = {}
    for sig in sigs:
        owner = owner_by_id.get(sig.id, folded.get(sig.id))
        if owner is None:
            continue
        for pattern in getattr(sig, attr):
            out.setdefault((owner, pattern), _glob(owner, pattern))
    return tuple(out.values())


@functools.cache
def _knowledge() -> _Knowledge:
    sigs = signatures()
    index = SignatureIndex(sigs)
    meta = _owner_globs(index, sigs, "manifest_meta_data")
    exact: dict[str, list[_Glob]] = {}
    for g in meta:
        if g.regex is None:
            exact.setdefault(g.pattern, []).append(g)
    return _Knowledge(
        sig_index=index,
        native=_owner_globs(index, sigs, "native_libs"),
        components=_owner_globs(index, sigs, "manifest_components"),
        meta_exact={k: tuple(v) for k, v in exact.items()},
        meta_globs=tuple(g for g in meta if g.regex is not None),
        permissions=_owner_globs(index, sigs, "manifest_permissions"),
        assets=_owner_globs(index, sigs, "assets"),
    )


class _Collector:
    """Non-class evidence per owner: (kind, pattern) -> tally, plus which kinds are independent."""

    __slots__ = ("evidence", "independent")

    def __init__(self) -> None:
        self.evidence: dict[int, dict[tuple[str, str], PatternHits]] = {}
        self.independent: dict[int, set[str]] = {}

    def add(self, owner: int, kind: str, pattern: str, item: str, independent_kind: str) -> None:
        per_owner = self.evidence.setdefault(owner, {})
        per_owner.setdefault((kind, pattern), PatternHits()).add(item)
        self.independent.setdefault(owner, set()).add(independent_kind)


# -- the manifest and the file list ----------------------------------------------


def _manifest_package(manifest: XmlElement | None) -> str | None:
    if manifest is None:
        return None
    package = manifest.get("package")
    return package if isinstance(package, str) and package else None


def _components(manifest: XmlElement, package: str | None) -> Iterable[str]:
    for tag in _COMPONENT_TAGS:
        for node in manifest.iter(tag):
            name = node.get("name")
            if isinstance(name, str) and name:
                yield component_class_name(package, name)


def _strings(manifest: XmlElement, tags: Iterable[str]) -> Iterable[str]:
    for tag in tags:
        for node in manifest.iter(tag):
            name = node.get("name")
            if isinstance(name, str) and name:
                yield name


def _under(name: str, packages: Sequence[str]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def _own_packages(manifest: XmlElement | None, package: str | None, defined: frozenset[str]) -> tuple[str, ...]:
    """The app's own packages: its manifest package, and the build namespace its application
    class and launcher activities sit in when that differs (``cn.jiguang.jmlinkdemo`` in an
    app whose package is ``com.jiguang.jmlinkdemo``): the package holding the ``BuildConfig``
    the app module's build generated, at or above those classes."""
    own = [package] if package else []
    if manifest is None:
        return tuple(own)
    entry_points: list[str] = []
    for app in manifest.findall("application"):
        name = app.get("name")
        if isinstance(name, str) and name:
            entry_points.append(component_class_name(package, name))
        for tag in ("activity", "activity-alias"):
            for comp in app.findall(tag):
                launcher = any(
                    a.get("name") == "android.intent.action.MAIN"
                    for f in comp.findall("intent-filter") for a in f.findall("action")
                )
                name = comp.get("name")
                if launcher and isinstance(name, str) and name:
                    entry_points.append(component_class_name(package, name))
    for entry in entry_points:
        if _under(entry, own):
            continue
        parts = entry.split(".")[:-1]
        for n in range(len(parts), 1, -1):
            candidate = ".".join(parts[:n])
            if f"{candidate}.BuildConfig" in defined:
                own.append(candidate)
                break
    return tuple(dict.fromkeys(own))


def _manifest_evidence(
    knowledge: _Knowledge, manifest: XmlElement, package: str | None, first_party: tuple[str, ...], out: _Collector
) -> None:
    for component in dict.fromkeys(_components(manifest, package)):
        if not _under(component, first_party):
            for rule in knowledge.sig_index.match_name(component):
                out.add(rule.owner, "manifest-component", rule.pattern, component, _CODE)
        for g in knowledge.components:
            if g.matches(component, prefix_ok=True):
                out.add(g.owner, "manifest-component", g.pattern, component, "manifest-component")
    for key in dict.fromkeys(_strings(manifest, ("meta-data",))):
        for g in knowledge.meta_exact.get(key, ()):
            out.add(g.owner, "manifest-meta-data", g.pattern, key, "manifest-meta-data")
        for g in knowledge.meta_globs:
            if g.matches(key):
                out.add(g.owner, "manifest-meta-data", g.pattern, key, "manifest-meta-data")
    for permission in dict.fromkeys(_strings(manifest, _PERMISSION_TAGS)):
        for g in knowledge.permissions:
            if g.matches(permission):
                out.add(g.owner, "manifest-permission", g.pattern, permission, "manifest-permission")


def _file_evidence(knowledge: _Knowledge, file_names: Sequence[str], out: _Collector) -> None:
    libs: dict[str, list[str]] = {}
    assets: list[str] = []
    for path in file_names:
        base = path.rpartition("/")[2]
        if base.endswith(".so") and _NATIVE_DIR.search(path):
            libs.setdefault(base, []).append(path)
        if path.startswith("assets/") or "/assets/" in path:
            assets.append(path)
    for base, paths in libs.items():
        for g in knowledge.native:
            if g.matches(base):
                for path in paths:
                    out.add(g.owner, "native-lib", g.pattern, path, "native-lib")
    for path in assets:
        # Nested inputs prefix paths ("base/assets/x"); globs are written from "assets/".
        relative = path[path.find("assets/") :]
        for g in knowledge.assets:
            if g.matches(relative):
                out.add(g.owner, "asset", g.pattern, path, "asset")


# -- unidentified libraries --------------------------------------------------------


def _is_platform(package: str) -> bool:
    return (package + ".").startswith(PLATFORM_ROOTS)


def _org_depth(first_segment: str) -> int:
    return 2 if first_segment in _DOMAIN_ROOTS or len(first_segment) == 2 else 1


def _looks_obfuscated_root(root: str) -> bool:
    # "a.b" after R8 renaming names nobody: listing it would not help anyone identify it.
    return all(len(segment) <= 2 for segment in root.split("."))


class _Node:
    __slots__ = ("direct", "total", "children")

    def __init__(self) -> None:
        self.direct = 0
        self.total = 0
        self.children: dict[str, _Node] = {}


def _unidentified(unmatched: dict[str, int], skip: tuple[str, ...], minimum: int) -> list[UnidentifiedLibrary]:
    root = _Node()
    for package, count in unmatched.items():
        if not package or _is_platform(package) or _under(package, skip):
            continue
        node = root
        node.total += count
        for segment in package.split("."):
            node = node.children.setdefault(segment, _Node())
            node.total += count
        node.direct += count
    out: list[UnidentifiedLibrary] = []

    def visit(node: _Node, path: list[str]) -> None:
        if node.total < minimum:
            return
        name = ".".join(path)
        if not path or len(path) < _org_depth(path[0]) or name in _MULTI_PRODUCT:
            # Above the organisation level, or a namespace of unrelated products: list
            # each big child on its own; the small ones are different libraries, not one.
            for segment, child in node.children.items():
                visit(child, [*path, segment])
            return
        # Descend while one sub-package holds (nearly) everything: "com.bumptech" -> "com.bumptech.glide".
        while not node.direct and node.children:
            segment, child = max(node.children.items(), key=lambda item: item[1].total)
            if child.total * 10 < node.total * 9:
                break
            node, path = child, [*path, segment]
        name = ".".join(path)
        if not _looks_obfuscated_root(name):
            out.append(UnidentifiedLibrary(name, node.total))

    visit(root, [])
    out.sort(key=lambda lib: (-lib.class_count, lib.package))
    return out


def _app_packages(package: str | None) -> tuple[str, ...]:
    if not package:
        return ()
    segments = package.split(".")
    if len(segments) >= 3 and _org_depth(segments[0]) == 2:
        org = ".".join(segments[:2])
        if org not in _MULTI_PRODUCT:
            return (package, org)
    return (package,)


# -- findings ----------------------------------------------------------------------


def _confidence(class_count: int, kinds: set[str]) -> str:
    if class_count >= 10 or len(kinds) >= 2:
        return "high"
    if class_count >= 2 or kinds & {"native-lib", "manifest-component"}:
        return "medium"
    return "low"


def _class_evidence(match: ClassMatch) -> dict[int, list[SdkEvidence]]:
    out: dict[int, list[SdkEvidence]] = {}
    for rule, hits in sorted(match.hits.items(), key=lambda item: (-item[1].count, item[0].pattern)):
        out.setdefault(rule.owner, []).append(
            SdkEvidence(rule.kind, rule.pattern, hits.count, tuple(hits.examples))
        )
    return out


def _finding(
    sig: Signature,
    aliases: tuple[str, ...],
    class_count: int,
    renamed: int,
    evidence: list[SdkEvidence],
    kinds: set[str],
) -> SdkFinding:
    return sig.finding(
        confidence=_confidence(class_count, kinds),
        class_count=class_count,
        evidence=evidence,
        obfuscated=class_count > 0 and renamed * 2 >= class_count,
        extra_aliases=aliases,
    )


def _anchored(sig: Signature, class_names: Sequence[str], kinds: set[str]) -> bool:
    """Whether the classes matched for ``sig`` are its code: always, unless the signature names
    anchors and neither one of them nor its native library is in the package."""
    if not sig.code_anchors or "native-lib" in kinds:
        return True
    return any(name.startswith(sig.code_anchors) for name in class_names)


def _owner_rules(index: SignatureIndex, match: ClassMatch) -> tuple[OwnerRule, ...]:
    rules: list[OwnerRule] = []
    for rule in match.hits:
        if rule.kind != "class-regex":
            rules.append(OwnerRule(rule.kind, rule.pattern, index.owners[rule.owner].id))
    rules.extend(OwnerRule("class", name, index.owners[owner].id) for name, owner in match.regex_classes.items())
    return tuple(sorted(rules, key=lambda r: (-len(r.pattern), r.pattern, r.sdk_id)))


def detect_sdks(art: AndroidArtifact, *, min_unidentified: int = UNIDENTIFIED_MIN_CLASSES) -> SdkReport:
    """Identify the SDKs inside ``art`` and list the big code it could not identify."""
    knowledge = _knowledge()
    index = knowledge.sig_index
    package = _manifest_package(art.manifest)
    is_app = art.input.kind in APP_KINDS
    first_party = _own_packages(art.manifest, package, art.defined_classes) if is_app else ()

    match = index.match_classes(art.class_names, first_party)
    extra = _Collector()
    if art.manifest is not None:
        _manifest_evidence(knowledge, art.manifest, package, first_party, extra)
    _file_evidence(knowledge, art.file_names, extra)

    class_evidence = _class_evidence(match)
    findings: list[SdkFinding] = []
    for owner in sorted(set(match.owned) | set(extra.evidence)):
        kinds = set(extra.independent.get(owner, set()))
        class_count = match.owned.get(owner, 0)
        evidence = list(class_evidence.get(owner, ()))
        if class_count and not _anchored(index.owners[owner], art.class_names, kinds):
            class_count, evidence = 0, []
        for (kind, pattern), tally in sorted(extra.evidence.get(owner, {}).items()):
            evidence.append(SdkEvidence(kind, pattern, tally.count, tuple(tally.examples)))
        if not evidence:
            continue
        if class_count:
            kinds.add(_CODE)
        findings.append(
            _finding(index.owners[owner], (*index.folded.get(owner, ()), *sorted(match.exodus_ids.get(owner, ()))), class_count,
                     match.renamed.get(owner, 0), evidence, kinds)
        )
    findings.sort(key=lambda f: (-_CONFIDENCE_RANK[f.confidence], -f.class_count, f.id))

    app_packages = _app_packages(package) if is_app else ()
    return SdkReport(
        sdks=tuple(findings),
        unidentified=tuple(_unidentified(match.unmatched, app_packages, min_unidentified)),
        app_packages=app_packages,
        owner_rules=_owner_rules(index, match),
        first_party_packages=first_party,
    )


def signature_index() -> SignatureIndex:
    """The index ``detect_sdks`` uses (built once), for benchmarks and tools."""
    return _knowledge().sig_index

