"""The static scan pipeline: file -> artifact -> facts and findings -> report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from datatrail.detectors.manifest import read_manifest
from datatrail.detectors.manifest_risks import manifest_findings
from datatrail.detectors.signing import signing_findings
from datatrail.knowledge.datasets import dataset_refs
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.loaders.android import load_android
from datatrail.model.report import Report, ToolInfo

__all__ = ["ScanOptions", "scan_file"]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)


def scan_file(path: Path | str, options: ScanOptions = ScanOptions()) -> Report:
    """Scan one input file. Raises datatrail.InputError when it cannot be analysed."""
    from datatrail import __version__

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    art = load_android(Path(path), options.limits)
    t1 = time.perf_counter()
    timings["load"] = round(t1 - t0, 4)
    facts = read_manifest(art)
    subject = facts.identity.package or art.input.sha256
    findings = manifest_findings(art, facts) + signing_findings(art, subject)
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.fingerprint))
    timings["analyse"] = round(time.perf_counter() - t1, 4)
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
        timings=timings,
    )
