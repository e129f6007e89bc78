"""Tests of the bytecode reference scanner against ``dexdump -d``.

Oracle: AOSP ``dexdump -d`` disassembles every method; the methods holding an
``invoke-*`` with ``// method@X``, a ``const-string`` with ``// string@X`` or a
field instruction with ``// field@X`` are the users of X. The scanner must
name exactly those ``(class, method)`` pairs - for every index of several
whole DEX files (which exercises the instruction walker on all the code) and
for chosen targets in bigger ones (which exercises the regex candidates).
Synthetic DEX files with code plant the bytes of a target reference inside
operands and payloads, where only a correct walk rejects them, and damaged
files check that bad offsets and sizes end as diagnostics.
"""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
import time
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput
from datatrail.formats.android import dex_code
from datatrail.formats.android.dex import DexFile
from datatrail.formats.android.dex_code import CodeRefs, CodeScan, superclass_descriptors
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import CORPUS
from tests.support.dex_code_factory import Built, Index, Pairs, build_code_dex, dexdump_users, fix_checksum, u16
from tests.support.dex_factory import uleb128

NO_CORPUS = "test corpus not found (set DATATRAIL_CORPUS)"
NO_DEXDUMP = "dexdump not installed"

# Every method, string and field index of these is compared with dexdump.
FULL_CASES = [
    "sdk/android/jiguang/jverification-rn-module-classes.dex",
    "sdk/dex-extracted/facebook-sdk_from-instapaper.dex",
    "sdk/dex-extracted/firebase_from-instapaper.dex",
    "sdk/dex-extracted/tencent-bugly_from-BuglyHotfixDemo.dex",
    "apk/androguard/classes.dex",
    "apk/androguard/FillArrays.dex",
    "apk/androguard/ExceptionHandling.dex",
    "apk/androguard/a2dp.Vol_137.apk!classes.dex",
]

# Privacy APIs plus random targets (the regex path) in these bigger files.
TARGET_CASES = [
    "apk/exodus-core/instapaper.apk!classes.dex",
    "apk/bugly-demo/BuglyHotfixDemo-app-release.apk!classes.dex",
    "apk/androguard/Annotation_classes.dex",
    "apk/uiautomator/app-uiautomator-androidx.apk!classes.dex",
]

PRIVACY_METHODS = {
    "Landroid/telephony/TelephonyManager;": {"getDeviceId", "getImei", "getSubscriberId", "getSimSerialNumber", "getLine1Number", "getNetworkOperatorName"},
    "Landroid/provider/Settings$Secure;": {"getString"},
    "Landroid/content/ContentResolver;": {"query"},
    "Landroid/location/LocationManager;": {"getLastKnownLocation", "requestLocationUpdates"},
    "Landroid/content/pm/PackageManager;": {"queryIntentActivities", "getInstalledPackages"},
    "Landroid/app/ActivityManager;": {"getRunningAppProcesses", "getRunningTasks"},
    "Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;": {"getAdvertisingIdInfo"},
    "Landroid/content/ClipboardManager;": {"getPrimaryClip"},
}
PRIVACY_FIELDS = {"Landroid/os/Build;": {"SERIAL", "MODEL"}}
PRIVACY_STRINGS = ["android_id", "content://sms", "content://com.android.contacts"]


def _available(cases: list[str]) -> list[str]:
    if CORPUS is None:
        return []
    return [c for c in cases if (CORPUS / c.split("!")[0]).is_file()]


def _param(cases: list[str]) -> list[object]:
    found = _available(cases)
    return list(found) if found else [pytest.param("none", marks=pytest.mark.skip(reason=NO_CORPUS))]


@cache
def _raw(case: str) -> bytes:
    assert CORPUS is not None
    if "!" in case:
        apk, entry = case.split("!", 1)
        with zipfile.ZipFile(CORPUS / apk) as z:
            return z.read(entry)
    return (CORPUS / case).read_bytes()


# ------------------------------------------------------------- dexdump oracle








def _as_sets(users: dict[int, list[tuple[str, str]]]) -> Pairs:
    return {k: set(v) for k, v in users.items()}


def _need_dexdump() -> None:
    if shutil.which("dexdump") is None:
        pytest.skip(NO_DEXDUMP)


