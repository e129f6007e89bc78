"""Hostile and broken inputs (DESIGN.md decision 4).

Every case ends within bounded time (and, for the bombs, bounded memory) with
either exit code 3 / an ``InputError``, or a report whose diagnostics say what
was odd while the facts that survive the damage are still read.

Damaged variants are built in ``tmp_path`` at test time from small corpus
files; nothing here writes to the corpus or keeps binaries in the repo.
"""

from __future__ import annotations

import functools
import json
import random
import struct
import time
import tracemalloc
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datatrail.app.android.load import load_android
from datatrail.app.android.manifest import read_manifest
from datatrail.app.pipeline import scan_file
from datatrail.cli.main import EXIT_INPUT, EXIT_OK, main
from datatrail.errors import CorruptInput, InputError, LimitExceeded, UnsupportedInput
from datatrail.formats.android.axml import parse_axml
from datatrail.formats.android.dex import DexFile
from datatrail.formats.android.protobuf import read_varint
from datatrail.formats.common.zip import ZipArchive
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.report import Report
from datatrail.report.json import to_json
from tests.support.corpus import corpus_dir

# ---------------------------------------------------------------- bounds

TIME_LIMIT = 5.0
"""Seconds one damaged input may cost (the undamaged ones take milliseconds)."""

MEMORY_LIMIT = 300 << 20
"""Peak traced allocation while scanning a bomb."""


@contextmanager
def bounded(seconds: float = TIME_LIMIT, memory: int | None = None) -> Iterator[None]:
    """Fail the test when the block takes too long or (if asked) allocates too much."""
    if memory is not None:
        tracemalloc.start()
    t0 = time.perf_counter()
    try:
        yield
    finally:  # checked on the way out of an expected exception too
        elapsed = time.perf_counter() - t0
        peak = 0
        if memory is not None:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert elapsed < seconds, f"took {elapsed:.2f}s (bound {seconds}s)"
        if memory is not None:
            assert peak < memory, f"peak allocation {peak >> 20} MiB (bound {memory >> 20} MiB)"


def scan(path: Path, **bounds: object) -> Report:
    """scan_file within bounds; anything but a Report or an InputError fails the test."""
    with bounded(**bounds):  # type: ignore[arg-type]
        return scan_file(path)


def codes(report: Report) -> set[str]:
    return {d.code for d in report.diagnostics}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with bounded():
        rc = main(["scan", *argv])
    out, err = capsys.readouterr()
    # The CLI turns our own bugs into exit 3 as well; that must never be what happened.
    assert "internal error" not in err, err
    return rc, out, err


# ---------------------------------------------------------------- corpus subjects

POLITEDROID = "apk/androguard/com.politedroid_4.apk"
"""Signed (v1), deflated and stored entries, a label in resources.arsc."""
TEST_DEBUG = "apk/androguard/Test-debug.apk"
"""Written with data descriptors (flag 0x8) on its deflated entries."""
TEST_DEX = "apk/androguard/Test.dex"
AAB = "apk/app-info/android.aab"

PKG = "com.politedroid"


def corpus(rel: str) -> Path:
    return corpus_dir() / rel


@functools.cache
def clean_politedroid() -> Report:
    return scan_file(corpus(POLITEDROID))


def check_politedroid(report: Report, *, label: bool = True) -> None:
    """The facts a damaged copy of politedroid must still yield."""
    clean = clean_politedroid()
    assert report.components == clean.components
    assert report.app.package == PKG
    assert report.app.version_code == 4
    assert report.app.min_sdk == 3
    assert {p.name for p in report.permissions} == {
        "android.permission.READ_CALENDAR",
        "android.permission.RECEIVE_BOOT_COMPLETED",
    }
    assert report.app.dex_count == 1
    assert report.app.class_count == clean.app.class_count > 0
    assert [c.sha256 for c in report.certificates] == [c.sha256 for c in clean.certificates] != []
    if label:
        assert report.app.label == "Polite Droid"


# ---------------------------------------------------------------- a ZIP writer for tampering

STORED, DEFLATED = 0, 8
# Field offsets inside a local header, a central directory header and the end record.
LFH_SIZE, LFH_FLAGS, LFH_METHOD, LFH_CSIZE, LFH_NAME_LEN = 30, 6, 8, 18, 26
CDH_FLAGS, CDH_METHOD, CDH_CRC, CDH_USIZE, CDH_LOCAL = 8, 10, 16, 24, 42
EOCD_COUNT_HERE = 8


@dataclass(frozen=True)
class Member:
    name: str
    payload: bytes
    """The bytes as they sit in the archive (deflated when ``method`` is 8)."""
    method: int
    crc: int
    size: int
    flags: int = 0


def member(name: str, data: bytes, method: int = DEFLATED, flags: int = 0) -> Member:
    if method == DEFLATED:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        payload = c.compress(data) + c.flush()
    else:
        payload = data
    return Member(name, payload, method, zlib.crc32(data), len(data), flags)


def members_of(path: Path) -> list[Member]:
    """A corpus archive's entries with their compressed bytes copied verbatim."""
    raw = path.read_bytes()
    out = []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            pos = info.header_offset
            name_len, extra_len = struct.unpack_from("<HH", raw, pos + LFH_NAME_LEN)
            start = pos + LFH_SIZE + name_len + extra_len
            out.append(Member(info.filename, raw[start : start + info.compress_size], info.compress_type,
                              info.CRC, info.file_size, info.flag_bits & 0x800))
    return out


def members_of_bytes(data: bytes, tmp_path: Path) -> list[Member]:
    path = tmp_path / "members.zip"
    path.write_bytes(data)
    return members_of(path)


def replaced(members: list[Member], name: str, data: bytes, method: int | None = None) -> list[Member]:
    """``members`` with the entry ``name`` holding ``data`` instead."""
    out = []
    for m in members:
        if m.name == name:
            m = member(name, data, m.method if method is None else method)
        out.append(m)
    return out


@dataclass
class Built:
    data: bytearray
    lfh: list[int]
    """Offset of each member's local header, in member order."""
    cdh: list[int]
    """Offset of each member's central directory header, in member order."""
    eocd: int

    def index(self, name: str, members: list[Member]) -> int:
        return next(i for i, m in enumerate(members) if m.name == name)

    def put(self, offset: int, fmt: str, *values: int) -> None:
        struct.pack_into("<" + fmt, self.data, offset, *values)

    def write(self, path: Path, prepend: bytes = b"", append: bytes = b"") -> Path:
        path.write_bytes(prepend + bytes(self.data) + append)
        return path


def central_record(m: Member, local: int, *, descriptors: bool = False, zip64: bool = False) -> bytes:
    name = m.name.encode()
    flags = m.flags | (0x8 if descriptors else 0)
    if zip64:
        extra = struct.pack("<HHQQQ", 0x0001, 24, m.size, len(m.payload), local)
        csize, usize, local = 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    else:
        extra = b""
        csize, usize = len(m.payload), m.size
    head = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, m.method, 0, 0x21, m.crc,
                       csize, usize, len(name), len(extra), 0, 0, 0, 0, local)
    return head + name + extra


