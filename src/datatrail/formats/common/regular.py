"""Open an input only when it is a regular file: a FIFO, device or socket is refused, never read.

Opening a FIFO for reading waits for a writer, and a device such as /dev/zero
never ends, so every reader of a user's file opens it here. The check is made
on the opened descriptor (no gap between looking and opening), and the open
itself does not block.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from datatrail.errors import UnsupportedInput

__all__ = ["open_regular", "kind_of_mode"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of_mode(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return None if stat.S_ISREG(mode) else "not a regular file"


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``open(path, "rb")`` for a regular file. Raises UnsupportedInput naming what the
    path is otherwise, and OSError (as ``open`` does) when it cannot be opened at all."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        what = kind_of_mode(mode)
        if what is not None:
            raise UnsupportedInput(f"{Path(path)}: {what}, not a file datatrail reads")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
