"""Hand-built Mach-O images for the Mach-O tests (every field placed here, so
expected values are known without another tool), and tests that LLVM reads
these images the way they were meant, which keeps the factory honest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from datatrail.formats.apple.macho import parse_macho
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.macho_factory import CPU_ARM, CPU_ARM64, Image, build, fat

CPU_PPC = 18










# ------------------------------------------------------------------ tests

OBJDUMP = shutil.which("llvm-objdump")
NM = shutil.which("llvm-nm")
needs_llvm = pytest.mark.skipif(OBJDUMP is None or NM is None, reason="LLVM tools (apt: llvm) not installed")

VARIANTS = {
    "arm64": Image(),
    "armv7": Image(is64=False, cputype=CPU_ARM, cpusubtype=9, build=None),
    "ppc-big-endian": Image(is64=False, little=False, cputype=CPU_PPC, ustrings=["héllo wörld", "ok"]),
    "ppc64-big-endian": Image(little=False, cputype=CPU_PPC | 0x01000000),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_factory_images_read_back(name: str) -> None:
    image = VARIANTS[name]
    log = DiagnosticLog()
    sl = parse_macho(build(image), name, log).slices[0]
    assert not log.items
    assert sl.cpu == name.split("-")[0] and sl.is64 == image.is64 and sl.little_endian == image.little
    assert list(sl.dylibs) == image.dylibs and list(sl.rpaths) == image.rpaths
    assert sl.uuid == "00010203-0405-0607-0809-0A0B0C0D0E0F"
    assert sl.min_os == (("ios", "13.0") if image.build else None)
    assert sl.sdk == ("14.3" if image.build else None)
    assert list(sl.cstrings(1)) == [s.decode() for s in image.cstrings] + image.ustrings
    assert sl.symbols() == ("_main", "_OBJC_CLASS_$_JPUSHService")
    assert sl.undefined_symbols() == ("_OBJC_CLASS_$_JPUSHService",)


@needs_llvm
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_llvm_reads_factory_images_the_same_way(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(build(VARIANTS[name]))
    headers = subprocess.run([OBJDUMP or "", "--macho", "--private-headers", str(path)], check=True, capture_output=True, text=True).stdout
    for dylib in VARIANTS[name].dylibs:
        assert f"name {dylib} (offset 24)" in headers
    assert "uuid 00010203-0405-0607-0809-0A0B0C0D0E0F" in headers
    nm = subprocess.run([NM or "", "-p", "-j", str(path)], check=True, capture_output=True, text=True).stdout.split()
    assert nm == ["_main", "_OBJC_CLASS_$_JPUSHService"]
    strings = subprocess.run([OBJDUMP or "", "--macho", "--section=__TEXT,__cstring", str(path)],
                             check=True, capture_output=True, text=True).stdout
    assert "https://api.example-sdk.com/v1" in strings


@needs_llvm
def test_llvm_reads_factory_fat_files(tmp_path: Path) -> None:
    for wide in (False, True):
        path = tmp_path / f"fat{wide}"
        path.write_bytes(fat((CPU_ARM, 9, build(VARIANTS["armv7"])), (CPU_ARM64, 0, build(Image())), wide=wide))
        out = subprocess.run([NM or "", "-p", "-j", "--arch=all", str(path)], check=True, capture_output=True, text=True).stdout
        assert "(for architecture armv7)" in out and "(for architecture arm64)" in out
        macho = parse_macho(path.read_bytes(), path.name, DiagnosticLog())
        assert macho.fat and [s.cpu for s in macho.slices] == ["armv7", "arm64"]
        assert [s.base for s in macho.slices] == [4096, 8192]


@pytest.mark.parametrize("is64", [True, False])
def test_encryption_info_of_factory_images(is64: bool) -> None:
    cpu = {} if is64 else {"cputype": CPU_ARM, "cpusubtype": 9}
    covered = parse_macho(build(Image(is64=is64, encryption=(1, True), **cpu)), "x", DiagnosticLog()).slices[0]
    assert covered.encrypted and covered.encryption is not None and covered.encryption[2] == 1
    assert list(covered.cstrings(1)) == []  # every string byte lies in the encrypted range
    assert covered.symbols() == ("_main", "_OBJC_CLASS_$_JPUSHService")
    assert covered.readable_ranges(0, 10_000) == [(0, 32 if is64 else 28), (covered.encryption[0] + covered.encryption[1], covered.size)]
    decrypted = parse_macho(build(Image(is64=is64, encryption=(0, True), **cpu)), "x", DiagnosticLog()).slices[0]
    assert not decrypted.encrypted and list(decrypted.cstrings(1)) == ["https://api.example-sdk.com/v1", "hello"]
