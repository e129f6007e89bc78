"""The static scan: one input in, one report out.

Android packages and iOS inputs (IPA, .app, frameworks, static libraries,
Mach-O) are told apart by content here; each goes through its own pipeline
(``datatrail.app.android.pipeline``, ``datatrail.app.ios.pipeline``) into the same report
model. Each pipeline is imported when it first runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from datatrail.app.shared.resolve import Resolver, resolve_hosts, system_resolver
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.app.ios.sniff import NotIosArchive, is_ios_input
from datatrail.model.endpoint import Endpoint
from datatrail.model.report import Report, ToolInfo
from datatrail.model.resolution import Resolution
from datatrail.knowledge.viewers import VIEWERS

__all__ = ["ScanOptions", "scan_file", "VIEWERS", "Clock", "resolve_endpoints", "tool_info", "timestamp"]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)
    viewer: str = "eu"
    """Whose law the destination flags take the point of view of (GDPR third countries for "eu")."""
    resolve: bool = False
    """Resolve the hosts found (the only network use, and off by default)."""
    resolver: Resolver = system_resolver
    resolver_name: str | None = None
    resolve_timeout: float = 10.0
    parallel: bool = False
    """Use a second core inside one large app (a forked child runs one stage). For a single app
    scanned in this process; batch workers leave it off, as each already has a core."""


class Clock:
    """Seconds per pipeline stage, for ``Report.timings``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._last, 4)
        self._last = now


def scan_file(path: Path | str, options: ScanOptions = ScanOptions()) -> Report:
    """Scan one input file (or an iOS bundle folder). Raises datatrail.InputError when it cannot be analysed."""
    path = Path(path)
    if is_ios_input(path):
        from datatrail.app.ios.pipeline import scan_ios

        try:
            return scan_ios(path, options)
        except NotIosArchive:
            pass  # names that only looked like an iOS layout: the Android loader decides
    from datatrail.app.android.pipeline import scan_android

    return scan_android(path, options)


def tool_info() -> ToolInfo:
    from datatrail import __version__

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
