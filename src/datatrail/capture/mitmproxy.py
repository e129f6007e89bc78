"""mitmproxy flows -> HttpRequests and the flows that carried them.

The server is named by the SNI mitmproxy saw, else by the request's host; its
address is the IP mitmproxy connected to when the file records it. Bodies are
stored content-coded, so they are decoded here like a pcap's.
"""

from __future__ import annotations

from datatrail.capture.content_coding import decode_content
from datatrail.capture.exchanges import Exchange, is_ip
from datatrail.capture.flows import endpoint
from datatrail.formats.net.http1 import normalise_host, split_target
from datatrail.formats.net.mitmproxy import MitmFlow
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.http import HttpRequest, header_value

__all__ = ["exchanges_from_mitmproxy"]


def _pretty_host(flow: MitmFlow) -> str:
    """The name the client asked for (Host or :authority) over the address a transparent proxy saw."""
    asked = header_value(flow.headers, "host") or header_value(flow.headers, ":authority") or flow.authority
    if asked:
        return normalise_host(asked.strip().lower())
    return flow.host.lower().strip("[]")


def _head_size(flow: MitmFlow) -> int:
    return len(flow.method) + len(flow.target) + 12 + sum(len(k) + len(v) + 4 for k, v in flow.headers)


def exchanges_from_mitmproxy(flows: list[MitmFlow], log: DiagnosticLog, location: str, max_body: int) -> list[Exchange]:
    out: list[Exchange] = []
    for flow in flows:
        decoded = decode_content(flow.content, header_value(flow.headers, "content-encoding"), max_body)
        if decoded.error:
            log.add("http.content-coding", decoded.error, f"{location}#flow{flow.index}")
        body = decoded.body[:max_body]
        path, query = (flow.target, "") if flow.method == "CONNECT" else split_target(flow.target)
        host = _pretty_host(flow)
        request = HttpRequest(
            flow=-1, time=flow.started, method=flow.method, scheme="https" if flow.scheme == "https" else "http",
            host=host, path=path, query=query, headers=flow.headers, body=body, body_size=len(flow.content),
            body_truncated=decoded.truncated or len(decoded.body) > max_body,
            content_type=header_value(flow.headers, "content-type"), source="mitmproxy", entry=flow.index,
            content_encoding=decoded.encoding,
        )
        name = flow.sni or (host if not is_ip(host) else None)
        server_ip = flow.server_ip or (host if is_ip(host) else None)
        h3 = flow.transport == "udp"
        out.append(Exchange(
            request=request, position=flow.index, end=max(flow.ended, flow.started), server_ip=server_ip,
            port=flow.server_port or flow.port, hostname=name, hostname_source="sni" if flow.sni else "http-host",
            transport=flow.transport, protocol="quic" if h3 else ("tls" if request.scheme == "https" else "http"),
            connection=flow.connection, client=endpoint(*flow.client) if flow.client else None,
            bytes_up=_head_size(flow) + len(flow.content), bytes_down=flow.response_size,
            alpn=(flow.alpn,) if flow.alpn else (),
        ))
    return out