@pytest.mark.parametrize("strategy", ["walk", "regex"])
@pytest.mark.parametrize("case", _param(FULL_CASES))
def test_every_index_matches_dexdump(case: str, strategy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All targets at once, through the full walk and through the candidate path."""
    _need_dexdump()
    monkeypatch.setattr(dex_code, "_REGEX_MAX_TARGETS", 0 if strategy == "walk" else 10**9)
    blob = _raw(case)
    oracle = dexdump_users(blob, tmp_path)
    assert oracle.methods, "dexdump showed no invokes to compare"
    dex = DexFile(blob, case)
    scan = CodeRefs(dex).scan(
        methods=range(dex.method_count), strings=range(dex.string_count), fields=range(dex.field_count)
    )
    assert _as_sets(scan.methods) == oracle.methods
    assert _as_sets(scan.strings) == oracle.strings
    assert _as_sets(scan.fields) == oracle.fields
    assert not dex.log.items, dex.log.items


@pytest.mark.parametrize("case", _param(TARGET_CASES + FULL_CASES[1:4]))
def test_chosen_targets_match_dexdump(case: str, tmp_path: Path) -> None:
    """Privacy APIs and random indexes through the regex path, one scan at a time."""
    _need_dexdump()
    blob = _raw(case)
    oracle = dexdump_users(blob, tmp_path)
    dex = DexFile(blob, case)
    refs = CodeRefs(dex)
    privacy_m = refs.method_indices(PRIVACY_METHODS)
    privacy_f = refs.field_indices(PRIVACY_FIELDS)
    privacy_s = refs.string_indices(exact=PRIVACY_STRINGS[:1], prefixes=PRIVACY_STRINGS[1:])
    rng = random.Random(case)
    for trial in range(6):
        ms = set(privacy_m) | set(rng.sample(range(dex.method_count), min(40, dex.method_count)))
        ss = set(privacy_s) | set(rng.sample(range(dex.string_count), min(40, dex.string_count)))
        fs = set(privacy_f) | set(rng.sample(range(dex.field_count), min(40, dex.field_count)))
        if trial % 2:
            # A fresh scanner: the code index is built because of candidates.
            refs = CodeRefs(dex)
        scan = refs.scan(methods=ms, strings=ss, fields=fs)
        assert _as_sets(scan.methods) == {k: v for k, v in oracle.methods.items() if k in ms}
        assert _as_sets(scan.strings) == {k: v for k, v in oracle.strings.items() if k in ss}
        assert _as_sets(scan.fields) == {k: v for k, v in oracle.fields.items() if k in fs}
    assert _as_sets(refs.method_callers(privacy_m)) == {k: v for k, v in oracle.methods.items() if k in privacy_m}
    assert _as_sets(refs.string_users(privacy_s)) == {k: v for k, v in oracle.strings.items() if k in privacy_s}
    assert _as_sets(refs.field_users(privacy_f)) == {k: v for k, v in oracle.fields.items() if k in privacy_f}


def test_privacy_callers_in_the_bugly_sdk() -> None:
    """Known answers: Bugly reads the SIM serial, Build.SERIAL and the Android ID."""
    case = "sdk/dex-extracted/tencent-bugly_from-BuglyHotfixDemo.dex"
    if not _available([case]):
        pytest.skip(NO_CORPUS)
    dex = DexFile(_raw(case), case)
    refs = CodeRefs(dex)
    methods = refs.method_indices({"Landroid/telephony/TelephonyManager;": {"getSimSerialNumber"}})
    assert len(methods) == 1
    callers = refs.method_callers(methods)
    assert list(callers.values()) == [[("Lcom/tencent/bugly/crashreport/common/info/b;", "e")]]
    serial = refs.field_indices({"Landroid/os/Build;": {"SERIAL"}})
    assert list(refs.field_users(serial).values()) == [[("Lcom/tencent/bugly/crashreport/common/info/b;", "d")]]
    android_id = refs.string_indices(exact=["android_id"])
    assert list(android_id.values()) == ["android_id"]
    assert ("Lcom/tencent/bugly/crashreport/common/info/b;", "c") in next(iter(refs.string_users(android_id).values()))


@pytest.mark.parametrize("case", _param(FULL_CASES[1:4] + TARGET_CASES[:2]))
def test_regex_path_equals_full_walk(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both strategies give the same answer for the same targets."""
    dex = DexFile(_raw(case), case)
    rng = random.Random(1)
    monkeypatch.setattr(dex_code, "_REGEX_MAX_TARGETS", 0)
    everything = CodeRefs(dex).scan(
        methods=range(dex.method_count), strings=range(dex.string_count), fields=range(dex.field_count)
    )
    monkeypatch.undo()
    for _ in range(10):
        ms = rng.sample(range(dex.method_count), min(60, dex.method_count))
        ss = rng.sample(range(dex.string_count), min(60, dex.string_count))
        fs = rng.sample(range(dex.field_count), min(60, dex.field_count))
        scan = CodeRefs(dex).scan(methods=ms, strings=ss, fields=fs)
        assert scan.methods == {k: v for k, v in everything.methods.items() if k in ms}
        assert scan.strings == {k: v for k, v in everything.strings.items() if k in ss}
        assert scan.fields == {k: v for k, v in everything.fields.items() if k in fs}


def test_lookups_match_the_id_tables() -> None:
    case = "apk/exodus-core/instapaper.apk!classes.dex"
    if not _available([case]):
        pytest.skip(NO_CORPUS)
    dex = DexFile(_raw(case), case)
    refs = CodeRefs(dex)
    found = refs.method_indices(PRIVACY_METHODS)
    expected = {
        i: (c, n) for i, (c, n, _p) in enumerate(dex.method_refs()) if n in PRIVACY_METHODS.get(c, ())
    }
    assert found == expected and found
    ffound = refs.field_indices(PRIVACY_FIELDS)
    assert ffound == {i: (c, n) for i, (c, n, _t) in enumerate(dex.field_refs()) if n in PRIVACY_FIELDS.get(c, ())}
    strings = dex.strings()
    got = refs.string_indices(exact=["android_id", "nope-not-there"], prefixes=["content://", "https://www.google"])
    assert got == {
        i: s for i, s in enumerate(strings)
        if s == "android_id" or s.startswith("content://") or s.startswith("https://www.google")
    }
    assert got


def test_superclasses_match_dexdump(tmp_path: Path) -> None:
    _need_dexdump()
    case = "sdk/dex-extracted/tencent-bugly_from-BuglyHotfixDemo.dex"
    if not _available([case]):
        pytest.skip(NO_CORPUS)
    path = tmp_path / "b.dex"
    path.write_bytes(_raw(case))
    out = subprocess.run(["dexdump", str(path)], capture_output=True, timeout=120).stdout.decode()
    expected = re.findall(r"Class descriptor  : '(.*)'\n.*\n  Superclass        : '(.*)'", out)
    got = superclass_descriptors(DexFile(_raw(case)))
    assert [(c, s) for c, s in got if s is not None] == expected


# ---------------------------------------------------- synthetic DEX with code



















TM = "Landroid/telephony/TelephonyManager;"
BUILD = "Landroid/os/Build;"
A = "Lcom/example/A;"
B = "Lcom/example/B;"
A_INNER = "Lcom/example/A$1;"


def _op(op: int, a: int, idx: int) -> bytes:
    """A 21c/22c/35c/3rc-shaped instruction head: op, A byte, 16-bit index."""
    return bytes([op, a]) + u16(idx)


def traps_dex() -> Built:
    """Real references next to the same bytes hidden in operands and payloads."""

    def real_calls(ix: Index) -> bytes:
        return (
            _op(0x71, 0x00, ix.m(TM, "getDeviceId")) + u16(0)  # invoke-static {}
            + _op(0x1A, 0x00, ix.s("android_id"))  # const-string v0
            + _op(0x62, 0x00, ix.f(BUILD, "SERIAL"))  # sget-object v0
            + u16(0x000E)  # return-void
        )

    def hidden(ix: Index) -> bytes:
        dev = ix.m(TM, "getDeviceId")
        serial = ix.m(BUILD, "getSerial")
        sid = ix.s("android_id")
        code = bytearray()
        # const-wide v0, literal spelling "invoke-static getDeviceId" on an even offset
        code += bytes([0x18, 0x00]) + bytes([0x71, 0x00]) + u16(dev) + u16(0, 0)
        # const v0, literal spelling "const-string android_id"
        code += bytes([0x14, 0x00]) + bytes([0x1A, 0x00]) + u16(sid)
        # fill-array-data v0, payload ; packed-switch v0, payload ; sparse-switch v0, payload
        fill_at = len(code)
        code += bytes([0x26, 0x00]) + b"\0\0\0\0"
        packed_at = len(code)
        code += bytes([0x2B, 0x00]) + b"\0\0\0\0"
        sparse_at = len(code)
        code += bytes([0x2C, 0x00]) + b"\0\0\0\0"
        code += u16(0x000E)  # return-void
        while len(code) % 4:
            code += u16(0)
        # fill-array-data-payload: element width 2, 4 elements = the bytes of
        # "invoke-virtual/range getSerial" and "const-string/jumbo android_id"
        fill_payload = len(code)
        code += u16(0x0300, 2) + struct.pack("<I", 6)
        code += bytes([0x74, 0x01]) + u16(serial) + u16(0) + bytes([0x1B, 0x00]) + struct.pack("<I", sid)
        packed_payload = len(code)
        code += u16(0x0100, 1) + struct.pack("<i", 0) + bytes([0x6E, 0x10]) + u16(dev)
        sparse_payload = len(code)
        code += u16(0x0200, 1) + bytes([0x62, 0x00]) + u16(ix.f(BUILD, "SERIAL")) + struct.pack("<i", 3)
        for at, payload in ((fill_at, fill_payload), (packed_at, packed_payload), (sparse_at, sparse_payload)):
            struct.pack_into("<i", code, at + 2, (payload - at) // 2)
        return bytes(code)

    def range_and_jumbo(ix: Index) -> bytes:
        return (
            _op(0x74, 0x01, ix.m(BUILD, "getSerial")) + u16(0)  # invoke-virtual/range {v0}
            + bytes([0x1B, 0x00]) + struct.pack("<I", ix.s("android_id"))  # const-string/jumbo
            + u16(0x000E)
        )

    def polymorphic(ix: Index) -> bytes:
        # invoke-polymorphic {}, method, proto@0 (4 units)
        return bytes([0xFA, 0x00]) + u16(ix.m(TM, "getDeviceId"), 0, 0) + u16(0x000E)

    def unrelated(ix: Index) -> bytes:
        return _op(0x71, 0x00, ix.m(A, "a")) + u16(0) + u16(0x000E)

    return build_code_dex(
        {
            A: [("a", real_calls), ("b", hidden)],
            A_INNER: [("run", polymorphic)],
            B: [("c", range_and_jumbo), ("d", unrelated)],
        },
        refs=[(TM, "getDeviceId"), (BUILD, "getSerial")],
        fields=[(BUILD, "SERIAL")],
        strings=["android_id"],
    )


def test_synthetic_references_and_traps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = traps_dex()
    ix = built.index
    dex = DexFile(built.blob, "traps.dex")
    assert not dex.log.items
    refs = CodeRefs(dex)
    dev, serial = ix.m(TM, "getDeviceId"), ix.m(BUILD, "getSerial")
    sid, fserial = ix.s("android_id"), ix.f(BUILD, "SERIAL")
    expected = CodeScanSets(
        methods={dev: {(A, "a"), (A_INNER, "run")}, serial: {(B, "c")}},
        strings={sid: {(A, "a"), (B, "c")}},
        fields={fserial: {(A, "a")}},
    )
    scan = refs.scan(methods=[dev, serial], strings=[sid], fields=[fserial])
    assert CodeScanSets.of(scan) == expected
    # Results list callers in class_def order ("A$1" sorts before "A;"), then method order.
    assert scan.methods[dev] == [(A_INNER, "run"), (A, "a")]
    # The full walk agrees.
    dex2 = DexFile(built.blob, "traps.dex")
    monkeypatch.setattr(dex_code, "_REGEX_MAX_TARGETS", 0)
    everything = CodeRefs(dex2).scan(methods=range(dex2.method_count), strings=range(dex2.string_count), fields=range(dex2.field_count))
    assert {k: set(v) for k, v in everything.methods.items() if k in (dev, serial)} == expected.methods
    assert {k: set(v) for k, v in everything.strings.items()} == expected.strings
    assert {k: set(v) for k, v in everything.fields.items()} == expected.fields
    assert not dex.log.items and not dex2.log.items
    if shutil.which("dexdump"):
        oracle = dexdump_users(built.blob, tmp_path)
        assert {k: v for k, v in oracle.methods.items() if k in (dev, serial)} == expected.methods
        assert oracle.strings == expected.strings
        assert oracle.fields == expected.fields


@dataclass
class CodeScanSets:
    methods: Pairs
    strings: Pairs
    fields: Pairs

    @staticmethod
    def of(scan: CodeScan) -> CodeScanSets:
        return CodeScanSets(_as_sets(scan.methods), _as_sets(scan.strings), _as_sets(scan.fields))


def test_out_of_range_targets_and_empty_requests() -> None:
    dex = DexFile(traps_dex().blob)
    refs = CodeRefs(dex)
    assert refs.method_callers([]) == {}
    assert refs.method_callers([-1, 10**6]) == {}
    assert refs.string_users([10**9]) == {}
    assert refs.method_indices({"Lno/Such;": {"x"}}) == {}
    assert refs.string_indices(exact=["zzz"], prefixes=["zzz"]) == {}


def test_no_candidate_means_no_class_data_parse() -> None:
    """A file that never references the target costs one regex pass and nothing more."""
    built = traps_dex()
    dex = DexFile(built.blob)
    refs = CodeRefs(dex)
    assert refs.method_callers([built.index.m(A, "a")]) == {built.index.m(A, "a"): [(B, "d")]}
    fresh = CodeRefs(dex)
    # A string index no instruction loads: no even candidate, so no index.
    assert fresh.string_users([built.index.s("V")]) == {}
    assert fresh._index is None


# ------------------------------------------------------------------ damage


def _codes(log: DiagnosticLog) -> set[str]:
    return {d.code for d in log.items}


def _safe_scan(blob: bytes, seconds: float = 2.0) -> tuple[DiagnosticLog, tuple[CodeScan, CodeScan]] | None:
    log = DiagnosticLog()
    t0 = time.perf_counter()
    try:
        dex = DexFile(blob, "damaged.dex", log)
        refs = CodeRefs(dex)
        ms = range(min(dex.method_count, 300))
        a = refs.scan(methods=ms, strings=range(min(dex.string_count, 100)), fields=range(min(dex.field_count, 100)))
        b = CodeRefs(dex).scan(methods=ms, strings=range(min(dex.string_count, 1000)), fields=range(min(dex.field_count, 300)))
        refs.method_indices({"Landroid/os/Build;": {"getSerial"}})
        refs.string_indices(exact=["android_id"], prefixes=["content://"])
        superclass_descriptors(dex)
    except CorruptInput:
        return None
    finally:
        assert time.perf_counter() - t0 < seconds
    return log, (a, b)


def test_bogus_class_data_offset() -> None:
    built = traps_dex()
    dex_ok = DexFile(built.blob)
    # A's class_data_off points past the file.
    off = struct.unpack_from("<I", built.blob, 100)[0]
    blob = bytearray(built.blob)
    a_def = next(off + 32 * k for k in range(3) if struct.unpack_from("<I", blob, off + 32 * k + 24)[0] == built.class_data_offs[A])
    struct.pack_into("<I", blob, a_def + 24, len(blob) + 100)
    log = DiagnosticLog()
    dex = DexFile(fix_checksum(blob), "bad.dex", log)
    ix = built.index
    callers = CodeRefs(dex).method_callers([ix.m(TM, "getDeviceId"), ix.m(BUILD, "getSerial")])
    # A's methods are gone, the other classes still answer.
    assert callers == {ix.m(TM, "getDeviceId"): [(A_INNER, "run")], ix.m(BUILD, "getSerial"): [(B, "c")]}
    assert "dex.class-data" in _codes(log)
    assert CodeRefs(dex_ok).method_callers([ix.m(TM, "getDeviceId")])[ix.m(TM, "getDeviceId")] == [(A_INNER, "run"), (A, "a")]


def test_forged_class_data_counts_and_ulebs() -> None:
    built = traps_dex()
    cd = built.class_data_offs[B]
    for patch in (b"\x00\x00\xff\xff\xff\xff\x0f", b"\xff\xff\xff\xff\xff\xff\xff", b"\x00\x00\x01\x00\xff\xff\xff\xff\xff\xff"):
        blob = bytearray(built.blob)
        blob[cd : cd + len(patch)] = patch
        result = _safe_scan(fix_checksum(blob))
        assert result is not None
        log, _ = result
        assert "dex.class-data" in _codes(log)


def test_insns_size_past_the_file_is_clipped() -> None:
    built = traps_dex()
    blob = bytearray(built.blob)
    code_off = built.code_offs[(B, "d")]
    struct.pack_into("<I", blob, code_off + 12, 0x7FFFFFFF)
    log = DiagnosticLog()
    dex = DexFile(fix_checksum(blob), "big-insns.dex", log)
    ix = built.index
    refs = CodeRefs(dex)
    # B.d's own call is still found; the walk stops at the end of the file.
    assert refs.method_callers([ix.m(A, "a")]) == {ix.m(A, "a"): [(B, "d")]}
    assert "dex.code-truncated" in _codes(log)


def test_code_offset_outside_the_file_is_skipped() -> None:
    built = traps_dex()
    blob = bytearray(built.blob)
    # B's class_data: 0 0 2 0, then (delta, flags, code_off) per method; point c's code far away.
    cd = built.class_data_offs[B]
    ix = built.index
    first = ix.m(B, "c")
    head = uleb128(0) * 2 + uleb128(2) + uleb128(0) + uleb128(first) + uleb128(9)
    assert bytes(blob[cd : cd + len(head)]) == head
    old = uleb128(built.code_offs[(B, "c")])
    # The largest offset this many ULEB128 bytes can hold lies past the file.
    far = (1 << (7 * len(old))) - 1
    assert far > len(blob)
    blob[cd + len(head) : cd + len(head) + len(old)] = b"\xff" * (len(old) - 1) + b"\x7f"
    log = DiagnosticLog()
    dex = DexFile(fix_checksum(blob), "far-code.dex", log)
    assert CodeRefs(dex).method_callers([ix.m(BUILD, "getSerial")]) == {}
    assert "dex.code-item" in _codes(log)


def test_payload_running_past_its_method() -> None:
    built = traps_dex()
    blob = bytearray(built.blob)
    code_off = built.code_offs[(A, "b")]
    insns = code_off + 16
    n = struct.unpack_from("<I", blob, code_off + 12)[0]
    body = bytes(blob[insns : insns + 2 * n])
    fill = body.index(u16(0x0300, 2))
    struct.pack_into("<I", blob, insns + fill + 4, 0x40000000)  # element count
    log = DiagnosticLog()
    dex = DexFile(fix_checksum(blob), "payload.dex", log)
    ix = built.index
    refs = CodeRefs(dex)
    # Candidates inside the (now endless) payload are never confirmed.
    assert refs.method_callers([ix.m(BUILD, "getSerial"), ix.m(TM, "getDeviceId")]) == {
        ix.m(BUILD, "getSerial"): [(B, "c")],
        ix.m(TM, "getDeviceId"): [(A_INNER, "run"), (A, "a")],
    }
    assert "dex.code-payload" in _codes(log)


def test_shared_and_overlapping_code_items() -> None:
    built = traps_dex()
    ix = built.index
    blob = bytearray(built.blob)
    cd = built.class_data_offs[B]
    head = uleb128(0) * 2 + uleb128(2) + uleb128(0) + uleb128(ix.m(B, "c")) + uleb128(9)
    pos = cd + len(head)
    old_c = uleb128(built.code_offs[(B, "c")])
    new_c = uleb128(built.code_offs[(B, "d")])
    assert len(old_c) == len(new_c)
    blob[pos : pos + len(old_c)] = new_c  # B.c now shares B.d's code
    log = DiagnosticLog()
    dex = DexFile(fix_checksum(blob), "shared.dex", log)
    assert CodeRefs(dex).method_callers([ix.m(A, "a")]) == {ix.m(A, "a"): [(B, "c"), (B, "d")]}
    assert "dex.code-item-shared" in _codes(log)


def test_map_without_code_section_falls_back_to_class_data() -> None:
    built = traps_dex()
    ix = built.index
    blob = bytearray(built.blob)
    count = struct.unpack_from("<I", blob, built.map_off)[0]
    for k in range(count):
        at = built.map_off + 4 + 12 * k
        if struct.unpack_from("<H", blob, at)[0] == 0x2001:
            struct.pack_into("<H", blob, at, 0x7001)  # an unknown type
    dex = DexFile(fix_checksum(blob), "nomap.dex")
    assert CodeRefs(dex).method_callers([ix.m(TM, "getDeviceId")]) == {ix.m(TM, "getDeviceId"): [(A_INNER, "run"), (A, "a")]}


def test_map_naming_only_part_of_the_code() -> None:
    """Code outside the map's code section is still scanned once the index exists."""
    built = traps_dex()
    ix = built.index
    blob = bytearray(built.blob)
    count = struct.unpack_from("<I", blob, built.map_off)[0]
    b_code = built.code_offs[(B, "c")]
    for k in range(count):
        at = built.map_off + 4 + 12 * k
        if struct.unpack_from("<H", blob, at)[0] == 0x2001:
            struct.pack_into("<I", blob, at + 8, b_code)  # section "starts" at B.c
    log = DiagnosticLog()
    dex = DexFile(fix_checksum(blob), "partmap.dex", log)
    callers = CodeRefs(dex).method_callers([ix.m(TM, "getDeviceId"), ix.m(BUILD, "getSerial")])
    assert callers == {ix.m(TM, "getDeviceId"): [(A_INNER, "run"), (A, "a")], ix.m(BUILD, "getSerial"): [(B, "c")]}
    assert "dex.code-outside-map" in _codes(log)


def test_truncation_at_every_offset_is_bounded() -> None:
    blob = traps_dex().blob
    for cut in range(0x70, len(blob), 3):
        _safe_scan(blob[:cut])


@pytest.mark.parametrize("case", _param(["sdk/dex-extracted/firebase_from-instapaper.dex"]))
def test_truncation_of_real_dex(case: str) -> None:
    blob = _raw(case)
    for frac in (0.3, 0.5, 0.7, 0.9, 0.99):
        result = _safe_scan(blob[: int(len(blob) * frac)])
        assert result is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0x70, 10**9), st.integers(0, 255)), min_size=1, max_size=12))
