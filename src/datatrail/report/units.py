"""Quantities as people read them in reports."""

from __future__ import annotations

__all__ = ["byte_size"]


def byte_size(n: int) -> str:
    """``512 B``, ``1.5 KB``, ``3.2 MB``, ``1.1 GB`` (powers of 1024)."""
    value = float(n)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
