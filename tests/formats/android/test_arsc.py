"""resources.arsc reader: synthetic tables, corpus APKs vs aapt/androguard, tampered input."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput
from datatrail.formats.android.arsc import (
    TYPE_ATTRIBUTE,
    TYPE_DIMENSION,
    TYPE_DYNAMIC_REFERENCE,
    TYPE_FLOAT,
    TYPE_FRACTION,
    TYPE_INT_BOOLEAN,
    TYPE_INT_COLOR_ARGB8,
    TYPE_INT_COLOR_RGB4,
    TYPE_INT_DEC,
    TYPE_INT_HEX,
    TYPE_NULL,
    TYPE_REFERENCE,
    TYPE_STRING,
    ResBag,
    ResourceTable,
    ResValue,
    describe_config,
)
from datatrail.limits import Limits
from datatrail.model.diagnostic import DiagnosticLog, Level
from tests.support.arsc_factory import bag, make_chunk, package, res_config, simple, table, type_chunk, type_spec
from tests.support.corpus import CORPUS

needs_corpus = pytest.mark.skipif(CORPUS is None, reason="test corpus not available "
                                  "(set DATATRAIL_CORPUS)")
needs_aapt = pytest.mark.skipif(shutil.which("aapt") is None, reason="aapt not installed")


# =========================================================================== builders










def compact(key: int, vtype: int, data: int) -> bytes:
    return struct.pack("<HHI", key, 0x0008 | (vtype << 8), data)












# The synthetic app --------------------------------------------------------------

STRINGS = ["Hello", "Bonjour", "res/xml/network_security_config.xml", "Hola"]
KEYS = ["app_name", "alias", "loop_a", "loop_b", "debug", "nsc", "count", "accent",
        "Theme", "framework", "empty"] + [f"chain{i}" for i in range(12)]
K = {k: i for i, k in enumerate(KEYS)}
TYPES = ["string", "bool", "xml", "integer", "color", "style"]
CHAIN0 = 6  # string entries 6..17 form a reference chain ending at app_name


def _synthetic() -> bytes:
    strings_default = {
        0: simple(K["app_name"], TYPE_STRING, 0),
        1: simple(K["alias"], TYPE_REFERENCE, 0x7F010000),
        2: simple(K["loop_a"], TYPE_REFERENCE, 0x7F010003),
        3: simple(K["loop_b"], TYPE_REFERENCE, 0x7F010002),
        4: simple(K["framework"], TYPE_REFERENCE, 0x01040000),
        5: simple(K["empty"], TYPE_NULL, 1),
    }
    for i in range(12):
        target = 0x7F010000 | (CHAIN0 + i + 1) if i < 11 else 0x7F010000
        strings_default[CHAIN0 + i] = simple(K[f"chain{i}"], TYPE_REFERENCE, target)
    chunks = [
        type_spec(1, 18),
        type_chunk(1, strings_default, 18),
        type_chunk(1, {0: simple(K["app_name"], TYPE_STRING, 1)}, 18, res_config(b"fr"),
                   mode="sparse"),
        type_chunk(1, {0: compact(K["app_name"], TYPE_STRING, 3)}, 1,
                   res_config(b"es", b"US", sdk=21), mode="offset16"),
        type_spec(2, 1),
        type_chunk(2, {0: simple(K["debug"], TYPE_INT_BOOLEAN, 0xFFFFFFFF)}, 1,
                   mode="offset16"),
        type_spec(3, 1),
        type_chunk(3, {0: compact(K["nsc"], TYPE_STRING, 2)}, 1, mode="offset16"),
        type_spec(4, 1),
        type_chunk(4, {0: simple(K["count"], TYPE_INT_DEC, 42)}, 1, res_config(sdk=21)),
        type_chunk(4, {0: simple(K["count"], TYPE_INT_DEC, 7)}, 1, res_config(ui_mode=0x20)),
        type_spec(5, 1),
        type_chunk(5, {0: simple(K["accent"], TYPE_INT_COLOR_ARGB8, 0xFF112233)}, 1),
        type_spec(6, 1),
        type_chunk(6, {0: bag(K["Theme"], 0x01030005,
                              [(0x01010001, TYPE_REFERENCE, 0x7F010000),
                               (0x7F050000, TYPE_INT_BOOLEAN, 0)])}, 1),
    ]
    return table(STRINGS, [package(0x7F, "com.example", TYPES, KEYS, chunks)])


SYNTH = _synthetic()


def _parse(data: bytes, limits: Limits | None = None) -> tuple[ResourceTable, DiagnosticLog]:
    log = DiagnosticLog()
    if limits is None:
        return ResourceTable.parse(data, log), log
    return ResourceTable.parse(data, log, limits), log


def _exercise(t: ResourceTable) -> None:
    """Every public lookup on every id must work without raising."""
    ids = t.resource_ids()
    assert len(ids) <= 0x10000 * 256
    for rid in ids[:3000]:
        t.entry_name(rid)
        for config, value in t.values(rid):
            assert isinstance(config, str)
            value.render()
        t.bags(rid)
        t.resolve(rid)


# =========================================================================== synthetic


def test_synthetic_table() -> None:
    t, log = _parse(SYNTH)
    assert [d for d in log.items if d.severity != Level.INFO] == []
    assert t.packages == {0x7F: "com.example"}
    assert t.entry_name(0x7F010000) == "string/app_name"
    assert t.entry_name(0x7F020000) == "bool/debug"
    assert t.entry_name(0x7F030000) == "xml/nsc"
    assert t.entry_name(0x7F060000) == "style/Theme"
    assert t.values(0x7F010000) == [
        ("default", ResValue(TYPE_STRING, 0, "Hello")),
        ("fr", ResValue(TYPE_STRING, 1, "Bonjour")),
        ("es-rUS-v21", ResValue(TYPE_STRING, 3, "Hola")),
    ]
    assert t.resolve(0x7F010000) == "Hello"
    assert t.resolve(0x7F010001) == "Hello"  # alias -> app_name
    assert t.resolve(0x7F020000) is True  # offset16 bool
    assert t.resolve(0x7F030000) == "res/xml/network_security_config.xml"  # compact
    assert t.resolve(0x7F050000) == "#ff112233"
    assert t.resolve(0x7F010005) == ""
    # No default config: the first one present.
    assert t.values(0x7F040000) == [("v21", ResValue(TYPE_INT_DEC, 42)),
                                    ("night", ResValue(TYPE_INT_DEC, 7))]
    assert t.resolve(0x7F040000) == 42
    # Bags: not simple values, kept raw.
    assert t.values(0x7F060000) == []
    assert t.bags(0x7F060000) == [("default", ResBag(0x01030005, (
        (0x01010001, ResValue(TYPE_REFERENCE, 0x7F010000)),
        (0x7F050000, ResValue(TYPE_INT_BOOLEAN, 0)))))]
    assert t.resolve(0x7F060000) is None
    assert len(t.resource_ids()) == 18 + 5


def test_missing_ids() -> None:
    t, _ = _parse(SYNTH)
    for rid in (0, 0x7F010012, 0x7F090000, 0x01010000, -1, 1 << 40, 0x7F01FFFF):
        assert t.entry_name(rid) is None
        assert t.values(rid) == []
        assert t.resolve(rid) is None


def test_reference_to_other_package_is_kept() -> None:
    t, _ = _parse(SYNTH)
    assert t.resolve(0x7F010004) == "@0x01040000"


def test_reference_cycle_and_depth() -> None:
    t, log = _parse(SYNTH)
    assert t.resolve(0x7F010002) is None
    assert any(d.code == "arsc.reference-cycle" for d in log.items)
    chain_start = 0x7F010000 | CHAIN0  # 12 hops to app_name
    assert t.resolve(chain_start) is None
    assert any(d.code == "arsc.reference-depth" for d in log.items)
    assert t.resolve(chain_start, max_depth=12) == "Hello"
    assert t.resolve(chain_start, max_depth=11) is None
    assert t.resolve(0x7F010001, max_depth=0) is None


def test_utf16_global_pool() -> None:
    data = table(STRINGS, [package(0x7F, "p", ["string"], ["a"], [
        type_spec(1, 1), type_chunk(1, {0: simple(0, TYPE_STRING, 3)}, 1)])], utf8=False)
    t, log = _parse(data)
    assert t.strings.is_utf8 is False
    assert t.resolve(0x7F010000) == "Hola"
    assert len(log) == 0


def test_unsorted_sparse_and_type_before_spec() -> None:
    body = simple(0, TYPE_INT_DEC, 1) + simple(0, TYPE_INT_DEC, 2)
    config = res_config()
    table_part = struct.pack("<HHHH", 9, 4, 3, 0)  # index 9 -> +16, index 3 -> +0
    header = struct.pack("<BBHII", 1, 0x01, 0, 2, 20 + len(config) + 8) + config
    chunk = make_chunk(0x0201, header, table_part + body)
    t, log = _parse(table([], [package(0x7F, "p", ["integer"], ["k"], [chunk])]))
    assert t.resolve(0x7F010003) == 1
    assert t.resolve(0x7F010009) == 2
    assert any(d.code == "arsc.type-without-spec" for d in log.items)


def test_same_package_id_twice_keeps_each_chunks_names() -> None:
    first = package(0x7F, "one", ["string"], ["a"], [
        type_spec(1, 1), type_chunk(1, {0: simple(0, TYPE_INT_DEC, 1)}, 1)])
    second = package(0x7F, "two", ["string", "bool"], ["zzz", "b"], [
        type_spec(2, 2), type_chunk(2, {1: simple(1, TYPE_INT_BOOLEAN, 1)}, 2)])
    t, log = _parse(table([], [first, second]))
    assert t.packages == {0x7F: "one"}
    assert t.entry_name(0x7F010000) == "string/a"
    assert t.entry_name(0x7F020001) == "bool/b"
    assert t.resolve(0x7F020001) is True
    assert any(d.code == "arsc.duplicate-package" for d in log.items)


def test_type_id_offset() -> None:
    pkg = package(0x7F, "lib", ["string"], ["k"], [
        type_spec(2, 1), type_chunk(2, {0: simple(0, TYPE_INT_DEC, 9)}, 1)], type_id_offset=1)
    t, _ = _parse(table([], [pkg]))
    assert t.entry_name(0x7F020000) == "string/k"
    assert t.type_name(0x7F020000) == "string"


def test_pools_not_at_header_offsets_fall_back_to_order() -> None:
    pkg = bytearray(package(0x7F, "p", ["string"], ["k"], [
        type_spec(1, 1), type_chunk(1, {0: simple(0, TYPE_INT_DEC, 9)}, 1)]))
    struct.pack_into("<I", pkg, 268, 4)  # typeStrings
    struct.pack_into("<I", pkg, 276, 8)  # keyStrings
    t, log = _parse(table([], [bytes(pkg)]))
    assert t.entry_name(0x7F010000) == "string/k"
    assert [d.code for d in log.items] == ["arsc.pool-offset", "arsc.pool-offset"]


# =========================================================================== values


@pytest.mark.parametrize("value,expected", [
    (ResValue(TYPE_NULL, 0), None),
    (ResValue(TYPE_NULL, 1), ""),
    (ResValue(TYPE_REFERENCE, 0x7F040001), "@0x7f040001"),
    (ResValue(TYPE_REFERENCE, 0), "@null"),
    (ResValue(TYPE_DYNAMIC_REFERENCE, 0x00020001), "@0x00020001"),
    (ResValue(TYPE_ATTRIBUTE, 0x0101009B), "?0x0101009b"),
    (ResValue(TYPE_STRING, 5, "text"), "text"),
    (ResValue(TYPE_STRING, 5, None), None),
    (ResValue(TYPE_INT_BOOLEAN, 0), False),
    (ResValue(TYPE_INT_BOOLEAN, 0xFFFFFFFF), True),
    (ResValue(TYPE_INT_BOOLEAN, 1), True),
    (ResValue(TYPE_INT_DEC, 42), 42),
    (ResValue(TYPE_INT_DEC, 0xFFFFFFFF), -1),
    (ResValue(TYPE_INT_HEX, 0x80000000), 0x80000000),
    (ResValue(TYPE_INT_COLOR_ARGB8, 0xFF00FF00), "#ff00ff00"),
    (ResValue(TYPE_INT_COLOR_RGB4, 0xFFAABBCC), "#ffaabbcc"),
    (ResValue(TYPE_FLOAT, struct.unpack("<I", struct.pack("<f", 1.5))[0]), 1.5),
    (ResValue(TYPE_FLOAT, struct.unpack("<I", struct.pack("<f", 0.1))[0]), 0.1),
    (ResValue(TYPE_DIMENSION, (16 << 8) | 1), "16dip"),      # 16dp, radix 23p0
    (ResValue(TYPE_DIMENSION, (24 << 8) | 2), "24sp"),
    (ResValue(TYPE_DIMENSION, ((-4 & 0xFFFFFF) << 8) | 1), "-4dip"),
    (ResValue(TYPE_FRACTION, (64 << 8) | (1 << 4) | 0), "50%"),   # 64 / 2**7 = 0.5
    (ResValue(TYPE_FRACTION, (32 << 8) | (1 << 4) | 1), "25%p"),
    (ResValue(0x55, 123), 123),
])
def test_render(value: ResValue, expected: object) -> None:
    got = value.render()
    assert got == expected and type(got) is type(expected)


def test_render_dimension_radix() -> None:
    # Radix 1 (16p7): value = mantissa / 2**7; radix 3 (0p23): mantissa / 2**23.
    assert ResValue(TYPE_DIMENSION, (192 << 8) | (1 << 4) | 0).render() == "1.5px"
    assert ResValue(TYPE_DIMENSION, (0x400000 << 8) | (3 << 4) | 5).render() == "0.5mm"


# =========================================================================== configs


@pytest.mark.parametrize("kwargs,expected", [
    ({}, "default"),
    ({"lang": b"fr"}, "fr"),
    ({"lang": b"fr", "country": b"CA"}, "fr-rCA"),
    # Packed region "419": digits 4, 1, 9 in 5-bit fields (base '0').
    ({"lang": b"es", "country": bytes([0x80 | (9 << 2), (1 << 5) | 4])}, "es-r419"),
    ({"lang": b"sr", "script": b"Latn"}, "b+sr+Latn"),
    ({"density": 480, "sdk": 17, "screen_layout": 0x80}, "ldrtl-xxhdpi-v17"),
    ({"sw_dp": 720, "orientation": 2, "sdk": 13}, "sw720dp-land-v13"),
    ({"ui_mode": 0x20, "sdk": 8}, "night-v8"),
    ({"ui_mode": 0x06, "sdk": 20}, "watch-v20"),
    ({"density": 0xFFFE, "sdk": 21}, "anydpi-v21"),
    ({"density": 300}, "300dpi"),
    ({"mcc": 310, "mnc": 260}, "mcc310-mnc260"),
    ({"lang": b"fr", "size": 12}, "fr"),
    ({"lang": b"fr", "sdk": 21, "size": 12}, "fr"),  # sdk lies beyond the declared size
])
def test_describe_config(kwargs: dict[str, object], expected: str) -> None:
    assert describe_config(res_config(**kwargs)) == expected  # type: ignore[arg-type]


def test_packed_three_letter_language() -> None:
    # "fil": f=5 (bits 0-4 of byte1), i=8, l=11; packed: byte0 = 0x80 | l<<2 | i>>3,
    # byte1 = (i & 7) << 5 | f
    packed = bytes([0x80 | (11 << 2) | (8 >> 3), ((8 & 7) << 5) | 5])
    assert describe_config(res_config(lang=packed)) == "fil"


# =========================================================================== corpus


def _apk(rel: str) -> Path:
    assert CORPUS is not None
    return CORPUS / "apk" / rel


@lru_cache(maxsize=None)
def _arsc(rel: str) -> bytes:
    with zipfile.ZipFile(_apk(rel)) as zf:
        return zf.read("resources.arsc")


def _aapt(*args: str) -> str:
    return subprocess.run(["aapt", *args], capture_output=True, text=True,
                          errors="replace", timeout=120).stdout


def _androguard_apk(rel: str):  # type: ignore[no-untyped-def]
    loguru = pytest.importorskip("loguru")
    loguru.logger.remove()
    from androguard.core.apk import APK
    return APK(str(_apk(rel)))


LABEL_APKS = [
    "androguard/a2dp.Vol_137.apk",
    "androguard/com.teleca.jamendo_35.apk",
    "androguard/TestActivity.apk",
    "androguard/hello-world.apk",
    "androguard/urzip-unicode-name.apk",
    "androguard/apksig/debuggable-boolean.apk",
    "app-info/android.apk",
    "exodus-core/blooddonation.apk",
    "exodus-core/instapaper.apk",
    "bugly-demo/BuglyUpgradeDemo-demo.apk",
    "uiautomator/app-uiautomator-androidx.apk",
]


@needs_corpus
@needs_aapt
@pytest.mark.parametrize("rel", LABEL_APKS)
def test_app_label_matches_aapt(rel: str) -> None:
    label_ref = _androguard_apk(rel).get_attribute_value("application", "label")
    assert isinstance(label_ref, str) and label_ref.startswith("@")
    m = re.search(r"^application-label:'(.*)'$", _aapt("dump", "badging", str(_apk(rel))),
                  re.M)
    assert m, "aapt printed no application-label"
    t, log = _parse(_arsc(rel))
    assert t.resolve(int(label_ref[1:], 16)) == m.group(1)
    assert [d for d in log.items if d.severity != Level.INFO] == []


@needs_corpus
def test_compact_entry_label_matches_androguard() -> None:
    # Debian's aapt predates compact entries (it reports "INVALID TYPE CONFIG"), so the
    # oracle here is androguard.
    rel = "androguard/compact-entry.apk"
    apk = _androguard_apk(rel)
    label_ref = apk.get_attribute_value("application", "label")
    data = _arsc(rel)
    t, log = _parse(data)
    assert len(log) == 0
    rid = int(label_ref[1:], 16)
    assert t.resolve(rid) == apk.get_app_name() == "erev0s.com-CompactEntry"
    assert t.entry_name(rid) == "string/app_name"
    assert t.values(rid) == [("default", ResValue(TYPE_STRING, 0, "erev0s.com-CompactEntry"))]
    # It really is an OFFSET16 type chunk holding a compact entry.
    pos = data.index(struct.pack("<HH", 0x0201, 0x54))
    assert data[pos + 9] & 0x02
    entries = pos + struct.unpack_from("<I", data, pos + 16)[0]
    assert struct.unpack_from("<H", data, entries + 2)[0] & 0x0008


@needs_corpus
@needs_aapt
def test_network_security_config_path() -> None:
    rel = "bugly-demo/BuglyUpgradeDemo-demo.apk"
    ref = _androguard_apk(rel).get_attribute_value("application", "networkSecurityConfig")
    rid = int(ref[1:], 16)
    out = _aapt("dump", "--values", "resources", str(_apk(rel)))
    m = re.search(rf"resource 0x{rid:08x} [^:]+:(\S+): t=0x03 .*\n\s+\(string\d+\) \"(.*)\"",
                  out)
    assert m
    t, _ = _parse(_arsc(rel))
    assert t.entry_name(rid) == m.group(1)
    assert t.resolve(rid) == m.group(2)
    assert m.group(2).startswith("res/xml/")


_CONF = re.compile(r"^\s+config (\S+)(?: flags=0x[0-9a-f]+)?:$")
_RES = re.compile(r"^\s+resource 0x([0-9a-f]{8}) [^:]+:([^:]+): "
                  r"(?:t=0x([0-9a-f]+) d=0x([0-9a-f]+)|(<bag>))")
_STR = re.compile(r'^\s+\(string(?:8|16)\) "(.*)"$')


def _aapt_resources(path: Path) -> dict[tuple[int, str], tuple[str, object, int, str | None]]:
    """(res id, config) -> (type/name, value type or "bag", data, quoted string)."""
    out: dict[tuple[int, str], tuple[str, object, int, str | None]] = {}
    config = ""
    pending: tuple[int, str] | None = None
    for line in _aapt("dump", "--values", "resources", str(path)).splitlines():
        m = _CONF.match(line)
        if m:
            config = "default" if m.group(1) == "(default)" else m.group(1)
            pending = None
            continue
        m = _RES.match(line)
        if m:
            key = (int(m.group(1), 16), config)
            if m.group(5):
                out[key] = (m.group(2), "bag", 0, None)
                pending = None
            else:
                out[key] = (m.group(2), int(m.group(3), 16), int(m.group(4), 16), None)
                pending = key
            continue
        m = _STR.match(line)
        if m and pending is not None:
            name, vtype, data, _ = out[pending]
            out[pending] = (name, vtype, data, m.group(1))
            pending = None
    return out


def _aapt_quote(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@needs_corpus
@needs_aapt
@pytest.mark.parametrize("rel", [
    "androguard/a2dp.Vol_137.apk",                 # UTF-8 pool, aapt1 layout
    "androguard/com.teleca.jamendo_35.apk",        # UTF-16 pool
    "androguard/apksig/debuggable-boolean.apk",    # UTF-16 pool, several locales
    "androguard/hello-world.apk",                  # aapt2, appcompat, many configs
    pytest.param("exodus-core/instapaper.apk", marks=pytest.mark.slow),
    pytest.param("app-info/android.apk", marks=pytest.mark.slow),
])
def test_every_entry_matches_aapt(rel: str) -> None:
    oracle = _aapt_resources(_apk(rel))
    assert oracle
    t, log = _parse(_arsc(rel))
    assert [d for d in log.items if d.severity != Level.INFO] == []
    mine: dict[tuple[int, str], tuple[str, object, int, str | None]] = {}
    for rid in t.resource_ids():
        name = t.entry_name(rid)
        assert name is not None
        for config, value in t.values(rid):
            mine.setdefault((rid, config), (name, value.type, value.data, value.string))
        for config, _ in t.bags(rid):
            mine.setdefault((rid, config), (name, "bag", 0, None))
    assert mine.keys() == oracle.keys()
    strings = 0
    for key, (name, vtype, data, text) in oracle.items():
        got = mine[key]
        assert got[:3] == (name, vtype, data), (hex(key[0]), key[1])
        if text is not None:
            assert got[3] is not None and _aapt_quote(got[3]) == text, (hex(key[0]), key[1])
            strings += 1
    default_strings = [k for k, v in oracle.items() if k[1] == "default" and v[3] is not None]
    assert strings >= len(default_strings) > 0


# =========================================================================== hostile


def _walk(data: bytes) -> list[tuple[int, int]]:
    """(offset, type) of the top-level chunks and the package children (test-side walker)."""
    out = []
    pos = struct.unpack_from("<H", data, 2)[0]
    while pos + 8 <= len(data):
        ctype, hsize, size = struct.unpack_from("<HHI", data, pos)
        out.append((pos, ctype))
        if ctype == 0x0200:
            child = pos + hsize
            while child + 8 <= pos + size:
                ctype2, _, size2 = struct.unpack_from("<HHI", data, child)
                out.append((child, ctype2))
                child += size2
        pos += size
    return out


def test_not_a_table() -> None:
    for bad in (b"", b"\x02\x00\x0c\x00", SYNTH[:11], b"\x03\x00" + SYNTH[2:],
                b"\x01\x00" + SYNTH[2:], bytes(64)):
        with pytest.raises(CorruptInput):
            ResourceTable.parse(bad, DiagnosticLog())


@pytest.mark.parametrize("hsize", [0, 4, 0xFFFF])
def test_table_header_size_tampered(hsize: int) -> None:
    buf = bytearray(SYNTH)
    struct.pack_into("<H", buf, 2, hsize)
    t, log = _parse(bytes(buf))
    assert t.resolve(0x7F010000) == "Hello"
    assert [d.code for d in log.items] == ["arsc.bad-header-size"]


@pytest.mark.parametrize("size", [0, 8, 100, 0xFFFFFFFF])
def test_table_size_tampered(size: int) -> None:
    buf = bytearray(SYNTH)
    struct.pack_into("<I", buf, 4, size)
    t, log = _parse(bytes(buf))
    assert t.resolve(0x7F010000) in ("Hello", None)
    assert len(log) > 0


@needs_corpus
def test_empty_table() -> None:
    t, log = _parse(_arsc("androguard/app-debug-androidTest.apk"))
    assert t.packages == {} and t.resource_ids() == []
    assert all(d.severity == Level.INFO for d in log.items)


def _allowed(data: bytes, rid: int) -> set[object]:
    """What a damaged copy may answer for ``rid``: any config's value, or nothing."""
    t, _ = _parse(data)
    return {value.render() for _, value in t.values(rid)} | {None, ""}