def test_fuzz_patches_in_code_and_class_data(patches: list[tuple[int, int]]) -> None:
    built = traps_dex()
    blob = bytearray(built.blob)
    lo = min(built.code_offs.values())
    for off, value in patches:
        blob[lo + off % (len(blob) - lo)] = value
    _safe_scan(fix_checksum(blob))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), min_size=1, max_size=30))
def test_fuzz_patches_in_real_dex(patches: list[tuple[int, int]]) -> None:
    cases = _available(["sdk/android/jiguang/jverification-rn-module-classes.dex"])
    if not cases:
        pytest.skip(NO_CORPUS)
    blob = bytearray(_raw(cases[0]))
    for off, value in patches:
        blob[0x70 + off % (len(blob) - 0x70)] = value
    _safe_scan(bytes(blob))


# ------------------------------------------------------------------- speed


@pytest.mark.parametrize("case", _param(["apk/androguard/Annotation_classes.dex"]))
def test_speed_targets_in_real_dex(case: str) -> None:
    """2.6 MB DEX: a privacy-sized scan (lookup, regex, index, confirm) well under a second."""
    dex = DexFile(_raw(case))
    t0 = time.perf_counter()
    refs = CodeRefs(dex)
    methods = refs.method_indices(PRIVACY_METHODS)
    strings = refs.string_indices(exact=["android_id"], prefixes=["content://"])
    refs.scan(methods=methods, strings=strings, fields=refs.field_indices(PRIVACY_FIELDS))
    assert time.perf_counter() - t0 < 0.5


