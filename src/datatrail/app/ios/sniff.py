"""Whether an input is for the iOS loader, decided from a few bytes and names.

Every scan asks this first, so it imports no iOS parser: an Android scan
never loads them (``datatrail.app.ios.load`` is imported when the answer is yes).
"""

from __future__ import annotations

import itertools
import mmap
import os
from pathlib import Path

from datatrail.app.shared.sniff import Kind, sniff_bytes
from datatrail.errors import InputError, UnsupportedInput
from datatrail.formats.common.regular import open_regular

__all__ = ["BUNDLE_SUFFIXES", "NotIosArchive", "is_ios_folder", "is_ios_input"]

BUNDLE_SUFFIXES = (".app", ".framework", ".xcframework")
"""Folders that are one app or SDK (iOS bundles), scanned whole rather than walked."""

_SNIFF = 8
_EOCD_SIG = b"PK\x05\x06"
_EOCD_SEARCH = 0xFFFF + 22
_MAX_DIRECTORY_SEARCH = 64 << 20
_MAX_FOLDER_ENTRIES = 2000
"""Folder entries looked at when deciding whether a folder is an iOS input."""


class NotIosArchive(UnsupportedInput):
    """A ZIP that looked like an iOS layout from its names but is not one (try another loader)."""


def is_ios_folder(path: Path) -> bool:
    """A folder the iOS loader reads: a .app, .framework or .xcframework, or one holding
    Payload/, an .app, static libraries, Mach-O files or privacy manifests."""
    if not path.is_dir():
        return False
    if path.suffix in BUNDLE_SUFFIXES:
        return True
    try:
        with os.scandir(path) as it:
            for entry in itertools.islice(it, _MAX_FOLDER_ENTRIES):
                if entry.name == "Payload" or entry.name.endswith((*BUNDLE_SUFFIXES, ".xcprivacy")):
                    return True
                if entry.is_file(follow_symlinks=False) and _head_is_binary(entry.path):
                    return True
    except OSError:
        return False
    return False


def _head_is_binary(path: str) -> bool:
    """Whether the file starts like a Mach-O or a static library; False when it cannot be read."""
    try:
        with open_regular(path) as fh:
            head = fh.read(_SNIFF)
    except (OSError, InputError):
        return False
    return sniff_bytes(head) in (Kind.MACHO, Kind.AR)


def _zip_names_look_ios(data: bytes | mmap.mmap) -> bool:
    """A byte search of the ZIP's central directory (or, without one, its first local headers)
    for the names only iOS layouts have: far cheaper than reading the directory, which the
    loader that takes the file does anyway."""
    end = len(data)
    pos = data.rfind(_EOCD_SIG, max(0, end - _EOCD_SEARCH), end)
    if pos >= 0 and pos + 20 <= end:
        cd_size = int.from_bytes(data[pos + 12 : pos + 16], "little")
        start, stop = max(0, pos - min(cd_size, _MAX_DIRECTORY_SEARCH)), pos
    else:
        start, stop = 0, min(end, _MAX_DIRECTORY_SEARCH)
    if data.find(b"AndroidManifest.xml", start, stop) >= 0:
        return False
    return any(data.find(needle, start, stop) >= 0 for needle in (b"Payload/", b".app/Info.plist", b".framework/"))


def is_ios_input(path: Path) -> bool:
    """Whether ``path`` is for the iOS loader: an iOS folder, a Mach-O or static library,
    or a ZIP whose names look like an IPA, .app or framework. Reads only the head and the
    ZIP directory's bytes; ``load_ios`` raises :class:`NotIosArchive` when a ZIP turns out
    to be something else after all."""
    if path.is_dir():
        return is_ios_folder(path)
    try:
        with open_regular(path) as fh:
            head = fh.read(_SNIFF)
            kind = sniff_bytes(head)
            if kind in (Kind.MACHO, Kind.AR):
                return True
            if kind is not Kind.ZIP:
                return False
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _zip_names_look_ios(data)
    except (OSError, ValueError, InputError):
        return False
