"""Where iOS endpoints are said to be found: each string's real place (binary
C-string index, plist value index, text line), given to the shared endpoint
filter through ``endpoints_in_strings(locate=...)``; and the folder sniffing
that decides whether a directory is an iOS input."""

from __future__ import annotations

import os
from pathlib import Path

from datatrail.app.ios.endpoints import IosStrings, ios_endpoints
from datatrail.app.ios.sniff import is_ios_folder
from datatrail.app.shared.strings import endpoints_in_strings
from tests.support.corpus import corpus_dir

STRINGS = IosStrings(
    strings=[
        "plain words",
        "https://api.example-sdk.com/v1/collect",  # binary, cstring 1
        "https://api.example-sdk.com/v2/collect",  # same host again: cstring 2
        "https://cdn.other-host.net/a.js",  # Info.plist, value 0
        "nothing here",
        "see https://api.example-sdk.com/docs",  # notes.txt, line 2
    ],
    starts=[0, 3, 4],
    sources=[("Payload/A.app/A", "cstring"), ("Payload/A.app/Info.plist", "value"), ("Payload/A.app/notes.txt", "line")],
)


def test_locations_are_the_real_places() -> None:
    assert [STRINGS.location(i) for i in range(6)] == [
        "Payload/A.app/A cstring 0", "Payload/A.app/A cstring 1", "Payload/A.app/A cstring 2",
        "Payload/A.app/Info.plist value 0", "Payload/A.app/notes.txt:1", "Payload/A.app/notes.txt:2",
    ]
    report = ios_endpoints(STRINGS, None)
    by_host = {e.host: e for e in report.endpoints}
    assert set(by_host) == {"api.example-sdk.com", "cdn.other-host.net"}
    api = by_host["api.example-sdk.com"]
    assert [s.location for s in api.sources] == [
        "Payload/A.app/A cstring 1", "Payload/A.app/A cstring 2", "Payload/A.app/notes.txt:2",
    ]
    assert api.source_count == 3 and all(s.owner_class is None for s in api.sources)
    assert [s.location for s in by_host["cdn.other-host.net"].sources] == ["Payload/A.app/Info.plist value 0"]


def test_locate_changes_only_the_locations() -> None:
    default = endpoints_in_strings(STRINGS.strings, location="str")
    located = endpoints_in_strings(STRINGS.strings, location="ignored", locate=lambda i: f"str {i}")
    assert located == default
    assert [s.location for s in default.endpoints[0].sources][:1] == ["str 1"]
    moved = endpoints_in_strings(STRINGS.strings, locate=STRINGS.location)
    assert [(e.host, e.urls, e.source_count) for e in moved.endpoints] == [(e.host, e.urls, e.source_count) for e in default.endpoints]
    assert moved.rejected == default.rejected and moved.emails == default.emails


def test_folder_sniffing(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    for i in range(2100):  # more entries than are looked at
        (plain / f"note{i}.txt").write_bytes(b"hello")
    assert not is_ios_folder(plain)

    with_binary = tmp_path / "lib"
    with_binary.mkdir()
    (with_binary / "a.txt").write_bytes(b"text")
    (with_binary / "libX.a").write_bytes(b"!<arch>\n")
    assert is_ios_folder(with_binary)
    assert not is_ios_folder(with_binary / "a.txt")

    payload = corpus_dir() / "ipa/app-info/payload"
    assert is_ios_folder(payload) and is_ios_folder(payload / "FMDB.framework")


def test_folder_sniffing_closes_the_listing(tmp_path: Path) -> None:
    (tmp_path / "Payload").mkdir()
    for i in range(50):
        (tmp_path / f"f{i}").write_bytes(b"x")
    fd_dir = Path("/proc/self/fd")  # Linux, as in CI
    before = len(os.listdir(fd_dir))
    for _ in range(20):
        assert is_ios_folder(tmp_path)
    assert len(os.listdir(fd_dir)) == before
