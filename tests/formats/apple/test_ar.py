"""``ar`` archive reading checked against llvm-ar and llvm-nm: the corpus's iOS
static libraries (BSD format with ``#1/NN`` names and ``__.SYMDEF SORTED``)
and archives written here in GNU, BSD and Darwin flavours; damaged archives
end with a diagnostic, never an exception."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datatrail.errors import UnsupportedInput
from datatrail.formats.apple.ar import ar_symbol_index, is_ar, iter_ar, iter_ar_members
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_dir, corpus_files
from tests.support.macho_factory import Image, build

LLVM_AR = shutil.which("llvm-ar")
NM = shutil.which("llvm-nm")
needs_llvm = pytest.mark.skipif(LLVM_AR is None or NM is None, reason="LLVM tools (apt: llvm) not installed")

THIN_LIBS = [p for p in corpus_files("sdk/ios/**/*.a") if p.read_bytes()[:8] == b"!<arch>\n"]


def _run(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(args, check=True, capture_output=True, cwd=cwd).stdout.decode("utf-8", "replace")


def _armap(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in _run(NM or "llvm-nm", "--print-armap", str(path)).split("\n")[1:]:
        if not line:
            break  # the map ends at the first blank line; member symbol lists follow
        symbol, _, member = line.rpartition(" in ")
        pairs.append((symbol, member))
    return pairs


def test_corpus_has_thin_static_libraries() -> None:
    corpus_dir()  # skips without the corpus (fails under CI)
    assert {p.name for p in THIN_LIBS} >= {"libJPush-5.7.0-arm64.a", "libJVerification-3.4.7-arm64.a"}


@needs_llvm
@pytest.mark.parametrize("lib", THIN_LIBS, ids=lambda p: p.name)
def test_members_match_llvm_ar(lib: Path, tmp_path: Path) -> None:
    log = DiagnosticLog()
    members = list(iter_ar_members(lib.read_bytes(), lib.name, log))
    assert [name for name, _ in members] == _run(LLVM_AR or "llvm-ar", "t", str(lib)).split()
    assert not log.items
    _run(LLVM_AR or "llvm-ar", "x", str(lib), cwd=tmp_path)
    for name, content in members:
        assert bytes(content) == (tmp_path / name).read_bytes(), name
        assert bytes(content[:4]) == b"\xcf\xfa\xed\xfe"


@needs_llvm
@pytest.mark.parametrize("lib", THIN_LIBS, ids=lambda p: p.name)
def test_symbol_index_matches_nm_armap(lib: Path) -> None:
    log = DiagnosticLog()
    ours = list(ar_symbol_index(lib.read_bytes(), lib.name, log))
    assert ours == _armap(lib)
    assert len(ours) > 500 and not log.items
    assert ("_OBJC_CLASS_$_JPUSHService", "JPUSHService.o") in ours or lib.name.startswith("libJVerification")


def test_symbol_tables_are_hidden_unless_asked() -> None:
    if not THIN_LIBS:
        pytest.skip("corpus missing")
    data = THIN_LIBS[0].read_bytes()
    first = next(iter(iter_ar(data, "x", DiagnosticLog(), include_symbol_tables=True)))
    assert first.name.startswith("__.SYMDEF") and first.header_offset == 8
    assert first.data_offset == 8 + 60 + 20  # "#1/20": the name takes the first 20 content bytes
    assert all(not m.name.startswith("__.SYMDEF") for m in iter_ar(data, "x", DiagnosticLog()))


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("objs")
    (folder / "a_very_long_member_name_object.o").write_bytes(
        build(Image(filetype=1, symbols=[("_JPUSHRegister", 0x0F), ("_printf", 0x01)])))
    (folder / "b.o").write_bytes(build(Image(filetype=1, symbols=[("_OBJC_CLASS_$_Foo", 0x0F)])))
    (folder / "odd.txt").write_bytes(b"odd length")
    return folder


@needs_llvm
@pytest.mark.parametrize("flavour", ["gnu", "bsd", "darwin"])
def test_archives_written_by_llvm_ar(flavour: str, objects: Path, tmp_path: Path) -> None:
    lib = tmp_path / f"{flavour}.a"
    names = ["a_very_long_member_name_object.o", "odd.txt", "b.o"]
    _run(LLVM_AR or "llvm-ar", f"--format={flavour}", "rcs", str(lib), *names, cwd=objects)
    data = lib.read_bytes()
    assert is_ar(data)
    log = DiagnosticLog()
    members = list(iter_ar_members(data, lib.name, log))
    assert [n for n, _ in members] == names == _run(LLVM_AR or "llvm-ar", "t", str(lib)).split()
    extracted = tmp_path / "x"
    extracted.mkdir()
    _run(LLVM_AR or "llvm-ar", "x", str(lib), cwd=extracted)
    for name, content in members:
        # Darwin archives pad members to 8 bytes with newlines, which belong to the content
        assert bytes(content) == (extracted / name).read_bytes()
        assert bytes(content).startswith((objects / name).read_bytes())
    assert list(ar_symbol_index(data, lib.name, log)) == _armap(lib) == [
        ("_JPUSHRegister", "a_very_long_member_name_object.o"), ("_OBJC_CLASS_$_Foo", "b.o")]
    assert not log.items


@pytest.mark.skipif(shutil.which("ar") is None, reason="binutils not installed")
def test_archive_written_by_gnu_ar(objects: Path, tmp_path: Path) -> None:
    lib = tmp_path / "gnu.a"
    names = ["a_very_long_member_name_object.o", "odd.txt", "b.o"]
    _run("ar", "rc", str(lib), *names, cwd=objects)
    members = list(iter_ar_members(lib.read_bytes(), lib.name, DiagnosticLog()))
    assert [n for n, _ in members] == names
    assert [bytes(c) for _, c in members] == [(objects / n).read_bytes() for n in names]


# ------------------------------------------------------------------ damage

def _header(name: bytes, size: int | bytes, fmag: bytes = b"`\n") -> bytes:
    raw_size = size if isinstance(size, bytes) else str(size).encode()
    return name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + b"644".ljust(8) + raw_size.ljust(10) + fmag


def _codes(log: DiagnosticLog) -> list[str]:
    return [d.code for d in log.items]


def test_not_an_archive() -> None:
    with pytest.raises(UnsupportedInput):
        list(iter_ar_members(b"!<thin>\n", "x", DiagnosticLog()))
    assert not is_ar(b"!<arch")


def test_damaged_archives() -> None:
    good = b"!<arch>\n" + _header(b"a.o/", 3) + b"abc\n" + _header(b"#1/8", 10) + b"long.o\0\0xy"
    log = DiagnosticLog()
    assert [(n, bytes(c)) for n, c in iter_ar_members(good, "x", log)] == [("a.o", b"abc"), ("long.o", b"xy")]
    assert not log.items
    cases = {
        "ar.bad-header": b"!<arch>\n" + _header(b"a.o/", 3, b"xx") + b"abc\n",
        "ar.bad-size": b"!<arch>\n" + _header(b"a.o/", b"-x") + b"abc\n",
        "ar.member-truncated": b"!<arch>\n" + _header(b"a.o/", 999999) + b"abc\n",
        "ar.header-truncated": b"!<arch>\n" + _header(b"a.o/", 3)[:30],
        "ar.bad-name": b"!<arch>\n" + _header(b"#1/99", 4) + b"abcd",
    }
    for code, data in cases.items():
        log = DiagnosticLog()
        list(iter_ar_members(data, "x", log))
        assert _codes(log) == [code], code
    gnu_ref = b"!<arch>\n" + _header(b"//", 8) + b"long.o/\n" + _header(b"/0", 1) + b"a\n" + _header(b"/50", 1) + b"b\n"
    log = DiagnosticLog()
    assert [n for n, _ in iter_ar_members(gnu_ref, "x", log)] == ["long.o", "/50"]
    assert _codes(log) == ["ar.bad-name"]


def test_damaged_symbol_tables() -> None:
    symdef = b"__.SYMDEF".ljust(12, b"\0")
    bad = b"!<arch>\n" + _header(b"#1/12", 12 + 8) + symdef + b"\xff\xff\xff\x7f\0\0\0\0"
    log = DiagnosticLog()
    assert ar_symbol_index(bad, "x", log) == ()
    assert _codes(log) == ["ar.bad-symbol-table"]
    gnu = b"!<arch>\n" + _header(b"/", 8) + b"\x7f\xff\xff\xff\0\0\0\0"
    log = DiagnosticLog()
    assert ar_symbol_index(gnu, "x", log) == ()
    assert _codes(log) == ["ar.bad-symbol-table"]


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=600), cut=st.integers(0, 700))
def test_random_archives_never_raise(body: bytes, cut: int) -> None:
    data = (b"!<arch>\n" + _header(b"#1/8", 10) + b"long.o\0\0xy" + body)[:cut]
    if not is_ar(data):
        return
    log = DiagnosticLog()
    list(iter_ar_members(data, "x", log))
    ar_symbol_index(data, "x", log)
