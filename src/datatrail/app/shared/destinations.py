"""An endpoint and the code that names it, made a destination: who runs the host, under which law,
and with ``--resolve`` where its addresses are. The platforms differ only in how they find owners."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from datatrail.knowledge.attribution import attribute_host, attribute_ip
from datatrail.model.endpoint import Endpoint
from datatrail.model.report import CodeOwner, Destination
from datatrail.model.resolution import Resolution

__all__ = ["MAX_ADDRESSES", "destination", "by_role", "as_reference"]

MAX_ADDRESSES = 8
"""Resolved addresses attributed per host."""


def destination(endpoint: Endpoint, owners: Sequence[CodeOwner], viewer: str,
                resolutions: dict[str, Resolution] | None) -> Destination:
    attribution = attribute_ip(endpoint.host, viewer) if endpoint.is_ip else attribute_host(endpoint.host, viewer)
    resolution = (resolutions or {}).get(endpoint.host)
    addresses = tuple(attribute_ip(ip, viewer) for ip in resolution.answers[:MAX_ADDRESSES]) if resolution else ()
    return Destination(endpoint, tuple(owners), attribution, resolution, addresses)


def by_role(destinations: Sequence[Destination]) -> tuple[tuple[Destination, ...], tuple[Destination, ...]]:
    """(destinations, references): hosts used as places to connect to, and hosts only named."""
    return (tuple(d for d in destinations if d.endpoint.is_endpoint),
            tuple(d for d in destinations if not d.endpoint.is_endpoint))


def as_reference(endpoint: Endpoint, reason: str) -> Endpoint:
    """The endpoint demoted to a reference, every source with it, for ``reason``."""
    sources = tuple(replace(s, role="reference", role_reason=reason) for s in endpoint.sources)
    return replace(endpoint, role="reference", role_reason=reason, sources=sources)
