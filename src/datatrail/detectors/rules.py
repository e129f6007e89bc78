"""The rule catalogue: stable IDs, names and default severities.

IDs are ``PREFIX###`` and are never reused; a retired rule keeps its number.
AND = Android manifest and configuration, SIG = signing, DST = destinations.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from datatrail.model.report import Evidence, Finding, Severity

__all__ = ["Rule", "RULES", "make_finding"]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    title: str
    severity: Severity
    help: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("AND001", "debuggable", "App is debuggable", Severity.HIGH,
             "android:debuggable lets anyone with USB access attach a debugger and read the app's memory and files."),
        Rule("AND002", "allow-backup", "App data can be backed up", Severity.LOW,
             "android:allowBackup (true by default) lets the app's private data be copied off the device by backup tools."),
        Rule("AND003", "cleartext-traffic", "Unencrypted HTTP allowed app-wide", Severity.MEDIUM,
             "Cleartext traffic is permitted for all hosts, so data can travel unencrypted and be read or altered in transit."),
        Rule("AND004", "cleartext-domain", "Unencrypted HTTP allowed for specific domains", Severity.MEDIUM,
             "The network security config permits cleartext traffic to these domains."),
        Rule("AND005", "user-ca-trusted", "User-installed certificate authorities trusted", Severity.MEDIUM,
             "The network security config trusts user-added CAs, so a CA installed on the device can intercept TLS traffic."),
        Rule("AND006", "exported-component", "Component reachable by other apps without a permission", Severity.MEDIUM,
             "An exported activity, service, receiver or provider with no permission can be started or queried by any app."),
        Rule("AND007", "test-only", "App is marked test-only", Severity.HIGH,
             "android:testOnly is meant for development builds; such packages should never reach users."),
        Rule("AND008", "old-target-sdk", "Targets an old Android version", Severity.MEDIUM,
             "Apps targeting old API levels opt out of newer privacy protections (runtime permissions, scoped storage, background location limits)."),
        Rule("SIG001", "debug-certificate", "Signed with a debug certificate", Severity.HIGH,
             "The Android debug key is public to every developer; an app signed with it can be replaced by anyone."),
        Rule("SIG002", "unsigned", "No signature found", Severity.MEDIUM,
             "No v1 JAR signature nor APK Signing Block was found; Android will not install the package as is."),
        Rule("DST001", "state-access-destination", "Destination reachable by a state-access law", Severity.HIGH,
             "The code names hosts run by an organisation (or located in a country) whose law compels handing data to the state."),
        Rule("DST002", "third-country-destination", "Destination in a third country without adequacy", Severity.MEDIUM,
             "For a viewer in the EU/EEA: the organisation or server is outside the EEA in a country without an EU adequacy decision."),
        Rule("DST003", "cleartext-endpoint", "Unencrypted URL in the package", Severity.LOW,
             "The package names http:// or ws:// URLs; data sent there can be read and altered in transit."),
    )
}


def make_finding(rule_id: str, subject: str, key: str, message: str, evidence: tuple[Evidence, ...], severity: Severity | None = None) -> Finding:
    """A finding whose fingerprint depends only on the rule, the app and the occurrence key."""
    rule = RULES[rule_id]
    digest = hashlib.sha256(f"{rule_id}\0{subject}\0{key}".encode()).hexdigest()[:32]
    return Finding(rule_id, rule.title, severity or rule.severity, message, evidence, digest)
