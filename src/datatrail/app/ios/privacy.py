"""Privacy manifests (PrivacyInfo.xcprivacy): what the app and its SDKs declare, and how that
compares with what the scan found.

Comparisons, each a finding with its own rule:

* IOS009: an app with no privacy manifest of its own.
* IOS010: an SDK detected in the code whose framework or folder ships no manifest.
* IOS011: a host owned by an advertising or attribution SDK named in the code but not
  declared in any ``NSPrivacyTrackingDomains``.
* IOS012: a data category implied by the usage descriptions or by the detected SDKs'
  nature that no manifest declares in ``NSPrivacyCollectedDataTypes``.
* IOS013: a required-reason API category whose API names appear in the binaries but
  that no manifest declares in ``NSPrivacyAccessedAPITypes``.
* IOS014: the app asks to track (NSUserTrackingUsageDescription) while no manifest
  sets ``NSPrivacyTracking``.

All are "present in the package" facts: a declaration missing next to code that
could collect, not proof that data was collected.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from datatrail.knowledge.ios_usage import ios_knowledge
from datatrail.knowledge.rules import make_finding
from datatrail.model.ios import AccessedApi, CollectedDataType, PrivacyManifest, UsageDescription
from datatrail.model.report import Destination, Evidence, Finding
from datatrail.model.sdk import SdkFinding

__all__ = ["read_privacy_manifest", "PrivacyContext", "privacy_findings", "api_categories_used"]

_TRACKING_SDK_CATEGORIES = frozenset({"ads", "attribution"})
_MAX_EVIDENCE = 10


def _bool(doc: Mapping[str, Any], key: str) -> bool | None:
    value = doc.get(key)
    return value if isinstance(value, bool) else None


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(dict.fromkeys(v for v in value if isinstance(v, str) and v))
    return ()


def read_privacy_manifest(doc: Mapping[str, Any], location: str, owner: str) -> PrivacyManifest:
    """The declarations of one parsed PrivacyInfo.xcprivacy; entries of the wrong shape are skipped."""
    types = ios_knowledge().data_types
    collected: list[CollectedDataType] = []
    raw = doc.get("NSPrivacyCollectedDataTypes")
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("NSPrivacyCollectedDataType"), str):
            continue
        name = item["NSPrivacyCollectedDataType"]
        collected.append(CollectedDataType(
            type=name,
            category=types.get(name),
            linked=_bool(item, "NSPrivacyCollectedDataTypeLinked"),
            tracking=_bool(item, "NSPrivacyCollectedDataTypeTracking"),
            purposes=_strs(item.get("NSPrivacyCollectedDataTypePurposes")),
        ))
    apis: list[AccessedApi] = []
    raw = doc.get("NSPrivacyAccessedAPITypes")
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, dict) and isinstance(item.get("NSPrivacyAccessedAPIType"), str):
            apis.append(AccessedApi(item["NSPrivacyAccessedAPIType"], _strs(item.get("NSPrivacyAccessedAPITypeReasons"))))
    return PrivacyManifest(
        location=location,
        owner=owner,
        tracking=_bool(doc, "NSPrivacyTracking"),
        tracking_domains=tuple(d.lower() for d in _strs(doc.get("NSPrivacyTrackingDomains"))),
        collected_data=tuple(collected),
        accessed_apis=tuple(apis),
    )


@functools.cache
def _categories_by_marker() -> dict[str, tuple[str, ...]]:
    by_name: dict[str, list[str]] = {}
    for category, markers in ios_knowledge().required_reason_apis.items():
        for marker in markers:
            by_name.setdefault(marker, []).append(category)
    return {k: tuple(v) for k, v in by_name.items()}


def api_categories_used(names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Required-reason API category -> the names (selectors, classes, symbols) that show its use,
    in the order ``names`` gives them, each once."""
    by_name = _categories_by_marker()
    found: dict[str, list[str]] = {}
    for name in names:
        for category in by_name.get(name, ()):
            hits = found.setdefault(category, [])
            if name not in hits:
                hits.append(name)
    return {k: tuple(v) for k, v in sorted(found.items())}


@dataclass(frozen=True, slots=True)
class PrivacyContext:
    subject: str
    is_app: bool
    manifests: tuple[PrivacyManifest, ...]
    sdks: tuple[SdkFinding, ...]
    sdk_homes: Mapping[str, Sequence[str]]
    """SDK id -> bundles (framework or folder names) its evidence was found in."""
    usages: tuple[UsageDescription, ...]
    destinations: tuple[Destination, ...]
    api_use: Mapping[str, Sequence[str]]
    """Required-reason API category -> names seen in the binaries."""


def _declared_categories(manifests: Sequence[PrivacyManifest]) -> set[str]:
    return {c.category for m in manifests for c in m.collected_data if c.category}


def _missing_app_manifest(ctx: PrivacyContext) -> list[Finding]:
    if not ctx.is_app or any(m.owner == "app" for m in ctx.manifests):
        return []
    return [make_finding("IOS009", ctx.subject, "app", "The app bundle ships no PrivacyInfo.xcprivacy of its own.",
                         (Evidence("PrivacyInfo.xcprivacy", "absent at the root of the app bundle"),))]


