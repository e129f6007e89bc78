"""Info.plist facts: identity, usage descriptions, App Transport Security, URL schemes, background modes.

Each function reads one concern from the (already parsed) Info.plist
dictionary and never fails on odd values: a key of the wrong type is treated
as absent, as iOS does.
"""

from __future__ import annotations

from typing import Any

from datatrail.knowledge.ios_usage import ios_knowledge
from datatrail.model.ios import AppTransportSecurity, AtsException, UsageDescription
from datatrail.model.report import Permission

__all__ = [
    "plist_str",
    "plist_strs",
    "usage_descriptions",
    "usage_permissions",
    "app_transport_security",
    "url_schemes",
    "background_modes",
    "device_family",
    "USAGE_PROTECTION",
]

USAGE_PROTECTION = "usage-description"
"""``Permission.protection_level`` of the entries made from usage-description keys."""

_MAX_TEXT = 500


def plist_str(doc: dict[str, Any] | None, key: str) -> str | None:
    value = doc.get(key) if doc else None
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # CFBundleVersion written as a number
    return None


def plist_strs(doc: dict[str, Any] | None, key: str) -> tuple[str, ...]:
    value = doc.get(key) if doc else None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(dict.fromkeys(v for v in value if isinstance(v, str) and v))
    return ()


def _is_usage_key(key: str) -> bool:
    return key.endswith(("UsageDescription", "UsageDescriptionDictionary")) and key.startswith(("NS", "NFC"))


def usage_descriptions(info: dict[str, Any] | None) -> tuple[UsageDescription, ...]:
    if not info:
        return ()
    known = ios_knowledge().usage_keys
    out: list[UsageDescription] = []
    for key in sorted(k for k in info if isinstance(k, str) and _is_usage_key(k)):
        value = info[key]
        if isinstance(value, dict):
            text = "; ".join(f"{k}: {v}" for k, v in value.items() if isinstance(v, str))
        else:
            text = value if isinstance(value, str) else ""
        entry = known.get(key)
        out.append(UsageDescription(
            key=key,
            text=text[:_MAX_TEXT],
            data_categories=entry.categories if entry else (),
            access=entry.access if entry else None,
            known=entry is not None,
        ))
    return tuple(out)


def usage_permissions(usages: tuple[UsageDescription, ...]) -> tuple[Permission, ...]:
    """The usage descriptions as report permissions, so data categories read alike on both platforms."""
    known = ios_knowledge().usage_keys
    return tuple(
        Permission(
            name=u.key,
            protection_level=USAGE_PROTECTION,
            flags=(),
            data_categories=u.data_categories,
            access=u.access,
            group=known[u.key].group if u.key in known else None,
            known=u.known,
        )
        for u in usages
    )


def _bool(doc: dict[str, Any], key: str) -> bool:
    return doc.get(key) is True


def app_transport_security(info: dict[str, Any] | None) -> AppTransportSecurity | None:
    ats = info.get("NSAppTransportSecurity") if info else None
    if not isinstance(ats, dict):
        return None
    exceptions: list[AtsException] = []
    domains = ats.get("NSExceptionDomains")
    if isinstance(domains, dict):
        for domain, spec in sorted(domains.items()):
            if not isinstance(domain, str) or not isinstance(spec, dict):
                continue
            insecure = _bool(spec, "NSExceptionAllowsInsecureHTTPLoads") or _bool(spec, "NSTemporaryExceptionAllowsInsecureHTTPLoads") \
                or _bool(spec, "NSThirdPartyExceptionAllowsInsecureHTTPLoads")
            tls = spec.get("NSExceptionMinimumTLSVersion") or spec.get("NSTemporaryExceptionMinimumTLSVersion") \
                or spec.get("NSThirdPartyExceptionMinimumTLSVersion")
            exceptions.append(AtsException(
                domain=domain.lower(),
                allows_insecure_http=insecure,
                includes_subdomains=_bool(spec, "NSIncludesSubdomains"),
                minimum_tls=tls if isinstance(tls, str) else None,
            ))
    return AppTransportSecurity(
        allows_arbitrary_loads=_bool(ats, "NSAllowsArbitraryLoads"),
        allows_arbitrary_loads_in_web_content=_bool(ats, "NSAllowsArbitraryLoadsInWebContent"),
        allows_arbitrary_loads_for_media=_bool(ats, "NSAllowsArbitraryLoadsForMedia"),
        allows_local_networking=_bool(ats, "NSAllowsLocalNetworking"),
        exception_domains=tuple(exceptions),
    )


def url_schemes(info: dict[str, Any] | None) -> tuple[str, ...]:
    """Schemes the app registers (CFBundleURLTypes / CFBundleURLSchemes)."""
    types = info.get("CFBundleURLTypes") if info else None
    out: dict[str, None] = {}
    if isinstance(types, list):
        for t in types:
            if isinstance(t, dict):
                out.update(dict.fromkeys(plist_strs(t, "CFBundleURLSchemes")))
    return tuple(out)


def background_modes(info: dict[str, Any] | None) -> tuple[str, ...]:
    return plist_strs(info, "UIBackgroundModes")


def device_family(info: dict[str, Any] | None) -> tuple[int, ...]:
    value = info.get("UIDeviceFamily") if info else None
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, int) and not isinstance(v, bool))
    return ()
