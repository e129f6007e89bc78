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

__all__ = ["Blobs", "StoredFile", "TooLarge", "base_name", "safe_suffix"]

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
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"the upload is larger than {max_bytes:,} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha, suffix)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            return StoredFile(sha, size, suffix, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def orphans(self) -> list[Path]:
        """Temporary files a killed upload left behind."""
        return sorted(self.root.glob(".upload-*"))
