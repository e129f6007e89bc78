"""A DNS answer kept as evidence: which resolver, when, and every address."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Resolution"]


@dataclass(frozen=True, slots=True)
class Resolution:
    host: str
    resolver: str
    """Which resolver answered, e.g. "system (nameservers 10.0.0.2)" or "injected"."""
    resolved_at: str
    """ISO 8601 UTC time of the answer: answers change over time and by place."""
    answers: tuple[str, ...]
    """Every address returned, in the order given, without duplicates."""
    error: str | None = None
