"""Uploaded files on disk, content-addressed: ``<root>/ab/cd/<sha256><suffix>``.

A file is written to a temporary name in the same folder, hashed and counted while it streams,
and renamed into place only when complete, so a killed server never leaves half a file under a
real name. The name a user gave is never used on disk; only a suffix from a fixed list is kept
(the loaders sniff content anyway; the suffix keeps ``.ipa`` and ``.apks`` legible).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Final, NamedTuple

__all__ = ["Blobs", "BlobWriter", "StoredFile", "TooLarge", "base_name", "safe_suffix"]

_SUFFIXES: Final = frozenset({
    ".apk", ".apks", ".xapk", ".apkm", ".aab", ".jar", ".aar", ".dex", ".zip", ".ipa", ".a", ".dylib",
    ".pcap", ".pcapng", ".har", ".mitm", ".flows", ".json",
})
_CHUNK: Final = 1 << 20


class TooLarge(Exception):
    """The upload is bigger than the store accepts."""


class StoredFile(NamedTuple):
    sha256: str
    size: int
    suffix: str
    path: Path


def base_name(filename: str) -> str:
    """The last part of a name a client gave, whichever separator it used."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def safe_suffix(filename: str) -> str:
    """The file's suffix when it is one datatrail reads, lower-cased; else none."""
    suffix = os.path.splitext(base_name(filename))[1].lower()
    return suffix if suffix in _SUFFIXES else ""


class Blobs:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str, suffix: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}{suffix}"

    def put(self, stream: BinaryIO, suffix: str, max_bytes: int) -> StoredFile:
        """Stream ``stream`` into the store; raises ``TooLarge`` past ``max_bytes`` (nothing kept)."""
        with self.writer(suffix, max_bytes) as writer:
            while chunk := stream.read(_CHUNK):
                writer.write(chunk)
            return writer.commit()

    def writer(self, suffix: str, max_bytes: int) -> BlobWriter:
        """A file to write piece by piece (an upload's body as it arrives), in a ``with`` block:
        committed inside it, or left nowhere."""
        return BlobWriter(self, suffix, max_bytes)

    def orphans(self) -> list[Path]:
        """Temporary files a killed upload left behind."""
        return sorted(self.root.glob(".upload-*"))


class BlobWriter:
    """One file on its way into the store: written to a temporary name beside the blobs, hashed
    and counted as it comes; :meth:`commit` makes it durable and renames it to its sha256. Used
    as a context manager: leaving the block uncommitted (a failure, a body cut short) removes
    the temporary file."""

    def __init__(self, blobs: Blobs, suffix: str, max_bytes: int) -> None:
        self._blobs, self._suffix, self._max = blobs, suffix, max_bytes
        self._digest = hashlib.sha256()
        self.size = 0
        fd, name = tempfile.mkstemp(prefix=".upload-", dir=blobs.root)
        self._tmp = Path(name)
        self._out = os.fdopen(fd, "wb")
        self._committed = False

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        """Remove the partial file, unless it was committed."""
        if self._committed:
            return
        self._out.close()
        self._tmp.unlink(missing_ok=True)

    def write(self, chunk: bytes) -> None:
        """Add ``chunk``; raises ``TooLarge`` past the limit."""
        self.size += len(chunk)
        if self.size > self._max:
            raise TooLarge(f"the upload is larger than {self._max:,} bytes")
        self._digest.update(chunk)
        self._out.write(chunk)

    def commit(self) -> StoredFile:
        """Flush to disk (fsync) and move into place under its sha256."""
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        sha = self._digest.hexdigest()
        final = self._blobs.path(sha, self._suffix)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, final)
        self._committed = True
        return StoredFile(sha, self.size, self._suffix, final)
