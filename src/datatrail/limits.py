"""Safety bounds for parsing hostile input.

Every parser checks sizes and counts against these before allocating, so a
tampered file can cost at most a bounded amount of time and memory.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits", "DEFAULT_LIMITS"]


@dataclass(frozen=True, slots=True)
class Limits:
    max_entry_size: int = 1 << 30
    """Largest uncompressed size of one archive entry we inflate (1 GiB)."""
    max_total_inflated: int = 4 << 30
    """Largest sum of inflated bytes for one input (4 GiB)."""
    max_ratio: int = 1000
    """Largest compression ratio accepted for an entry above 1 MiB (zip bombs)."""
    max_entries: int = 500_000
    """Most central-directory entries read from one archive."""
    max_nesting: int = 3
    """How deep archives nested in assets are opened."""
    max_xml_nodes: int = 1_000_000
    """Most elements/attributes read from one binary XML document."""
    max_string_pool: int = 2_000_000
    """Most strings accepted in one AXML/ARSC string pool."""
    max_dex_items: int = 1 << 22
    """Most items of one kind (strings, types, methods...) in one DEX file."""


DEFAULT_LIMITS = Limits()
