"""Word that a job has ended, from the process that ended it to the API waiting on it, without
the API asking the database every few milliseconds.

A SQLite store lives on one machine, so every process that can end one of its jobs (a worker of
``datatrail serve``, a ``datatrail worker`` started beside it, a cluster scan filling the store)
runs there. Each sends the ended job's id as a datagram to a Unix socket named after the
database file (Linux's abstract namespace: no file to clean up, no path-length limit); the API,
if it is listening, wakes exactly the requests waiting on that job. Nobody listening, or a
datagram lost, costs nothing: the API also looks at the store, only less often. A datagram
only makes the API look sooner (any local user can send one): what it answers is always read
from the store.

PostgreSQL stores (workers on other machines) have no such channel here; their API polls.
"""

from __future__ import annotations

import hashlib
import socket
import struct
import sys
from pathlib import Path

from sqlalchemy import Engine

__all__ = ["channel_of", "announce", "EndedListener"]

_ID = struct.Struct("!q")
_MAX_IDS = 512
"""Ids one datagram carries at most (a worker ends one job at a time; a listener reads in batches)."""


def channel_of(engine: Engine) -> bytes | None:
    """The socket address for the store behind ``engine``; None where there is none (PostgreSQL,
    an in-memory database, a system without abstract Unix sockets)."""
    if engine.dialect.name != "sqlite" or not sys.platform.startswith("linux"):
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    digest = hashlib.sha256(str(Path(database).resolve()).encode()).hexdigest()[:32]
    return b"\0datatrail-ended-" + digest.encode()


def announce(channel: bytes | None, job_ids: list[int]) -> None:
    """Say these jobs have ended (best effort: never raises, never blocks)."""
    if channel is None or not job_ids:
        return
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            for at in range(0, len(job_ids), _MAX_IDS):
                chunk = job_ids[at:at + _MAX_IDS]
                sock.sendto(b"".join(_ID.pack(i) for i in chunk), channel)
    except OSError:  # nobody listening (ECONNREFUSED), its buffer full (EAGAIN): it will poll
        pass


class EndedListener:
    """The API's end of the channel: ``open`` binds it (None if another process has, or there is
    no channel); ``fileno`` for the event loop; ``read`` returns the ids that arrived."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    @classmethod
    def open(cls, channel: bytes | None) -> EndedListener | None:
        if channel is None:
            return None
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(channel)
        except OSError:  # another API process on the same store has it: this one polls
            sock.close()
            return None
        sock.setblocking(False)
        return cls(sock)

    def fileno(self) -> int:
        return self._sock.fileno()

    def read(self) -> list[int]:
        """Every id waiting in the socket now (ignoring datagrams that are not whole ids)."""
        ids: list[int] = []
        while True:
            try:
                data = self._sock.recv(_ID.size * _MAX_IDS)
            except OSError:  # nothing more waiting (BlockingIOError), or the socket closed
                return ids
            usable = len(data) - len(data) % _ID.size
            ids.extend(v for (v,) in _ID.iter_unpack(data[:usable]))

    def close(self) -> None:
        self._sock.close()
