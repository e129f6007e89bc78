"""Mach-O parsing checked against LLVM's tools (llvm-objdump, llvm-nm, llvm-lipo)
on every real Mach-O in the corpus: the framework binaries of app-info's
payload, the executables inside the corpus IPAs and the objects of the iOS
static libraries (thin and fat archives)."""

from __future__ import annotations

import glob
import re
import shutil
import struct
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput, UnsupportedInput
from datatrail.formats.apple.macho import MachOFile, MachOSlice, is_fat, is_macho, macho_objects, parse_macho
from datatrail.formats.apple.objc import class_names as objc_class_names
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import CORPUS, corpus_files


def _tool(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    for name in names:
        hits = sorted(glob.glob(f"/usr/lib/llvm-*/bin/{name}"))
        if hits:
            return hits[-1]
    return None


OBJDUMP = _tool("llvm-objdump")
NM = _tool("llvm-nm")
LIPO = _tool("llvm-lipo", "llvm-lipo-15", "llvm-lipo-14")
needs_llvm = pytest.mark.skipif(OBJDUMP is None or NM is None or LIPO is None, reason="LLVM tools (apt: llvm) not installed")

PAYLOAD_BINARIES = corpus_files(
    "ipa/app-info/payload/FMDB.framework/FMDB",
    "ipa/app-info/payload/libswiftPhotos.dylib",
    "ipa/app-info/payload/NotificationService.appex/NotificationService",
)
IPAS = corpus_files("ipa/**/*.ipa")
STATIC_LIBS = corpus_files("sdk/ios/**/*.a")


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path


def _extract_ipa_binaries(target: Path) -> list[Sample]:
    out = []
    for ipa in IPAS:
        try:
            archive = zipfile.ZipFile(ipa)
        except zipfile.BadZipFile:
            continue  # fastlane's not-an-ipa.ipa
        with archive:
            for info in archive.infolist():
                if info.is_dir() or info.file_size < 4096:
                    continue
                data = archive.read(info)
                if is_macho(data[:512]):
                    dest = target / f"{ipa.stem}__{Path(info.filename).name}"
                    dest.write_bytes(data)
                    out.append(Sample(f"{ipa.name}:{info.filename}", dest))
    return out


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Sample]:
    if CORPUS is None:
        pytest.skip("test corpus not found")
    found = [Sample(str(p.relative_to(CORPUS)), p) for p in PAYLOAD_BINARIES]
    found += _extract_ipa_binaries(tmp_path_factory.mktemp("ipa-binaries"))
    return found


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8", "replace")


def _parse(path: Path) -> tuple[MachOFile, DiagnosticLog]:
    log = DiagnosticLog()
    return parse_macho(path.read_bytes(), path.name, log), log


def objdump_load_commands(path: Path, arch: str) -> list[dict[str, str]]:
    """One dict per load command from ``llvm-objdump --macho --private-headers``."""
    text = _run(OBJDUMP or "llvm-objdump", "--macho", "--private-headers", f"--arch={arch}", str(path))
    commands: list[dict[str, str]] = []
    for line in text.splitlines():
        if line.startswith("Load command"):
            commands.append({})
        elif commands and (m := re.match(r"\s*(\S+) (.*)$", line)):
            commands[-1].setdefault(m.group(1), m.group(2).strip())
    return commands


# ------------------------------------------------------------------ corpus

def test_corpus_has_the_expected_binaries(samples: list[Sample]) -> None:
    # 3 payload binaries + Demo, Notification (embedded.ipa), bundle, AppInfoDemo, very-capable-app
    assert len(samples) == 8, [s.name for s in samples]


@needs_llvm
def test_slices_match_lipo(samples: list[Sample]) -> None:
    for sample in samples:
        macho, log = _parse(sample.path)
        assert [s.cpu for s in macho.slices] == _run(LIPO or "llvm-lipo", "-archs", str(sample.path)).split(), sample.name
        assert macho.fat == is_fat(sample.path.read_bytes()[:512])
        assert not log.items, sample.name


