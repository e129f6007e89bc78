"""What a network capture showed: flows, the destinations they reached, and what was odd.

Times are seconds since the Unix epoch as floats (capture timestamps are
sub-second and pcapng may carry nanoseconds; ISO strings would lose that or
bloat the report). "Up" is client to server, "down" server to client.
"""

from __future__ import annotations

from dataclasses import dataclass

from datatrail.model.capture_compare import AppComparison
from datatrail.model.diagnostic import Diagnostic
from datatrail.model.http import HttpRequest
from datatrail.model.personal_data import DataHit

__all__ = ["Flow", "TrafficDestination", "CaptureInput", "CaptureReport", "CAPTURE_SCHEMA_VERSION"]

CAPTURE_SCHEMA_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class Flow:
    client: str
    """``ip:port`` (``[v6]:port`` for IPv6) of the side that opened the flow."""
    server: str
    transport: str
    """``tcp`` or ``udp``."""
    protocol: str
    """Best guess at the application protocol: tls, http, dns, quic or unknown."""
    hostname: str | None
    hostname_source: str | None
    """How the name was learnt: sni, http-host, dns-answer, dns-query, or None."""
    opaque: bool
    """The flow carried payload datatrail could not read in clear (encrypted or unknown)."""
    encrypted_dns: bool
    """DNS over TLS (port 853) or over HTTPS to a known resolver: lookups hidden from the capture."""
    alpn: tuple[str, ...]
    bytes_up: int
    bytes_down: int
    packets_up: int
    packets_down: int
    first_seen: float
    last_seen: float
    first_frame: int
    """Frame number of the flow's first packet, so it can be found in Wireshark (the entry index for HAR/mitmproxy)."""
    app: str | None = None
    """The app that opened the flow, when the capture says so (PCAPdroid's per-app metadata): package name or uid."""

    @property
    def destination(self) -> str:
        """The destination this flow counts toward: its server's name, else its server's address.
        A DNS query goes to the resolver, not to the host it asks about: it counts toward the resolver."""
        named = self.hostname if self.hostname_source != "dns-query" else None
        return named or self.server.rpartition(":")[0].strip("[]")


@dataclass(frozen=True, slots=True)
class TrafficDestination:
    name: str
    """The hostname, or the server IP when no name was learnt."""
    kind: str
    """``host`` or ``ip``."""
    addresses: tuple[str, ...]
    ports: tuple[int, ...]
    flows: int
    bytes_up: int
    bytes_down: int
    hostname_sources: tuple[str, ...]
    organisation: str | None
    org_country: str | None
    """Home country of the organisation (whose law reaches it)."""
    server_countries: tuple[str, ...]
    """Where the addresses it was reached at are located (DB-IP); empty for private or unknown addresses."""
    flags: tuple[str, ...]
    """Jurisdiction flags as ``id:country``, e.g. ``compelled-access:CN``."""
    first_seen: float = 0.0
    last_seen: float = 0.0
    requests: int = 0
    """Readable HTTP requests sent to it."""
    data_categories: tuple[str, ...] = ()
    """Data categories of the personal data found in requests to it (with ``--known`` or the heuristics)."""


@dataclass(frozen=True, slots=True)
class CaptureInput:
    path: str
    sha256: str
    size: int
    format: str
    """``pcap``, ``pcapng``, ``har`` or ``mitmproxy``."""
    frames: int
    link_types: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CaptureReport:
    input: CaptureInput
    flows: tuple[Flow, ...]
    destinations: tuple[TrafficDestination, ...]
    diagnostics: tuple[Diagnostic, ...]
    diagnostics_dropped: int
    viewer: str
    schema_version: str = CAPTURE_SCHEMA_VERSION
    requests: tuple[HttpRequest, ...] = ()
    """Every readable HTTP request, in time order; ``flow`` indexes ``flows``."""
    personal_data: tuple[DataHit, ...] = ()
    """Personal data found in those requests; ``request`` indexes ``requests``."""
    app_comparison: AppComparison | None = None
    """The capture set against a static report of the app (``--app``), when one was given."""
