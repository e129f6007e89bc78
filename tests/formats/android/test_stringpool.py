"""ResStringPool decoder: synthetic pools, hostile counts/offsets, corpus pools vs androguard."""

from __future__ import annotations

import struct
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput
from datatrail.formats.android.stringpool import UTF8_FLAG, StringPool
from datatrail.limits import Limits
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import CORPUS

needs_corpus = pytest.mark.skipif(CORPUS is None, reason="test corpus not available "
                                  "(set DATATRAIL_CORPUS)")


# --------------------------------------------------------------------------- builder


def _len8(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xFF])


def _len16(n: int) -> bytes:
    if n < 0x8000:
        return struct.pack("<H", n)
    return struct.pack("<HH", 0x8000 | (n >> 16), n & 0xFFFF)


def encode_string(s: str, utf8: bool, raw: bytes | None = None) -> bytes:
    if utf8:
        body = raw if raw is not None else s.encode("utf-8")
        units = len(s.encode("utf-16-le")) // 2
        return _len8(units) + _len8(len(body)) + body + b"\0"
    body = s.encode("utf-16-le")
    return _len16(len(body) // 2) + body + b"\0\0"


def build_pool(
    strings: list[str],
    utf8: bool,
    *,
    raw8: dict[int, bytes] | None = None,
    count: int | None = None,
    offsets: list[int] | None = None,
    strings_start: int | None = None,
    size: int | None = None,
) -> bytes:
    """A RES_STRING_POOL_TYPE chunk; keyword arguments tamper with the header."""
    raw8 = raw8 or {}
    data = b""
    offs: list[int] = []
    for i, s in enumerate(strings):
        offs.append(len(data))
        data += encode_string(s, utf8, raw8.get(i))
    while len(data) % 4:
        data += b"\0"
    if offsets is not None:
        offs = offsets
    header_size = 28
    start = header_size + 4 * len(offs)
    body = struct.pack(f"<{len(offs)}I", *offs) + data
    total = header_size + len(body)
    header = struct.pack(
        "<HHIIIIII", 0x0001, header_size, total if size is None else size,
        len(strings) if count is None else count, 0, UTF8_FLAG if utf8 else 0,
        start if strings_start is None else strings_start, 0)
    return header + body


SAMPLE = ["", "hello", "ünïcödé", "日本語", "emoji \U0001F600 here", "x" * 200, "y" * 20000]
"""Covers one- and two-unit length prefixes (UTF-8 lengths stop at 0x7fff)."""


# --------------------------------------------------------------------------- basics


@pytest.mark.parametrize("utf8", [True, False], ids=["utf8", "utf16"])
def test_round_trip(utf8: bool) -> None:
    # UTF-16 lengths above 0x7fff units take two units.
    sample = SAMPLE if utf8 else SAMPLE + ["z" * 40000]
    chunk = build_pool(sample, utf8)
    log = DiagnosticLog()
    pool, end = StringPool.parse(b"PAD!" + chunk + b"tail", 4, log, "t")
    assert end == 4 + len(chunk)
    assert len(pool) == len(sample)
    assert pool.is_utf8 is utf8
    assert [pool.get(i) for i in range(len(pool))] == sample
    assert list(pool) == sample
    assert pool.get(len(sample)) is None
    assert pool.get(-1) is None
    assert len(log) == 0


def test_cesu8_surrogates_are_joined() -> None:
    # Old aapt wrote U+1F600 as two 3-byte surrogate sequences.
    cesu = "a😀b".encode("utf-16-le").decode("utf-16-le")
    raw = b"a" + "\ud83d".encode("utf-8", "surrogatepass") + \
        "\ude00".encode("utf-8", "surrogatepass") + b"b"
    pool, _ = StringPool.parse(build_pool([cesu], True, raw8={0: raw}), 0, DiagnosticLog(), "t")
    assert pool.get(0) == "a😀b"


def test_invalid_utf8_is_replaced_not_raised() -> None:
    pool, _ = StringPool.parse(build_pool(["ab"], True, raw8={0: b"a\xff"}), 0,
                               DiagnosticLog(), "t")
    assert pool.get(0) == "a\ufffd"


def test_memoryview_input() -> None:
    chunk = build_pool(["a", "b"], True)
    pool, _ = StringPool.parse(memoryview(bytearray(chunk)), 0, DiagnosticLog(), "t")
    assert pool.get(1) == "b"


def test_empty_pool() -> None:
    assert len(StringPool.empty()) == 0
    assert StringPool.empty().get(0) is None


# --------------------------------------------------------------------------- hostile


@pytest.mark.parametrize("utf8", [True, False], ids=["utf8", "utf16"])
def test_huge_count_is_clamped(utf8: bool) -> None:
    chunk = build_pool(["a", "b"], utf8, count=0xFFFFFFFF)
    log = DiagnosticLog()
    pool, end = StringPool.parse(chunk, 0, log, "t")
    assert end == len(chunk)
    # Clamped to what the offset table area can hold; never ~4G entries.
    assert len(pool) <= (len(chunk) - 28) // 4
    assert any(d.code == "stringpool.bad-count" for d in log.items)
    assert pool.get(0) == "a"


def test_count_over_limit_is_clamped() -> None:
    chunk = build_pool([str(i) for i in range(50)], True)
    log = DiagnosticLog()
    pool, _ = StringPool.parse(chunk, 0, log, "t", Limits(max_string_pool=10))
    assert len(pool) == 10
    assert pool.get(9) == "9"
    assert [d.code for d in log.items] == ["stringpool.limit"]


def test_bad_offsets_aggregated() -> None:
    strings = [f"s{i}" for i in range(100)]
    good = build_pool(strings, True)
    # Point 60 offsets far outside the data.
    n = len(strings)
    offs = list(struct.unpack_from(f"<{n}I", good, 28))
    for i in range(20, 80):
        offs[i] = 0x7FFFFFF0
    log = DiagnosticLog()
    pool, _ = StringPool.parse(build_pool(strings, True, offsets=offs), 0, log, "t")
    assert pool.get(19) == "s19"
    assert pool.get(20) == ""
    assert pool.get(80) == "s80"
    codes = [d.code for d in log.items]
    assert codes == ["stringpool.bad-offset"]
    assert "60 of 100" in log.items[0].message


@pytest.mark.parametrize("utf8", [True, False], ids=["utf8", "utf16"])
def test_length_overrun(utf8: bool) -> None:
    chunk = bytearray(build_pool(["abc", "def"], utf8))
    start = 28 + 8
    # Make the first string claim a huge length.
    if utf8:
        chunk[start + 1] = 0xFF
        chunk[start + 2] = 0xFF
    else:
        chunk[start:start + 4] = b"\xff\xff\xff\x7f"
    log = DiagnosticLog()
    pool, _ = StringPool.parse(bytes(chunk), 0, log, "t")
    assert pool.get(0) == ""
    assert any(d.code == "stringpool.bad-length" for d in log.items)


def test_overlapping_strings_are_capped() -> None:
    # 40,000 offsets all pointing at one 20,000-byte string: ~800 MB if all decoded.
    big = build_pool(["y" * 20000], True)
    n = 40000
    chunk = build_pool(["y" * 20000], True, offsets=[0] * n, count=n)
    assert len(chunk) < len(big) + 4 * n + 8
    log = DiagnosticLog()
    pool, _ = StringPool.parse(chunk, 0, log, "t")
    assert len(pool) == n
    decoded = sum(len(pool.get(i) or "") for i in range(n))
    assert decoded <= 16 * len(chunk) + (1 << 20)
    assert pool.get(0) == "y" * 20000
    assert pool.get(n - 1) == ""
    assert [d.code for d in log.items] == ["stringpool.overlap"]


def test_strings_start_outside() -> None:
    log = DiagnosticLog()
    pool, _ = StringPool.parse(build_pool(["a", "b"], True, strings_start=0xFFFFFF), 0, log, "t")
    assert len(pool) == 2 and pool.get(0) == "" and pool.get(1) == ""
    assert [d.code for d in log.items] == ["stringpool.bad-strings-start"]


def test_truncated_body_and_size() -> None:
    chunk = build_pool(SAMPLE, True)
    log = DiagnosticLog()
    pool, end = StringPool.parse(chunk[:200], 0, log, "t")
    assert end == 200
    assert pool.get(1) == "hello"
    assert pool.get(len(SAMPLE) - 1) == ""
    assert {d.code for d in log.items} >= {"stringpool.truncated"}


def test_size_smaller_than_header() -> None:
    log = DiagnosticLog()
    pool, end = StringPool.parse(build_pool(["a"], True, size=4), 0, log, "t")
    assert end == 28
    assert len(pool) == 0
    assert any(d.code == "stringpool.bad-size" for d in log.items)


@pytest.mark.parametrize("data,offset", [
    (b"", 0),
    (b"\x01\x00\x1c\x00", 0),
    (b"\x02\x00\x1c\x00\x00\x01\x00\x00" + bytes(40), 0),  # not a string pool
    (b"\x01\x00\x08\x00\x00\x01\x00\x00" + bytes(40), 0),  # header too small
    (b"\x01\x00\x1c\x00\x1c\x00\x00\x00" + bytes(8), 0),   # header cut
    (bytes(64), 100),
])
def test_unusable_header_raises_corrupt_input(data: bytes, offset: int) -> None:
    with pytest.raises(CorruptInput):
        StringPool.parse(data, offset, DiagnosticLog(), "t")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(utf8=st.booleans(), cut=st.integers(0, 400),
       flips=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 255)), max_size=8))