@needs_llvm
def test_load_commands_match_objdump(samples: list[Sample]) -> None:
    checked = 0
    for sample in samples:
        macho, _ = _parse(sample.path)
        for sl in macho.slices:
            cmds = objdump_load_commands(sample.path, sl.cpu)
            where = f"{sample.name}[{sl.cpu}]"
            dylibs = [c["name"].rsplit(" (offset", 1)[0] for c in cmds if c["cmd"] in
                      ("LC_LOAD_DYLIB", "LC_LOAD_WEAK_DYLIB", "LC_REEXPORT_DYLIB", "LC_LAZY_LOAD_DYLIB", "LC_LOAD_UPWARD_DYLIB")]
            assert list(sl.dylibs) == dylibs and dylibs, where
            weak = [c["name"].rsplit(" (offset", 1)[0] for c in cmds if c["cmd"] == "LC_LOAD_WEAK_DYLIB"]
            assert list(sl.weak_dylibs) == weak, where
            rpaths = [c["path"].rsplit(" (offset", 1)[0] for c in cmds if c["cmd"] == "LC_RPATH"]
            assert list(sl.rpaths) == rpaths, where
            uuid = next(c["uuid"] for c in cmds if c["cmd"] == "LC_UUID")
            assert sl.uuid == uuid, where
            build = next((c for c in cmds if c["cmd"] in ("LC_BUILD_VERSION", "LC_VERSION_MIN_IPHONEOS")), None)
            assert build is not None and sl.min_os is not None
            if build["cmd"] == "LC_BUILD_VERSION":
                assert sl.min_os == (build["platform"], build["minos"]), where
            else:
                assert sl.min_os == ("ios", build["version"]), where
            assert sl.sdk == build["sdk"], where
            crypt = next(c for c in cmds if c["cmd"].startswith("LC_ENCRYPTION_INFO"))
            assert sl.encryption == (int(crypt["cryptoff"]), int(crypt["cryptsize"]), int(crypt["cryptid"])), where
            assert sl.encrypted is False
            sig = next(c for c in cmds if c["cmd"] == "LC_CODE_SIGNATURE")
            assert sl.code_signature == (int(sig["dataoff"]), int(sig["datasize"])), where
            ident = next((c["name"].rsplit(" (offset", 1)[0] for c in cmds if c["cmd"] == "LC_ID_DYLIB"), None)
            assert sl.install_name == ident, where
            assert sl.filetype == ("dylib" if ident else "execute")
            checked += 1
    assert checked == 13


def test_known_values_of_one_binary_by_hand() -> None:
    """Values read by eye from the hex of FMDB's arm64 slice header (big-endian fat
    table at 0x8: cputype 0x0100000c at offset 0x14000...)."""
    path = next((p for p in PAYLOAD_BINARIES if p.name == "FMDB"), None)
    if path is None:
        pytest.skip("corpus missing")
    macho, _ = _parse(path)
    arm64 = macho.preferred()
    assert arm64 is not None and arm64.cpu == "arm64" and arm64.is64 and arm64.little_endian
    assert arm64.install_name == "@rpath/FMDB.framework/FMDB"
    assert arm64.min_os == ("ios", "9.0")
    assert "/usr/lib/libsqlite3.dylib" in arm64.dylibs
    armv7 = macho.slices[0]
    assert armv7.cpu == "armv7" and not armv7.is64


@needs_llvm
def test_symbols_match_nm(samples: list[Sample]) -> None:
    for sample in samples:
        macho, _ = _parse(sample.path)
        for sl in macho.slices:
            theirs = _run(NM or "llvm-nm", f"--arch={sl.cpu}", "-p", "-j", "--no-dyldinfo", str(sample.path)).split("\n")
            theirs = [t for t in theirs if t]
            assert list(sl.symbols()) == theirs, f"{sample.name}[{sl.cpu}]"
            undefined = _run(NM or "llvm-nm", f"--arch={sl.cpu}", "-p", "-j", "-u", "--no-dyldinfo", str(sample.path)).split()
            assert sorted(sl.undefined_symbols()) == sorted(undefined)
            assert set(sl.defined_symbols()).isdisjoint(undefined)


@needs_llvm
def test_exported_symbols_match_objdump(samples: list[Sample]) -> None:
    checked = 0
    for sample in samples:
        macho, _ = _parse(sample.path)
        for sl in macho.slices:
            text = _run(OBJDUMP or "llvm-objdump", "--macho", "--exports-trie", f"--arch={sl.cpu}", str(sample.path))
            theirs = re.findall(r"^0x[0-9A-F]+  (\S+)", text, re.M)
            # LLVM lists a terminal node after its children; the set and count are what matter
            assert sorted(sl.exported_symbols()) == sorted(theirs), f"{sample.name}[{sl.cpu}]"
            checked += len(theirs)
    assert checked > 100