def _sdks_without_manifest(ctx: PrivacyContext) -> list[Finding]:
    owners = {m.owner for m in ctx.manifests}
    out: list[Finding] = []
    for sdk in ctx.sdks:
        homes = [h for h in ctx.sdk_homes.get(sdk.id, ()) if h]
        if any(h in owners for h in homes):
            continue
        if not ctx.is_app and ctx.manifests:
            continue  # a library folder's manifests are the SDK's own
        if ctx.is_app and not homes:
            # Linked statically into the main executable: its manifest would be merged
            # into the app's, which IOS009 and IOS012 already judge.
            continue
        where = ", ".join(homes) or "the scanned binary"
        out.append(make_finding(
            "IOS010", ctx.subject, sdk.id,
            f"{sdk.name} ({sdk.vendor}) is in the code but no privacy manifest ships with it ({where}).",
            tuple(Evidence(h, f"{sdk.name} found here, no PrivacyInfo.xcprivacy beside it") for h in homes[:_MAX_EVIDENCE])
            or (Evidence(ctx.subject, f"{sdk.name} detected; no PrivacyInfo.xcprivacy"),),
        ))
    return out


def _undeclared_tracking_domains(ctx: PrivacyContext) -> list[Finding]:
    declared = {d for m in ctx.manifests for d in m.tracking_domains}
    trackers = {s.id: s for s in ctx.sdks if _TRACKING_SDK_CATEGORIES & set(s.categories)}
    out: list[Finding] = []
    for dest in ctx.destinations:
        host = dest.endpoint.host
        owner = next((o for o in dest.owners if o.kind == "sdk" and o.id in trackers), None)
        if owner is None or dest.endpoint.is_ip:
            continue
        if any(host == d or host.endswith("." + d) for d in declared):
            continue
        src = dest.endpoint.sources[0].location if dest.endpoint.sources else host
        out.append(make_finding(
            "IOS011", ctx.subject, host,
            f"{host} is named by {owner.name}, an advertising/attribution SDK, but no privacy manifest lists it in NSPrivacyTrackingDomains.",
            (Evidence(src, host),),
        ))
    return out


def _undeclared_data(ctx: PrivacyContext) -> list[Finding]:
    if not ctx.manifests:
        return []
    declared = _declared_categories(ctx.manifests)
    implied: dict[str, list[str]] = {}
    for u in ctx.usages:
        for c in u.data_categories:
            implied.setdefault(c, []).append(f"Info.plist {u.key}")
    by_category = ios_knowledge().sdk_category_data
    for sdk in ctx.sdks:
        if sdk.confidence == "low":
            continue
        for cat in sdk.categories:
            for c in by_category.get(cat, ()):
                implied.setdefault(c, []).append(f"{sdk.name} ({cat})")
    out: list[Finding] = []
    for category, why in sorted(implied.items()):
        if category in declared:
            continue
        reasons = list(dict.fromkeys(why))
        out.append(make_finding(
            "IOS012", ctx.subject, category,
            f"'{category}' data can be collected ({'; '.join(reasons[:4])}) but no privacy manifest declares a collected data type of that category.",
            tuple(Evidence(m.location, "declares: " + (", ".join(c.type for c in m.collected_data) or "no collected data types"))
                  for m in ctx.manifests[:_MAX_EVIDENCE]),
        ))
    return out


def _undeclared_apis(ctx: PrivacyContext) -> list[Finding]:
    if not ctx.manifests:
        return []
    declared = {a.type for m in ctx.manifests for a in m.accessed_apis}
    out: list[Finding] = []
    for category, names in sorted(ctx.api_use.items()):
        if category in declared:
            continue
        out.append(make_finding(
            "IOS013", ctx.subject, category,
            f"The binaries use {category.removeprefix('NSPrivacyAccessedAPICategory')} APIs ({', '.join(names[:5])}) "
            "but no privacy manifest declares that required-reason API category.",
            tuple(Evidence(m.location, "declares: " + (", ".join(a.type for a in m.accessed_apis) or "no accessed API types"))
                  for m in ctx.manifests[:_MAX_EVIDENCE]),
        ))
    return out


def _tracking_not_declared(ctx: PrivacyContext) -> list[Finding]:
    asks = next((u for u in ctx.usages if u.key == "NSUserTrackingUsageDescription"), None)
    if asks is None or any(m.tracking for m in ctx.manifests):
        return []
    return [make_finding(
        "IOS014", ctx.subject, "tracking",
        "The app asks permission to track (NSUserTrackingUsageDescription) but no privacy manifest sets NSPrivacyTracking.",
        (Evidence("Info.plist", f"NSUserTrackingUsageDescription: {asks.text[:120]}"),),
    )]


def privacy_findings(ctx: PrivacyContext) -> list[Finding]:
    return [
        *_missing_app_manifest(ctx),
        *_sdks_without_manifest(ctx),
        *_undeclared_tracking_domains(ctx),
        *_undeclared_data(ctx),
        *_undeclared_apis(ctx),
        *_tracking_not_declared(ctx),
    ]
