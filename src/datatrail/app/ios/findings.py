"""iOS configuration and signing findings (IOS001-IOS008), from the bundle section of the report."""

from __future__ import annotations

from datetime import datetime, timezone

from datatrail.knowledge.rules import make_finding
from datatrail.model.ios import IosBundle
from datatrail.model.report import Evidence, Finding

__all__ = ["ios_findings", "profile_expired"]

_ALWAYS_LOCATION = ("NSLocationAlwaysAndWhenInUseUsageDescription", "NSLocationAlwaysUsageDescription")


def profile_expired(expires: str | None, now: datetime | None = None) -> bool:
    if not expires:
        return False
    try:
        when = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return False
    return when < (now or datetime.now(timezone.utc))


def _ats(bundle: IosBundle, subject: str, where: str) -> list[Finding]:
    ats = bundle.ats
    if ats is None:
        return []
    out: list[Finding] = []
    if ats.allows_arbitrary_loads:
        out.append(make_finding("IOS001", subject, "arbitrary-loads",
                                "NSAppTransportSecurity sets NSAllowsArbitraryLoads: plain HTTP is allowed to every host.",
                                (Evidence(where, "NSAppTransportSecurity/NSAllowsArbitraryLoads = true"),)))
    for exc in ats.exception_domains:
        if exc.allows_insecure_http:
            scope = " and its subdomains" if exc.includes_subdomains else ""
            out.append(make_finding("IOS002", subject, exc.domain,
                                    f"Plain HTTP is allowed to {exc.domain}{scope}.",
                                    (Evidence(where, f"NSExceptionDomains/{exc.domain}: insecure HTTP loads allowed"),)))
    return out


def _usages(bundle: IosBundle, subject: str, where: str) -> list[Finding]:
    out: list[Finding] = []
    keys = {u.key: u for u in bundle.usage_descriptions}
    track = keys.get("NSUserTrackingUsageDescription")
    if track is not None:
        out.append(make_finding("IOS003", subject, "tracking",
                                "The app asks for permission to track the user across other companies' apps and websites.",
                                (Evidence(where, f"NSUserTrackingUsageDescription: {track.text[:160]}"),)))
    always = [keys[k] for k in _ALWAYS_LOCATION if k in keys]
    if always or "location" in bundle.background_modes:
        evidence = [Evidence(where, f"{u.key}: {u.text[:160]}") for u in always]
        if "location" in bundle.background_modes:
            evidence.append(Evidence(where, "UIBackgroundModes: location"))
        out.append(make_finding("IOS004", subject, "always-location",
                                "The app can ask for location while it is not in use.", tuple(evidence)))
    return out


def _signing(bundle: IosBundle, subject: str) -> list[Finding]:
    out: list[Finding] = []
    main = next((b for b in bundle.binaries if b.role == "main"), None)
    debuggable = [p.location for p in bundle.provisioning if p.entitlements.get("get-task-allow") is True]
    if main is not None and main.entitlements.get("get-task-allow") is True:
        debuggable.insert(0, main.location + " (code signature)")
    if debuggable:
        out.append(make_finding("IOS005", subject, "get-task-allow",
                                "The build carries the get-task-allow entitlement: a debugger can attach to it.",
                                tuple(Evidence(w, "get-task-allow = true") for w in debuggable[:5])))
    for p in bundle.provisioning:
        if p.expired:
            out.append(make_finding("IOS006", subject, p.location,
                                    f"The provisioning profile {p.name or ''} expired on {p.expires}.".replace("  ", " "),
                                    (Evidence(p.location, f"ExpirationDate {p.expires}"),)))
    if main is not None and not main.signed:
        out.append(make_finding("IOS007", subject, "unsigned",
                                "The main executable has no code signature.",
                                (Evidence(main.location, "no LC_CODE_SIGNATURE load command"),)))
    if main is not None and main.encrypted:
        out.append(make_finding("IOS008", subject, "encrypted",
                                "The main executable is App Store-encrypted; its code strings were not analysed (plists, frameworks, load commands and symbols were).",
                                (Evidence(main.location, "LC_ENCRYPTION_INFO cryptid = 1"),)))
    return out


def ios_findings(bundle: IosBundle, subject: str, info_where: str) -> list[Finding]:
    return [*_ats(bundle, subject, info_where), *_usages(bundle, subject, info_where), *_signing(bundle, subject)]
