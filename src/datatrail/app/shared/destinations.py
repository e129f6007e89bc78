"""An endpoint and the code that names it, made a destination: who runs the host, under which law,
and with ``--resolve`` where its addresses are. The platforms differ only in how they find owners."""

from __future__ import annotations

from collections.abc import Sequence

from datatrail.knowledge.attribution import attribute_host, attribute_ip
from datatrail.model.endpoint import Endpoint
from datatrail.model.report import CodeOwner, Destination
from datatrail.model.resolution import Resolution

__all__ = ["MAX_ADDRESSES", "destination"]

MAX_ADDRESSES = 8
"""Resolved addresses attributed per host."""


def destination(endpoint: Endpoint, owners: Sequence[CodeOwner], viewer: str,
                resolutions: dict[str, Resolution] | None) -> Destination:
    attribution = attribute_ip(endpoint.host, viewer) if endpoint.is_ip else attribute_host(endpoint.host, viewer)
    resolution = (resolutions or {}).get(endpoint.host)
    addresses = tuple(attribute_ip(ip, viewer) for ip in resolution.answers[:MAX_ADDRESSES]) if resolution else ()
    return Destination(endpoint, tuple(owners), attribution, resolution, addresses)