def _objdump_section_strings(path: Path, arch: str, section: str) -> set[str]:
    raw = subprocess.run([OBJDUMP or "llvm-objdump", "--macho", f"--section=__TEXT,{section}", f"--arch={arch}", str(path)],
                         check=True, capture_output=True).stdout
    out = set()
    for line in raw.split(b"\n")[2:]:
        m = re.match(rb"[0-9a-f]+  (.*)$", line)
        if m and m.group(1) and b"\\" not in m.group(1):  # escaped bytes are not text
            out.add(m.group(1).decode("utf-8"))
    return out


@needs_llvm
def test_cstrings_cover_what_objdump_prints(samples: list[Sample]) -> None:
    total = 0
    for sample in samples:
        macho, _ = _parse(sample.path)
        for sl in macho.slices:
            ours = set(sl.cstrings(min_len=1))
            for section in ("__cstring", "__objc_methname", "__objc_classname", "__objc_methtype"):
                if sl.section("__TEXT", section) is None:
                    continue
                theirs = _objdump_section_strings(sample.path, sl.cpu, section)
                assert theirs <= ours, (sample.name, sl.cpu, section, sorted(theirs - ours)[:5])
                total += len(theirs)
    assert total > 2000


def test_cstrings_respect_min_len_and_find_known_literals(samples: list[Sample]) -> None:
    fmdb = next(s for s in samples if s.path.name == "FMDB")
    macho, _ = _parse(fmdb.path)
    strings = set(macho.cstrings(min_len=6))
    assert all(len(s) >= 6 for s in strings)
    assert "FMDatabase" in strings  # class name (__objc_classname)
    assert "databaseWithPath:" in strings  # selector (__objc_methname)
    assert any("sqlite" in s.lower() for s in strings)
    # MachOFile.cstrings dedupes across slices; each slice alone has fewer or equal
    assert len(list(macho.cstrings(6))) == len(strings)


@needs_llvm
def test_objc_class_names_match_objdump(samples: list[Sample]) -> None:
    checked = 0
    for sample in samples:
        macho, _ = _parse(sample.path)
        for sl in macho.slices:
            text = _run(OBJDUMP or "llvm-objdump", "--macho", "--objc-meta-data", f"--arch={sl.cpu}", str(sample.path))
            # class_ro names are indented by exactly 21 spaces; method names by tabs
            theirs = {m.group(1) for m in re.finditer(r"^ {21}name 0x[0-9a-f]+ (\S+)$", text, re.M)}
            ours = objc_class_names(sl)
            assert theirs <= set(ours), (sample.name, sl.cpu, theirs - set(ours))
            assert len(ours) == len(set(ours))
            checked += len(theirs)
    assert checked >= 20


def test_swift_class_names_come_from_the_class_list(samples: list[Sample]) -> None:
    demo = next(s for s in samples if s.path.name.endswith("__Demo"))
    macho, _ = _parse(demo.path)
    assert objc_class_names(macho.slices[0]) == (
        "_TtC4Demo14ViewController", "_TtC4Demo11AppDelegate", "_TtC4Demo13SceneDelegate")


# --------------------------------------------------------------- static libraries

@needs_llvm
def test_fat_static_library_objects(tmp_path: Path) -> None:
    lib = next((p for p in STATIC_LIBS if p.name == "AdjustSigSdk.a"), None)
    if lib is None:
        pytest.skip("corpus missing")
    log = DiagnosticLog()
    objects = list(macho_objects(lib.read_bytes(), lib.name, log))
    assert [loc for loc, _ in objects] == [
        "AdjustSigSdk.a[x86_64](AdjustSigSdk-x86_64-master.o)",
        "AdjustSigSdk.a[arm64](AdjustSigSdk-arm64-master.o)",
    ]
    assert not log.items
    only = list(macho_objects(lib.read_bytes(), lib.name, log, one_arch=True))
    assert [loc for loc, _ in only] == ["AdjustSigSdk.a[arm64](AdjustSigSdk-arm64-master.o)"]
    thin = tmp_path / "arm64.a"
    subprocess.run([LIPO or "llvm-lipo", str(lib), "-thin", "arm64", "-output", str(thin)], check=True)
    sl = only[0][1].slices[0]
    assert sl.filetype == "object" and sl.cpu == "arm64"
    theirs = _run(NM or "llvm-nm", "-p", "-j", str(thin)).split("\n")
    assert list(sl.symbols()) == [t for t in theirs[2:] if t]  # skip the "\nmember.o:" heading
    assert "ADJSigner" in objc_class_names(sl)


