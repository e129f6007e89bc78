"""ELF section reader and string extraction, checked against binutils on real
libraries (corpus, and built here with gcc) and on hand-built files of every
class and byte order; damaged files must give bounded answers, never errors."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datatrail.formats.android.elf import (
    MAX_SECTIONS,
    ElfInfo,
    is_elf,
    printable_runs,
    read_elf,
    string_runs,
)
from tests.support.corpus import corpus_dir
from tests.support.elf_factory import make_elf

READELF = shutil.which("readelf")
STRINGS = shutil.which("strings")
GCC = shutil.which("gcc")
needs_binutils = pytest.mark.skipif(READELF is None or STRINGS is None, reason="binutils not installed")


# --------------------------------------------------------------- factories



def readelf_sections(path: Path) -> list[tuple[str, int, int]]:
    """(name, offset, size) per section from ``readelf -S -W``."""
    out = subprocess.run([READELF or "readelf", "-S", "-W", str(path)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s(.*)", line)
        if not m:
            continue
        fields = m.group(2).split()
        if m.group(1) == "0":  # the null section has no name column
            rows.append(("", int(fields[2], 16), int(fields[3], 16)))
        else:  # name, type, address, offset, size, ...
            rows.append((fields[0], int(fields[3], 16), int(fields[4], 16)))
    return rows


def strings_runs(path: Path, min_length: int = 6) -> set[tuple[int, str]]:
    out = subprocess.run([STRINGS or "strings", "-a", "-n", str(min_length), "-t", "d", str(path)],
                         check=True, capture_output=True).stdout.decode("ascii")
    runs = set()
    for line in out.split("\n"):
        if line.strip():
            offset, _, text = line.lstrip().partition(" ")
            runs.add((int(offset), text))
    return runs


def assert_matches_binutils(path: Path) -> ElfInfo:
    data = path.read_bytes()
    info = read_elf(data)
    assert info is not None and info.problems == ()
    ours = [(s.name, s.offset, s.size) for s in info.sections]
    theirs = readelf_sections(path)
    assert ours == theirs
    # GNU strings splits runs on newlines too ("-w" is off); compare whole-file runs.
    runs = {(off, text) for off, text in printable_runs(data, 6)}
    assert runs == strings_runs(path)
    return info


# ------------------------------------------------------------------ tests

@needs_binutils
@pytest.mark.parametrize("bits,little", [(32, True), (32, False), (64, True), (64, False)])
def test_hand_built_elf_every_class_and_byte_order(tmp_path: Path, bits: int, little: bool) -> None:
    path = tmp_path / f"lib{bits}{'le' if little else 'be'}.so"
    path.write_bytes(make_elf(bits, little))
    info = assert_matches_binutils(path)
    assert (info.bits, info.little_endian, info.machine) == (bits, little, 8)
    runs = list(string_runs(path.read_bytes()))
    assert [(r.section, r.text) for r in runs] == [
        (".rodata", "https://ro.example-host.org/x"),
        (".data", "wss://data.example-host.net/ws"),
    ]
    bss = info.section(".bss")
    assert bss is not None and bss.file_size == 0 and bss.size == 0x1000


@needs_binutils
@pytest.mark.skipif(GCC is None, reason="gcc not installed")
def test_gcc_built_library_matches_readelf_and_strings(tmp_path: Path) -> None:
    src = tmp_path / "t.c"
    src.write_text(
        'const char *u = "https://api.datatrail-test.org/v1";\n'
        'char buf[] = "wss://push.datatrail-test.net:443/ws";\n'
        "int f(void) { return u[0] + buf[0]; }\n"
    )
    lib = tmp_path / "libt.so"
    subprocess.run([GCC or "gcc", "-shared", "-fPIC", "-O1", "-o", str(lib), str(src)], check=True)
    assert_matches_binutils(lib)
    found = {(r.section, r.text) for r in string_runs(lib.read_bytes())}
    assert (".rodata", "https://api.datatrail-test.org/v1") in found
    assert (".data", "wss://push.datatrail-test.net:443/ws") in found
    # A 32-bit relocatable object keeps its literals in .rodata.str1.1.
    obj = tmp_path / "t32.o"
    if subprocess.run([GCC or "gcc", "-m32", "-c", "-O1", "-o", str(obj), str(src)], capture_output=True).returncode == 0:
        info = assert_matches_binutils(obj)
        assert info.bits == 32
        assert any(r.section.startswith(".rodata") and "datatrail-test.org" in r.text for r in string_runs(obj.read_bytes()))


@needs_binutils
@pytest.mark.parametrize("archive,member,bits,machine", [
    ("apk/bugly-demo/BuglyUpgradeDemo-demo.apk", "lib/armeabi/libBugly.so", 32, 40),
    ("apk/bugly-demo/BuglyUpgradeDemo-demo.apk", "lib/x86/libBugly.so", 32, 3),
    ("sdk/android/jiguang/jcore-android-5.3.0.aar", "jni/arm64-v8a/libjutils.so", 64, 183),
    ("sdk/android/sina-weibo/openDefault-4.4.1.aar", "jni/arm64-v8a/libweibosdkcore.so", 64, 183),
])
def test_corpus_libraries_match_binutils(tmp_path: Path, archive: str, member: str, bits: int, machine: int) -> None:
    with zipfile.ZipFile(corpus_dir() / archive) as z:
        path = tmp_path / Path(member).name
        path.write_bytes(z.read(member))
    info = assert_matches_binutils(path)
    assert (info.bits, info.machine) == (bits, machine)
    rodata = info.section(".rodata")
    assert rodata is not None and rodata.file_size == rodata.size > 0
    if "libBugly" in member:
        assert any("bugly.qq.com" in r.text and r.section == ".rodata" for r in string_runs(path.read_bytes()))


def test_printable_runs_bounds_and_minimum() -> None:
    data = b"abc\0abcdef\tgh\x01xyz12345\x7fend"
    assert list(printable_runs(data, 6)) == [(4, "abcdef\tgh"), (14, "xyz12345")]
    assert list(printable_runs(data, 6, start=5, end=12)) == [(5, "bcdef\tg")]
    assert list(printable_runs(data, 6, start=40)) == []
    assert list(printable_runs(memoryview(data), 3))[0] == (0, "abc")


def test_not_elf_falls_back_to_whole_file() -> None:
    blob = b"PK\x03\x04 junk http://plain.example-host.org/ \0 more"
    assert read_elf(blob) is None and not is_elf(blob)
    runs = list(string_runs(blob))
    assert [(r.section, r.offset, r.text) for r in runs] == [("", 4, " junk http://plain.example-host.org/ ")]


def _patch(elf: bytes, offset: int, fmt: str, *values: int) -> bytes:
    out = bytearray(elf)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def _runs_ok(blob: bytes) -> list[str]:
    info = read_elf(blob)
    texts = [r.text for r in string_runs(blob, max_bytes=1 << 20)]
    assert info is None or isinstance(info.problems, tuple)
    return texts


# 64-bit LE header fields after e_ident: shoff at 40, shentsize 58, shnum 60, shstrndx 62.
@pytest.mark.parametrize("offset,fmt,value,problem", [
    (40, "<Q", 1 << 40, "past the end"),         # section table far away
    (40, "<Q", 0, "no section header table"),    # stripped with sstrip
    (58, "<H", 8, "entry size"),                 # entry too small to read
    (60, "<H", 0xFFFF, "fit in the file"),       # count beyond the file
    (62, "<H", 99, "not a section"),             # name table index out of range
])
def test_damaged_headers_report_and_fall_back(offset: int, fmt: str, value: int, problem: str) -> None:
    elf = _patch(make_elf(), offset, fmt, value)
    info = read_elf(elf)
    assert info is not None
    assert any(problem in p for p in info.problems), info.problems
    texts = _runs_ok(elf)
    assert any("ro.example-host.org" in t for t in texts)  # found either way


def test_section_offsets_past_the_end_are_cut() -> None:
    elf = make_elf()
    info = read_elf(elf)
    assert info is not None
    shoff = struct.unpack_from("<Q", elf, 40)[0]
    # .rodata (section 1): offset beyond the file; .data (section 2): size beyond it
    bad = _patch(elf, shoff + 64 + 24, "<Q", len(elf) + 100)
    bad = _patch(bad, shoff + 128 + 32, "<Q", 1 << 50)
    info = read_elf(bad)
    assert info is not None and any("past the end" in p for p in info.problems)
    rodata, data = info.section(".rodata"), info.section(".data")
    assert rodata is not None and rodata.file_size == 0
    assert data is not None and data.file_size == len(bad) - data.offset
    _runs_ok(bad)


def test_extended_section_numbering() -> None:
    elf = make_elf()
    shoff = struct.unpack_from("<Q", elf, 40)[0]
    # e_shnum = 0 and e_shstrndx = SHN_XINDEX: the real values live in section 0.
    ext = _patch(elf, 60, "<HH", 0, 0xFFFF)
    ext = _patch(ext, shoff + 32, "<Q", 5)      # sh_size of section 0 = shnum
    ext = _patch(ext, shoff + 40, "<I", 4)      # sh_link of section 0 = shstrndx
    info = read_elf(ext)
    assert info is not None and info.problems == ()
    assert [s.name for s in info.sections] == ["", ".rodata", ".data", ".bss", ".shstrtab"]
    # A forged huge count in section 0 is capped, not allocated.
    huge = _patch(ext, shoff + 32, "<Q", 1 << 40)
    info = read_elf(huge)
    assert info is not None and len(info.sections) <= MAX_SECTIONS


def test_every_truncation_is_handled() -> None:
    for bits in (32, 64):
        for little in (True, False):
            elf = make_elf(bits, little)
            for cut in range(len(elf) + 1):
                _runs_ok(elf[:cut])


def test_scan_budget_is_honoured() -> None:
    big = b"A" * 10 + (b"x" * 100 + b"\0") * 50_000
    t0 = time.perf_counter()
    runs = list(string_runs(big, max_bytes=10_000))
    assert time.perf_counter() - t0 < 1.0
    assert sum(len(r.text) + 1 for r in runs) <= 10_001


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_corruption_never_raises(data: st.DataObject) -> None:
    bits = data.draw(st.sampled_from([32, 64]))
    little = data.draw(st.booleans())
    elf = bytearray(make_elf(bits, little))
    for _ in range(data.draw(st.integers(1, 12))):
        at = data.draw(st.integers(0, len(elf) - 1))
        elf[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(elf)))
    _runs_ok(bytes(elf[:cut]))
