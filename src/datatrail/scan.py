"""The static scan pipeline: file -> artifact -> facts and findings -> report."""

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
from datatrail.model.report import Report, ToolInfo

__all__ = ["ScanOptions", "scan_file", "VIEWERS"]

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


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._last, 4)
        self._last = now


def scan_file(path: Path | str, options: ScanOptions = ScanOptions()) -> Report:
    """Scan one input file. Raises datatrail.InputError when it cannot be analysed."""
    from datatrail import __version__

    clock = _Clock()
    art = load_android(Path(path), options.limits)
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
