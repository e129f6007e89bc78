"""The static scan pipeline: file -> artifact -> facts and findings -> report.

Android packages and iOS inputs (IPA, .app, frameworks, static libraries,
Mach-O) are told apart by content and go through their own loader and
detectors into the same report model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from datatrail.assess.data_access import attribute_data_access
from datatrail.assess.destinations import build_destinations
from datatrail.assess.ownership import Ownership
from datatrail.assess.resolve import Resolver, resolve_hosts, system_resolver
from datatrail.detectors.data_access import detect_data_access
from datatrail.detectors.destination_risks import destination_findings
from datatrail.detectors.endpoints import extract_endpoints
from datatrail.detectors.manifest import read_manifest
from datatrail.detectors.manifest_risks import manifest_findings
from datatrail.detectors.sdks import detect_sdks
from datatrail.detectors.signing import signing_findings
from datatrail.knowledge.datasets import dataset_refs
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.loaders.android import load_android
from datatrail.detectors.ios_bundle import BinaryFacts, app_identity, binary_facts, build_bundle
from datatrail.detectors.ios_endpoints import collect_strings, ios_destinations, ios_endpoints
from datatrail.detectors.ios_knowledge import ios_dataset_ref
from datatrail.detectors.ios_plist import usage_permissions
from datatrail.detectors.ios_privacy import PrivacyContext, api_categories_used, privacy_findings
from datatrail.detectors.ios_risks import ios_findings
from datatrail.detectors.ios_sdks import IosSdkInput, IosSdkResult, class_names_by_binary, detect_ios_sdks, frameworks_of
from datatrail.loaders.ios import IosArtifact, NotIosArchive, is_ios_input, load_ios
from datatrail.model.endpoint import Endpoint
from datatrail.model.report import Report, ToolInfo
from datatrail.model.resolution import Resolution

__all__ = ["ScanOptions", "scan_file", "VIEWERS", "Clock"]

VIEWERS = ("eu", "uk", "us")
"""Viewer regions whose jurisdiction flags the data knows."""


@dataclass(frozen=True, slots=True)
class ScanOptions:
    limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)
    viewer: str = "eu"
    """Whose law the destination flags take the point of view of (GDPR third countries for "eu")."""
    resolve: bool = False
    """Resolve the hosts found (the only network use, and off by default)."""
    resolver: Resolver = system_resolver
    resolver_name: str | None = None
    resolve_timeout: float = 10.0


class Clock:
    """Seconds per pipeline stage, for ``Report.timings``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._last, 4)
        self._last = now


def scan_file(path: Path | str, options: ScanOptions = ScanOptions()) -> Report:
    """Scan one input file (or an iOS bundle folder). Raises datatrail.InputError when it cannot be analysed."""
    path = Path(path)
    if is_ios_input(path):
        try:
            return _scan_ios(path, options)
        except NotIosArchive:
            pass  # names that only looked like an iOS layout: the Android loader decides
    return _scan_android(path, options)


def _scan_android(path: Path, options: ScanOptions) -> Report:
    from datatrail import __version__

    clock = Clock()
    art = load_android(path, options.limits)
    clock.lap("load")
    facts = read_manifest(art)
    subject = facts.identity.package or art.input.sha256
    clock.lap("manifest")
    sdks = detect_sdks(art)
    ownership = Ownership(sdks, facts.identity.package)
    clock.lap("sdks")
    data_access = attribute_data_access(detect_data_access(art), ownership, facts.permissions, facts.identity.target_sdk)
    clock.lap("data_access")
    endpoints = extract_endpoints(art)
    clock.lap("endpoints")
    resolutions = None
    if options.resolve:
        hosts = [e.host for e in endpoints.endpoints if not e.is_ip]
        resolutions = resolve_hosts(hosts, options.resolver, options.resolver_name, options.resolve_timeout)
        clock.lap("resolve")
    destinations = build_destinations(art, endpoints.endpoints, sdks, ownership, options.viewer, resolutions)
    clock.lap("attribution")
    findings = manifest_findings(art, facts) + signing_findings(art, subject) + destination_findings(destinations, subject)
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.fingerprint))
    clock.lap("findings")
    return Report(
        tool=ToolInfo("datatrail", __version__),
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        inputs=(art.input,),
        app=facts.identity,
        permissions=facts.permissions,
        custom_permissions=facts.custom_permissions,
        components=facts.components,
        findings=tuple(findings),
        certificates=tuple(art.certificates),
        diagnostics=tuple(art.log.items),
        diagnostics_dropped=art.log.dropped,
        datasets=dataset_refs(),
        sdks=sdks.sdks,
        unidentified_libraries=sdks.unidentified,
        data_access=data_access,
        destinations=destinations,
        app_links=endpoints.app_links,
        viewer=options.viewer,
        timings=clock.timings,
    )


