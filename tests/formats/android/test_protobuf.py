"""Protobuf wire-format reader: hand-encoded vectors, protoc as an oracle, hostile input."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import time
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput
from datatrail.formats.android import protobuf as pb
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import CORPUS

AAB = CORPUS / "apk" / "app-info" / "android.aab" if CORPUS else None


# --- an encoder written for the tests, straight from the wire-format spec ---


def enc_varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negatives as two's complement, ten bytes
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def key(number: int, wire: int) -> bytes:
    return enc_varint((number << 3) | wire)


def f_varint(number: int, value: int) -> bytes:
    return key(number, 0) + enc_varint(value)


def f_len(number: int, payload: bytes) -> bytes:
    return key(number, 2) + enc_varint(len(payload)) + payload


def f_fixed32(number: int, value: int) -> bytes:
    return key(number, 5) + struct.pack("<I", value)


def f_fixed64(number: int, value: int) -> bytes:
    return key(number, 1) + struct.pack("<Q", value)


def decoded(buf: bytes, log: DiagnosticLog | None = None) -> list[tuple[int, int, int | bytes]]:
    return [(n, w, v if isinstance(v, int) else bytes(v)) for n, w, v in pb.fields(buf, "t", log)]


# --- well-formed input ---


@pytest.mark.parametrize(
    "value",
    [0, 1, 127, 128, 300, 16383, 16384, (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 32, (1 << 63), (1 << 64) - 1],
)
def test_varint_boundaries(value: int) -> None:
    raw = enc_varint(value)
    assert pb.read_varint(raw, 0) == (value, len(raw))
    assert decoded(f_varint(1, value)) == [(1, 0, value)]


def test_known_vector_from_the_spec() -> None:
    # The protobuf encoding guide's example: field 1 = 150 is 08 96 01.
    assert decoded(bytes.fromhex("089601")) == [(1, 0, 150)]
    # Field 2 = "testing".
    assert decoded(bytes.fromhex("120774657374696e67")) == [(2, 2, b"testing")]


def test_every_wire_type_and_order_kept() -> None:
    buf = (
        f_varint(1, 5)
        + f_fixed64(2, 0x1122334455667788)
        + f_len(3, b"abc")
        + f_fixed32(4, 0xDEADBEEF)
        + f_len(536870911, b"")  # the largest field number
        + f_varint(1, 6)  # repeated fields are yielded each time
    )
    assert decoded(buf) == [
        (1, 0, 5),
        (2, 1, 0x1122334455667788),
        (3, 2, b"abc"),
        (4, 5, 0xDEADBEEF),
        (536870911, 2, b""),
        (1, 0, 6),
    ]


def test_len_values_are_zero_copy_views() -> None:
    payload = b"x" * 1000
    (_, _, value), = pb.fields(f_len(1, payload), "t")
    assert isinstance(value, memoryview)
    assert value.tobytes() == payload


def test_scalar_views() -> None:
    (_, _, neg), = pb.fields(f_varint(1, -2), "t")
    assert len(enc_varint(-2)) == 10  # int32 negatives are sign-extended to 64 bits
    assert pb.as_int32(neg) == -2
    assert pb.as_int64(neg) == -2
    assert pb.as_uint32(neg) == 0xFFFFFFFE
    assert pb.as_float(struct.unpack("<I", struct.pack("<f", 1.5))[0]) == 1.5
    assert pb.as_double(struct.unpack("<Q", struct.pack("<d", -2.25))[0]) == -2.25
    assert pb.as_int32(0x80000000) == -(1 << 31)
    with pytest.raises(CorruptInput):
        pb.as_int32(memoryview(b"ab"))
    with pytest.raises(CorruptInput):
        pb.as_bytes(3)


def test_as_str_replaces_bad_utf8_and_reports() -> None:
    log = DiagnosticLog()
    assert pb.as_str(memoryview("é".encode()), "t", log) == "é"
    assert not log.items
    assert pb.as_str(memoryview(b"a\xffb"), "t", log) == "a\ufffdb"
    assert [d.code for d in log.items] == ["protobuf.bad-utf8"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.integers(1, 2**29 - 1), st.just(0), st.integers(0, 2**64 - 1)),
            st.tuples(st.integers(1, 2**29 - 1), st.just(1), st.integers(0, 2**64 - 1)),
            st.tuples(st.integers(1, 2**29 - 1), st.just(2), st.binary(max_size=40)),
            st.tuples(st.integers(1, 2**29 - 1), st.just(5), st.integers(0, 2**32 - 1)),
        ),
        max_size=12,
    )
)
def test_round_trip(items: list[tuple[int, int, int | bytes]]) -> None:
    writers = {0: f_varint, 1: f_fixed64, 2: f_len, 5: f_fixed32}
    buf = b"".join(writers[w](n, v) for n, w, v in items)  # type: ignore[operator]
    assert decoded(buf) == items


# --- groups ---


def test_group_is_skipped_with_a_diagnostic() -> None:
    group = key(7, 3) + f_varint(1, 9) + key(8, 3) + f_len(2, b"zz") + key(8, 4) + key(7, 4)
    buf = f_varint(1, 1) + group + f_varint(2, 2)
    log = DiagnosticLog()
    assert decoded(buf, log) == [(1, 0, 1), (2, 0, 2)]
    assert [d.code for d in log.items] == ["protobuf.group"]


@pytest.mark.parametrize(
    "buf",
    [
        key(7, 3) + f_varint(1, 9),  # never closed
        key(7, 4),  # end without start
        key(7, 3) + key(8, 4),  # closed by the wrong number
        key(7, 3) + key(1, 2) + enc_varint(100) + b"ab" + key(7, 4),  # LEN inside overruns
        key(1, 3) * 100,  # nesting past the bound
    ],
)
def test_malformed_groups(buf: bytes) -> None:
    with pytest.raises(CorruptInput):
        decoded(buf, DiagnosticLog())


# --- malformed framing ---


@pytest.mark.parametrize(
    "buf, needle",
    [
        (b"\x80", "truncated varint"),
        (b"\x08", "truncated varint"),
        (b"\x08" + b"\xff" * 9 + b"\x02", "wider than 64"),  # 10th byte carries more than 1 bit
        (b"\x08" + b"\x80" * 10 + b"\x00", "wider than 64"),  # 11-byte varint
        (b"\x00\x01", "field number 0"),
        (key(1, 6), "wire type 6"),
        (key(1, 7), "wire type 7"),
        (key(1, 1) + b"1234567", "64-bit"),
        (key(1, 5) + b"123", "32-bit"),
        (key(1, 2) + enc_varint(5) + b"1234", "claims 5 bytes"),
        (key(1, 2) + enc_varint(1 << 62), "claims"),  # huge length: rejected, not allocated
    ],
)
def test_broken_framing_raises_corrupt_input(buf: bytes, needle: str) -> None:
    with pytest.raises(CorruptInput, match=needle):
        decoded(buf)


def test_fields_before_the_damage_are_still_yielded() -> None:
    it = pb.fields(f_varint(1, 1) + key(2, 7), "t")
    assert next(it) == (1, 0, 1)
    with pytest.raises(CorruptInput):
        next(it)


def _sample_message() -> bytes:
    inner = f_len(1, b"hello") + f_varint(2, 300) + f_fixed32(3, 7)
    return f_varint(1, 150) + f_len(2, inner) + f_fixed64(3, 1) + f_len(4, inner * 3) + f_varint(5, 1 << 40)


def test_truncation_at_every_offset_yields_a_prefix_or_raises() -> None:
    buf = _sample_message()
    full = decoded(buf)
    for cut in range(len(buf)):
        got: list[tuple[int, int, int | bytes]] = []
        try:
            for n, w, v in pb.fields(buf[:cut], "t"):
                got.append((n, w, v if isinstance(v, int) else bytes(v)))
        except CorruptInput:
            pass
        # Whatever came out before the error is exactly the start of the real message.
        assert got == full[: len(got)], cut


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_raise_corrupt_input(buf: bytes) -> None:
    start = time.monotonic()
    try:
        for n, w, v in pb.fields(buf, "t", DiagnosticLog()):
            assert 1 <= n < 1 << 29 and w in (0, 1, 2, 5)
            if not isinstance(v, int):
                assert len(v) <= len(buf)
    except CorruptInput:
        pass
    assert time.monotonic() - start < 1.0


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 7))
def test_bit_flips_in_a_real_message(pos: int, bit: int) -> None:
    buf = bytearray(_sample_message())
    buf[pos % len(buf)] ^= 1 << bit
    try:
        decoded(bytes(buf), DiagnosticLog())
    except CorruptInput:
        pass


# --- protoc --decode_raw as an independent oracle on the corpus bundle ---


_PROTOC_LINE = re.compile(r"^(\d+)(?:: (.*)| \{)$")


def _parse_protoc(text: str) -> list:
    """protoc --decode_raw output -> [(field, 'msg', children) | (field, 'scalar', token)]."""
    root: list = []
    stack = [root]
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s == "}":
            stack.pop()
            continue
        m = _PROTOC_LINE.match(s)
        assert m, line
        if m.group(2) is None:
            children: list = []
            stack[-1].append((int(m.group(1)), "msg", children))
            stack.append(children)
        else:
            stack[-1].append((int(m.group(1)), "scalar", m.group(2)))
    assert len(stack) == 1
    return root


def _compare_with_protoc(buf: memoryview | bytes, tree: list, path: str = "") -> int:
    mine = list(pb.fields(buf, "oracle"))
    assert [n for n, _, _ in mine] == [n for n, _, _ in tree], path
    checked = 0
    for (n, wire, value), (_, kind, other) in zip(mine, tree):
        here = f"{path}/{n}"
        if kind == "msg":
            assert wire == pb.WIRE_LEN, here
            checked += _compare_with_protoc(value, other, here)  # type: ignore[arg-type]
        elif wire == pb.WIRE_VARINT:
            assert str(value) == other, here
        elif wire == pb.WIRE_I32:
            assert f"0x{value:08x}" == other, here
        elif wire == pb.WIRE_I64:
            assert f"0x{value:016x}" == other, here
        else:
            assert wire == pb.WIRE_LEN and other.startswith('"'), here
        checked += 1
    return checked


@pytest.mark.skipif(AAB is None or not AAB.is_file(), reason="corpus android.aab not available")
@pytest.mark.skipif(shutil.which("protoc") is None, reason="protoc (apt: protobuf-compiler) not on PATH")
@pytest.mark.parametrize(
    "entry",
    [
        "base/manifest/AndroidManifest.xml",
        "BundleConfig.pb",
        "BUNDLE-METADATA/com.android.tools.build.libraries/dependencies.pb",
    ],
)
def test_matches_protoc_decode_raw(entry: str) -> None:
    assert AAB is not None
    data = zipfile.ZipFile(AAB).read(entry)
    out = subprocess.run(["protoc", "--decode_raw"], input=data, capture_output=True, check=True, timeout=60)
    tree = _parse_protoc(out.stdout.decode("utf-8", "replace"))
    assert _compare_with_protoc(data, tree) > 20
