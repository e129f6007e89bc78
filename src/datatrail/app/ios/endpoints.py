"""Hosts an iOS app or library names, and whose code names them.

Strings come from every binary's string sections (C strings, Objective-C names,
Swift strings), plist values and text resources. They are judged by the same
filter as Android (``endpoints_in_strings``) in one batch, then each source is
given its real location: ``<binary> cstring <n>``, ``<plist> value <n>`` or
``<file>:<line>``. A destination's owner is the SDK its binary belongs to (an
SDK framework, a static-library member made of that SDK's classes, or the
whole input when it is one SDK's library).
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Sequence

from datatrail.app.ios.bundle import BinaryFacts
from datatrail.app.shared.destinations import destination
from datatrail.app.shared.strings import endpoints_in_strings
from datatrail.model.endpoint import Endpoint, EndpointReport
from datatrail.model.report import CodeOwner, Destination
from datatrail.model.resolution import Resolution

__all__ = ["IosStrings", "collect_strings", "ios_endpoints", "ios_destinations"]



@dataclasses.dataclass(frozen=True, slots=True)
class IosStrings:
    strings: list[str]
    starts: list[int]
    """Index in ``strings`` where each source's strings begin (ascending)."""
    sources: list[tuple[str, str]]
    """(where, kind) per source: kind "cstring", "value" (plists) or "line" (text files)."""

    def location(self, index: int) -> str:
        k = bisect_right(self.starts, index) - 1
        where, kind = self.sources[k]
        local = index - self.starts[k]
        return f"{where}:{local + 1}" if kind == "line" else f"{where} {kind} {local}"


def collect_strings(facts: Sequence[BinaryFacts], texts: Sequence[tuple[str, list[str]]]) -> IosStrings:
    strings: list[str] = []
    starts: list[int] = []
    sources: list[tuple[str, str]] = []
    for f in facts:
        if f.strings:
            starts.append(len(strings))
            sources.append((f.binary.location, "cstring"))
            strings.extend(f.strings)
    for where, values in texts:
        if values:
            starts.append(len(strings))
            sources.append((where, "value" if where.endswith((".plist", ".xcprivacy", ".mobileprovision")) else "line"))
            strings.extend(values)
    return IosStrings(strings, starts, sources)


def ios_endpoints(collected: IosStrings, bundle_id: str | None) -> EndpointReport:
    return endpoints_in_strings(collected.strings, package=bundle_id, locate=collected.location)


def _owner_for(location: str, binary_owner: dict[str, tuple[str, str]], default: tuple[str, str] | None) -> tuple[str, str] | None:
    for where, owner in binary_owner.items():
        if location.startswith(where + " ") or location.startswith(where + ":") or location.startswith(where + "/"):
            return owner
    for where, owner in binary_owner.items():
        # A framework's resources belong to the framework's SDK.
        bundle = where.rpartition("/")[0]
        if bundle.endswith(".framework") and location.startswith(bundle + "/"):
            return owner
    return default


def ios_destinations(
    endpoints: tuple[Endpoint, ...],
    binary_owner: dict[str, tuple[str, str]],
    default_owner: tuple[str, str] | None,
    viewer: str,
    resolutions: dict[str, Resolution] | None = None,
) -> tuple[Destination, ...]:
    out: list[Destination] = []
    for endpoint in endpoints:
        owners: dict[str, tuple[str, list[str]]] = {}
        for src in endpoint.sources:
            owner = _owner_for(src.location, binary_owner, default_owner)
            if owner is not None:
                entry = owners.setdefault(owner[0], (owner[1], []))
                where = src.location.split(" ", 1)[0]
                if where not in entry[1]:
                    entry[1].append(where)
        code_owners = tuple(CodeOwner("sdk", sdk_id, name, tuple(places[:5]), 0) for sdk_id, (name, places) in sorted(owners.items()))
        out.append(destination(endpoint, code_owners, viewer, resolutions))
    return tuple(out)
