"""What a batch analyses: the paths given, with directories walked into the inputs they hold."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

__all__ = ["BatchInput", "Discovery", "discover"]


class BatchInput(NamedTuple):
    path: Path
    root: Path | None = None
    """The directory argument it was found under; None when it was named on the command line."""

    @property
    def explicit(self) -> bool:
        return self.root is None

    @property
    def relative(self) -> Path:
        """Where it sits below its directory argument (just its name when named explicitly)."""
        if self.root is None:
            return Path(self.path.name)
        return self.path.relative_to(self.root)


class Discovery:
    """What walking the paths found: ``inputs``; ``skipped``, files in the walked directories
    that the sniff turned down; ``problems``, one line for each directory that could
    not be read; ``directories``, how many of the paths given were directories;
    ``links_not_followed``, symbolic links that lead out of the directory given;
    ``special``, FIFOs, devices, sockets and links into /proc, /sys or /dev (never opened)."""

    __slots__ = ("inputs", "skipped", "problems", "directories", "links_not_followed", "special")

    def __init__(self) -> None:
        self.inputs: list[BatchInput] = []
        self.skipped = 0
        self.problems: list[str] = []
        self.directories = 0
        self.links_not_followed = 0
        self.special = 0

    def notes(self) -> list[str]:
        """One line for people per thing the walk left alone on purpose."""
        lines = []
        if self.links_not_followed:
            n = self.links_not_followed
            lines.append(f"datatrail: {n} symbolic link{'s' if n != 1 else ''} leading out of the directory "
                         "not followed (--follow-symlinks follows them)")
        if self.special:
            n = self.special
            what = "FIFO, device, socket or link into /proc, /sys or /dev" if n == 1 else \
                "FIFOs, devices, sockets or links into /proc, /sys or /dev"
            lines.append(f"datatrail: {n} {what} not opened")
        return lines


_SYSTEM_TREES = ("/proc", "/sys", "/dev")
"""Trees a walk never enters, even through a link the user asked to follow: their files
are not apps and some of them block or never end."""


def discover(paths: Iterable[Path], sniff: Callable[[Path], bool], bundle_suffixes: tuple[str, ...] = (),
             follow_symlinks: bool = False) -> Discovery:
    """Expand directories (recursively, sorted by name) into the files that look like apps.

    Paths that are not directories are kept as given, whatever they are: a
    file named explicitly that turns out not to be an app is an error, not a
    skip. A walk stays inside the directory it was given: a symbolic link is
    followed when it leads to somewhere inside that directory, and otherwise
    only with ``follow_symlinks``; never into /proc, /sys or /dev. Each
    directory is entered once (by device and inode), which ends symlink loops
    and duplicate visits. Only regular files are sniffed.

    ``sniff`` tells a file worth analysing from one to skip; a folder whose
    name ends in one of ``bundle_suffixes`` (an unzipped iOS app) is one input.
    """
    found = Discovery()
    seen_dirs: set[tuple[int, int]] = set()
    for path in paths:
        if path.is_dir() and path.suffix not in bundle_suffixes:
            found.directories += 1
            _walk(path, seen_dirs, found, sniff, bundle_suffixes, follow_symlinks)
        else:
            found.inputs.append(BatchInput(path))
    return found


def _inside(path: str, tree: str) -> bool:
    return path == tree or path.startswith(tree.rstrip(os.sep) + os.sep)


def _walk(root: Path, seen: set[tuple[int, int]], found: Discovery, sniff: Callable[[Path], bool],
          bundle_suffixes: tuple[str, ...], follow_symlinks: bool) -> None:
    tree = os.path.realpath(root)
    # An explicit stack rather than recursion: a tree can be deeper than Python's recursion limit.
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            st = directory.stat()
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            found.problems.append(f"datatrail: cannot read directory {directory}: {exc.strerror or exc}")
            continue
        subdirs: list[Path] = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if any(_inside(target, system) for system in _SYSTEM_TREES):
                        found.special += 1
                        continue
                    if not (follow_symlinks or _inside(target, tree)):
                        found.links_not_followed += 1
                        continue
                mode = os.stat(entry.path).st_mode  # follows links: a link to an app is an app
            except OSError:
                continue  # a dangling link points at nothing to analyse
            if stat.S_ISDIR(mode) and Path(entry.path).suffix in bundle_suffixes:  # mode says it is a folder
                found.inputs.append(BatchInput(Path(entry.path), root))  # an unzipped iOS app or framework is one input
            elif stat.S_ISDIR(mode):
                subdirs.append(Path(entry.path))
            elif stat.S_ISREG(mode):
                if sniff(Path(entry.path)):
                    found.inputs.append(BatchInput(Path(entry.path), root))
                else:
                    found.skipped += 1
            else:
                found.special += 1
        # A directory's own files first, then its subdirectories in name order (depth first).
        stack.extend(reversed(subdirs))
