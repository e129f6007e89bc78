"""The iOS pipeline: IPA, .app, framework, static library or Mach-O -> plists, binaries, SDKs,
endpoints, destinations, privacy manifests and findings."""

from __future__ import annotations

from itertools import chain
from pathlib import Path

from datatrail.app.ios.bundle import BinaryFacts, app_identity, binary_facts, build_bundle
from datatrail.app.ios.endpoints import collect_strings, ios_destinations, ios_endpoints
from datatrail.app.ios.findings import ios_findings
from datatrail.app.ios.info_plist import usage_permissions
from datatrail.app.ios.load import IosArtifact, load_ios
from datatrail.app.ios.privacy import PrivacyContext, api_categories_used, privacy_findings
from datatrail.app.ios.sdks import IosSdkInput, IosSdkResult, class_names_by_binary, detect_ios_sdks, frameworks_of
from datatrail.app.options import ScanOptions
from datatrail.app.shared.completeness import cap_confidence, completeness
from datatrail.app.shared.destination_findings import destination_findings
from datatrail.app.shared.destinations import by_role
from datatrail.app.stages import Clock, resolve_endpoints, timestamp, tool_info
from datatrail.knowledge.datasets import dataset_refs
from datatrail.knowledge.ios_usage import ios_dataset_ref
from datatrail.model.report import Report

__all__ = ["scan_ios"]


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


def scan_ios(path: Path, options: ScanOptions) -> Report:
    """Scan an iOS input. Raises datatrail.InputError when it cannot be analysed (NotIosArchive for a ZIP
    whose names only looked like an iOS layout)."""
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
    resolutions = resolve_endpoints(endpoints.endpoints, options, clock)
    destinations, references = by_role(
        ios_destinations(endpoints.endpoints, sdks.binary_owner, _default_owner(sdks, art), options.viewer, resolutions))
    clock.lap("attribution")
    # In file order (a set's order would change from run to run); api_categories_used keeps each name once.
    names = chain((n for f in facts for n in f.strings),
                  (s.removeprefix("_OBJC_CLASS_$_") for f in facts for s in f.symbols))
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
    done = completeness(art.log.items)
    return Report(
        tool=tool_info(),
        generated_at=timestamp(),
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
        sdks=cap_confidence(sdks.report.sdks, done),
        destinations=destinations,
        references=references,
        viewer=options.viewer,
        timings=clock.timings,
        ios=bundle,
        completeness=done,
    )
