"""The kinds of byte buffers parsers accept."""

from __future__ import annotations

import mmap

__all__ = ["Buffer", "as_buffer"]

Buffer = bytes | bytearray | mmap.mmap
"""Random-access bytes with ``find``/``rfind`` (which memoryview lacks); mmap keeps big inputs off the heap."""


def as_buffer(data: Buffer | memoryview) -> Buffer:
    """A searchable buffer; a memoryview is copied once."""
    return data.tobytes() if isinstance(data, memoryview) else data
