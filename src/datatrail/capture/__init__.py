"""Network captures -> a CaptureReport: flows, attributed destinations, diagnostics."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from datatrail.capture.flows import FlowTable
from datatrail.errors import UnsupportedInput
from datatrail.formats.pcap import CaptureLimits, read_frames, sniff_capture
from datatrail.model.capture import CaptureInput, CaptureReport, Destination, Flow
from datatrail.model.diagnostic import DiagnosticLog

__all__ = ["analyse_capture", "analyse_capture_bytes", "build_destinations"]


def analyse_capture(path: Path, viewer: str = "eu", limits: CaptureLimits = CaptureLimits(),
                    attribute: bool = True) -> CaptureReport:
    """Read a pcap/pcapng file; raises UnsupportedInput when it is neither."""
    return analyse_capture_bytes(path.read_bytes(), str(path), viewer, limits, attribute)


def analyse_capture_bytes(data: bytes, location: str, viewer: str = "eu", limits: CaptureLimits = CaptureLimits(),
                          attribute: bool = True) -> CaptureReport:
    kind = sniff_capture(data)
    if kind is None:
        raise UnsupportedInput(f"{location}: not a pcap or pcapng capture")
    log = DiagnosticLog()
    table = FlowTable(log, location, limits)
    link_types: set[int] = set()
    for frame in read_frames(data, log, location, limits):
        link_types.add(frame.linktype)
        table.add(frame)
    if table.fragments:
        log.add("capture.ip-fragments", f"{table.fragments} non-first IP fragments not reassembled", location)
    if table.flows_over_limit:
        log.add("capture.flows-dropped", f"{table.flows_over_limit} packets of flows beyond the limit", location)
    flows = tuple(sorted(table.flows(), key=lambda f: (f.first_seen, f.first_frame)))
    info = CaptureInput(location, hashlib.sha256(data).hexdigest(), len(data), kind, table.frames, tuple(sorted(link_types)))
    destinations = build_destinations(flows, viewer) if attribute else ()
    return CaptureReport(info, flows, destinations, tuple(log.items), log.dropped, viewer)


def _split(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host.strip("[]"), int(port)


def build_destinations(flows: tuple[Flow, ...], viewer: str) -> tuple[Destination, ...]:
    """One destination per hostname (or server IP when unnamed), attributed offline."""
    from datatrail.assess.attribution import attribute_host, attribute_ip

    groups: dict[str, list[Flow]] = defaultdict(list)
    for flow in flows:
        # A DNS query goes to the resolver, not to the host it asks about: group it under the resolver.
        named = flow.hostname if flow.hostname_source != "dns-query" else None
        groups[named or _split(flow.server)[0]].append(flow)
    ip_cache: dict[str, tuple[str | None, tuple[str, ...]]] = {}

    def by_ip(ip: str) -> tuple[str | None, tuple[str, ...]]:
        if ip not in ip_cache:
            try:
                a = attribute_ip(ip, viewer)
                ip_cache[ip] = (a.server_country if a.address_class in (None, "public") else None,
                                tuple(f"{f.id}:{f.country}" for f in a.flags))
            except ValueError:
                ip_cache[ip] = (None, ())
        return ip_cache[ip]

    out: list[Destination] = []
    for name, members in groups.items():
        addresses = tuple(sorted({_split(f.server)[0] for f in members}))
        ports = tuple(sorted({_split(f.server)[1] for f in members}))
        is_host = members[0].hostname is not None and members[0].hostname_source != "dns-query"
        countries: set[str] = set()
        flags: set[str] = set()
        for ip in addresses:
            country, ip_flags = by_ip(ip)
            if country:
                countries.add(country)
            flags.update(ip_flags)
        organisation = org_country = None
        if is_host:
            try:
                a = attribute_host(name, viewer)
                organisation, org_country = a.organisation, a.org_country
                flags.update(f"{f.id}:{f.country}" for f in a.flags)
            except ValueError:  # a name no attribution accepts (e.g. a raw label from a broken packet)
                pass
        else:
            try:
                a = attribute_ip(name, viewer)
                organisation, org_country = a.organisation, a.org_country
            except ValueError:
                pass
        out.append(Destination(
            name=name, kind="host" if is_host else "ip", addresses=addresses, ports=ports, flows=len(members),
            bytes_up=sum(f.bytes_up for f in members), bytes_down=sum(f.bytes_down for f in members),
            hostname_sources=tuple(sorted({f.hostname_source for f in members if f.hostname_source and is_host})),
            organisation=organisation, org_country=org_country, server_countries=tuple(sorted(countries)),
            flags=tuple(sorted(flags)),
        ))
    out.sort(key=lambda d: (-(d.bytes_up + d.bytes_down), d.name))
    return tuple(out)
