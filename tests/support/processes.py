"""The processes of a process group, read from /proc (no dependency on procps' ps)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["group_members"]


def group_members(pgid: int, zombies: bool = False) -> list[tuple[int, str]]:
    """(pid, command line) of each live process in the group; ended, unreaped ones only with ``zombies``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # ended between the listing and the read
        # Fields after the command name (which may hold spaces and parentheses): state, ppid, pgrp.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) != pgid or (fields[0] == "Z" and not zombies):
            continue
        members.append((int(entry.name), cmdline.replace(b"\0", b" ").decode("utf-8", "replace").strip()))
    return sorted(members)
