"""Endpoints -> destinations: whose code names each host, and who runs it under which law."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.android.ownership import Ownership
from datatrail.app.android.string_use import FATE_REASONS, NOT_HOSTS, Fate, string_fates
from datatrail.app.shared.destinations import as_reference, destination
from datatrail.app.shared.mention_role import identifier_holder
from datatrail.model.endpoint import Endpoint, EndpointSource
from datatrail.model.report import CodeOwner, Destination
from datatrail.model.resolution import Resolution
from datatrail.model.sdk import SdkReport

__all__ = ["build_destinations"]

_DEX_SOURCE = re.compile(r"^(?P<dex>.+\.dex) string (?P<index>\d+)$")


def _string_users(art: AndroidArtifact, endpoints: Iterable[Endpoint]) -> dict[tuple[str, int], list[str]]:
    """(dex name, string index) -> dotted classes whose code loads that string."""
    wanted: dict[str, set[int]] = {}
    for endpoint in endpoints:
        for source in endpoint.sources:
            m = _DEX_SOURCE.match(source.location)
            if m:
                wanted.setdefault(m["dex"], set()).add(int(m["index"]))
    users: dict[tuple[str, int], list[str]] = {}
    for dex in art.dex_files:
        indices = wanted.get(dex.name)
        if not indices:
            continue
        for index, sites in art.code_refs(dex).string_users(indices).items():
            users[(dex.name, index)] = sorted({desc[1:-1].replace("/", ".") for desc, _method in sites})
    return users


def _native_owners(sdks: SdkReport) -> dict[str, tuple[str, str]]:
    """Native library path -> (sdk id, name), from the SDK detector's evidence."""
    out: dict[str, tuple[str, str]] = {}
    for sdk in sdks.sdks:
        for ev in sdk.evidence:
            if ev.kind == "native-lib":
                for path in ev.examples:
                    out.setdefault(path, (sdk.id, sdk.name))
    return out


def _source_classes(source: EndpointSource, users: dict[tuple[str, int], list[str]]) -> list[str]:
    if source.owner_class:
        return [source.owner_class]
    m = _DEX_SOURCE.match(source.location)
    if m:
        return users.get((m["dex"], int(m["index"])), [])
    return []


def _dex_site(source: EndpointSource) -> tuple[str, int] | None:
    m = _DEX_SOURCE.match(source.location)
    return (m["dex"], int(m["index"])) if m else None


def _url_pattern(text: str) -> bool:
    """A string that matches URLs rather than names one: a domain suffix (``.example.com``) or a
    URL prefix with a path (``http://host/down/``). Code comparing URLs it handles with such a
    pattern loads them (a WebView's allowed sites, an ad's click, a download): unlike a whole
    host compared (the APN in use, a redirect's target), the host stays an endpoint."""
    text = text.strip()
    if text.startswith(".") and "/" not in text:
        return True
    scheme, sep, rest = text.partition("://")
    return bool(sep) and scheme.isalpha() and rest.partition("/")[2].strip("/") != ""

def _demoted(endpoint: Endpoint, users: dict[tuple[str, int], list[str]], defined: Callable[[str], bool],
             fates: dict[tuple[str, int], Fate]) -> Endpoint | None:
    """The endpoint as a reference when every endpoint use of it is a known identifier constant,
    or a string the code does not fetch (handed to people, handed on as content, only compared);
    None when every such use is a file name, not a host. Otherwise the endpoint as it is."""
    reasons: list[str] = []
    files = 0
    for source in endpoint.sources:
        if source.role != "endpoint":
            continue
        reason = identifier_holder(source.context, _source_classes(source, users), defined)
        if reason is None:
            fate = fates.get(_dex_site(source) or ("", -1), Fate.FETCHED)
            if fate is Fate.FETCHED or fate is Fate.NOWHERE or fate is Fate.COMPARED and _url_pattern(source.context):
                return endpoint
            if fate in NOT_HOSTS:
                files += 1
                continue
            reason = FATE_REASONS[fate]
        if reason not in reasons:
            reasons.append(reason)
    if endpoint.source_count > len(endpoint.sources):
        return endpoint
    if not reasons:
        return None if files and all(s.role == "endpoint" for s in endpoint.sources) else endpoint
    return as_reference(endpoint, "; ".join(reasons))


def build_destinations(
    art: AndroidArtifact,
    endpoints: tuple[Endpoint, ...],
    sdks: SdkReport,
    ownership: Ownership,
    viewer: str,
    resolutions: dict[str, Resolution] | None = None,
) -> tuple[Destination, ...]:
    users = _string_users(art, endpoints)
    natives = _native_owners(sdks)
    out: list[Destination] = []
    defined = art.defined_classes.__contains__
    # The strings of each host that only code could demote: a host one of whose endpoint uses is
    # a resource, a native library or a file stays an endpoint whatever its strings do.
    groups = []
    for e in endpoints:
        sites = [_dex_site(s) for s in e.sources if s.role == "endpoint"]
        if e.is_endpoint and sites and all(sites) and e.source_count == len(e.sources):
            groups.append([site for site in sites if site])
    fates = string_fates(art, groups) if groups else {}
    judged: list[Endpoint] = []
    for endpoint in endpoints:
        if endpoint.is_endpoint:
            kept = _demoted(endpoint, users, defined, fates)
            if kept is None:
                continue
            endpoint = kept
        judged.append(endpoint)
    # A host name only compared, in an app that contacts its domain, is most likely checked on
    # the URLs the code fetches (an SDK testing that an upload URL is on "qq.com", an ad click's
    # host): it stays an endpoint. Alone in its domain, it is a name the code recognises; and a
    # whole URL compared is one the code recognises when asked to load it (a debug page a
    # WebView intercepts), whatever else the app contacts.
    fetched_domains = {e.registrable_domain for e in judged if e.is_endpoint and e.registrable_domain}
    compared = FATE_REASONS[Fate.COMPARED]
    originals = {e.host: e for e in endpoints}
    judged = [originals[e.host] if (not e.is_endpoint and e.role_reason == compared and e.registrable_domain in fetched_domains
                                    and not any("://" in s.context for s in originals[e.host].sources if s.role == "endpoint"))
              else e for e in judged]
    for endpoint in judged:
        classes = [c for s in endpoint.sources for c in _source_classes(s, users)]
        owners = list(ownership.owners(classes))
        for source in endpoint.sources:
            lib = source.location.split(" ", 1)[0]
            if lib in natives and not any(o.id == natives[lib][0] for o in owners):
                owners.append(CodeOwner("sdk", natives[lib][0], natives[lib][1], (lib,), 0))
        out.append(destination(endpoint, owners, viewer, resolutions))
    return tuple(out)