def end_record(count: int, cd_size: int, cd_offset: int) -> bytes:
    return struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, 0)


def build_zip(
    members: list[Member],
    *,
    descriptors: bool = False,
    zip64: bool = False,
    local_names: dict[str, str] | None = None,
) -> Built:
    """Write a ZIP the plain way, remembering where every header went.

    ``descriptors`` moves CRC and sizes into data descriptors after the data
    (local header fields zero, flag 0x8); ``zip64`` writes every size and
    offset in the central directory and the end record through zip64 records;
    ``local_names`` gives some entries another name in their local header.
    """
    out = bytearray()
    lfh: list[int] = []
    for m in members:
        lfh.append(len(out))
        name = (local_names or {}).get(m.name, m.name).encode()
        flags = m.flags | (0x8 if descriptors else 0)
        crc, csize, usize = (0, 0, 0) if descriptors else (m.crc, len(m.payload), m.size)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, m.method, 0, 0x21, crc, csize, usize, len(name), 0)
        out += name + m.payload
        if descriptors:
            out += struct.pack("<4sIII", b"PK\x07\x08", m.crc, len(m.payload), m.size)
    cd_start = len(out)
    cdh: list[int] = []
    for m, local in zip(members, lfh):
        cdh.append(len(out))
        out += central_record(m, local, descriptors=descriptors, zip64=zip64)
    cd_size = len(out) - cd_start
    if zip64:
        z64 = len(out)
        out += struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, len(members), len(members), cd_size, cd_start)
        out += struct.pack("<4sIQI", b"PK\x06\x07", 0, z64, 1)
        counts, cd_size, cd_start = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    else:
        counts = len(members)
    eocd = len(out)
    out += end_record(counts, cd_size, cd_start)
    return Built(out, lfh, cdh, eocd)


def zeros_deflated(total: int, block: int = 1 << 20) -> bytes:
    """A raw deflate stream of ``total`` zero bytes, built without holding them.

    After a full flush the compressor starts from a clean state, so every
    block of zeros compresses to the same bytes and the stream is that piece
    repeated: a gigabyte costs about a megabyte and a few milliseconds.
    """
    assert total % block == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(block)
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    piece = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    return first + piece * (total // block - 1) + c.flush()


@functools.cache
def _zeros_crc(total: int) -> int:
    crc = 0
    chunk = bytes(1 << 20)
    for _ in range(total >> 20):
        crc = zlib.crc32(chunk, crc)
    return crc


@functools.cache
def bomb_member(name: str, total: int = 1 << 30) -> Member:
    """``total`` zero bytes deflated, sizes and CRC declared honestly."""
    return Member(name, zeros_deflated(total), DEFLATED, _zeros_crc(total), total)


def nested_bomb(levels: int, fanout: int = 16) -> bytes:
    """A 42.zip: ``fanout`` copies of the level below, down to 1 GiB DEX files of zeros.

    Every level is a ZIP of deflated ZIPs; only one copy per level is ever
    compressed, so building 16**levels GiB costs about a megabyte.
    """
    leaf = bomb_member("classes.dex")
    layer = build_zip([replace(leaf, name=f"{i}/classes.dex") for i in range(fanout)]).data
    for _ in range(levels - 1):
        inner = member("x", bytes(layer))
        layer = build_zip([replace(inner, name=f"{i}.zip") for i in range(fanout)]).data
    return bytes(layer)


def overlapping_bomb(names: list[str], start: int, kernel_size: int) -> tuple[bytes, list[Member], list[int]]:
    """A non-recursive (overlapping-entry) zip bomb in the style of D. Fifield.

    Every entry's deflate stream quotes the next entry's local header in a
    stored block and then *is* the next entry's stream, so one kernel of
    zeros is shared by all entries. Each entry on its own has an honest size
    and a compression ratio under the limit. Returns the bytes (placed at
    ``start`` in the final file), the directory records and local offsets.
    CRCs are left zero: the reader must refuse these entries before inflating.
    """
    salt = random.Random(0).randbytes(3000)  # brings the kernel's ratio under 1000:1
    kernel = struct.pack("<BHH", 0, len(salt), len(salt) ^ 0xFFFF) + salt + zeros_deflated(kernel_size)
    size = len(salt) + kernel_size
    payload = kernel
    headers: list[bytes] = []
    records: list[Member] = []
    for name in reversed(names):
        raw_name = name.encode()
        lfh = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, DEFLATED, 0, 0x21, 0, len(payload), size, len(raw_name), 0) + raw_name
        headers.insert(0, lfh)
        records.insert(0, Member(name, payload, DEFLATED, 0, size))
        payload = struct.pack("<BHH", 0, len(lfh), len(lfh) ^ 0xFFFF) + lfh + payload
        size += len(lfh)
    offsets = [start]
    for lfh in headers[:-1]:
        offsets.append(offsets[-1] + len(lfh) + 5)
    return headers[0] + records[0].payload, records, offsets


@pytest.fixture(scope="module")
def polite() -> list[Member]:
    return members_of(corpus(POLITEDROID))


@pytest.fixture(scope="module")
def manifest_bytes() -> bytes:
    with zipfile.ZipFile(corpus(POLITEDROID)) as z:
        return z.read("AndroidManifest.xml")


# ================================================================ not an app at all


def test_empty_file_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.apk"
    path.write_bytes(b"")
    with pytest.raises(CorruptInput, match="empty"):
        scan(path)
    rc, out, err = run_cli(capsys, str(path))
    assert rc == EXIT_INPUT
    assert "empty" in err and out == ""


def test_random_bytes_named_apk_is_not_a_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "random.apk"
    path.write_bytes(random.Random(4).randbytes(64 << 10))
    with pytest.raises(UnsupportedInput, match="not a format"):
        scan(path)
    rc, _, err = run_cli(capsys, str(path))
    assert rc == EXIT_INPUT
    assert "not a format" in err


@pytest.mark.parametrize("head", [b"PK\x03\x04", b"PK\x05\x06", b"dex\n035\x00", b"\xca\xfe\xba\xbe"])
def test_random_bytes_behind_a_magic_number(tmp_path: Path, head: bytes) -> None:
    """Random bytes that start like a ZIP, DEX or class file end in an InputError."""
    path = tmp_path / "random.bin"
    path.write_bytes(head + random.Random(head).randbytes(16 << 10))
    with pytest.raises(InputError):
        scan(path)


def test_directory_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # cli.py documents exit 3 for "unreadable, unsupported or corrupt"; 2 is for bad arguments.
    with pytest.raises(UnsupportedInput, match="directory"):
        scan(tmp_path)
    rc, _, err = run_cli(capsys, str(tmp_path))
    assert rc == EXIT_INPUT
    assert "directory" in err


def test_missing_path_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope.apk"
    with pytest.raises(InputError, match="cannot read"):
        scan(path)
    rc, _, err = run_cli(capsys, str(path))
    assert rc == EXIT_INPUT
    assert "nope.apk" in err


