"""What both pipelines do around their stages: time them, stamp the report, resolve hosts when asked."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from datatrail.app.options import ScanOptions
from datatrail.app.shared.resolve import resolve_hosts
from datatrail.model.endpoint import Endpoint
from datatrail.model.report import ToolInfo
from datatrail.model.resolution import Resolution
from datatrail.version import __version__

__all__ = ["Clock", "resolve_endpoints", "tool_info", "timestamp"]


class Clock:
    """Seconds per pipeline stage, for ``Report.timings``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._last, 4)
        self._last = now


def tool_info() -> ToolInfo:
    return ToolInfo("datatrail", __version__)


def timestamp() -> str:
    """Now, as the report's ``generated_at`` (UTC, whole seconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_endpoints(endpoints: tuple[Endpoint, ...], options: ScanOptions, clock: Clock) -> dict[str, Resolution] | None:
    """With ``--resolve``: what the resolver answers for each host (the only network use)."""
    if not options.resolve:
        return None
    hosts = [e.host for e in endpoints if not e.is_ip]
    resolutions = resolve_hosts(hosts, options.resolver, options.resolver_name, options.resolve_timeout)
    clock.lap("resolve")
    return resolutions
