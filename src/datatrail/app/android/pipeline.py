"""The Android pipeline: package -> manifest, SDKs, data access, endpoints, destinations, findings."""

from __future__ import annotations

from pathlib import Path

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.android.data_access import detect_data_access
from datatrail.app.android.data_access_owners import attribute_data_access
from datatrail.app.android.destinations import build_destinations
from datatrail.app.android.endpoints import extract_endpoints
from datatrail.app.android.findings import manifest_findings
from datatrail.app.android.load import load_android
from datatrail.app.android.manifest import read_manifest
from datatrail.app.android.ownership import Ownership
from datatrail.app.android.sdks import detect_sdks
from datatrail.app.android.signing import signing_findings
from datatrail.app.options import ScanOptions
from datatrail.app.shared.completeness import cap_confidence, completeness
from datatrail.app.shared.destination_findings import destination_findings
from datatrail.app.shared.destinations import by_role
from datatrail.app.stages import Clock, resolve_endpoints, timestamp, tool_info
from datatrail.batch.forked import ForkedCall, ForkFailed, can_fork
from datatrail.knowledge.attribution import preload_host_tables
from datatrail.knowledge.datasets import dataset_refs
from datatrail.model.diagnostic import Diagnostic
from datatrail.model.endpoint import EndpointReport
from datatrail.model.report import Report

__all__ = ["scan_android", "PARALLEL_MIN_CODE_BYTES"]

PARALLEL_MIN_CODE_BYTES = 1_500_000
"""Below this much DEX, forking a child costs more than the stage it would take over
(measured: ~15 ms lost on a 0.6 MB-dex app, 20 ms won at 2 MB and 130 ms at 7 MB)."""

_EndpointResult = tuple[EndpointReport, list[Diagnostic], int]


def _code_bytes(art: AndroidArtifact) -> int:
    return sum(len(dex.buffer) for dex in art.dex_files)


def _endpoints_and_log(art: AndroidArtifact) -> _EndpointResult:
    """Endpoints, and the diagnostics that finding them added to the artifact's log."""
    items, dropped = len(art.log.items), art.log.dropped
    report = extract_endpoints(art)
    return report, art.log.items[items:], art.log.dropped - dropped


def _start_endpoints(art: AndroidArtifact) -> ForkedCall[_EndpointResult] | None:
    """Endpoint extraction in a child while this process scans the bytecode for data access:
    the two stages read the same package and share nothing else."""
    if not can_fork():
        return None
    preload_host_tables()  # both processes judge hosts: load the tables once, before the split
    # Views both processes read are parsed here, once: otherwise each process would parse
    # its own copy and the diagnostics they raise would be reported twice.
    _ = art.resources, art.network_security_config
    try:
        return ForkedCall(_endpoints_and_log, art)
    except OSError:  # no process or pipe to spare: run it here
        return None


def _finish_endpoints(art: AndroidArtifact, forked: ForkedCall[_EndpointResult] | None) -> EndpointReport:
    if forked is not None:
        try:
            report, items, dropped = forked.result()
        except ForkFailed:
            pass
        else:
            # A damaged DEX reports once per process (each has its own "already said" set):
            # what this process has already said is not said again.
            said = set(art.log.items)
            art.log.extend([d for d in items if d not in said], dropped)
            return report
    return extract_endpoints(art)


def scan_android(path: Path, options: ScanOptions) -> Report:
    """Scan an Android package or code file. Raises datatrail.InputError when it cannot be analysed."""
    clock = Clock()
    art = load_android(path, options.limits, threads=2 if options.parallel else 1)
    clock.lap("load")
    # Endpoints need only the loaded package: the child starts now, beside everything up to data access.
    forked = _start_endpoints(art) if options.parallel and _code_bytes(art) >= PARALLEL_MIN_CODE_BYTES else None
    try:
        facts = read_manifest(art)
        subject = facts.identity.package or art.input.sha256
        clock.lap("manifest")
        sdks = detect_sdks(art)
        ownership = Ownership(sdks, facts.identity.package)
        clock.lap("sdks")
        data_access = attribute_data_access(detect_data_access(art), ownership, facts.permissions, facts.identity.target_sdk)
        clock.lap("data_access")
        endpoints = _finish_endpoints(art, forked)
    finally:
        if forked is not None:
            forked.cancel()
    clock.lap("endpoints")
    resolutions = resolve_endpoints(endpoints.endpoints, options, clock)
    destinations, references = by_role(build_destinations(art, endpoints.endpoints, sdks, ownership, options.viewer, resolutions))
    clock.lap("attribution")
    findings = manifest_findings(art, facts) + signing_findings(art, subject) + destination_findings(destinations, subject)
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.fingerprint))
    clock.lap("findings")
    done = completeness(art.log.items, [(dex.class_defs_declared, dex.class_defs_present) for dex in art.dex_files])
    return Report(
        tool=tool_info(),
        generated_at=timestamp(),
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
        sdks=cap_confidence(sdks.sdks, done),
        unidentified_libraries=sdks.unidentified,
        data_access=data_access,
        destinations=destinations,
        references=references,
        app_links=endpoints.app_links,
        viewer=options.viewer,
        timings=clock.timings,
        completeness=done,
    )
