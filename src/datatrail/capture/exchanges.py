"""Request/response logs (HAR, mitmproxy) -> flows: one flow per connection the log names.

Proxies and browsers record exchanges, not packets. A flow is rebuilt for each
connection the log identifies (its connection id, else its server address and
name), so destinations and attribution work exactly as for a pcap. What such a
log never knew (the client's address, packet counts) is left empty: the client
is ``0.0.0.0:0`` and packet counts are 0.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass

from datatrail.capture.flows import endpoint
from datatrail.model.capture import Flow
from datatrail.model.http import HttpRequest

__all__ = ["Exchange", "flows_from_exchanges", "UNKNOWN_CLIENT", "is_ip"]

UNKNOWN_CLIENT = "0.0.0.0:0"


@dataclass(frozen=True, slots=True)
class Exchange:
    request: HttpRequest
    """The request, its ``flow`` not yet set."""
    position: int
    """Index of the entry or flow in its file; stands in for a frame number."""
    end: float
    server_ip: str | None
    port: int
    hostname: str | None
    hostname_source: str
    transport: str
    protocol: str
    connection: str | None = None
    client: str | None = None
    bytes_up: int = 0
    bytes_down: int = 0
    alpn: tuple[str, ...] = ()
    app: str | None = None


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def flows_from_exchanges(exchanges: list[Exchange]) -> tuple[tuple[Flow, ...], tuple[HttpRequest, ...]]:
    """Flows in order of first appearance and the requests pointing at them, in time order."""
    groups: dict[tuple[str, str, str, str, str], list[Exchange]] = {}
    for ex in exchanges:
        server = endpoint(ex.server_ip or ex.hostname or "0.0.0.0", ex.port)
        key = (ex.connection or "", ex.client or UNKNOWN_CLIENT, server, ex.hostname or "", ex.transport)
        groups.setdefault(key, []).append(ex)
    ordered = sorted(groups.items(), key=lambda kv: (min(e.request.time for e in kv[1]), min(e.position for e in kv[1])))
    flows: list[Flow] = []
    requests: list[HttpRequest] = []
    for index, ((_, client, server, hostname, transport), members) in enumerate(ordered):
        first = members[0]
        flows.append(Flow(
            client=client, server=server, transport=transport, protocol=first.protocol, hostname=hostname or None,
            hostname_source=first.hostname_source if hostname else None, opaque=False, encrypted_dns=False,
            alpn=first.alpn, bytes_up=sum(e.bytes_up for e in members), bytes_down=sum(e.bytes_down for e in members),
            packets_up=0, packets_down=0, first_seen=min(e.request.time for e in members),
            last_seen=max(max(e.end, e.request.time) for e in members), first_frame=min(e.position for e in members),
            app=first.app,
        ))
        requests.extend(dataclasses.replace(e.request, flow=index) for e in members)
    requests.sort(key=lambda r: (r.time, r.entry or 0))
    return tuple(flows), tuple(requests)