def _resolve(endpoints: tuple[Endpoint, ...], options: ScanOptions, clock: Clock) -> dict[str, Resolution] | None:
    if not options.resolve:
        return None
    hosts = [e.host for e in endpoints if not e.is_ip]
    resolutions = resolve_hosts(hosts, options.resolver, options.resolver_name, options.resolve_timeout)
    clock.lap("resolve")
    return resolutions


def _sdk_input(art: IosArtifact, facts: list[BinaryFacts]) -> IosSdkInput:
    places: list[tuple[str, str]] = []
    binary_of = {b.location.rpartition("/")[0]: b.location for b in art.binaries if b.role in ("framework", "extension")}
    for role, path, _info in art.bundles:
        places.append((path, binary_of.get(path.rstrip("/"), path.rstrip("/"))))
    for f in facts:
        for sl in f.binary.macho.slices[:1]:
            places.extend((d, f"linked by {f.binary.location}") for d in sl.dylibs)
    if art.bundle_kind != "app":
        places.extend((n, n) for n in art.file_names if n.endswith((".a", ".dylib", ".framework/", ".xcframework/")))
        places.append((Path(art.input.path).name, art.input.path))
    return IosSdkInput(
        classes=class_names_by_binary([(f.binary.location, f.classes) for f in facts]),
        frameworks=frameworks_of(places),
    )


def _sdk_homes(sdks: IosSdkResult, art: IosArtifact) -> dict[str, list[str]]:
    """SDK id -> the bundles (framework, resource bundle or folder names) it was found in."""
    homes: dict[str, list[str]] = {}
    for where, (sdk_id, _name) in sdks.binary_owner.items():
        for part in reversed(where.split("/")[:-1]):
            if part.endswith((".framework", ".bundle", ".appex")):
                homes.setdefault(sdk_id, []).append(part)
                break
        else:
            if art.bundle_kind != "app":
                homes.setdefault(sdk_id, []).append(Path(art.input.path).name)
    return {k: list(dict.fromkeys(v)) for k, v in homes.items()}


def _default_owner(sdks: IosSdkResult, art: IosArtifact) -> tuple[str, str] | None:
    """For a library or framework input that is one SDK, every string is that SDK's."""
    if art.bundle_kind == "app":
        return None
    strong = [s for s in sdks.report.sdks if s.confidence in ("high", "medium")]
    return (strong[0].id, strong[0].name) if len(strong) == 1 else None


def _scan_ios(path: Path, options: ScanOptions) -> Report:
    from datatrail import __version__

    clock = Clock()
    art = load_ios(path, options.limits)
    clock.lap("load")
    facts = [binary_facts(b) for b in art.binaries]
    bundle = build_bundle(art, facts)
    subject = bundle.bundle_id or art.input.sha256
    clock.lap("plists")
    sdks = detect_ios_sdks(_sdk_input(art, facts))
    clock.lap("sdks")
    endpoints = ios_endpoints(collect_strings(facts, art.texts), bundle.bundle_id)
    clock.lap("endpoints")
    resolutions = _resolve(endpoints.endpoints, options, clock)
    destinations = ios_destinations(endpoints.endpoints, sdks.binary_owner, _default_owner(sdks, art), options.viewer, resolutions)
    clock.lap("attribution")
    names = {n for f in facts for n in f.strings}
    names.update(s[len("_OBJC_CLASS_$_"):] if s.startswith("_OBJC_CLASS_$_") else s for f in facts for s in f.symbols)
    privacy = PrivacyContext(
        subject=subject,
        is_app=art.bundle_kind == "app",
        manifests=bundle.privacy_manifests,
        sdks=sdks.report.sdks,
        sdk_homes=_sdk_homes(sdks, art),
        usages=bundle.usage_descriptions,
        destinations=destinations,
        api_use=api_categories_used(names),
    )
    findings = ios_findings(bundle, subject, art.info_where) + privacy_findings(privacy) + destination_findings(destinations, subject)
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.fingerprint))
    clock.lap("findings")
    return Report(
        tool=ToolInfo("datatrail", __version__),
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        inputs=(art.input,),
        app=app_identity(bundle, sum(len(f.classes) for f in facts)),
        permissions=usage_permissions(bundle.usage_descriptions),
        custom_permissions=(),
        components=(),
        findings=tuple(findings),
        certificates=(),
        diagnostics=tuple(art.log.items),
        diagnostics_dropped=art.log.dropped,
        datasets=(*dataset_refs(), ios_dataset_ref()),
        sdks=sdks.report.sdks,
        destinations=destinations,
        viewer=options.viewer,
        timings=clock.timings,
        ios=bundle,
    )