def _truncation_cases() -> list[tuple[str, bytes, str | None, int]]:
    cases: list[tuple[str, bytes, str | None, int]] = [("synthetic", SYNTH, "Hello", 0x7F010000)]
    if CORPUS is not None:
        cases.append(("TestActivity", _arsc("androguard/TestActivity.apk"),
                      "TestsAndroguardApplication", 0x7F040001))
        cases.append(("a2dp", _arsc("androguard/a2dp.Vol_137.apk"), "A2DP Volume",
                      0x7F07005D))
    return cases


@pytest.mark.parametrize("name,data,label,rid",
                         _truncation_cases(), ids=lambda x: x if isinstance(x, str) else "")
def test_truncated_everywhere(name: str, data: bytes, label: str, rid: int) -> None:
    allowed = _allowed(data, rid)
    assert label in allowed
    step = max(1, len(data) // 400)
    cuts = sorted(set(range(0, len(data), step)) | {len(data) - 1, len(data) - 4})
    for cut in cuts:
        log = DiagnosticLog()
        try:
            t = ResourceTable.parse(data[:cut], log)
        except CorruptInput:
            assert cut < 12, cut
            continue
        assert len(log) > 0, cut
        _exercise(t)
        # Never a wrong answer: the label (in some config), or nothing.
        assert t.resolve(rid) in allowed, cut


_TAMPERS = {
    "size-zero": (4, "<I", 0),
    "size-huge": (4, "<I", 0xFFFFFFF0),
    "size-plus-4": (4, "<I", None),
    "size-minus-4": (4, "<I", -4),
    "header-zero": (2, "<H", 0),
    "header-huge": (2, "<H", 0xFFFF),
    "type-unknown": (0, "<H", 0x7777),
}


def _tamper(data: bytes, pos: int, how: str) -> bytes:
    at, fmt, value = _TAMPERS[how]
    buf = bytearray(data)
    if value is None or value < 0:
        old = struct.unpack_from(fmt, buf, pos + at)[0]
        value = old + 4 if value is None else max(0, old + value)
    struct.pack_into(fmt, buf, pos + at, value)
    return bytes(buf)


def _tamper_cases() -> list[tuple[str, bytes, str, int]]:
    cases = [("synthetic", SYNTH, "Hello", 0x7F010000)]
    if CORPUS is not None:
        cases.append(("TestActivity", _arsc("androguard/TestActivity.apk"),
                      "TestsAndroguardApplication", 0x7F040001))
        cases.append(("jamendo", _arsc("androguard/com.teleca.jamendo_35.apk"), "Jamendo",
                      0x7F090002))
    return cases


@pytest.mark.parametrize("how", sorted(_TAMPERS))
@pytest.mark.parametrize("name,data,label,rid", _tamper_cases(),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_tampered_chunk_headers(how: str, name: str, data: bytes, label: str, rid: int) -> None:
    chunks = _walk(data)
    assert len(chunks) >= 4
    allowed = _allowed(data, rid)
    for pos, ctype in chunks[:60]:
        log = DiagnosticLog()
        t = ResourceTable.parse(_tamper(data, pos, how), log)
        _exercise(t)
        if how != "size-plus-4" or ctype != 0x0201:
            # (4 extra bytes on the last type chunk can go unnoticed.)
            assert len(log) > 0, (hex(pos), how)
        assert t.resolve(rid) in allowed, (hex(pos), how)


@pytest.mark.parametrize("name,data,label,rid", _tamper_cases(),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_unknown_chunk_type_is_skipped_and_rest_kept(name: str, data: bytes, label: str,
                                                     rid: int) -> None:
    # Corrupt the type of every type chunk that does not hold the label: the label stays.
    t0, _ = _parse(data)
    for pos, ctype in _walk(data):
        if ctype != 0x0201:
            continue
        if struct.unpack_from("<B", data, pos + 8)[0] == (rid >> 16) & 0xFF:
            continue
        log = DiagnosticLog()
        t = ResourceTable.parse(_tamper(data, pos, "type-unknown"), log)
        assert t.resolve(rid) == label == t0.resolve(rid)
        assert any(d.code == "arsc.unknown-chunk" for d in log.items)


@pytest.mark.parametrize("name,data,label,rid", _tamper_cases(),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_global_pool_bad_size_resyncs(name: str, data: bytes, label: str, rid: int) -> None:
    pool_pos = struct.unpack_from("<H", data, 2)[0]
    for size in (0xFFFFFFF0, len(data) * 2):
        buf = bytearray(data)
        struct.pack_into("<I", buf, pool_pos + 4, size)
        log = DiagnosticLog()
        t = ResourceTable.parse(bytes(buf), log)
        # The package is found again after the broken pool, and the pool still reads.
        assert t.resolve(rid) == label
        assert any(d.code == "arsc.bad-chunk-size" for d in log.items)


@pytest.mark.parametrize("name,data,label,rid", _tamper_cases(),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_huge_string_count(name: str, data: bytes, label: str, rid: int) -> None:
    pool_pos = struct.unpack_from("<H", data, 2)[0]
    buf = bytearray(data)
    struct.pack_into("<I", buf, pool_pos + 8, 0xFFFFFFFF)
    log = DiagnosticLog()
    t = ResourceTable.parse(bytes(buf), log)
    assert len(t.strings) < len(data) // 4
    assert any(d.code.startswith("stringpool.") for d in log.items)
    _exercise(t)
    assert t.resolve(rid) in _allowed(data, rid)


@needs_corpus
def test_string_pool_limit() -> None:
    log = DiagnosticLog()
    t = ResourceTable.parse(_arsc("androguard/a2dp.Vol_137.apk"), log,
                            Limits(max_string_pool=5))
    assert len(t.strings) == 5
    assert any(d.code == "stringpool.limit" for d in log.items)
    assert any(d.code == "arsc.bad-string-ref" for d in log.items)
    assert t.resolve(0x7F07005D) is None  # string index beyond the kept strings


def test_bad_entries_are_reported_once_per_chunk() -> None:
    entries = {i: simple(0, TYPE_INT_DEC, i) for i in range(10)}
    chunk = bytearray(type_chunk(1, entries, 10))
    hsize = struct.unpack_from("<H", chunk, 2)[0]
    for i in range(1, 10):  # misalign or overrun every entry but the first
        struct.pack_into("<I", chunk, hsize + 4 * i, 2 if i % 2 else 0x10000)
    t, log = _parse(table([], [package(0x7F, "p", ["integer"], ["k"],
                                       [type_spec(1, 10), bytes(chunk)])]))
    assert t.resolve(0x7F010000) == 0
    assert t.resolve(0x7F010001) is None
    codes = sorted(d.code for d in log.items)
    assert codes == ["arsc.entry-misaligned", "arsc.entry-overrun"]
    assert "5 entry offsets not 4-byte aligned" in next(
        d.message for d in log.items if d.code == "arsc.entry-misaligned")


def test_huge_entry_count_is_clamped() -> None:
    chunk = bytearray(type_chunk(1, {0: simple(0, TYPE_INT_DEC, 5)}, 1))
    struct.pack_into("<I", chunk, 12, 0xFFFFFFFF)
    t, log = _parse(table([], [package(0x7F, "p", ["integer"], ["k"], [bytes(chunk)])]))
    assert t.resolve(0x7F010000) == 5
    assert any(d.code == "arsc.bad-type" for d in log.items)


def test_bag_with_huge_count() -> None:
    chunk = type_chunk(1, {0: bag(0, 0, [(0x01010000, TYPE_INT_DEC, 1)])}, 1)
    buf = bytearray(chunk)
    entry = len(buf) - len(bag(0, 0, [(0, 0, 0)]))
    struct.pack_into("<I", buf, entry + 12, 0x7FFFFFFF)
    t, log = _parse(table([], [package(0x7F, "p", ["style"], ["k"],
                                       [type_spec(1, 1), bytes(buf)])]))
    bags = t.bags(0x7F010000)
    assert len(bags) == 1 and len(bags[0][1].items) == 1
    assert any(d.code == "arsc.bag-overrun" for d in log.items)


def test_package_id_too_big_is_skipped() -> None:
    pkg = bytearray(package(0x7F, "p", ["string"], ["k"], []))
    struct.pack_into("<I", pkg, 8, 0x17F)
    t, log = _parse(table([], [bytes(pkg)]))
    assert t.packages == {}
    assert any(d.code == "arsc.bad-package-id" for d in log.items)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(flips=st.lists(st.tuples(st.integers(0, len(SYNTH) - 1), st.integers(0, 255)),
                      min_size=1, max_size=12),
       cut=st.integers(0, len(SYNTH)))
def test_fuzz_synthetic(flips: list[tuple[int, int]], cut: int) -> None:
    buf = bytearray(SYNTH)
    for pos, value in flips:
        buf[pos] = value
    log = DiagnosticLog()
    try:
        t = ResourceTable.parse(bytes(buf[:cut]), log)
    except CorruptInput:
        return
    _exercise(t)
    for rid in (0x7F010000, 0x7F010001, 0x7F020000, 0x7F030000, 0x7F060000):
        t.resolve(rid)