def test_one_bad_input_does_not_hide_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.apk"
    bad.write_bytes(b"\x00" * 100)
    rc, out, _ = run_cli(capsys, str(bad), str(corpus(POLITEDROID)), "--format", "jsonl")
    assert rc == EXIT_INPUT
    lines = out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["app"]["package"] == PKG


# ================================================================ truncation


def _data_end(path: Path, name: str) -> int:
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    raw = path.read_bytes()
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + LFH_NAME_LEN)
    return info.header_offset + LFH_SIZE + name_len + extra_len + info.compress_size


def test_truncated_apk_at_many_offsets(tmp_path: Path) -> None:
    """Cut anywhere, the scan ends; what lies before the cut is still read."""
    src_path = corpus(POLITEDROID)
    src = src_path.read_bytes()
    manifest_end = _data_end(src_path, "AndroidManifest.xml")
    arsc_end = _data_end(src_path, "resources.arsc")
    dex_end = _data_end(src_path, "classes.dex")
    offsets = sorted(set(range(0, len(src), 97)) | {1, 4, 22, 29, 30, manifest_end, arsc_end, dex_end, len(src) - 22, len(src) - 1})
    path = tmp_path / "cut.apk"
    reports = 0
    with bounded(seconds=20):
        for cut in offsets:
            path.write_bytes(src[:cut])
            try:
                report = scan_file(path)
            except InputError:
                assert cut < manifest_end, f"cut at {cut}: the manifest was complete"
                continue
            reports += 1
            if cut >= manifest_end:
                assert report.app.package == PKG, cut
                assert report.app.version_code == 4, cut
            if cut >= arsc_end:
                assert report.app.label == "Polite Droid", cut
            if cut >= dex_end:
                assert report.app.dex_count == 1 and report.app.class_count > 0, cut
            if cut < len(src):
                assert {"zip.no-central-directory", "zip.bad-central-directory-offset", "zip.truncated-directory",
                        "zip.entry-count-mismatch"} & codes(report), cut
    assert reports > len(offsets) // 2


