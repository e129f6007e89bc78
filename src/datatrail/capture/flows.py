"""Frames -> flows: who talked to whom, how much, and under which name.

A flow is keyed by its 5-tuple with the client first. Names come, in order of
trust, from the TLS SNI or HTTP Host the client sent on the flow itself, then
from a DNS answer in the capture that gave the server's address (the first
name asked wins when one CDN address serves several).
Flows whose content can't be read are kept and marked opaque: a flow that
can't be decrypted is still a fact about where data went.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
from dataclasses import dataclass, field
from typing import Iterable

from datatrail.capture.fragments import FragmentLimits, Reassembler
from datatrail.capture.http_stream import HttpBudget, HttpLimits, HttpStream
from datatrail.capture.pcapdroid import app_of
from datatrail.formats.net.dns import DnsError, parse_dns
from datatrail.formats.net.http1 import could_become_request, looks_like_http_request, parse_request
from datatrail.formats.net.packets import TCP_ACK, TCP_SYN, decode_ip, decode_tcp, decode_udp, link_payload
from datatrail.formats.net.pcap import AppMap, CaptureLimits, Frame
from datatrail.formats.net.quic import ClientInitials, gquic_sni, is_long_header
from datatrail.formats.net.tls import HelloStatus, looks_like_tls, parse_client_hello
from datatrail.model.capture import Flow
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.http import HttpRequest

__all__ = ["FlowTable", "DOH_HOSTS", "DNS_PORTS", "endpoint"]

DNS_PORTS = frozenset({53, 5353, 5355})
_DOT_PORT = 853
# Public DoH endpoints (resolvers' documented URLs): a TLS flow to these hides the app's lookups.
DOH_HOSTS = frozenset({
    "dns.google", "dns.google.com", "cloudflare-dns.com", "mozilla.cloudflare-dns.com", "chrome.cloudflare-dns.com",
    "1dot1dot1dot1.cloudflare-dns.com", "security.cloudflare-dns.com", "family.cloudflare-dns.com",
    "dns.quad9.net", "dns9.quad9.net", "dns10.quad9.net", "dns11.quad9.net", "doh.opendns.com",
    "dns.nextdns.io", "doh.cleanbrowsing.org", "dns.adguard.com", "dns.adguard-dns.com", "doh.dns.sb",
    "dns.alidns.com", "doh.pub", "doh.360.cn", "dns.twnic.tw", "doh.xfinity.com", "dns.controld.com",
})
_WELL_KNOWN_SERVER_PORTS = frozenset({53, 80, 443, 853, 8080, 8443, 5353, 123, 5228, 1900, 3478})
_MAX_PENDING_SEGMENTS = 64
_MAX_NAME_CACHE = 1 << 16
_TCP_HEAD = struct.Struct("!HHI")
_UDP_HEAD = struct.Struct("!HHH")
_MAX_DNS_ANSWERS = 100_000


def endpoint(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


@dataclass(slots=True)
class _FlowState:
    transport: str
    client_ip: str
    client_port: int
    server_ip: str
    server_port: int
    first_seen: float
    first_frame: int
    last_seen: float = 0.0
    bytes_up: int = 0
    bytes_down: int = 0
    packets_up: int = 0
    packets_down: int = 0
    protocol: str = "unknown"
    hostname: str | None = None
    hostname_source: str | None = None
    alpn: tuple[str, ...] = ()
    payload_seen: bool = False
    # In-order reassembly of the first client bytes: enough to read a ClientHello or request head.
    next_seq: int | None = None
    stream: bytearray = field(default_factory=bytearray)
    pending: dict[int, bytes] = field(default_factory=dict)
    stream_marks: list[tuple[int, int, float]] = field(default_factory=list)
    """(end offset in stream, frame, time) of each buffered piece, to date the requests in it."""
    inspect_done: bool = False
    quic: ClientInitials | None = None
    http: HttpStream | None = None
    """The client's HTTP/1.x requests, once the flow reads as cleartext HTTP."""
    udp_requests: list[HttpRequest] = field(default_factory=list)
    """HTTP over UDP (SSDP): one request per datagram."""
    app: str | None = None


