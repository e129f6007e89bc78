"""mitmproxy flow files (``.mitm``, ``mitmdump -w``): a run of tnetstring dicts -> the HTTP flows' request side.

The on-disk layout changed over mitmproxy's versions (0.10 to 11 here): keys
and strings may be bytes or text, addresses a list or a ``{"address": ...}``
dict, the server's IP under ``peername``, ``ip_address`` or nowhere. Each flow
is normalised to :class:`MitmFlow`; flows that aren't HTTP (TCP, UDP, DNS) are
counted, not read. A damaged flow ends the reading with a diagnostic, keeping
what came before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datatrail.formats.net.tnetstring import TnetError, TnetLimits, TnetValue, read_value
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = ["MitmFlow", "sniff_mitmproxy", "read_mitmproxy"]

_START = re.compile(rb"^\d{1,12}:\d{1,3}:[a-z_]{1,32}[,;]")
_MAX_FLOWS = 1_000_000


@dataclass(frozen=True, slots=True)
class MitmFlow:
    index: int
    method: str
    scheme: str
    host: str
    """The address the request went to (an IP in transparent mode)."""
    authority: str | None
    """The HTTP/2 and HTTP/3 ``:authority``, kept apart from the headers since mitmproxy 7."""
    port: int
    target: str
    """Path with the query string, as the client asked (or the authority for CONNECT)."""
    http_version: str
    headers: tuple[tuple[str, str], ...]
    content: bytes
    """The request body as sent (still content-coded); empty when mitmproxy didn't keep it."""
    started: float
    ended: float
    response_size: int
    server_ip: str | None
    server_port: int | None
    sni: str | None
    client: tuple[str, int] | None
    connection: str | None
    alpn: str | None
    transport: str


def sniff_mitmproxy(data: bytes) -> bool:
    """The file starts like a tnetstring dict whose first key is a name (how every mitmproxy version writes)."""
    return _START.match(data[:64]) is not None


def _get(table: TnetValue, *names: str) -> TnetValue:
    """The first of names present in a dict whose keys may be bytes or text; None otherwise."""
    if not isinstance(table, dict):
        return None
    for name in names:
        for key in (name, name.encode()):
            if key in table:
                return table[key]
    return None


def _text(value: TnetValue) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _address(value: TnetValue) -> tuple[str, int] | None:
    """(host, port) from ``[host, port, ...]`` or ``{"address": [host, port]}``; None when empty."""
    if isinstance(value, dict):
        value = _get(value, "address")
    if isinstance(value, list) and len(value) >= 2 and isinstance(value[1], int) and not isinstance(value[1], bool):
        host = _text(value[0])
        if host:
            return host.removeprefix("::ffff:") if "." in host else host, value[1]
    return None


def _version(request: TnetValue) -> str:
    text = _text(_get(request, "http_version"))
    if text:
        return text
    old = _get(request, "httpversion")
    if isinstance(old, list) and len(old) == 2 and all(isinstance(v, int) for v in old):
        return f"HTTP/{old[0]!r}.{old[1]!r}"
    return ""


def _headers(value: TnetValue) -> tuple[tuple[str, str], ...]:
    if isinstance(value, dict):
        value = _get(value, "fields")
    out: list[tuple[str, str]] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, list) and len(item) == 2:
                name, text = _text(item[0]), _text(item[1])
                if name is not None and text is not None:
                    out.append((name, text))
    return tuple(out)


def _is_ip_like(text: str) -> bool:
    return bool(text) and (text.replace(".", "").isdigit() or ":" in text)


def _flow(index: int, raw: TnetValue) -> MitmFlow | str | None:
    """The flow, None when it isn't HTTP, or why it can't be read."""
    if not isinstance(raw, dict):
        return "flow is not a dict"
    kind = _text(_get(raw, "type"))
    if kind not in (None, "http"):
        return None
    request = _get(raw, "request")
    if not isinstance(request, dict):
        return "HTTP flow without a request"
    method, scheme, host = _text(_get(request, "method")), _text(_get(request, "scheme")), _text(_get(request, "host"))
    port = _get(request, "port")
    if not method or not host or not isinstance(port, int):
        return "request without method, host or port"
    server, client = _get(raw, "server_conn"), _get(raw, "client_conn")
    ip = _address(_get(server, "peername")) or _address(_get(server, "ip_address"))
    named = _address(_get(server, "address"))
    if ip is None and named is not None and _is_ip_like(named[0]):
        ip = named
    response = _get(raw, "response")
    response_content = _get(response, "content")
    start = _get(request, "timestamp_start")
    end = _get(request, "timestamp_end")
    content = _get(request, "content")
    sni = _get(server, "sni")
    transport = _text(_get(server, "transport_protocol")) or "tcp"
    version = _version(request)
    return MitmFlow(
        index=index, method=method, scheme=(scheme or "http").lower(), host=host,
        authority=_text(_get(request, "authority")) or None, port=port,
        target=_text(_get(request, "path")) or "/", http_version=version, headers=_headers(_get(request, "headers")),
        content=content if isinstance(content, bytes) else content.encode() if isinstance(content, str) else b"",
        started=float(start) if isinstance(start, (int, float)) else 0.0,
        ended=float(end) if isinstance(end, (int, float)) else 0.0,
        response_size=len(response_content) if isinstance(response_content, (bytes, str)) else 0,
        server_ip=ip[0] if ip else None, server_port=ip[1] if ip else None,
        sni=sni if isinstance(sni, str) and sni else None,
        client=_address(_get(client, "peername")) or _address(_get(client, "address")),
        connection=_text(_get(server, "id")),
        alpn=_text(_get(server, "alpn")) or _text(_get(server, "alpn_proto_negotiated")),
        transport="udp" if transport == "udp" or version == "HTTP/3" else "tcp",
    )


def read_mitmproxy(data: bytes, log: DiagnosticLog, location: str, limits: TnetLimits = TnetLimits()) -> list[MitmFlow]:
    """The HTTP flows of a mitmproxy flow file, in file order."""
    out: list[MitmFlow] = []
    pos = index = skipped = 0
    while pos < len(data) and index < _MAX_FLOWS:
        if data[pos:pos + 1] in (b"\n", b"\r", b" "):
            pos += 1
            continue
        try:
            raw, pos = read_value(data, pos, limits)
        except TnetError as exc:
            log.add("mitmproxy.damaged", f"flow {index} unreadable ({exc}); later flows not read", f"{location}@{pos:#x}")
            break
        flow = _flow(index, raw)
        if isinstance(flow, MitmFlow):
            out.append(flow)
        elif flow is None:
            skipped += 1
        else:
            log.add("mitmproxy.bad-flow", flow, f"{location}#flow{index}")
        index += 1
    if skipped:
        log.add("mitmproxy.not-http", f"{skipped} non-HTTP flows (TCP/UDP/DNS) not read", location, Level.INFO)
    return out
