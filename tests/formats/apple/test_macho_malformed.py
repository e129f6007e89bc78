"""Damaged Mach-O files: truncations at every load-command boundary, forged
counts, sizes and offsets, random bytes. Each must give a bounded answer (a
partial result with diagnostics, or an InputError), never another exception."""

from __future__ import annotations

import struct
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput, InputError, UnsupportedInput
from datatrail.formats.apple.codesign import parse_code_signature
from datatrail.formats.apple.macho import MachOFile, macho_objects, parse_macho
from datatrail.formats.apple.objc import class_names as objc_class_names
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_files
from tests.support.macho_factory import CPU_ARM, CPU_ARM64, Image, build, fat


def _commands(data: bytes) -> list[tuple[int, int, int]]:
    """``(offset, cmd, cmdsize)`` of each load command of a little-endian 64-bit image."""
    ncmds = struct.unpack_from("<I", data, 16)[0]
    out, at = [], 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, at)
        out.append((at, cmd, size))
        at += size
    return out


def _exercise(macho: MachOFile) -> int:
    """Touch every lazy accessor; returns how many items came back."""
    total = 0
    for sl in macho.slices:
        total += sum(1 for _ in sl.cstrings(1)) + len(sl.symbols()) + len(objc_class_names(sl)) + len(sl.exported_symbols())
        blob = sl.code_signature_blob()
        if blob:
            try:
                parse_code_signature(blob)
            except InputError:
                pass
    return total


def _parse_or_error(data: bytes) -> tuple[MachOFile | None, DiagnosticLog]:
    log = DiagnosticLog()
    try:
        macho = parse_macho(data, "x", log)
    except InputError:
        return None, log
    _exercise(macho)
    return macho, log


@pytest.fixture(scope="module")
def demo() -> bytes:
    ipa = next(iter(corpus_files("ipa/app-info/embedded.ipa")), None)
    if ipa is None:
        pytest.skip("corpus missing")
    with zipfile.ZipFile(ipa) as archive:
        return archive.read("Payload/Demo.app/Demo")


def test_truncation_at_every_load_command_boundary(demo: bytes) -> None:
    full = parse_macho(demo, "demo", DiagnosticLog()).slices[0]
    commands = _commands(demo)
    assert len(commands) == 34
    for at, _cmd, size in commands:
        for cut in (at, at + 4, at + 8, at + size - 1):
            macho, log = _parse_or_error(demo[:cut])
            assert macho is not None
            sl = macho.slices[0]
            assert {d.code for d in log.items} >= {"macho.load-commands-truncated"}
            # what came before the cut is all there
            assert full.dylibs[: len(sl.dylibs)] == sl.dylibs
            assert len(sl.segments) <= len(full.segments)
    for cut in range(0, 32):
        with pytest.raises(InputError):
            parse_macho(demo[:cut], "demo", DiagnosticLog())


def test_truncation_inside_the_data_keeps_the_commands(demo: bytes) -> None:
    full = parse_macho(demo, "demo", DiagnosticLog()).slices[0]
    for cut in range(8192, len(demo), 4096):
        macho, log = _parse_or_error(demo[:cut])
        assert macho is not None
        sl = macho.slices[0]
        assert sl.dylibs == full.dylibs and sl.uuid == full.uuid
        assert any(d.code.endswith("out-of-range") for d in log.items)
        assert set(sl.cstrings(1)) <= set(full.cstrings(1)) | {s for s in sl.cstrings(1) if s}
        assert len(sl.symbols()) <= len(full.symbols())


