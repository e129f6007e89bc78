"""An input file as every loader opens it: mapped read-only, hashed, described."""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from collections.abc import Callable
from pathlib import Path

from datatrail.app.shared.sniff import Kind
from datatrail.errors import CorruptInput, InputError
from datatrail.formats.common.regular import open_regular
from datatrail.model.report import InputFile

__all__ = ["open_input", "input_digest", "map_input"]


def open_input(path: Path) -> tuple[bytes | mmap.mmap, InputFile]:
    """Map a file read-only and describe it; raises InputError when unreadable."""
    data, size = map_input(path)
    return data, InputFile(str(path), hashlib.sha256(data).hexdigest(), size, Kind.UNKNOWN.value)


def input_digest(data: bytes | mmap.mmap, threaded: bool) -> Callable[[], str]:
    """The input's SHA-256: a function giving it, computed now or on a thread beside the
    loading (hashlib lets go of the GIL on large data)."""
    if not threaded:
        hexdigest = hashlib.sha256(data).hexdigest()
        return lambda: hexdigest
    box: list[str] = []
    worker = threading.Thread(target=lambda: box.append(hashlib.sha256(data).hexdigest()), name="sha256", daemon=True)
    worker.start()

    def result() -> str:
        worker.join()
        return box[0] if box else hashlib.sha256(data).hexdigest()

    return result


def map_input(path: Path) -> tuple[bytes | mmap.mmap, int]:
    """The file mapped read-only, and its size; raises InputError when it cannot be read."""
    try:
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise CorruptInput(f"{path}: file is empty")
            data: bytes | mmap.mmap = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return data, size