def test_parse_macho_rejects_a_fat_archive_without_macho_slices() -> None:
    lib = next((p for p in STATIC_LIBS if p.name == "AdjustSigSdk.a"), None)
    if lib is None:
        pytest.skip("corpus missing")
    log = DiagnosticLog()
    with pytest.raises(CorruptInput):
        parse_macho(lib.read_bytes(), lib.name, log)
    assert {d.code for d in log.items} == {"macho.fat-slice-not-macho"}


@needs_llvm
def test_archive_objects_match_nm() -> None:
    for lib in STATIC_LIBS:
        if lib.read_bytes()[:8] != b"!<arch>\n":
            continue
        log = DiagnosticLog()
        ours: dict[str, list[str]] = {}
        for loc, macho in macho_objects(lib.read_bytes(), lib.name, log):
            member = loc[len(lib.name) + 1 : -1]
            ours[member] = list(macho.slices[0].symbols())
        theirs: dict[str, list[str]] = {}
        current = ""
        for line in _run(NM or "llvm-nm", "-p", "-j", str(lib)).split("\n"):
            if heading := re.fullmatch(r".*\((.+)\):", line):
                current = heading.group(1)
                theirs[current] = []
            elif line:
                theirs[current].append(line)
        assert ours == theirs, lib.name
        assert len(ours) > 40 and not log.items


@needs_llvm
def test_linker_options_match_objdump() -> None:
    for lib in STATIC_LIBS:
        if lib.read_bytes()[:8] != b"!<arch>\n":
            continue
        theirs: dict[str, list[tuple[str, ...]]] = {}
        member, in_option, current = "", False, []
        text = _run(OBJDUMP or "llvm-objdump", "--macho", "--private-headers", str(lib))
        for line in text.splitlines() + ["Load command"]:
            heading = re.fullmatch(r".*\((.+)\):", line)
            if heading or line.startswith("Load command"):
                if in_option:
                    theirs[member].append(tuple(current))
                in_option, current = False, []
            if heading:
                member = heading.group(1)
                theirs[member] = []
            elif line.strip() == "cmd LC_LINKER_OPTION":
                in_option = True
            elif in_option and (m := re.match(r"\s+string #\d+ (.*)$", line)):
                current.append(m.group(1))
        ours = {loc[len(lib.name) + 1 : -1]: list(f.slices[0].linker_options)
                for loc, f in macho_objects(lib.read_bytes(), lib.name, DiagnosticLog())}
        assert ours == theirs, lib.name
        assert sum(len(v) for v in ours.values()) > 500


def test_verification_sdk_links_core_telephony() -> None:
    """JVerification's one-tap login reads the SIM carrier: its objects auto-link CoreTelephony."""
    lib = next((p for p in STATIC_LIBS if p.name.startswith("libJVerification")), None)
    if lib is None:
        pytest.skip("corpus missing")
    frameworks = {name for _loc, f in macho_objects(lib.read_bytes(), lib.name, DiagnosticLog())
                  for name in f.slices[0].linked_frameworks()}
    assert {"CoreTelephony", "SystemConfiguration", "Security"} <= frameworks
    assert "-framework" not in frameworks


def test_jiguang_libraries_name_their_sdk_classes() -> None:
    wanted = {"libJPush-5.7.0-arm64.a": "JPUSHService", "libJVerification-3.4.7-arm64.a": "JVERIFICATIONService"}
    for lib in STATIC_LIBS:
        if lib.name not in wanted:
            continue
        names: set[str] = set()
        symbols: set[str] = set()
        for _loc, macho in macho_objects(lib.read_bytes(), lib.name, DiagnosticLog()):
            names.update(objc_class_names(macho.slices[0]))
            symbols.update(macho.slices[0].symbols())
        assert wanted[lib.name] in names
        assert f"_OBJC_CLASS_$_{wanted[lib.name]}" in symbols