def _patch(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def test_huge_ncmds_is_bounded() -> None:
    data = _patch(build(Image()), 16, "<I", 0xFFFFFFFF)
    start = time.perf_counter()
    macho, log = _parse_or_error(data)
    assert time.perf_counter() - start < 1
    assert macho is not None and "macho.load-command-count" in {d.code for d in log.items}
    assert macho.slices[0].dylibs == ("/usr/lib/libSystem.B.dylib", "@rpath/Foo.framework/Foo")


def test_zero_cmdsize_stops_the_walk() -> None:
    data = build(Image())
    at, _cmd, _size = _commands(data)[3]  # first LC_LOAD_DYLIB
    macho, log = _parse_or_error(_patch(data, at + 4, "<I", 0))
    assert macho is not None and macho.slices[0].dylibs == ()
    assert [d.code for d in log.items] == ["macho.load-command-size"]


def test_huge_sizeofcmds() -> None:
    data = _patch(build(Image()), 20, "<I", 0x7FFFFFFF)
    macho, log = _parse_or_error(data)
    assert macho is not None and "macho.load-commands-truncated" in {d.code for d in log.items}


def test_string_offset_outside_the_command() -> None:
    data = build(Image())
    at, _cmd, _size = _commands(data)[3]
    macho, log = _parse_or_error(_patch(data, at + 8, "<I", 0xFFFF))
    assert macho is not None and macho.slices[0].dylibs == ("@rpath/Foo.framework/Foo",)
    assert [d.code for d in log.items] == ["macho.bad-string-offset"]


def test_huge_section_count() -> None:
    data = build(Image())
    at, _cmd, _size = _commands(data)[0]  # __TEXT
    macho, log = _parse_or_error(_patch(data, at + 64, "<I", 0xFFFFFFFF))
    assert macho is not None and len(macho.slices[0].sections) == 1
    assert [d.code for d in log.items] == ["macho.section-count"]


def test_zero_size_and_out_of_range_cstring_section() -> None:
    data = build(Image())
    at, _cmd, _size = _commands(data)[0]
    section = at + 72  # section_64 follows the segment command
    empty = parse_macho(_patch(data, section + 40, "<Q", 0), "x", DiagnosticLog()).slices[0]
    assert list(empty.cstrings(1)) == []
    log = DiagnosticLog()
    outside = parse_macho(_patch(data, section + 48, "<I", 0x7FFFFFF0), "x", log).slices[0]
    assert list(outside.cstrings(1)) == []
    assert [d.code for d in log.items] == ["macho.section-out-of-range"]
    log = DiagnosticLog()
    past_end = parse_macho(_patch(data, section + 40, "<Q", 1 << 40), "x", log).slices[0]
    assert "https://api.example-sdk.com/v1" in list(past_end.cstrings(1))  # cut at the end of the file
    assert [d.code for d in log.items] == ["macho.section-out-of-range"]


def test_forged_symbol_table() -> None:
    data = build(Image())
    at = next(a for a, cmd, _ in _commands(data) if cmd == 0x2)
    start = time.perf_counter()
    log = DiagnosticLog()
    huge = parse_macho(_patch(data, at + 12, "<I", 0xFFFFFFFF), "x", log).slices[0]
    assert huge.symbols() == ("_main", "_OBJC_CLASS_$_JPUSHService")  # the entries that fit (then padding)
    assert time.perf_counter() - start < 1
    assert "macho.symtab-out-of-range" in {d.code for d in log.items}
    short = parse_macho(_patch(data, at + 20, "<I", 3), "x", DiagnosticLog()).slices[0]
    assert short.symbols() == ("_m",)  # string table cut to 3 bytes: b"\0_m"
    empty = parse_macho(_patch(data, at + 20, "<I", 1), "x", DiagnosticLog()).slices[0]
    assert empty.symbols() == ()


def test_forged_export_tries() -> None:
    from datatrail.formats.apple.macho import _walk_export_trie

    # root -> "_a" (terminal) ; root -> "_b" -> back to root (a loop)
    trie = bytes([0, 2]) + b"_a\0" + bytes([10]) + b"_b\0" + bytes([0]) + bytes([2, 0, 0, 0])
    assert list(_walk_export_trie(trie, 100)) == ["_a"]
    assert list(_walk_export_trie(trie[:9], 100)) == []  # child offset cut off
    assert list(_walk_export_trie(b"\xff" * 100, 100)) == []
    assert list(_walk_export_trie(b"", 100)) == []


def test_fat_with_huge_or_damaged_arch_tables() -> None:
    slice64 = build(Image())
    good = fat((CPU_ARM64, 0, slice64))
    with pytest.raises(UnsupportedInput):
        parse_macho(_patch(good, 4, ">I", 0xFFFFFFFF), "x", DiagnosticLog())
    with pytest.raises(UnsupportedInput):
        parse_macho(_patch(good, 4, ">I", 0), "x", DiagnosticLog())
    log = DiagnosticLog()
    padded = parse_macho(_patch(good, 4, ">I", 30), "x", log)  # 29 all-zero entries after the real one
    assert [s.cpu for s in padded.slices] == ["arm64"]
    assert [d.code for d in log.items] == ["macho.fat-slice-out-of-range"] * 29
    log = DiagnosticLog()
    with pytest.raises(CorruptInput):
        parse_macho(_patch(good, 16, ">I", 0xFFFFFF00), "x", log)
    assert [d.code for d in log.items] == ["macho.fat-slice-out-of-range"]
    log = DiagnosticLog()
    cut = parse_macho(good[:-100], "x", log)
    assert [d.code for d in log.items][0] == "macho.fat-slice-truncated"
    assert cut.slices[0].dylibs


def test_overlapping_fat_slices() -> None:
    data = fat((CPU_ARM64, 0, build(Image())), (CPU_ARM, 9, build(Image(is64=False, cputype=CPU_ARM, cpusubtype=9))))
    offset = struct.unpack_from(">I", data, 8 + 8)[0]
    forged = _patch(data, 8 + 20 + 8, ">I", offset)  # second slice starts where the first does
    log = DiagnosticLog()
    macho = parse_macho(forged, "x", log)
    assert [s.cpu for s in macho.slices] == ["arm64"]
    assert [d.code for d in log.items] == ["macho.fat-slice-overlap"]


def test_macho_objects_on_damaged_containers() -> None:
    log = DiagnosticLog()
    member = build(Image(filetype=1))
    name = b"#1/8".ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + b"644".ljust(8)
    archive = b"!<arch>\n" + name + str(8 + len(member)).encode().ljust(10) + b"`\n" + b"a.o\0\0\0\0\0" + member
    assert [loc for loc, _ in macho_objects(archive, "lib.a", log)] == ["lib.a(a.o)"]
    truncated = archive[: len(archive) - len(member) + 20]
    found = list(macho_objects(truncated, "lib.a", log))
    assert found == [] and "macho.member-unreadable" in {d.code for d in log.items}
    text = b"!<arch>\n" + b"notes.txt/".ljust(16) + b"0".ljust(32) + b"5".ljust(10) + b"`\n" + b"hello\n"
    assert list(macho_objects(text, "t.a", log)) == []
    assert "macho.member-not-macho" in {d.code for d in log.items}


# --------------------------------------------------------------- fuzz-ish

_IMAGES = [build(Image()), build(Image(is64=False, little=False, cputype=18, ustrings=["x" * 5])),
           fat((CPU_ARM, 9, build(Image(is64=False, cputype=CPU_ARM, cpusubtype=9))), (CPU_ARM64, 0, build(Image())))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(_IMAGES) - 1), cut=st.integers(0, 20_000))
def test_any_truncation_is_handled(which: int, cut: int) -> None:
    _parse_or_error(_IMAGES[which][:cut])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(_IMAGES) - 1),
       edits=st.lists(st.tuples(st.integers(0, 700), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_headers_are_handled(which: int, edits: list[tuple[int, int]]) -> None:
    data = bytearray(_IMAGES[which])
    for offset, value in edits:
        if offset < len(data):
            data[offset] = value
    macho, _log = _parse_or_error(bytes(data))
    if macho is not None:
        assert len(macho.slices) <= 30


@settings(max_examples=200, deadline=None)
@given(magic=st.sampled_from([b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xca\xfe\xba\xbe"]),
       rest=st.binary(min_size=0, max_size=2000))
def test_random_bytes_after_a_magic(magic: bytes, rest: bytes) -> None:
    _parse_or_error(magic + rest)
