"""Manifest and configuration risk findings (rules AND001-AND008)."""

from __future__ import annotations

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.android.manifest import ManifestFacts, as_bool
from datatrail.formats.common.xmltree import XmlElement
from datatrail.knowledge.rules import make_finding
from datatrail.model.report import Evidence, Finding, Severity

__all__ = ["manifest_findings", "OLD_TARGET_SDK"]

OLD_TARGET_SDK = 34
"""Google Play has required targetSdk 34 for updates since 31 August 2024."""

_LAUNCHER_ACTIONS = {"android.intent.action.MAIN"}


def manifest_findings(art: AndroidArtifact, facts: ManifestFacts) -> list[Finding]:
    if art.manifest is None:
        return []
    subject = facts.identity.package or art.input.sha256
    where = art.manifest_where
    app = next(iter(art.manifest.findall("application")), XmlElement("application"))
    if art.input.kind == "aar":
        # A library's <application> attributes are overridden in the app's merged
        # manifest; only the components it contributes end up in every app.
        return _component_findings(facts, subject, where)
    out: list[Finding] = []

    def flag(attr: str) -> bool | None:
        return as_bool(art.resolve(app.get(attr)))

    if flag("debuggable"):
        out.append(make_finding("AND001", subject, "debuggable", "android:debuggable=\"true\" on <application>.",
                                (Evidence(where, 'application android:debuggable="true"'),)))
    backup = flag("allowBackup")
    if backup is None or backup:
        detail = 'application android:allowBackup="true"' if backup else "android:allowBackup not set (defaults to true)"
        out.append(make_finding("AND002", subject, "allowBackup", "App data may be included in device backups and transfers.",
                                (Evidence(where, detail),)))
    if as_bool(art.resolve(art.manifest.get("testOnly"))) or flag("testOnly"):
        out.append(make_finding("AND007", subject, "testOnly", "android:testOnly=\"true\".", (Evidence(where, "android:testOnly=\"true\""),)))

    target = facts.identity.target_sdk
    if target is not None and target < OLD_TARGET_SDK:
        sev = Severity.HIGH if target < 23 else Severity.MEDIUM
        note = " (before runtime permissions: every dangerous permission is granted at install)" if target < 23 else ""
        out.append(make_finding("AND008", subject, "targetSdk", f"targetSdkVersion is {target}, below {OLD_TARGET_SDK}{note}.",
                                (Evidence(where, f"uses-sdk android:targetSdkVersion={target}"),), severity=sev))

    out.extend(_cleartext_findings(art, app, facts, subject))
    out.extend(_component_findings(facts, subject, where))
    return out


def _cleartext_findings(art: AndroidArtifact, app: XmlElement, facts: ManifestFacts, subject: str) -> list[Finding]:
    out: list[Finding] = []
    where = art.manifest_where
    nsc = art.network_security_config
    attr = as_bool(art.resolve(app.get("usesCleartextTraffic")))
    target = facts.identity.target_sdk
    base_permits: bool | None = None
    if nsc is not None:
        path, root = nsc
        for base in root.findall("base-config"):
            base_permits = as_bool(base.get("cleartextTrafficPermitted"))
            if _trusts_user_cas(base):
                out.append(make_finding("AND005", subject, "base-config", "The base config trusts user-installed CAs for every host.",
                                        (Evidence(path, "base-config > trust-anchors > certificates src=\"user\""),)))
        for dc in root.iter("domain-config"):
            domains = tuple(d.text for d in dc.findall("domain") if d.text)
            key = ",".join(sorted(domains))
            if as_bool(dc.get("cleartextTrafficPermitted")):
                out.append(make_finding("AND004", subject, key, f"Cleartext HTTP permitted for: {', '.join(domains) or '(no domain)'}.",
                                        tuple(Evidence(path, f"domain-config cleartextTrafficPermitted=\"true\" domain {d}") for d in domains)
                                        or (Evidence(path, "domain-config cleartextTrafficPermitted=\"true\""),)))
            if _trusts_user_cas(dc):
                out.append(make_finding("AND005", subject, "domain:" + key, f"User-installed CAs trusted for: {', '.join(domains)}.",
                                        (Evidence(path, "domain-config > trust-anchors > certificates src=\"user\""),)))
        if base_permits:
            out.append(make_finding("AND003", subject, "cleartext", "The network security config's base-config permits cleartext traffic.",
                                    (Evidence(path, 'base-config cleartextTrafficPermitted="true"'),)))
    # The manifest attribute applies only when no config says otherwise.
    if base_permits is None:
        if attr:
            out.append(make_finding("AND003", subject, "cleartext", "android:usesCleartextTraffic=\"true\".",
                                    (Evidence(where, 'application android:usesCleartextTraffic="true"'),)))
        elif attr is None and target is not None and target < 28:
            out.append(make_finding("AND003", subject, "cleartext", f"Cleartext traffic is allowed by default for targetSdk {target} (< 28).",
                                    (Evidence(where, f"no usesCleartextTraffic and targetSdkVersion={target}"),), severity=Severity.LOW))
    return out


def _trusts_user_cas(config: XmlElement) -> bool:
    return any(c.get("src") == "user" for t in config.findall("trust-anchors") for c in t.findall("certificates"))


def _component_findings(facts: ManifestFacts, subject: str, where: str) -> list[Finding]:
    out: list[Finding] = []
    for comp in facts.components:
        if not comp.exported or comp.permission:
            continue
        if comp.kind in ("activity", "activity-alias") and _LAUNCHER_ACTIONS & set(comp.intent_actions):
            continue  # the launcher entry point is meant to be public
        sev = Severity.HIGH if comp.kind == "provider" else None
        out.append(make_finding(
            "AND006", subject, f"{comp.kind}:{comp.name}",
            f"Exported {comp.kind} {comp.name} ({comp.exported_reason}) requires no permission.",
            (Evidence(where, f"<{comp.kind} android:name=\"{comp.name}\">" + (f" actions: {', '.join(comp.intent_actions[:5])}" if comp.intent_actions else "")),),
            severity=sev,
        ))
    return out
