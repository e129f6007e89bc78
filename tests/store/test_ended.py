"""Word of ended jobs over the store's channel: what is sent arrives, whole ids only, one listener
per store, and a sender with nobody listening neither fails nor waits."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from datatrail.store import open_store
from datatrail.store.ended import EndedListener, announce, channel_of
from datatrail.store.engine import make_engine, sqlite_url


def test_ids_sent_arrive_and_junk_is_dropped(tmp_path: Path) -> None:
    channel = channel_of(make_engine(sqlite_url(tmp_path / "a.sqlite3")))
    assert channel is not None and channel.startswith(b"\0")
    listener = EndedListener.open(channel)
    assert listener is not None
    try:
        assert EndedListener.open(channel) is None  # one listener per store: a second API polls
        announce(channel, [7, 2**40])
        announce(channel, list(range(1000, 2100)))  # more than one datagram's worth
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"\x00\x00\x00\x00\x00\x00\x00\x09xyz", channel)  # one id and three stray bytes
        time.sleep(0.05)
        assert listener.read() == [7, 2**40, *range(1000, 2100), 9]
        assert listener.read() == []
    finally:
        listener.close()


def test_each_store_its_own_channel_and_none_to_listen_costs_nothing(tmp_path: Path, database: str) -> None:
    store = open_store(database, tmp_path / "data")
    try:
        if store.engine.dialect.name == "postgresql":
            assert store.channel is None  # workers on other machines: the API polls
            return
        other = channel_of(make_engine(sqlite_url(tmp_path / "other" / "datatrail.sqlite3")))
        assert store.channel is not None and other is not None and store.channel != other
        # The same file by another spelling of its path is the same channel (worker and API agree).
        path = Path(str(store.engine.url.database))
        assert channel_of(make_engine(f"sqlite:///{path.parent}/data/../{path.name}")) == store.channel
        t0 = time.monotonic()
        announce(store.channel, [1, 2, 3])  # nobody listens: no error, no wait
        assert time.monotonic() - t0 < 0.5
    finally:
        store.engine.dispose()
