"""A capture set against the app's static report: what the code names versus what was contacted.

"Present in code" and "seen in traffic" stay separate facts; this model only
lines them up. A contacted host matches a host named in the code ``exact``ly,
or, as a weaker second tier, through the same ``registrable-domain``
(``cdn.example.com`` seen, ``api.example.com`` in the code); ``none`` when
neither. SDK ownership of hosts comes from the static report's destinations
(which code names each host).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MATCH_TIERS", "SdkContact", "CodeEndpoint", "ContactedHost", "AppComparison"]

MATCH_TIERS = ("exact", "registrable-domain", "none")


@dataclass(frozen=True, slots=True)
class SdkContact:
    """A detected SDK and whether the hosts its code names were contacted."""

    sdk_id: str
    name: str
    vendor: str
    code_hosts: tuple[str, ...]
    """Hosts named by this SDK's code (empty when the static report saw none)."""
    contacted: tuple[str, ...]
    """Captured destinations matching one of ``code_hosts`` at the tier given by ``match``."""
    match: str
    """Best tier over ``code_hosts``: one of ``MATCH_TIERS``."""


@dataclass(frozen=True, slots=True)
class CodeEndpoint:
    """A host named in the package, and whether the capture reached it."""

    host: str
    owners: tuple[str, ...]
    """Ids of the code owners naming it: SDK ids, the app's package, library roots."""
    match: str
    """``exact`` when contacted, ``registrable-domain`` when only a sibling host was, else ``none``."""
    seen_as: tuple[str, ...]
    """Captured destination names that matched."""


@dataclass(frozen=True, slots=True)
class ContactedHost:
    """A captured destination, and whether the code names it."""

    name: str
    kind: str
    """``host`` or ``ip`` as in the capture's destinations."""
    match: str
    code_hosts: tuple[str, ...]
    """Hosts in the code it matched (itself for ``exact``; siblings for ``registrable-domain``)."""
    owners: tuple[str, ...]
    """Code owners of those hosts."""


@dataclass(frozen=True, slots=True)
class AppComparison:
    app: str | None
    """The app's package (or None for a library report)."""
    sdks: tuple[SdkContact, ...]
    endpoints: tuple[CodeEndpoint, ...]
    contacted: tuple[ContactedHost, ...]
    sdks_contacted: tuple[str, ...]
    """Ids of SDKs with at least one of their hosts contacted (either tier)."""
    endpoints_not_contacted: tuple[str, ...]
    """Hosts in the code the capture never reached, not even through a sibling host."""
    hosts_not_in_code: tuple[str, ...]
    """Captured destinations that nothing in the code names (at either tier)."""
