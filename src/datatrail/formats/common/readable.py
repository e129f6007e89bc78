"""What the streaming readers read from: anything with ``read(size) -> bytes`` (a file, a wrapper of one)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Readable"]


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...
