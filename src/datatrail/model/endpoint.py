"""Network endpoints found in an app's files, and the app's own deep links.

An :class:`Endpoint` is a host the app's code or data names as a place to
connect to ("present in the package"), with every place it was found. It says
nothing about whether the app really connects there; traffic evidence is a
separate fact. An :class:`AppLink` is the opposite direction: a URL the app
asks Android to route *to* it, so it is kept apart from destinations.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EndpointSource", "Endpoint", "AppLink", "Party", "DomainGroup", "Rejection", "EndpointReport"]

Party = str
"""``"first"``, ``"third"`` or ``"unknown"``."""


@dataclass(frozen=True, slots=True)
class EndpointSource:
    location: str
    """Where the string was: ``"classes2.dex string 1843"``, ``"resources.arsc: string/api_host"``,
    ``"assets/config.json"``, ``"lib/arm64-v8a/libfoo.so .rodata@0x1f9c0"``,
    ``"res/xml/network_security_config.xml"``, ``"com/foo/Bar.class"``.
    For DEX strings the index after ``string`` is the string_id index."""
    context: str
    """The string the host was found in, cut to at most 200 characters around the match."""
    owner_class: str | None = None
    """Dotted class whose code holds the string, when known (class files always;
    DEX strings once code references are resolved)."""
    role: str = "endpoint"
    """``"endpoint"``: used as a place to connect to; ``"reference"``: named for people (a
    message, comment, credit, documentation link). Schema 1.4."""
    role_reason: str = ""
    """Why, in a few words: ``"a URL constant"``, ``"named in a message (a sentence around it)"``."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    """Lowercase hostname (IDNA/punycode) or IP literal (IPv6 without brackets)."""
    registrable_domain: str | None
    """eTLD+1 under the ICANN section of the Public Suffix List; None for IPs."""
    is_ip: bool
    urls: tuple[str, ...]
    """Distinct full URLs seen for this host (at most 20), scheme included."""
    schemes: tuple[str, ...]
    """Schemes seen in those URLs (``https``, ``http``, ``wss``...); empty for bare hosts."""
    cleartext: bool
    """True when any URL uses an unencrypted scheme (http, ws, ftp, rtmp, rtsp, mqtt)."""
    sources: tuple[EndpointSource, ...]
    """Where it was found (at most 20 kept)."""
    source_count: int
    """How many places it was found in, including those not kept."""
    party: Party
    party_reason: str
    role: str = "endpoint"
    """``"endpoint"`` when any mention uses the host as a place to connect to; ``"reference"``
    when every mention only names it for people. Only endpoints are destinations. Schema 1.4."""
    role_reason: str = ""
    """The reason of the mention that decided the role."""

    @property
    def is_endpoint(self) -> bool:
        return self.role == "endpoint"


@dataclass(frozen=True, slots=True)
class AppLink:
    """A deep link or Android App Link the app handles (``<intent-filter><data>``)."""

    scheme: str
    host: str | None
    path: str | None
    """``path``, ``pathPrefix`` (suffixed ``*``), ``pathPattern`` etc. as written; None when absent."""
    component: str
    """The activity (or alias) declaring the filter."""
    auto_verify: bool
    """``android:autoVerify="true"`` on the filter: the app claims the domain."""


@dataclass(frozen=True, slots=True)
class DomainGroup:
    """The hosts of one registrable domain (one organisation, as far as the PSL knows)."""

    domain: str | None
    """eTLD+1, or None for the group of IP literals."""
    endpoints: tuple[Endpoint, ...]
    party: Party
    party_reason: str

    @property
    def source_count(self) -> int:
        return sum(e.source_count for e in self.endpoints)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Candidates that looked like hosts but were dropped, by reason, so a reader
    can audit the filter (and a test can see what it threw away)."""

    reason: str
    count: int
    """Distinct candidate strings dropped for this reason."""
    examples: tuple[str, ...]
    """The first few of them."""


@dataclass(frozen=True, slots=True)
class EndpointReport:
    endpoints: tuple[Endpoint, ...]
    """One per host, sorted by registrable domain then host; IP literals last."""
    app_links: tuple[AppLink, ...]
    emails: tuple[str, ...] = ()
    """E-mail addresses seen (at most 50): contacts, not network destinations."""
    rejected: tuple[Rejection, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()
    """Seconds spent per source kind (``dex``, ``resources``, ``native``...)."""

    def domains(self) -> tuple[DomainGroup, ...]:
        """Endpoints grouped by registrable domain, in the order of ``endpoints``."""
        groups: dict[str | None, list[Endpoint]] = {}
        for endpoint in self.endpoints:
            groups.setdefault(endpoint.registrable_domain, []).append(endpoint)
        return tuple(
            DomainGroup(domain, tuple(hosts), hosts[0].party, hosts[0].party_reason)
            for domain, hosts in groups.items()
        )
