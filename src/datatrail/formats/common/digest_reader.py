"""A binary stream that hashes and counts what is read through it: a file's SHA-256 without holding the file."""

from __future__ import annotations

import hashlib

from datatrail.formats.common.readable import Readable

__all__ = ["DigestReader"]

_CHUNK = 1 << 20


class DigestReader:
    """``read`` passes through; ``finish()`` reads what is left and gives (SHA-256 hex, size)."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, size: int, /) -> bytes:
        data = self._stream.read(size)
        self._hash.update(data)
        self.size += len(data)
        return data

    def finish(self) -> tuple[str, int]:
        while self.read(_CHUNK):
            pass
        return self._hash.hexdigest(), self.size
