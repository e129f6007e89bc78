"""Signing findings (rules SIG001-SIG002)."""

from __future__ import annotations

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.knowledge.rules import make_finding
from datatrail.model.report import Evidence, Finding

__all__ = ["signing_findings"]

_SIGNED_KINDS = ("apk", "apks", "xapk", "apkm")


def signing_findings(art: AndroidArtifact, subject: str) -> list[Finding]:
    out: list[Finding] = []
    debug = [c for c in art.certificates if c.is_debug]
    if debug:
        out.append(make_finding(
            "SIG001", subject, "debug-cert",
            "The signer certificate is the Android debug certificate.",
            tuple(Evidence(c.source, f"{c.scheme} signer {c.signer_index}: {c.subject} sha256 {c.sha256}") for c in debug),
        ))
    if not art.certificates and art.input.kind in _SIGNED_KINDS:
        out.append(make_finding(
            "SIG002", subject, "unsigned", "No signer certificate was found in the package.",
            (Evidence(art.input.path, "no META-INF signature file and no APK Signing Block"),),
        ))
    return out