@pytest.mark.parametrize("case", _param(TARGET_CASES[:2]))
def test_sites_are_the_instructions_dexdump_lists(case: str, tmp_path: Path) -> None:
    """``sites`` names each instruction of a target (its method by ``method_at``), and the code
    item it lies in: the same methods dexdump shows using the target, and every site inside
    its item, on the target's own bytes."""
    _need_dexdump()
    blob = _raw(case)
    oracle = dexdump_users(blob, tmp_path)
    dex = DexFile(blob, case)
    refs = CodeRefs(dex)
    rng = random.Random(case)
    ms = set(rng.sample(range(dex.method_count), min(40, dex.method_count)))
    fs = set(rng.sample(range(dex.field_count), min(40, dex.field_count)))
    ss = set(rng.sample(range(dex.string_count), min(40, dex.string_count)))
    found = refs.sites(methods=ms, strings=ss, fields=fs)
    for (kind, target), sites in found.items():
        assert sites == sorted(sites)
        for s in sites:
            assert s.start <= s.pos < s.end
            width = 4 if kind == 2 and blob[s.pos] == 0x1B else 2
            assert int.from_bytes(blob[s.pos + 2 : s.pos + 2 + width], "little") == target
    for kind, wanted, expected in ((1, ms, oracle.methods), (2, ss, oracle.strings), (4, fs, oracle.fields)):
        named = {t: {refs.method_at(s.pos) for s in v} for (k, t), v in found.items() if k == kind}
        assert named == {t: users for t, users in expected.items() if t in wanted}
    reads = refs.sites(fields=fs, object_reads=True)
    assert reads == {k: [s for s in v if blob[s.pos] in (0x54, 0x62)] for k, v in found.items()
                     if k[0] == 4 and any(blob[s.pos] in (0x54, 0x62) for s in v)}


