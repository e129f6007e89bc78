"""What a static scan is asked to do: ``ScanOptions``."""

from __future__ import annotations

from dataclasses import dataclass, field

from datatrail.app.shared.resolve import Resolver, system_resolver
from datatrail.limits import DEFAULT_LIMITS, Limits

__all__ = ["ScanOptions"]


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