# ------------------------------------------------------------------ sniffing

def test_sniffing() -> None:
    assert is_macho(b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01")
    assert is_macho(b"\xfe\xed\xfa\xce\x00\x00\x00\x12")
    fat = bytes.fromhex("cafebabe00000001") + bytes.fromhex("0100000c00000000000040000000100000000e")
    assert is_macho(fat + b"\0")
    # a Java class file: cafebabe, minor 0, major 52 (Java 8)
    assert not is_macho(bytes.fromhex("cafebabe00000034000a0a0002000307"))
    # Java 1.1 class (major 45 = 0x2d) is still more arches than any fat file has
    assert not is_macho(bytes.fromhex("cafebabe0003002d"))
    assert not is_macho(b"\x7fELF\x02\x01\x01\0")
    assert not is_macho(b"\xcf\xfa")
    for path in PAYLOAD_BINARIES + STATIC_LIBS:
        head = path.read_bytes()[:4096]
        assert is_macho(head) == (head[:8] != b"!<arch>\n")


def test_non_macho_inputs_are_unsupported() -> None:
    for data in (b"", b"PK\x03\x04" + b"\0" * 60, bytes.fromhex("cafebabe00000034") + b"\0" * 40):
        with pytest.raises(UnsupportedInput):
            parse_macho(data, "x", DiagnosticLog())
    with pytest.raises(UnsupportedInput):
        list(macho_objects(b"hello world", "x", DiagnosticLog()))


# --------------------------------------------------------------- encryption

def _with_cryptid(data: bytes, sl: MachOSlice, cryptid: int) -> bytes:
    """``data`` with the slice's LC_ENCRYPTION_INFO cryptid set, as an App Store build has it."""
    out = bytearray(data)
    assert sl.encryption is not None
    needle = (sl.encryption[0]).to_bytes(4, "little") + (sl.encryption[1]).to_bytes(4, "little") + b"\0\0\0\0"
    at = out.find(needle, sl.base, sl.base + 8192)
    assert at > 0
    out[at + 8 : at + 12] = cryptid.to_bytes(4, "little")
    return bytes(out)


def test_encrypted_slice_hides_ciphertext_but_keeps_imports(samples: list[Sample]) -> None:
    demo = next(s for s in samples if s.path.name.endswith("__Demo"))
    plain, _ = _parse(demo.path)
    sl = plain.slices[0]
    encrypted = parse_macho(_with_cryptid(demo.path.read_bytes(), sl, 1), "x", DiagnosticLog())
    esl = encrypted.slices[0]
    assert esl.encrypted and encrypted.encrypted and esl.encryption == (16384, 16384, 1)
    cstring = sl.section("__TEXT", "__cstring")
    assert cstring is not None and 16384 <= cstring.offset < 32768  # inside the encrypted range
    plain_strings = set(sl.cstrings(1))
    enc_strings = set(esl.cstrings(1))
    assert enc_strings < plain_strings
    assert "_TtC4Demo14ViewController" not in enc_strings
    assert objc_class_names(esl) == ()  # names live in the encrypted __TEXT
    assert esl.symbols() == sl.symbols() and esl.dylibs == sl.dylibs  # __LINKEDIT and load commands are clear


# -------------------------------------------------------------- performance

def test_parse_and_strings_are_fast_on_the_largest_corpus_binary() -> None:
    candidates = PAYLOAD_BINARIES + STATIC_LIBS
    if not candidates:
        pytest.skip("corpus missing")
    largest = max(candidates, key=lambda p: p.stat().st_size)
    data = largest.read_bytes()
    start = time.perf_counter()
    count = 0
    for _loc, macho in macho_objects(data, largest.name, DiagnosticLog()):
        for sl in macho.slices:
            count += sum(1 for _ in sl.cstrings()) + len(sl.symbols()) + len(objc_class_names(sl))
    elapsed = time.perf_counter() - start
    assert count > 1000
    assert elapsed < 2.0, f"{largest.name}: {elapsed * 1000:.0f} ms"


# ----------------------------------------------------------- chained fixups

def _rechain(data: bytes, sl: MachOSlice, encode: Callable[[int, int], int]) -> bytes:
    """``data`` with every pointer on the path class list -> class -> class_ro -> name
    rewritten by ``encode(vmaddr, image_base)``, the way dyld chained fixups store them."""
    out = bytearray(data)
    base = sl.image_base

    def rewrite(at: int) -> int:
        value = struct.unpack_from("<Q", out, at)[0]
        flags, target = value & 7, value & ~7
        struct.pack_into("<Q", out, at, encode(target, base) | flags)
        return target

    def offset(vmaddr: int) -> int:
        found = sl.file_offset(vmaddr)
        assert found is not None
        return found

    for sec in sl.sections_named("__objc_classlist"):
        for at in range(sec.offset, sec.offset + sec.file_size, 8):
            cls = offset(rewrite(at))
            ro = offset(rewrite(cls + 32))
            rewrite(ro + 24)
    return bytes(out)


CHAINED_FORMATS: dict[str, Callable[[int, int], int]] = {
    # DYLD_CHAINED_PTR_64: 36-bit vmaddr target, 12-bit next, 8-bit high8
    "ptr64": lambda vm, base: (1 << 51) | vm,
    # DYLD_CHAINED_PTR_64_OFFSET: target is an offset from the image base
    "ptr64-offset": lambda vm, base: (3 << 51) | (vm - base),
    # DYLD_CHAINED_PTR_ARM64E authenticated rebase: bit 63 auth, 32-bit offset, key and diversity
    "arm64e-auth": lambda vm, base: (1 << 63) | (2 << 49) | (0x1234 << 32) | (vm - base),
}


@pytest.mark.parametrize("fmt", sorted(CHAINED_FORMATS))
def test_class_names_through_chained_fixup_pointers(fmt: str, samples: list[Sample]) -> None:
    demo = next(s for s in samples if s.path.name.endswith("__Demo"))
    data = demo.path.read_bytes()
    plain = parse_macho(data, "demo", DiagnosticLog()).slices[0]
    chained = _rechain(data, plain, CHAINED_FORMATS[fmt])
    assert chained != data
    sl = parse_macho(chained, "demo", DiagnosticLog()).slices[0]
    assert objc_class_names(sl) == objc_class_names(plain)
    assert "_TtC4Demo14ViewController" in objc_class_names(sl)


def test_unresolvable_class_pointers_are_dropped(samples: list[Sample]) -> None:
    demo = next(s for s in samples if s.path.name.endswith("__Demo"))
    data = demo.path.read_bytes()
    plain = parse_macho(data, "demo", DiagnosticLog()).slices[0]
    # binds (bit 62 on arm64e) to an import: no target in this file
    broken = _rechain(data, plain, lambda vm, base: (1 << 62) | (1 << 63) | 0x7FFFFF)
    sl = parse_macho(broken, "demo", DiagnosticLog()).slices[0]
    assert objc_class_names(sl) == ()  # Demo has no __objc_classname section to fall back on


def test_swift_runtime_names() -> None:
    from datatrail.formats.apple.objc import swift_runtime_name

    cases = {
        "_TtC4Demo11AppDelegate": "Demo.AppDelegate",
        "_TtCC4Demo5Outer5Inner": "Demo.Outer.Inner",
        "_TtCs12_SwiftObject": "Swift._SwiftObject",
        "FMDatabase": "FMDatabase",
        "_TtC4Demo": "_TtC4Demo",  # no class component
        "_TtC4Demo99X": "_TtC4Demo99X",  # length past the end
        "_TtC4Demo3Abcd": "_TtC4Demo3Abcd",  # trailing characters
        "_TtGC4Demo3Foo": "_TtGC4Demo3Foo",  # generic: left alone
    }
    assert {name: swift_runtime_name(name) for name in cases} == cases


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="_TtCs0123456789abcXYZ", max_size=40))
def test_swift_runtime_name_never_raises(name: str) -> None:
    from datatrail.formats.apple.objc import swift_runtime_name

    out = swift_runtime_name("_TtC" + name)
    assert out == "_TtC" + name or "." in out


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_export_trie_walk_never_raises(trie: bytes) -> None:
    from datatrail.formats.apple.macho import _walk_export_trie

    names = list(_walk_export_trie(trie, 1000))
    assert len(names) <= len(trie)