@pytest.mark.parametrize("case", _param(TARGET_CASES[:2]))
def test_a_few_targets_match_dexdump(case: str, tmp_path: Path) -> None:
    """A few targets at a time, as the callers and readers searches ask: the searches led by
    the indexes' rare low bytes find what dexdump lists."""
    _need_dexdump()
    blob = _raw(case)
    oracle = dexdump_users(blob, tmp_path)
    dex = DexFile(blob, case)
    rng = random.Random(case)
    led_by_literals = 0
    for trial in range(12):
        refs = CodeRefs(dex)
        # Targets that are there, so that each trial has something to find.
        ms = set(rng.sample(sorted(oracle.methods), min(1 + trial % 4, len(oracle.methods))))
        fs = set(rng.sample(sorted(oracle.fields), min(trial % 3, len(oracle.fields))))
        ss = set(rng.sample(sorted(oracle.strings), min(trial % 2, len(oracle.strings))))
        led_by_literals += len(refs._plan(ms, ss, fs)) > 1 or refs._plan(ms, ss, fs)[0][1] == 2
        scan = refs.scan(methods=ms, strings=ss, fields=fs)
        assert _as_sets(scan.methods) == {k: v for k, v in oracle.methods.items() if k in ms}
        assert _as_sets(scan.strings) == {k: v for k, v in oracle.strings.items() if k in ss}
        assert _as_sets(scan.fields) == {k: v for k, v in oracle.fields.items() if k in fs}
    assert led_by_literals >= 6  # most of these small searches took the literal-led way