def test_fuzz_never_raises_unexpected(utf8: bool, cut: int, flips: list[tuple[int, int]]) -> None:
    chunk = bytearray(build_pool(["alpha", "béta", "γ" * 70, "d" * 130], utf8))
    for pos, val in flips:
        if pos < len(chunk):
            chunk[pos] = val
    data = bytes(chunk[:cut])
    log = DiagnosticLog()
    try:
        pool, end = StringPool.parse(data, 0, log, "t")
    except CorruptInput:
        return
    assert 0 <= end <= len(data)
    assert len(pool) <= max(0, len(data) // 4)
    for i in range(-1, len(pool) + 1):
        value = pool.get(i)
        assert value is None or isinstance(value, str)


# --------------------------------------------------------------------------- corpus


def _arsc(rel: str) -> bytes:
    assert CORPUS is not None
    with zipfile.ZipFile(CORPUS / "apk" / rel) as zf:
        return zf.read("resources.arsc")


@needs_corpus
@pytest.mark.parametrize("rel,utf8", [
    ("androguard/a2dp.Vol_137.apk", True),
    ("androguard/apksig/original.apk", True),
    ("androguard/com.teleca.jamendo_35.apk", False),
    ("androguard/apksig/debuggable-boolean.apk", False),
])
def test_corpus_global_pool_matches_androguard(rel: str, utf8: bool) -> None:
    loguru = pytest.importorskip("loguru")
    loguru.logger.remove()
    from androguard.core.axml import ARSCParser

    data = _arsc(rel)
    log = DiagnosticLog()
    # The global pool is the first child of the 12-byte ResTable header.
    pool, end = StringPool.parse(data, 12, log, rel)
    assert pool.is_utf8 is utf8
    assert len(log) == 0
    oracle = ARSCParser(data).stringpool_main
    assert len(pool) == oracle.stringCount
    assert end == 12 + struct.unpack_from("<I", data, 16)[0]
    for i in range(len(pool)):
        assert pool.get(i) == oracle.getString(i), i