class FlowTable:
    """Feed frames in capture order with :meth:`add`; read flows with :meth:`flows`."""

    def __init__(self, log: DiagnosticLog, location: str, limits: CaptureLimits = CaptureLimits(),
                 http_limits: HttpLimits = HttpLimits(), fragment_limits: FragmentLimits = FragmentLimits(),
                 apps: AppMap | None = None) -> None:
        self._log = log
        self._location = location
        self._limits = limits
        self._http_limits = http_limits
        self.http_budget = HttpBudget(http_limits)
        self._flows: dict[tuple[str, str, int, str, int], _FlowState] = {}
        self._ip_names: dict[str, str] = {}
        self.frames = 0
        self.non_ip_frames = 0
        self.reassembler = Reassembler(fragment_limits)
        self._v4_names: dict[bytes, str] = {}
        self.apps: AppMap = {} if apps is None else apps
        """PCAPdroid uid -> package, shared with the frame reader that fills it."""
        self.flows_over_limit = 0

    def add_all(self, frames: Iterable[Frame]) -> None:
        for frame in frames:
            self.add(frame)

    def add(self, frame: Frame) -> None:
        self.frames += 1
        raw = link_payload(frame.linktype, frame.data)
        if raw is None:
            self.non_ip_frames += 1
            return
        if len(raw) >= 40 and raw[0] == 0x45 and not (raw[6] & 0x3F or raw[7]) and raw[9] in (6, 17):
            self._fast_v4(raw, frame)
            return
        ip = decode_ip(raw)
        if ip is None:
            self.non_ip_frames += 1
            return
        if ip.is_fragment:
            whole = self.reassembler.add(ip, frame.index)
            if whole is None:
                return
            ip = whole
        if ip.proto == 6:
            seg = decode_tcp(ip.payload)
            transport = "tcp"
        elif ip.proto == 17:
            seg = decode_udp(ip.payload)
            transport = "udp"
        else:
            self.non_ip_frames += 1
            return
        if seg is None:
            self._bad_transport(transport, frame)
            return
        self._segment(transport, ip.src, seg.sport, ip.dst, seg.dport, seg.seq, seg.flags, seg.payload, ip.length, frame)

    def _fast_v4(self, raw: bytes, frame: Frame) -> None:
        """The common case, unfragmented IPv4 with a 20-byte header carrying TCP or UDP, without per-packet objects.

        Most frames of any capture are this; decoding them through IpPacket and
        Segment costs about half the reading time.
        """
        total = (raw[2] << 8) | raw[3]
        end = min(len(raw), total) if total >= 20 else len(raw)
        length = total if total >= 20 else len(raw)
        names = self._v4_names
        src = names.get(raw[12:16]) or self._v4_name(raw[12:16])
        dst = names.get(raw[16:20]) or self._v4_name(raw[16:20])
        if raw[9] == 6:
            sport, dport, seq = _TCP_HEAD.unpack_from(raw, 20)
            offset = (raw[32] >> 4) * 4
            if offset < 20 or 20 + offset > end:
                self._bad_transport("tcp", frame)
                return
            self._segment("tcp", src, sport, dst, dport, seq, raw[33], raw[20 + offset:end], length, frame)
        else:
            sport, dport, ulen = _UDP_HEAD.unpack_from(raw, 20)
            stop = 20 + ulen if 8 <= ulen <= end - 20 else end
            self._segment("udp", src, sport, dst, dport, 0, 0, raw[28:stop], length, frame)

    def _v4_name(self, packed: bytes) -> str:
        if len(self._v4_names) >= _MAX_NAME_CACHE:
            self._v4_names.clear()
        name = self._v4_names[packed] = socket.inet_ntop(socket.AF_INET, packed)
        return name

    def _bad_transport(self, transport: str, frame: Frame) -> None:
        self._log.add("capture.bad-transport-header", f"{transport} header does not fit in the packet",
                      f"{self._location}#frame{frame.index}")

    def _segment(self, transport: str, src: str, sport: int, dst: str, dport: int, seq: int, flags: int,
                 payload: bytes, length: int, frame: Frame) -> None:
        state, up = self._lookup(transport, src, sport, dst, dport, flags, frame)
        if state is None:
            return
        if frame.ts > state.last_seen:
            state.last_seen = frame.ts
        if state.app is None:
            state.app = app_of(frame, self.apps)
        if up:
            state.bytes_up += length
            state.packets_up += 1
        else:
            state.bytes_down += length
            state.packets_down += 1
        if payload:
            state.payload_seen = True
        if transport == "udp":
            self._udp(state, payload, up, frame)
        elif up:
            self._tcp_client(state, seq, flags, payload, frame)

    def _lookup(self, transport: str, src: str, sport: int, dst: str, dport: int, flags: int,
                frame: Frame) -> tuple[_FlowState | None, bool]:
        key = (transport, src, sport, dst, dport)
        state = self._flows.get(key)
        if state is not None:
            return state, True
        rkey = (transport, dst, dport, src, sport)
        state = self._flows.get(rkey)
        if state is not None:
            return state, False
        if len(self._flows) >= self._limits.max_flows:
            if not self.flows_over_limit:
                self._log.add("capture.flow-limit", f"more than {self._limits.max_flows} flows; later ones only counted",
                              f"{self._location}#frame{frame.index}")
            self.flows_over_limit += 1
            return None, True
        # The sender of the first packet is the client, unless what we saw first was plainly the server
        # (a SYN-ACK, or a reply from a well-known service port to an ephemeral one): captures start mid-flow.
        server_first = (transport == "tcp" and flags & (TCP_SYN | TCP_ACK) == TCP_SYN | TCP_ACK) or (
            sport in _WELL_KNOWN_SERVER_PORTS and dport not in _WELL_KNOWN_SERVER_PORTS and dport > 1023)
        if server_first:
            state = _FlowState(transport, dst, dport, src, sport, frame.ts, frame.index)
            self._flows[rkey] = state
            return state, False
        state = _FlowState(transport, src, sport, dst, dport, frame.ts, frame.index)
        self._flows[key] = state
        return state, True

    def _udp(self, state: _FlowState, payload: bytes, up: bool, frame: Frame) -> None:
        if not payload:
            return
        if state.server_port in DNS_PORTS or state.client_port in DNS_PORTS:
            try:
                msg = parse_dns(payload)
            except DnsError as exc:
                self._log.add("dns.malformed", str(exc), f"{self._location}#frame{frame.index}")
                return
            state.protocol = "dns"
            if msg.questions and state.hostname is None:
                state.hostname, state.hostname_source = msg.questions[0][0], "dns-query"
            if msg.response and msg.questions:
                self._remember_answers(msg.questions[0][0], msg.answers)
            return
        if not up or state.protocol not in ("unknown", "quic", "http"):
            return
        if looks_like_http_request(payload):  # SSDP and other HTTP-over-UDP: each datagram is one request
            state.protocol = "http"
            stream = HttpStream(self._http_limits, self.http_budget)
            stream.feed(payload, frame.index, frame.ts)
            stream.close()
            state.udp_requests.extend(stream.requests)
            return
        if state.protocol == "http":
            return
        if not is_long_header(payload):
            # Google QUIC: public flags with the version bit, then an 8-byte connection id and "Q0xx".
            if payload[0] & 0x81 == 0x01 and payload[9:11] == b"Q0" and state.hostname is None:
                state.protocol = "quic"
                name = gquic_sni(payload)
                if name:
                    state.hostname, state.hostname_source = name, "sni"
            return
        state.protocol = "quic"  # long header with the fixed bit: an Initial/Handshake packet
        if state.quic is None:
            state.quic = ClientInitials()
        if state.quic.done:
            return
        hello = state.quic.feed(payload)
        if hello is not None:
            state.alpn = hello.alpn
            if hello.sni:
                state.hostname, state.hostname_source = hello.sni, "sni"

    def _remember_answers(self, qname: str, answers: Iterable[object]) -> None:
        from datatrail.formats.net.dns import DnsRecord

        for rec in answers:
            if isinstance(rec, DnsRecord) and rec.rtype in (1, 28) and rec.value:
                if len(self._ip_names) < _MAX_DNS_ANSWERS:
                    self._ip_names.setdefault(rec.value, qname)

    def _tcp_client(self, state: _FlowState, seq: int, flags: int, payload: bytes, frame: Frame) -> None:
        if flags & TCP_SYN:
            state.next_seq = (seq + 1) & 0xFFFFFFFF
            return
        if not payload or (state.inspect_done and (state.http is None or state.http.dead)):
            return
        if state.next_seq is None:
            state.next_seq = seq  # capture started mid-connection: take the first data we see as the start
        offset = (seq - state.next_seq) & 0xFFFFFFFF
        if offset >= 0x80000000:  # retransmission of bytes already taken
            overlap = (state.next_seq - seq) & 0xFFFFFFFF
            if overlap >= len(payload):
                return
            payload, offset = payload[overlap:], 0
        if offset:
            if len(state.pending) < _MAX_PENDING_SEGMENTS:
                state.pending.setdefault((seq) & 0xFFFFFFFF, payload)
            elif state.http is not None:
                state.http.gap()  # a hole that won't fill within the bound: the rest can't be framed
                state.pending.clear()
            return
        self._deliver(state, payload, frame)
        state.next_seq = (state.next_seq + len(payload)) & 0xFFFFFFFF
        while state.next_seq in state.pending:
            more = state.pending.pop(state.next_seq)
            self._deliver(state, more, frame)
            state.next_seq = (state.next_seq + len(more)) & 0xFFFFFFFF

    def _deliver(self, state: _FlowState, data: bytes, frame: Frame) -> None:
        """In-order client bytes: buffered until the flow's protocol is known, then streamed to the HTTP reader."""
        if state.http is not None:
            state.http.feed(data, frame.index, frame.ts)
            return
        if state.inspect_done:
            return
        state.stream += data
        state.stream_marks.append((len(state.stream), frame.index, frame.ts))
        self._inspect(state)

    def _inspect(self, state: _FlowState) -> None:
        data = bytes(state.stream)
        if state.server_port in DNS_PORTS:
            # DNS over TCP: each message behind a 2-byte length; the first one names the flow.
            need = 2 + int.from_bytes(data[:2], "big") if len(data) >= 2 else 2 + 65_535
            if len(data) < need and len(data) < self._limits.max_client_bytes:
                return
            try:
                msg = parse_dns(data[2:need])
                state.protocol = "dns"
                if msg.questions:
                    state.hostname, state.hostname_source = msg.questions[0][0], "dns-query"
            except DnsError:
                pass
        elif looks_like_tls(data):
            state.protocol = "tls"
            hello = parse_client_hello(data)
            if hello.status is HelloStatus.NEED_MORE and len(data) < self._limits.max_client_bytes:
                return
            if hello.status is HelloStatus.OK:
                state.alpn = hello.alpn
                if hello.sni:
                    state.hostname, state.hostname_source = hello.sni, "sni"
        elif looks_like_http_request(data):
            state.protocol = "http"
            req = parse_request(data)
            if (req is None or not req.complete) and len(data) < self._limits.max_client_bytes:
                return
            if req is not None and req.host:
                state.hostname, state.hostname_source = req.host, "http-host"
            state.http = HttpStream(self._http_limits, self.http_budget)
            start = 0
            for end, index, ts in state.stream_marks:
                state.http.feed(data[start:end], index, ts)
                start = end
        elif could_become_request(data):
            return  # a request line split after a few bytes: wait for the rest
        state.inspect_done = True
        state.stream = bytearray()
        state.stream_marks = []
        state.pending.clear()

    def finish(self) -> tuple[tuple[Flow, ...], tuple[HttpRequest, ...]]:
        """Flows in order of first appearance, and every HTTP request with the index of its flow among them."""
        states = sorted(self._flows.values(), key=lambda s: (s.first_seen, s.first_frame))
        flows = tuple(self._flow(s) for s in states)
        requests: list[HttpRequest] = []
        for index, s in enumerate(states):
            found = list(s.udp_requests)
            if s.http is not None:
                s.http.close()
                found += s.http.requests
            requests.extend(dataclasses.replace(r, flow=index) for r in found)
        requests.sort(key=lambda r: (r.time, r.frame or 0))
        return flows, tuple(requests)

    def flows(self) -> list[Flow]:
        return [self._flow(s) for s in self._flows.values()]

    def _flow(self, s: _FlowState) -> Flow:
        hostname, source = s.hostname, s.hostname_source
        if hostname is None and s.server_ip in self._ip_names:
            hostname, source = self._ip_names[s.server_ip], "dns-answer"
        encrypted_dns = s.transport == "tcp" and _DOT_PORT in (s.server_port, s.client_port) or (
            s.server_port == 443 and hostname in DOH_HOSTS)
        opaque = s.payload_seen and (s.protocol not in ("http", "dns") or encrypted_dns)
        return Flow(
            client=endpoint(s.client_ip, s.client_port), server=endpoint(s.server_ip, s.server_port),
            transport=s.transport, protocol=s.protocol, hostname=hostname, hostname_source=source,
            opaque=opaque, encrypted_dns=encrypted_dns, alpn=s.alpn,
            bytes_up=s.bytes_up, bytes_down=s.bytes_down, packets_up=s.packets_up, packets_down=s.packets_down,
            first_seen=s.first_seen, last_seen=max(s.last_seen, s.first_seen), first_frame=s.first_frame, app=s.app,
        )

    def server_ips(self) -> dict[str, str]:
        """Every address a DNS answer in the capture gave, with the name that was asked for."""
        return dict(self._ip_names)