@pytest.mark.skipif(CORPUS is None or not (CORPUS / "apk/androguard/FillArrays.dex").is_file(), reason=NO_CORPUS)
@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 0xFFFF), max_size=4), st.sets(st.integers(0, 0xFFFF), max_size=3),
       st.sets(st.integers(0, 0x3FFFF), max_size=3), st.booleans(), st.data())
def test_both_plans_find_the_same_candidates(ms: set[int], fs: set[int], ss: set[int], object_reads: bool,
                                             data: st.DataObject) -> None:
    """Led by opcodes or by the indexes' low bytes, the candidates are the same, at every range
    start: in code made of random bytes and of instructions naming the targets (or near misses)."""
    if not (ms or fs or ss):
        return
    raw = _raw(FULL_CASES[5])
    ops = dex_code._OBJECT_READS if object_reads else dex_code._FIELD_OPS
    named = ([struct.pack("<BBH", op, 0, i) for op in (0x6E, 0x71, 0x54, 0x62, 0x52) for i in ms | fs]
             + [struct.pack("<BBI", 0x1B, 0, i) for i in ss] + [struct.pack("<BBH", 0x1A, 0, i & 0xFFFF) for i in ss])
    pieces = data.draw(st.lists(st.one_of(st.binary(max_size=6), st.sampled_from(named)), max_size=60))
    code = b"".join(pieces)
    start = data.draw(st.integers(0, max(len(code), 0)))
    refs = CodeRefs(DexFile(raw + code))
    ranges = [(len(raw) + start, len(raw) + len(code))]
    by_ops = refs._find([(dex_code._opcode_pattern(dex_code._target_kinds(ms, ss, fs, ops)), 0)], ranges)
    by_literals = refs._find(dex_code._literal_plan(dex_code._target_kinds(ms, ss, fs, ops)), ranges)
    assert by_ops == by_literals
