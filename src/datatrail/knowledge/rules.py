"""The rule catalogue: stable IDs, names and default severities.

IDs are ``PREFIX###`` and are never reused; a retired rule keeps its number.
AND = Android manifest and configuration, SIG = signing, DST = destinations,
IOS = iOS bundle configuration, signing and privacy manifests,
NET = personal data seen in captured traffic (datatrail.capture.personal_data).
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from datatrail.model.report import Evidence, Finding, Severity

__all__ = ["Rule", "RULES", "make_finding"]


class Rule(NamedTuple):
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
        Rule("DST004", "country-of-concern-destination", "Destination in a US country of concern", Severity.MEDIUM,
             "For a viewer in the US: the organisation or server is in a country of concern under 28 CFR part 202 (and, for some, PADFA); giving such countries access to bulk sensitive data is restricted."),
        Rule("IOS001", "ats-arbitrary-loads", "App Transport Security disabled app-wide", Severity.MEDIUM,
             "NSAllowsArbitraryLoads lets the app use plain HTTP and weak TLS with any server, so data can be read or altered in transit."),
        Rule("IOS002", "ats-insecure-domain", "Plain HTTP allowed for specific domains", Severity.LOW,
             "NSExceptionDomains entries allow insecure HTTP loads to these domains."),
        Rule("IOS003", "asks-to-track", "Asks to track the user across apps and websites", Severity.LOW,
             "NSUserTrackingUsageDescription is the prompt for App Tracking Transparency: the app wants the advertising identifier (IDFA)."),
        Rule("IOS004", "always-location", "Location at any time, also in the background", Severity.MEDIUM,
             "The app asks for location while it is not in use (NSLocationAlways... usage descriptions)."),
        Rule("IOS005", "get-task-allow", "Debuggable build (get-task-allow)", Severity.HIGH,
             "The get-task-allow entitlement lets a debugger attach to the app and read its memory; App Store builds never have it."),
        Rule("IOS006", "profile-expired", "Provisioning profile has expired", Severity.LOW,
             "The embedded provisioning profile's expiration date has passed; iOS refuses to launch such a build."),
        Rule("IOS007", "unsigned-executable", "Main executable is not code-signed", Severity.MEDIUM,
             "The app's executable carries no code signature (LC_CODE_SIGNATURE); iOS will not run it, and its origin cannot be checked."),
        Rule("IOS008", "encrypted-executable", "Main executable is App Store-encrypted", Severity.INFO,
             "FairPlay encryption (LC_ENCRYPTION_INFO cryptid=1) hides the code: its strings and Objective-C names could not be read."),
        Rule("IOS009", "no-app-privacy-manifest", "App ships no privacy manifest", Severity.LOW,
             "Apple requires a PrivacyInfo.xcprivacy declaring collected data, tracking domains and required-reason API use."),
        Rule("IOS010", "sdk-without-privacy-manifest", "SDK without a privacy manifest", Severity.LOW,
             "A third-party SDK found in the code ships no PrivacyInfo.xcprivacy declaring what it collects."),
        Rule("IOS011", "undeclared-tracking-domain", "Tracking SDK host not declared as a tracking domain", Severity.MEDIUM,
             "An advertising or attribution SDK names this host, but no privacy manifest lists it in NSPrivacyTrackingDomains."),
        Rule("IOS012", "undeclared-data-category", "Data category not declared in the privacy manifest", Severity.LOW,
             "Usage descriptions or the SDKs found imply collecting this kind of data, but no privacy manifest declares it."),
        Rule("IOS013", "undeclared-required-reason-api", "Required-reason API used but not declared", Severity.LOW,
             "The binaries use an API Apple lists as needing a declared reason, but no privacy manifest declares that category."),
        Rule("IOS014", "tracking-not-declared", "Asks to track but declares no tracking", Severity.MEDIUM,
             "The app shows the App Tracking Transparency prompt, but no privacy manifest sets NSPrivacyTracking."),
        Rule("NET001", "known-value-sent", "A value you supplied was sent", Severity.HIGH,
             "A value given with --known (email, IMEI, advertising ID, phone, location...) was found in a request, plain or encoded or hashed."),
        Rule("NET002", "device-identifier-sent", "Device identifier sent", Severity.MEDIUM,
             "A request carries a field whose name and value look like a device or advertising identifier."),
        Rule("NET003", "location-sent", "Location sent", Severity.HIGH,
             "A request carries latitude/longitude-like fields with coordinate values."),
        Rule("NET004", "device-data-sent", "Device details sent", Severity.LOW,
             "A request carries device details such as model, OS version, carrier or screen size."),
        Rule("NET005", "contact-info-sent", "Contact info or account identity sent", Severity.MEDIUM,
             "A request carries an email address, phone number or similar contact or account identity."),
        Rule("NET006", "search-history-sent", "Search terms sent", Severity.MEDIUM,
             "A request carries what the user searched for (search query fields)."),
        Rule("NET007", "likes-sent", "Likes sent", Severity.LOW,
             "A request records a like, favourite or similar reaction to content."),
        Rule("NET008", "comments-sent", "Comments sent", Severity.LOW,
             "A request posts a comment or reply the user wrote."),
        Rule("NET009", "browsing-history-sent", "Browsing history sent", Severity.MEDIUM,
             "A request reports pages, items or URLs the user viewed."),
        Rule("NET010", "content-upload", "Content uploaded", Severity.MEDIUM,
             "A request uploads a file or a large body (multipart or file upload)."),
    )
}


def make_finding(rule_id: str, subject: str, key: str, message: str, evidence: tuple[Evidence, ...], severity: Severity | None = None) -> Finding:
    """A finding whose fingerprint depends only on the rule, the app and the occurrence key."""
    rule = RULES[rule_id]
    digest = hashlib.sha256(f"{rule_id}\0{subject}\0{key}".encode()).hexdigest()[:32]
    return Finding(rule_id, rule.title, severity or rule.severity, message, evidence, digest)