def test_truncated_dex_at_many_offsets(tmp_path: Path) -> None:
    src = corpus("apk/androguard/classes.dex").read_bytes()
    path = tmp_path / "cut.dex"
    with bounded(seconds=20):
        for cut in sorted(set(range(0, len(src), len(src) // 61)) | {7, 8, 0x6F, 0x70, 0x71}):
            path.write_bytes(src[:cut])
            try:
                report = scan_file(path)
            except InputError:
                continue
            assert cut >= 0x70
            assert report.app.dex_count == 1
            assert "dex.truncated" in codes(report)


def test_truncated_aab(tmp_path: Path) -> None:
    src_path = corpus(AAB)
    src = src_path.read_bytes()
    manifest_end = _data_end(src_path, "base/manifest/AndroidManifest.xml")
    dex_end = _data_end(src_path, "base/dex/classes.dex")
    path = tmp_path / "cut.aab"
    with bounded(seconds=20):
        for cut in sorted(set(range(0, len(src), len(src) // 23)) | {manifest_end, dex_end, len(src) - 1}):
            path.write_bytes(src[:cut])
            try:
                report = scan_file(path)
            except InputError:
                assert cut < manifest_end
                continue
            if cut >= manifest_end:
                assert report.app.package == "com.icyleaf.appinfodemo", cut
            if cut >= dex_end:
                assert report.app.dex_count == 1, cut


# ================================================================ tampered ZIP structures


def _write(built: Built, tmp_path: Path, name: str = "tampered.apk", **kw: bytes) -> Path:
    return built.write(tmp_path / name, **kw)


def test_rebuilt_apk_is_clean(polite: list[Member], tmp_path: Path) -> None:
    """The writer itself is sound: an untampered rebuild scans without ZIP diagnostics."""
    report = scan(_write(build_zip(polite), tmp_path))
    check_politedroid(report)
    assert not {c for c in codes(report) if c.startswith("zip.")}
    assert report.certificates


def test_local_method_disagrees_with_directory(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite)
    i = b.index("AndroidManifest.xml", polite)
    b.put(b.lfh[i] + LFH_METHOD, "H", STORED)  # the directory (deflated) is what Android uses
    report = scan(_write(b, tmp_path))
    check_politedroid(report)
    assert "zip.local-header-mismatch" in codes(report)


def test_local_sizes_disagree_with_directory(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite)
    for name in ("AndroidManifest.xml", "classes.dex", "resources.arsc"):
        i = b.index(name, polite)
        b.put(b.lfh[i] + LFH_CSIZE, "II", 7, 0xFFFFFFF0)
    report = scan(_write(b, tmp_path))
    check_politedroid(report)
    assert "zip.local-header-mismatch" in codes(report)
    assert "zip.size-mismatch" not in codes(report)


def test_local_name_disagrees_with_directory(polite: list[Member], tmp_path: Path) -> None:
    """The local header's name length is what places the data; the directory's name is the name."""
    names = {"AndroidManifest.xml": "META-INF/evil/AndroidManifest.xml.bak", "classes.dex": "x"}
    report = scan(_write(build_zip(polite, local_names=names), tmp_path))
    check_politedroid(report)
    assert "zip.local-header-mismatch" in codes(report)


def test_encryption_flag_is_ignored(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite)
    for lfh, cdh in zip(b.lfh, b.cdh):
        b.put(lfh + LFH_FLAGS, "H", 0x801)
        b.put(cdh + CDH_FLAGS, "H", 0x801)
    report = scan(_write(b, tmp_path))
    check_politedroid(report)
    assert report.certificates
    assert "zip.encryption-flag" in codes(report)


@pytest.mark.parametrize("entry", ["resources.arsc", "AndroidManifest.xml"])
def test_bogus_compression_method(polite: list[Member], tmp_path: Path, entry: str) -> None:
    """resources.arsc is stored, the manifest deflated; an unknown method is read as whichever fits."""
    b = build_zip(polite)
    i = b.index(entry, polite)
    b.put(b.cdh[i] + CDH_METHOD, "H", 99)
    b.put(b.lfh[i] + LFH_METHOD, "H", 12)
    report = scan(_write(b, tmp_path))
    check_politedroid(report)
    assert "zip.unknown-method" in codes(report)


def test_duplicate_entry_names(polite: list[Member], tmp_path: Path) -> None:
    decoy = member("AndroidManifest.xml", b"\x03\x00\x08\x00" + bytes(200))
    dex_decoy = member("classes.dex", b"dex\n035\x00" + bytes(200))
    report = scan(_write(build_zip(polite + [decoy, dex_decoy]), tmp_path))
    check_politedroid(report)
    assert "zip.duplicate-name" in codes(report)


def test_data_descriptors(polite: list[Member], tmp_path: Path) -> None:
    report = scan(_write(build_zip(polite, descriptors=True), tmp_path))
    check_politedroid(report)
    assert not {c for c in codes(report) if c.startswith("zip.")}


def test_data_descriptors_without_central_directory(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite, descriptors=True)
    path = tmp_path / "nocd.apk"
    path.write_bytes(bytes(b.data[: b.cdh[0]]))  # directory and end record gone
    report = scan(path)
    check_politedroid(report)
    assert "zip.no-central-directory" in codes(report)


def test_corpus_apk_with_data_descriptors(tmp_path: Path) -> None:
    report = scan(corpus(TEST_DEBUG))
    assert report.app.package == "org.t0t0.androguard.test"
    raw = corpus(TEST_DEBUG).read_bytes()
    path = tmp_path / "nocd.apk"
    path.write_bytes(raw[: raw.find(b"PK\x01\x02")])
    report = scan(path)
    assert report.app.package == "org.t0t0.androguard.test"
    assert report.app.dex_count == 1
    assert "zip.no-central-directory" in codes(report)


def test_prepended_junk(polite: list[Member], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(build_zip(polite), tmp_path, prepend=random.Random(1).randbytes(4096))
    report = scan(path)
    check_politedroid(report)
    assert "zip.prepended-data" in codes(report)
    assert report.certificates
    rc, out, _ = run_cli(capsys, str(path), "--format", "json")
    assert rc == EXIT_OK
    doc = json.loads(out)
    assert doc["app"]["package"] == PKG
    assert "zip.prepended-data" in {d["code"] for d in doc["diagnostics"]}


def test_prepended_junk_to_a_corpus_apk(tmp_path: Path) -> None:
    """Offsets in a real signed APK (with an APK Signing Block) shift too."""
    src = corpus("apk/androguard/apksig/golden-aligned-v1v2v3-out.apk")
    plain = scan(src)
    path = tmp_path / "shifted.apk"
    path.write_bytes(b"\x7fELF" + bytes(4092) + src.read_bytes())
    report = scan(path)
    assert report.app.package == plain.app.package is not None
    assert report.app.dex_count == plain.app.dex_count
    assert "zip.prepended-data" in codes(report)


@pytest.mark.parametrize("size", [4096, 200_000])
def test_appended_junk(polite: list[Member], tmp_path: Path, size: int) -> None:
    path = _write(build_zip(polite), tmp_path, append=random.Random(size).randbytes(size))
    report = scan(path)
    check_politedroid(report)
    if size < 0xFFFF:
        assert "zip.appended-data" in codes(report)
    else:  # past the longest comment the end record cannot be found, as on a device
        assert "zip.no-central-directory" in codes(report)


def test_zip64_records(polite: list[Member], tmp_path: Path) -> None:
    report = scan(_write(build_zip(polite, zip64=True), tmp_path))
    check_politedroid(report)
    assert not {c for c in codes(report) if c.startswith("zip.")}


def test_zip64_locator_pointing_nowhere(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite, zip64=True)
    b.put(b.eocd - 20 + 8, "Q", 0xFFFFFFFFFFFF)  # locator's offset of the zip64 end record
    report = scan(_write(b, tmp_path))
    check_politedroid(report)
    assert "zip.bad-zip64" in codes(report)


def test_zip64_entry_count_absurd(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite, zip64=True)
    z64 = b.eocd - 20 - 56
    b.put(z64 + 24, "QQ", 1 << 40, 1 << 40)
    with pytest.raises(LimitExceeded):
        scan(_write(b, tmp_path))


def test_end_record_removed(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite)
    path = tmp_path / "noeocd.apk"
    path.write_bytes(bytes(b.data[: b.eocd]))
    report = scan(path)
    check_politedroid(report)
    assert report.certificates
    assert "zip.no-central-directory" in codes(report)


def test_central_directory_wiped(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite)
    b.data[b.cdh[0] : b.eocd] = bytes(b.eocd - b.cdh[0])
    report = scan(_write(b, tmp_path))
    check_politedroid(report)
    assert "zip.bad-central-directory-offset" in codes(report)


@pytest.mark.parametrize("count", [0, 1, 0xFFFF])
def test_end_record_count_lies(polite: list[Member], tmp_path: Path, count: int) -> None:
    b = build_zip(polite)
    b.put(b.eocd + EOCD_COUNT_HERE, "HH", count, count)
    report = scan(_write(b, tmp_path))
    check_politedroid(report)
    assert "zip.entry-count-mismatch" in codes(report)


def test_directory_points_at_no_local_header(polite: list[Member], tmp_path: Path) -> None:
    """One entry whose local header is missing costs that entry only."""
    extra = member("assets/payload.bin", bytes(range(256)) * 4, STORED)
    b = build_zip(polite + [extra])
    b.put(b.cdh[b.index("resources.arsc", polite)] + CDH_LOCAL, "I", 0xFFFFFF00)
    b.put(b.cdh[len(polite)] + CDH_LOCAL, "I", 0xFFFFFF00)
    report = scan(_write(b, tmp_path))
    check_politedroid(report, label=False)
    assert report.app.label is None
    assert {"zip.unreadable-entry", "manifest.label-unresolved"} <= codes(report)


def test_manifest_entry_points_at_no_local_header(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite)
    b.put(b.cdh[b.index("AndroidManifest.xml", polite)] + CDH_LOCAL, "I", 0xFFFFFF00)
    report = scan(_write(b, tmp_path))
    assert report.app.package is None
    assert report.app.dex_count == 1
    assert "zip.unreadable-entry" in codes(report)


def test_crc_mismatch_is_a_diagnostic(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite)
    b.put(b.cdh[b.index("AndroidManifest.xml", polite)] + CDH_CRC, "I", 0x12345678)
    report = scan(_write(b, tmp_path))
    check_politedroid(report)
    assert "zip.crc-mismatch" in codes(report)


def test_damaged_deflate_stream_keeps_what_inflated(polite: list[Member], tmp_path: Path) -> None:
    b = build_zip(polite)
    i = b.index("classes.dex", polite)
    start = b.lfh[i] + LFH_SIZE + len("classes.dex")
    size = len(polite[i].payload)
    b.data[start + size // 2 : start + size] = b"\xff" * (size - size // 2)
    report = scan(_write(b, tmp_path))
    assert report.app.package == PKG and report.app.label == "Polite Droid"
    assert report.app.dex_count == 1
    assert {"zip.size-mismatch", "dex.truncated"} <= codes(report)


def test_fake_end_record_in_the_comment(polite: list[Member], tmp_path: Path) -> None:
    """A decoy end record hidden in the archive comment is found first; entries are still recovered."""
    b = build_zip(polite)
    decoy = end_record(3, 100, 0x7FFFFFF0)
    comment = b"\x00" * 10 + decoy[:-2] + b"\x00\x00" + b"\x00" * 10
    struct.pack_into("<H", b.data, b.eocd + 20, len(comment))
    report = scan(_write(b, tmp_path, append=comment))
    check_politedroid(report)
    assert "zip.bad-central-directory-offset" in codes(report)


def test_duplicate_names_first_one_wins(polite: list[Member], manifest_bytes: bytes, tmp_path: Path) -> None:
    """A decoy manifest placed first is the one used (as Android's native loader did); it is flagged."""
    decoy = manifest_bytes.replace("com.politedroid".encode("utf-16-le"), "com.decoy.decoy".encode("utf-16-le"))
    assert decoy != manifest_bytes
    report = scan(_write(build_zip([member("AndroidManifest.xml", decoy)] + polite), tmp_path))
    assert report.app.package == "com.decoy.decoy"
    dup = [d for d in report.diagnostics if d.code == "zip.duplicate-name"]
    assert [d.location for d in dup] == ["tampered.apk!AndroidManifest.xml"]


def test_too_many_entries(polite: list[Member], tmp_path: Path) -> None:
    """500,001 directory records (aliases of one local header) hit the entry limit quickly."""
    b = build_zip(polite)
    head = bytes(b.data[: b.cdh[0]])
    i = b.index("res/drawable-hdpi/icon.png", polite)
    alias = central_record(replace(polite[i], name="res/a.png"), b.lfh[i])
    cd = bytes(b.data[b.cdh[0] : b.eocd]) + alias * (500_001 - len(polite))
    path = tmp_path / "many.apk"
    path.write_bytes(head + cd + end_record(0xFFFF, len(cd), len(head)))
    with pytest.raises(LimitExceeded, match="500000 entries"):
        scan(path)


def _split_set(tmp_path: Path, parts: dict[str, bytes]) -> Path:
    return _write(build_zip([member(n, d) for n, d in parts.items()] + [member("toc.pb", b"")]), tmp_path, "set.apks")


def test_split_set_with_a_garbage_split(tmp_path: Path) -> None:
    base = bytes(build_zip(members_of(corpus(POLITEDROID))).data)
    path = _split_set(tmp_path, {
        "splits/base-master.apk": base,
        "splits/base-arm64_v8a.apk": random.Random(5).randbytes(3000),
        "splits/base-en.apk": b"PK\x03\x04" + bytes(100),
    })
    report = scan(path)
    check_politedroid(report)
    assert report.inputs[0].kind == "apks"
    assert "split.unreadable" in codes(report)


def test_split_set_without_a_readable_apk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _split_set(tmp_path, {"splits/base-master.apk": random.Random(6).randbytes(3000)})
    with pytest.raises(CorruptInput, match="no readable APK"):
        scan(path)
    rc, _, _ = run_cli(capsys, str(path))
    assert rc == EXIT_INPUT


# ================================================================ zip bombs

BOMB_BOUNDS = {"seconds": TIME_LIMIT, "memory": MEMORY_LIMIT}


def test_zip_bomb_entry(polite: list[Member], tmp_path: Path) -> None:
    """1 GiB of zeros as classes2.dex: refused by its declared ratio, the app still analysed."""
    path = _write(build_zip(polite + [bomb_member("classes2.dex")]), tmp_path)
    assert path.stat().st_size < 2 << 20
    report = scan(path, **BOMB_BOUNDS)
    check_politedroid(report)
    bomb = [d for d in report.diagnostics if d.code == "zip.unreadable-entry"]
    assert len(bomb) == 1 and "classes2.dex" in bomb[0].location and "ratio" in bomb[0].message


def test_zip_bomb_lying_about_its_size(polite: list[Member], tmp_path: Path) -> None:
    """A directory that declares 4 KiB for the same stream: inflation stops there."""
    b = build_zip(polite + [bomb_member("classes2.dex")])
    b.put(b.cdh[-1] + CDH_USIZE, "I", 4096)
    report = scan(_write(b, tmp_path), **BOMB_BOUNDS)
    check_politedroid(report)
    assert {"zip.size-mismatch", "dex.unreadable"} <= codes(report)


def test_zip_bomb_of_unknown_size(polite: list[Member], tmp_path: Path) -> None:
    """No directory and no sizes in the local header: the streaming ratio check stops it."""
    b = build_zip(polite + [bomb_member("classes2.dex")])
    b.put(b.lfh[-1] + LFH_CSIZE, "II", 0xFFFFFFF0, 0)
    path = tmp_path / "bomb.apk"
    path.write_bytes(bytes(b.data[: b.cdh[0]]))
    report = scan(path, **BOMB_BOUNDS)
    check_politedroid(report)
    assert "zip.no-central-directory" in codes(report)
    bomb = [d for d in report.diagnostics if d.code == "zip.unreadable-entry"]
    assert len(bomb) == 1 and "zip bomb" in bomb[0].message


def test_zip_bomb_as_the_manifest(polite: list[Member], tmp_path: Path) -> None:
    members = [bomb_member("AndroidManifest.xml") if m.name == "AndroidManifest.xml" else m for m in polite]
    report = scan(_write(build_zip(members), tmp_path), **BOMB_BOUNDS)
    assert report.app.package is None
    assert report.app.dex_count == 1
    assert "zip.unreadable-entry" in codes(report)


def test_zip_bomb_is_all_there_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A JAR whose only class is a bomb: nothing analysable, exit 3."""
    path = _write(build_zip([bomb_member("a/B.class")]), tmp_path, "bomb.jar")
    with pytest.raises(CorruptInput, match="nothing analysable"):
        scan(path, **BOMB_BOUNDS)
    rc, _, err = run_cli(capsys, str(path))
    assert rc == EXIT_INPUT and "nothing analysable" in err


def test_nested_zip_bomb_in_assets(polite: list[Member], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """42.zip-style: 16**3 GiB of DEX files three archives deep, inside a real APK."""
    bomb = member("assets/bomb.zip", nested_bomb(levels=3))
    path = _write(build_zip(polite + [bomb]), tmp_path)
    assert path.stat().st_size < 1 << 20
    report = scan(path, **BOMB_BOUNDS)
    check_politedroid(report)
    assert report.certificates
    assert [d.location for d in report.diagnostics if d.code == "nested.bomb"] == ["assets/bomb.zip"]
    rc, out, _ = run_cli(capsys, str(path), "--format", "json")
    assert rc == 4  # the bomb is not read: analysed only in part
    doc = json.loads(out)
    assert "nested.bomb" in {d["code"] for d in doc["diagnostics"]}
    assert doc["completeness"]["complete"] is False and doc["completeness"]["unread"][0].startswith("assets/bomb.zip: ")


def test_nested_zip_bomb_as_a_jar(tmp_path: Path) -> None:
    """The same tree as a top-level JAR: each first-level archive is abandoned at its first bomb."""
    tree = members_of_bytes(nested_bomb(levels=3), tmp_path)
    path = _write(build_zip([member("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n")] + tree), tmp_path, "bomb.jar")
    with bounded(**BOMB_BOUNDS):  # type: ignore[arg-type]
        with pytest.raises(CorruptInput, match="nothing analysable"):
            scan_file(path)


def test_many_bombs_share_one_budget(polite: list[Member], tmp_path: Path) -> None:
    """Hundreds of nested archives each holding a bomb cost what one does."""
    inner = member("x", bytes(build_zip([bomb_member("classes.dex")]).data))
    bombs = [replace(inner, name=f"assets/b{i}.zip") for i in range(300)]
    report = scan(_write(build_zip(polite + bombs), tmp_path), **BOMB_BOUNDS)
    check_politedroid(report)
    assert len([d for d in report.diagnostics if d.code == "nested.bomb"]) == 300


def test_overlapping_entries_bomb(polite: list[Member], tmp_path: Path) -> None:
    """Hundreds of classesN.dex sharing one 64 MiB kernel, each under the ratio limit."""
    base = build_zip(polite)
    head = bytes(base.data[: base.cdh[0]])
    names = [f"classes{i}.dex" for i in range(2, 302)]
    blob, records, offsets = overlapping_bomb(names, len(head), 64 << 20)
    cd = bytes(base.data[base.cdh[0] : base.eocd]) + b"".join(central_record(m, o) for m, o in zip(records, offsets))
    data = head + blob
    path = tmp_path / "overlap.apk"
    path.write_bytes(data + cd + end_record(len(polite) + len(records), len(cd), len(data)))
    assert records[0].size < 1000 * len(records[0].payload)  # not refused for its ratio
    report = scan(path, **BOMB_BOUNDS)
    check_politedroid(report)
    assert "zip.overlapping-entries" in codes(report)


# ================================================================ binary XML (AXML)

RES_XML_START_ELEMENT = 0x0102


@pytest.fixture(scope="module")
def manifest(manifest_bytes: bytes) -> bytes:
    return manifest_bytes


def chunks(axml: bytes) -> list[bytearray]:
    """The chunks after the file header, each a mutable copy."""
    out = []
    pos = 8
    while pos + 8 <= len(axml):
        size = struct.unpack_from("<I", axml, pos + 4)[0]
        out.append(bytearray(axml[pos : pos + size]))
        pos += size
    return out


def join(parts: list[bytearray] | list[bytes]) -> bytes:
    body = b"".join(parts)
    return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body


def pool_strings(axml: bytes) -> list[str]:
    from datatrail.formats.android.stringpool import StringPool

    pool, _ = StringPool.parse(axml, 8, DiagnosticLog(), "test")
    return list(pool)


def string_position(axml: bytes, idx: int) -> int:
    """Absolute offset of string ``idx``'s length prefix (pool right after the file header)."""
    header_size = struct.unpack_from("<H", axml, 8 + 2)[0]
    strings_start = struct.unpack_from("<I", axml, 8 + 20)[0]
    offset = struct.unpack_from("<I", axml, 8 + header_size + 4 * idx)[0]
    return 8 + strings_start + offset


def element_chunk(parts: list[bytearray], axml: bytes, tag: str) -> int:
    names = pool_strings(axml)
    for i, c in enumerate(parts):
        if struct.unpack_from("<H", c)[0] == RES_XML_START_ELEMENT and names[struct.unpack_from("<I", c, 20)[0]] == tag:
            return i
    raise LookupError(tag)


def scan_with_manifest(polite: list[Member], tmp_path: Path, axml: bytes) -> Report:
    return scan(_write(build_zip(replaced(polite, "AndroidManifest.xml", axml)), tmp_path))


def test_axml_rebuild_is_clean(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    assert join(chunks(manifest)) == manifest
    report = scan_with_manifest(polite, tmp_path, manifest)
    check_politedroid(report)
    assert not {c for c in codes(report) if c.startswith(("axml.", "stringpool."))}


def test_axml_file_header_corrupted(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    """Type, header size and total size all wrong: the platform reads on, so do we."""
    axml = struct.pack("<HHI", 0x7A7A, 0x3939, 0xDEADBEEF) + manifest[8:]
    report = scan_with_manifest(polite, tmp_path, axml)
    check_politedroid(report)
    assert {"axml.bad-file-header", "axml.bad-file-size"} <= codes(report)


def test_axml_last_chunk_larger_than_file(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    parts = chunks(manifest)
    struct.pack_into("<I", parts[-1], 4, 0x7FFFFFF0)
    report = scan_with_manifest(polite, tmp_path, join(parts))
    check_politedroid(report)
    assert "axml.bad-chunk-size" in codes(report)


def test_axml_middle_chunk_larger_than_file(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    """Everything before the damaged <application> chunk is still read."""
    parts = chunks(manifest)
    struct.pack_into("<I", parts[element_chunk(parts, manifest, "application")], 4, 0xFFFFFFF0)
    report = scan_with_manifest(polite, tmp_path, join(parts))
    assert report.app.package == PKG and report.app.version_code == 4 and report.app.min_sdk == 3
    assert len(report.permissions) == 2
    assert report.components == ()
    assert "axml.bad-chunk-size" in codes(report)


def test_axml_string_pool_larger_than_file(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    """With its first chunk unbounded the manifest is lost; code and signature are still analysed."""
    parts = chunks(manifest)
    struct.pack_into("<I", parts[0], 4, 0x7FFFFFF0)
    report = scan_with_manifest(polite, tmp_path, join(parts))
    assert report.app.package is None
    assert report.app.dex_count == 1 and report.certificates
    assert {"axml.bad-chunk-size", "axml.unreadable"} <= codes(report)


def test_axml_string_count_huge(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    axml = bytearray(manifest)
    struct.pack_into("<I", axml, 8 + 8, 0x7FFFFFFF)
    report = scan_with_manifest(polite, tmp_path, bytes(axml))
    check_politedroid(report)
    assert "stringpool.bad-count" in codes(report)


def test_axml_attribute_names_blanked(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    """Packers blank android: attribute names; the resource-id map still names them."""
    axml = bytearray(manifest)
    names = pool_strings(manifest)
    for attr in ("versionCode", "versionName", "minSdkVersion", "name", "label"):
        struct.pack_into("<H", axml, string_position(manifest, names.index(attr)), 0)
    assert pool_strings(bytes(axml))[names.index("versionCode")] == ""
    report = scan_with_manifest(polite, tmp_path, bytes(axml))
    check_politedroid(report)
    assert report.app.version_name == "1.3"
    assert "axml.blank-attribute-name" in codes(report)


def test_axml_attribute_names_swapped(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    """'versionCode' renamed 'versionName' (same length): the id decides which is which."""
    axml = bytearray(manifest)
    names = pool_strings(manifest)
    pos = string_position(manifest, names.index("versionCode"))
    axml[pos + 2 : pos + 2 + 22] = "versionName".encode("utf-16-le")
    report = scan_with_manifest(polite, tmp_path, bytes(axml))
    check_politedroid(report)
    assert report.app.version_name == "1.3"
    assert "axml.renamed-attribute" in codes(report)


def test_axml_unknown_chunks_inserted(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    parts: list[bytearray] = chunks(manifest)
    junk = bytearray(struct.pack("<HHI", 0x0777, 8, 24) + bytes(range(16)))
    app = element_chunk(parts, manifest, "application")
    parts[app:app] = [junk, bytearray(struct.pack("<HHI", 0x0199, 16, 16) + b"\xff" * 8)]
    parts[2:2] = [junk]  # after the string pool and the resource map
    report = scan_with_manifest(polite, tmp_path, join(parts))
    check_politedroid(report)
    assert "axml.unknown-chunk" in codes(report)


def test_axml_attribute_count_huge(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    parts = chunks(manifest)
    root = element_chunk(parts, manifest, "manifest")
    struct.pack_into("<H", parts[root], 16 + 12, 0xFFFF)  # attributeCount in ResXMLTree_attrExt
    report = scan_with_manifest(polite, tmp_path, join(parts))
    check_politedroid(report)
    assert "axml.attribute-count" in codes(report)


def test_axml_nested_too_deep(polite: list[Member], manifest: bytes, tmp_path: Path) -> None:
    parts = chunks(manifest)
    sdk = parts[element_chunk(parts, manifest, "uses-sdk")]
    app = element_chunk(parts, manifest, "application")
    parts[app:app] = [sdk] * 5000
    report = scan_with_manifest(polite, tmp_path, join(parts))
    assert report.app.package is None and report.app.dex_count == 1
    unreadable = [d for d in report.diagnostics if d.code == "axml.unreadable"]
    assert unreadable and "deeper" in unreadable[0].message


# ================================================================ DEX

DEX_FILE_SIZE, DEX_MAP_OFF, DEX_STRING_IDS, DEX_TYPE_IDS, DEX_CLASS_DEFS = 32, 52, 56, 64, 96


@pytest.fixture(scope="module")
def polite_dex() -> bytes:
    with zipfile.ZipFile(corpus(POLITEDROID)) as z:
        return z.read("classes.dex")


def patched(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    out = bytearray(data)
    struct.pack_into("<" + fmt, out, offset, *values)
    return bytes(out)


def test_dex_string_count_huge_standalone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.dex"
    path.write_bytes(patched(corpus(TEST_DEX).read_bytes(), DEX_STRING_IDS, "I", 0xFFFFFFF0))
    with pytest.raises(CorruptInput, match="string_ids count 4294967280 exceeds the limit"):
        scan(path)
    rc, _, err = run_cli(capsys, str(path))
    assert rc == EXIT_INPUT and "exceeds the limit" in err


def test_dex_string_count_huge_in_apk(polite: list[Member], polite_dex: bytes, tmp_path: Path) -> None:
    dex = patched(polite_dex, DEX_STRING_IDS, "I", 0xFFFFFFF0)
    report = scan(_write(build_zip(replaced(polite, "classes.dex", dex)), tmp_path))
    assert report.app.package == PKG and report.app.label == "Polite Droid"
    assert report.app.dex_count == 0
    assert "dex.limit" in codes(report)


@pytest.mark.parametrize("field", [DEX_STRING_IDS, DEX_TYPE_IDS, DEX_CLASS_DEFS, 88])
def test_dex_table_offset_beyond_file(polite: list[Member], polite_dex: bytes, tmp_path: Path, field: int) -> None:
    dex = patched(polite_dex, field + 4, "I", 0xFFFFFF00)
    report = scan(_write(build_zip(replaced(polite, "classes.dex", dex)), tmp_path))
    assert report.app.package == PKG
    assert report.app.dex_count == 0
    unreadable = [d for d in report.diagnostics if d.code == "dex.unreadable"]
    assert unreadable and "outside" in unreadable[0].message


def test_dex_table_offset_beyond_file_standalone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "off.dex"
    path.write_bytes(patched(corpus(TEST_DEX).read_bytes(), DEX_STRING_IDS + 4, "I", 0x7FFFFFF0))
    with pytest.raises(CorruptInput, match="outside"):
        scan(path)
    rc, _, _ = run_cli(capsys, str(path))
    assert rc == EXIT_INPUT


def test_dex_string_data_offsets_beyond_file(polite: list[Member], polite_dex: bytes, tmp_path: Path) -> None:
    """Every string_id points past the end: placeholders and one diagnostic, not a failure."""
    count, off = struct.unpack_from("<II", polite_dex, DEX_STRING_IDS)
    dex = bytearray(polite_dex)
    for i in range(count):
        struct.pack_into("<I", dex, off + 4 * i, 0xFFFFFF00 - i)
    report = scan(_write(build_zip(replaced(polite, "classes.dex", bytes(dex))), tmp_path))
    assert report.app.package == PKG
    assert report.app.dex_count == 1
    assert "dex.bad-string" in codes(report)
    assert len(report.diagnostics) < 20


@pytest.mark.parametrize("field", [DEX_TYPE_IDS, DEX_CLASS_DEFS, 72, 80, 88])
def test_dex_counts_just_under_the_limit(polite: list[Member], polite_dex: bytes, tmp_path: Path, field: int) -> None:
    """Counts the limit allows but the file cannot hold are clamped to what fits."""
    dex = patched(polite_dex, field, "I", (1 << 22) - 1)
    report = scan(_write(build_zip(replaced(polite, "classes.dex", dex)), tmp_path))
    assert report.app.package == PKG
    assert report.app.dex_count == 1
    assert "dex.table-truncated" in codes(report)


def test_dex_map_and_file_size_lie(polite: list[Member], polite_dex: bytes, tmp_path: Path) -> None:
    dex = patched(patched(polite_dex, DEX_MAP_OFF, "I", 0xFFFFFFF0), DEX_FILE_SIZE, "I", 0xFFFFFFF0)
    report = scan(_write(build_zip(replaced(polite, "classes.dex", dex)), tmp_path))
    check_politedroid(report)
    assert report.app.class_count == clean_politedroid().app.class_count
    assert {"dex.map", "dex.truncated"} <= codes(report)


# ================================================================ resources.arsc


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(random.Random(7).randbytes(4000), id="random"),
        pytest.param(b"\x02\x00\x0c\x00" + struct.pack("<II", 0x7FFFFFFF, 0xFFFF) + random.Random(8).randbytes(4000), id="table-header-then-random"),
        pytest.param(b"", id="empty"),
    ],
)
def test_garbage_resources_arsc(polite: list[Member], tmp_path: Path, garbage: bytes) -> None:
    report = scan(_write(build_zip(replaced(polite, "resources.arsc", garbage)), tmp_path))
    check_politedroid(report, label=False)
    assert report.app.label is None
    assert "manifest.label-unresolved" in codes(report)
    assert {c for c in codes(report) if c.startswith("arsc.")}


def test_resources_arsc_truncated(polite: list[Member], tmp_path: Path) -> None:
    with zipfile.ZipFile(corpus(POLITEDROID)) as z:
        arsc = z.read("resources.arsc")
    with bounded(seconds=20):
        for cut in range(0, len(arsc), 53):
            report = scan_file(_write(build_zip(replaced(polite, "resources.arsc", arsc[:cut])), tmp_path))
            assert report.app.package == PKG
            assert report.app.label in (None, "Polite Droid")


# ================================================================ AAB (protobuf manifest)


@pytest.fixture(scope="module")
def aab() -> list[Member]:
    return members_of(corpus(AAB))


AAB_MANIFEST = "base/manifest/AndroidManifest.xml"
AAB_PKG = "com.icyleaf.appinfodemo"


def _aab_manifest() -> bytes:
    with zipfile.ZipFile(corpus(AAB)) as z:
        return z.read(AAB_MANIFEST)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda m: random.Random(3).randbytes(len(m)), id="random"),
        pytest.param(lambda m: b"\xff" * 11 + m, id="varint-too-long"),
        pytest.param(lambda m: b"\x0f" + m[1:], id="bad-wire-type"),
        pytest.param(lambda m: b"", id="empty"),
    ],
)
def test_aab_manifest_protobuf_broken(aab: list[Member], tmp_path: Path, damage: object) -> None:
    """The manifest is lost, the bundle's code is still analysed."""
    broken = damage(_aab_manifest())  # type: ignore[operator]
    report = scan(_write(build_zip(replaced(aab, AAB_MANIFEST, broken)), tmp_path, "broken.aab"))
    assert report.inputs[0].kind == "aab"
    assert report.app.package is None
    assert report.app.dex_count == 1
    assert "aab.manifest-unreadable" in codes(report)


def test_aab_manifest_root_length_huge(aab: list[Member], tmp_path: Path) -> None:
    manifest = _aab_manifest()
    _, pos = read_varint(manifest, 1)
    broken = b"\x0a\xff\xff\xff\xff\x0f" + manifest[pos:]
    report = scan(_write(build_zip(replaced(aab, AAB_MANIFEST, broken)), tmp_path, "broken.aab"))
    assert report.app.package == AAB_PKG and report.app.dex_count == 1
    assert "aab.truncated" in codes(report)


def test_aab_manifest_protobuf_truncated(aab: list[Member], tmp_path: Path) -> None:
    """Cut anywhere past the root's own fields, the package is still read."""
    manifest = _aab_manifest()
    path = tmp_path / "cut.aab"
    seen = 0
    with bounded(seconds=20):
        for cut in range(1, len(manifest), max(1, len(manifest) // 40)):
            build_zip(replaced(aab, AAB_MANIFEST, manifest[:cut])).write(path)
            # Loading and the manifest are what this exercises; the rest of the scan adds only time.
            identity = read_manifest(load_android(path)).identity
            assert identity.dex_count == 1
            if identity.package is not None:
                assert identity.package == AAB_PKG
                seen += 1
    assert seen > 30


# ================================================================ properties: damage anywhere

FUZZ_SUBJECTS = [TEST_DEBUG, POLITEDROID, "apk/androguard/apksig/original.apk"]


def _structure_offsets(data: bytes) -> list[int]:
    """Where the ZIP's headers are: flips there reach the parsers, not just inflate."""
    out = []
    for sig in (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x07\x08"):
        pos = data.find(sig)
        while pos >= 0:
            out.append(pos)
            pos = data.find(sig, pos + 1)
    return out


@st.composite
def damage(draw: st.DrawFn, data: bytes) -> tuple[list[tuple[int, int]], int | None]:
    anchors = _structure_offsets(data)
    near_header = st.builds(lambda a, d: min(a + d, len(data) - 1), st.sampled_from(anchors), st.integers(0, 46))
    where = st.one_of(st.integers(0, len(data) - 1), near_header)
    flips = draw(st.lists(st.tuples(where, st.integers(1, 255)), max_size=6))
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return flips, cut


def damaged(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for pos, mask in flips:
        out[pos] ^= mask
    return bytes(out if cut is None else out[:cut])


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("subject", FUZZ_SUBJECTS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_damaged_apk_gives_report_or_input_error(subject: str, fuzz_dir: Path, data: st.DataObject) -> None:
    src = corpus(subject).read_bytes()
    flips, cut = data.draw(damage(src))
    path = fuzz_dir / "fuzz.apk"
    path.write_bytes(damaged(src, flips, cut))
    with bounded():
        try:
            report = scan_file(path)
        except InputError:
            return
    assert isinstance(report, Report)
    json.loads(to_json(report))  # and it serialises


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_damaged_axml(manifest: bytes, data: st.DataObject) -> None:
    """Flips concentrated in chunk headers and the string pool header."""
    heads = [0, 8] + [8 + sum(len(c) for c in chunks(manifest)[:i]) for i in range(1, len(chunks(manifest)))]
    where = st.one_of(st.integers(0, len(manifest) - 1),
                      st.builds(lambda a, d: min(a + d, len(manifest) - 1), st.sampled_from(heads), st.integers(0, 35)))
    flips = data.draw(st.lists(st.tuples(where, st.integers(1, 255)), min_size=1, max_size=6))
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(manifest))))
    with bounded(seconds=1):
        try:
            root = parse_axml(damaged(manifest, flips, cut), "AndroidManifest.xml", DiagnosticLog())
        except CorruptInput:
            return
    list(root.iter())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_damaged_dex(polite_dex: bytes, data: st.DataObject) -> None:
    """Header and id tables damaged: every accessor returns or raises CorruptInput."""
    header_and_tables = st.integers(0, min(len(polite_dex), 0x70 + 0x800) - 1)
    where = st.one_of(header_and_tables, st.integers(0, len(polite_dex) - 1))
    flips = data.draw(st.lists(st.tuples(where, st.integers(1, 255)), min_size=1, max_size=6))
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(polite_dex))))
    with bounded(seconds=2):
        try:
            dex = DexFile(damaged(polite_dex, flips, cut), "classes.dex", DiagnosticLog())
            dex.class_names()
            dex.strings()
            dex.type_names()
            dex.method_refs()
            dex.field_refs()
        except CorruptInput:
            return


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_damaged_zip_directory(polite: list[Member], data: st.DataObject) -> None:
    """ZipArchive straight on damaged bytes: entries read, or CorruptInput, nothing else."""
    src = bytes(build_zip(polite).data)
    flips, cut = data.draw(damage(src))
    raw = damaged(src, flips, cut)
    with bounded(seconds=2):
        try:
            z = ZipArchive(raw, "fuzz.apk", DiagnosticLog())
        except CorruptInput:
            return
        for entry in z:
            try:
                z.read(entry)
                z.read(entry, max_size=8)
            except CorruptInput:
                pass


def test_dex_prepended_to_an_apk(tmp_path: Path) -> None:
    """Janus (CVE-2017-13156): one file that is a DEX to the runtime and an APK to the installer."""
    path = tmp_path / "janus.apk"
    path.write_bytes(corpus(TEST_DEX).read_bytes() + corpus(POLITEDROID).read_bytes())
    report = scan(path)
    assert report.inputs[0].kind == "apk"
    assert report.app.package == PKG and report.app.label == "Polite Droid"
    assert report.app.dex_count == 2  # the prepended one and classes.dex
    assert report.certificates
    assert {"apk.dex-prepended", "zip.prepended-data"} <= codes(report)
