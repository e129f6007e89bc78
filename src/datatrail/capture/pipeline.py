"""Network captures -> a CaptureReport: flows, HTTP requests, attributed destinations, diagnostics.

Inputs are sniffed by content: pcap and pcapng (packets), HAR and .zhar
(browser and proxy exports), mitmproxy flow files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from datatrail.capture.exchanges import flows_from_exchanges, is_ip
from datatrail.capture.flows import FlowTable
from datatrail.capture.har import exchanges_from_har
from datatrail.capture.http_stream import HttpBudget, HttpLimits
from datatrail.capture.known_values import KnownValues
from datatrail.capture.mitmproxy import exchanges_from_mitmproxy
from datatrail.capture.personal_data import find_personal_data
from datatrail.errors import InputError, UnsupportedInput
from datatrail.formats.common.digest_reader import DigestReader
from datatrail.formats.common.regular import open_regular
from datatrail.formats.net.har import HarReader, sniff_har
from datatrail.formats.net.mitmproxy import read_mitmproxy, sniff_mitmproxy
from datatrail.formats.net.pcap import CaptureLimits, read_frames, sniff_capture
from datatrail.model.capture import CaptureInput, CaptureReport, Flow, TrafficDestination
from datatrail.model.diagnostic import DiagnosticLog, Level
from datatrail.model.http import HttpRequest
from datatrail.model.personal_data import DataHit

if TYPE_CHECKING:
    from datatrail.model.report import Report

__all__ = ["SNIFF_BYTES", "capture_format", "is_capture", "analyse_capture", "analyse_capture_bytes", "build_destinations", "compare_capture"]


SNIFF_BYTES = 1 << 20
"""Bytes ``capture_format`` needs to see (a HAR's ``"log"`` key is near its start)."""


def capture_format(head: bytes) -> str | None:
    """``pcap``, ``pcapng``, ``har``, ``zhar`` or ``mitmproxy`` by the file's first ``SNIFF_BYTES``
    (content, never the name); None when it is no capture this pipeline reads."""
    kind = sniff_capture(head) or sniff_har(head)
    if kind is None and sniff_mitmproxy(head):
        kind = "mitmproxy"
    return kind


def is_capture(path: Path) -> bool:
    """The file is a capture this pipeline reads, by content (never by name); False when unreadable."""
    try:
        with open_regular(path) as fh:
            head = fh.read(SNIFF_BYTES)
    except (OSError, InputError):
        return False
    return capture_format(head) is not None


def analyse_capture(path: Path, viewer: str = "eu", limits: CaptureLimits = CaptureLimits(),
                    attribute: bool = True, http_limits: HttpLimits = HttpLimits(),
                    known: KnownValues | None = None) -> CaptureReport:
    """Read a pcap, pcapng, HAR or mitmproxy file; raises UnsupportedInput when it is none of them."""
    with open_regular(path) as fh:
        head = fh.read(SNIFF_BYTES)
        if sniff_capture(head) is None and sniff_har(head) is not None:
            fh.seek(0)  # a HAR is read entry by entry, never whole
            return _from_har(DigestReader(fh), str(path), viewer, attribute, http_limits, known)
        data = head + fh.read()
    return analyse_capture_bytes(data, str(path), viewer, limits, attribute, http_limits, known)


def analyse_capture_bytes(data: bytes, location: str, viewer: str = "eu", limits: CaptureLimits = CaptureLimits(),
                          attribute: bool = True, http_limits: HttpLimits = HttpLimits(),
                          known: KnownValues | None = None) -> CaptureReport:
    """The report of one capture's bytes; known values (``--known``) are searched for in its requests."""
    kind = sniff_capture(data)
    if kind is None:
        if sniff_har(data) is not None:
            return _from_har(DigestReader(io.BytesIO(data)), location, viewer, attribute, http_limits, known)
        if sniff_mitmproxy(data):
            return _from_mitmproxy(data, location, viewer, attribute, http_limits, known)
        raise UnsupportedInput(f"{location}: not a pcap, pcapng, HAR or mitmproxy capture")
    log = DiagnosticLog()
    table = FlowTable(log, location, limits, http_limits)
    link_types: set[int] = set()
    for frame in read_frames(data, log, location, limits, table.apps):
        link_types.add(frame.linktype)
        table.add(frame)
    flows, requests = table.finish()
    frags = table.reassembler
    lost = frags.dropped + frags.unfinished()
    if lost:
        log.add("capture.ip-fragments", f"{lost} of {frags.fragments} IP fragments could not be reassembled "
                f"({frags.reassembled} datagrams were)", location)
    if table.flows_over_limit:
        log.add("capture.flows-dropped", f"{table.flows_over_limit} packets of flows beyond the limit", location)
    _http_diagnostics(table.http_budget, log, location)
    info = CaptureInput(location, hashlib.sha256(data).hexdigest(), len(data), kind, table.frames, tuple(sorted(link_types)))
    return _report(info, flows, requests, log, viewer, attribute, known)


def _report(info: CaptureInput, flows: tuple[Flow, ...], requests: tuple[HttpRequest, ...], log: DiagnosticLog,
            viewer: str, attribute: bool, known: KnownValues | None) -> CaptureReport:
    hits = find_personal_data(requests, known) if requests else ()
    destinations = build_destinations(flows, viewer, requests, hits) if attribute else ()
    return CaptureReport(info, flows, destinations, tuple(log.items), log.dropped, viewer, requests=requests,
                         personal_data=hits)


def compare_capture(report: CaptureReport, app: Report) -> CaptureReport:
    """report with its destinations set against the app's static report (which SDK hosts were contacted...)."""
    from datatrail.capture.compare import compare_with_app  # only with --app

    return dataclasses.replace(report, app_comparison=compare_with_app(app, report.destinations))


def _from_har(stream: DigestReader, location: str, viewer: str, attribute: bool, http_limits: HttpLimits,
              known: KnownValues | None) -> CaptureReport:
    log = DiagnosticLog()
    reader = HarReader(stream, log, location)
    exchanges = exchanges_from_har(reader, log, location, http_limits.max_body)
    flows, requests = flows_from_exchanges(exchanges)
    digest, size = stream.finish()
    info = CaptureInput(location, digest, size, "har", reader.usable, ())  # a .zhar is a HAR too
    return _report(info, flows, requests, log, viewer, attribute, known)


def _from_mitmproxy(data: bytes, location: str, viewer: str, attribute: bool, http_limits: HttpLimits,
                    known: KnownValues | None) -> CaptureReport:
    log = DiagnosticLog()
    records = read_mitmproxy(data, log, location)
    exchanges = exchanges_from_mitmproxy(records, log, location, http_limits.max_body)
    flows, requests = flows_from_exchanges(exchanges)
    info = CaptureInput(location, hashlib.sha256(data).hexdigest(), len(data), "mitmproxy", len(records), ())
    return _report(info, flows, requests, log, viewer, attribute, known)


def _http_diagnostics(budget: HttpBudget, log: DiagnosticLog, location: str) -> None:
    if budget.requests_dropped:
        log.add("http.request-limit", f"{budget.requests_dropped} HTTP requests beyond the limit were not kept", location)
    if budget.bodies_cut:
        log.add("http.body-cut", f"{budget.bodies_cut} request bodies kept only in part (size bound)", location,
                Level.INFO)
    for error in budget.decode_errors[:20]:
        log.add("http.content-coding", error, location)


def _split(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host.strip("[]"), int(port)


def build_destinations(flows: tuple[Flow, ...], viewer: str, requests: tuple[HttpRequest, ...] = (),
                       hits: tuple[DataHit, ...] = ()) -> tuple[TrafficDestination, ...]:
    """One destination per hostname (or server IP when unnamed), attributed offline."""
    from datatrail.knowledge.attribution import attribute_host, attribute_ip

    per_flow: dict[int, int] = defaultdict(int)
    for request in requests:
        per_flow[request.flow] += 1
    categories: dict[int, set[str]] = defaultdict(set)
    for hit in hits:
        categories[hit.flow].add(hit.data_category)
    groups: dict[str, list[tuple[int, Flow]]] = defaultdict(list)
    for index, flow in enumerate(flows):
        groups[flow.destination].append((index, flow))
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

    out: list[TrafficDestination] = []
    for name, indexed in groups.items():
        members = [f for _, f in indexed]
        addresses = tuple(sorted({a for a in (_split(f.server)[0] for f in members) if is_ip(a)}))
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
        out.append(TrafficDestination(
            name=name, kind="host" if is_host else "ip", addresses=addresses, ports=ports, flows=len(members),
            bytes_up=sum(f.bytes_up for f in members), bytes_down=sum(f.bytes_down for f in members),
            hostname_sources=tuple(sorted({f.hostname_source for f in members if f.hostname_source and is_host})),
            organisation=organisation, org_country=org_country, server_countries=tuple(sorted(countries)),
            flags=tuple(sorted(flags)), first_seen=min(f.first_seen for f in members),
            last_seen=max(f.last_seen for f in members), requests=sum(per_flow[i] for i, _ in indexed),
            data_categories=tuple(sorted(set().union(*(categories[i] for i, _ in indexed)))),
        ))
    out.sort(key=lambda d: (-(d.bytes_up + d.bytes_down), d.name))
    return tuple(out)
