"""How often one client may upload: a sliding one-minute window per token (or per address when
uploads need no token), kept in the API process. The per-day quota of a token is counted in the
store instead, so it holds across API processes and restarts."""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["RateLimiter"]

_MAX_CLIENTS = 100_000
"""Clients remembered at once; the oldest window is forgotten beyond this (bounded memory)."""


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, now: float | None = None) -> float | None:
        """None when ``client`` may upload now (and counts it); else seconds until it may."""
        if self.per_minute <= 0:
            return None
        now = time.monotonic() if now is None else now
        with self._lock:
            window = self._seen.pop(client, None) or deque()
            while window and window[0] <= now - 60:
                window.popleft()
            self._seen[client] = window  # most recently used last
            if len(window) >= self.per_minute:
                return max(0.0, window[0] + 60 - now)
            window.append(now)
            if len(self._seen) > _MAX_CLIENTS:
                del self._seen[next(iter(self._seen))]
            return None
