"""Tests of the DEX id-table reader against independent oracles.

Oracles: androguard (strings, class names), AOSP ``dexdump`` (class order,
method/field references by index, defined members), the ``mutf8`` package
(MUTF-8 encoding of synthetic strings) and hand-built DEX files whose
contents the test itself chose.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import struct
import subprocess
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput, LimitExceeded
from datatrail.formats.android.dex import DexFile, decode_mutf8, descriptor_to_java, is_dex
from datatrail.limits import Limits
from datatrail.model.diagnostic import DiagnosticLog

# ----------------------------------------------------------------- corpus
from tests.support.corpus import CORPUS  # noqa: E402
from tests.support.dex_factory import sort_key, uleb128

NO_CORPUS = "test corpus not found (expected ../shared/corpus next to the repo, or set DATATRAIL_CORPUS)"

STANDALONE_DEX = [
    "apk/androguard/AnalysisTest.dex",
    "apk/androguard/Annotation_classes.dex",
    "apk/androguard/ExceptionHandling.dex",
    "apk/androguard/FieldsTest.dex",
    "apk/androguard/FillArrays.dex",
    "apk/androguard/InterfaceCls.dex",
    "apk/androguard/NativeOnly.dex",
    "apk/androguard/StringTests.dex",
    "apk/androguard/Test.dex",
    "apk/androguard/classes.dex",
    "sdk/dex-extracted/facebook-sdk_from-instapaper.dex",
    "sdk/dex-extracted/firebase_from-instapaper.dex",
    "sdk/dex-extracted/tencent-bugly_from-BuglyHotfixDemo.dex",
    "sdk/android/jiguang/jverification-rn-module-classes.dex",
]

# APKs whose classes*.dex are compared too: multidex, MUTF-8 ``C0 80``
# strings (instapaper: certificate blobs, "Exif\0\0"; uiautomator: 600+
# protobuf descriptors), a real F-Droid app.
APK_DEX = [
    "apk/androguard/multidex.apk",
    "apk/androguard/a2dp.Vol_137.apk",
    "apk/androguard/app-prod-debug.apk",
    "apk/exodus-core/instapaper.apk",
    "apk/uiautomator/app-uiautomator-androidx.apk",
]

# Corpus files where androguard's answer is known to differ from the truth,
# with the reason (they xfail instead of failing). None were found:
# androguard 4.1.4 agrees on every string set, class list and method/field
# table of this corpus. Its known differences on damaged input are listed in
# test_androguard_differs_on_damaged_strings / test_androguard_refuses_truncated_dex.
ANDROGUARD_KNOWN_WRONG: dict[str, str] = {}

# Files compared with dexdump (class order, references by index, members).
DEXDUMP_FILES = [
    "apk/androguard/FieldsTest.dex",
    "apk/androguard/classes.dex",
    "apk/androguard/Annotation_classes.dex",
    "sdk/dex-extracted/tencent-bugly_from-BuglyHotfixDemo.dex",
    "sdk/android/jiguang/jverification-rn-module-classes.dex",
]


def _corpus_cases() -> list[str]:
    """Case ids ``path`` or ``path!classesN.dex`` (resolved lazily by _load)."""
    if CORPUS is None:
        return []
    cases = [p for p in STANDALONE_DEX if (CORPUS / p).is_file()]
    for apk in APK_DEX:
        path = CORPUS / apk
        if not path.is_file():
            continue
        with zipfile.ZipFile(path) as z:
            cases += [
                f"{apk}!{n}"
                for n in z.namelist()
                if re.fullmatch(r"classes\d*\.dex", n)
            ]
    return cases


CORPUS_CASES = _corpus_cases()


def _load(case: str) -> bytes:
    if CORPUS is None:
        pytest.skip(NO_CORPUS)
    if "!" in case:
        apk, entry = case.split("!", 1)
        with zipfile.ZipFile(CORPUS / apk) as z:
            return z.read(entry)
    return (CORPUS / case).read_bytes()


def _corpus_param(cases: list[str]) -> list[str]:
    return cases if cases else [pytest.param("none", marks=pytest.mark.skip(reason=NO_CORPUS))]


def _exercise(d: DexFile) -> dict[str, object]:
    """Call every accessor; malformed input may only yield placeholders."""
    return {
        "strings": d.strings(),
        "types": d.type_names(),
        "class_descriptors": d.class_descriptors(),
        "class_names": d.class_names(),
        "methods": d.method_refs(),
        "fields": d.field_refs(),
        "string0": d.string(0),
        "string_far": d.string(10**9),
        "type_far": d.type_name(10**9),
    }


# --------------------------------------------------- synthetic DEX builder






def _shorty(desc: str) -> str:
    return "L" if desc[0] in "L[" else desc


@dataclass
class Synth:
    """A small valid DEX built from names; offsets of interest are kept."""

    classes: list[str]
    methods: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    extra_strings: list[str] = field(default_factory=list)
    raw_strings: dict[str, bytes] = field(default_factory=dict)
    """Replacement MUTF-8 bytes for given strings (to inject odd encodings)."""

    def build(self) -> bytes:
        from mutf8 import encode_modified_utf8

        types = set(self.classes)
        for cls, _name, ret, params in self.methods:
            types |= {cls, ret, *params}
        for cls, _name, ftype in self.fields:
            types |= {cls, ftype}
        protos = {(ret, tuple(params)) for _c, _n, ret, params in self.methods}
        strs = set(types) | set(self.extra_strings)
        strs |= {n for _c, n, _r, _p in self.methods} | {n for _c, n, _t in self.fields}
        strs |= {_shorty(r) + "".join(_shorty(p) for p in ps) for r, ps in protos}
        self.strings = sorted(strs, key=sort_key)
        sidx = {s: i for i, s in enumerate(self.strings)}
        self.types = sorted(types, key=lambda t: sidx[t])
        tidx = {t: i for i, t in enumerate(self.types)}
        self.protos = sorted(protos, key=lambda p: (tidx[p[0]], [tidx[x] for x in p[1]]))
        pidx = {p: i for i, p in enumerate(self.protos)}
        field_ids = sorted(
            self.fields, key=lambda f: (tidx[f[0]], sidx[f[1]], tidx[f[2]])
        )
        method_ids = sorted(
            self.methods,
            key=lambda m: (tidx[m[0]], sidx[m[1]], pidx[(m[2], tuple(m[3]))]),
        )
        class_defs = sorted(self.classes, key=lambda c: tidx[c])

        ns, nt, np_, nf, nm, nc = (
            len(self.strings), len(self.types), len(self.protos),
            len(field_ids), len(method_ids), len(class_defs),
        )
        off = 0x70
        self.string_ids_off = off
        off += 4 * ns
        self.type_ids_off = off
        off += 4 * nt
        self.proto_ids_off = off
        off += 12 * np_
        self.field_ids_off = off
        off += 8 * nf
        self.method_ids_off = off
        off += 8 * nm
        self.class_defs_off = off
        off += 32 * nc
        data_off = off

        data = bytearray()
        type_list_off: dict[tuple[str, ...], int] = {}
        for _ret, params in self.protos:
            if params and params not in type_list_off:
                type_list_off[params] = data_off + len(data)
                data += struct.pack("<I", len(params))
                data += b"".join(struct.pack("<H", tidx[p]) for p in params)
                data += b"\0" * (-len(data) % 4)
        n_type_lists = len(type_list_off)
        string_data_start = data_off + len(data)
        self.string_data_off: list[int] = []
        for s in self.strings:
            self.string_data_off.append(data_off + len(data))
            raw = self.raw_strings.get(s, encode_modified_utf8(s))
            data += uleb128(len(sort_key(s)) // 2) + raw + b"\0"
        data += b"\0" * (-len(data) % 4)
        map_off = data_off + len(data)
        entries = [(0x0000, 1, 0)]
        for code, count, at in (
            (0x0001, ns, self.string_ids_off),
            (0x0002, nt, self.type_ids_off),
            (0x0003, np_, self.proto_ids_off),
            (0x0004, nf, self.field_ids_off),
            (0x0005, nm, self.method_ids_off),
            (0x0006, nc, self.class_defs_off),
        ):
            if count:
                entries.append((code, count, at))
        if n_type_lists:
            entries.append((0x1001, n_type_lists, data_off))
        entries.append((0x2002, ns, string_data_start))
        entries.append((0x1000, 1, map_off))
        data += struct.pack("<I", len(entries))
        data += b"".join(struct.pack("<HHII", c, 0, n, o) for c, n, o in entries)
        file_size = data_off + len(data)

        tables = bytearray()
        tables += struct.pack(f"<{ns}I", *self.string_data_off)
        tables += struct.pack(f"<{nt}I", *(sidx[t] for t in self.types))
        for ret, params in self.protos:
            shorty = _shorty(ret) + "".join(_shorty(p) for p in params)
            tables += struct.pack("<III", sidx[shorty], tidx[ret], type_list_off.get(params, 0))
        for cls, name, ftype in field_ids:
            tables += struct.pack("<HHI", tidx[cls], tidx[ftype], sidx[name])
        for cls, name, ret, params in method_ids:
            tables += struct.pack("<HHI", tidx[cls], pidx[(ret, tuple(params))], sidx[name])
        obj = "Ljava/lang/Object;"
        for cls in class_defs:
            sup = tidx.get(obj, 0xFFFFFFFF) if cls != obj else 0xFFFFFFFF
            tables += struct.pack("<8I", tidx[cls], 1, sup, 0, 0xFFFFFFFF, 0, 0, 0)

        head = bytearray(0x70)
        struct.pack_into(
            "<8sI20s20I", head, 0, b"dex\n035\0", 0, b"\0" * 20,
            file_size, 0x70, 0x12345678, 0, 0, map_off,
            ns, self.string_ids_off if ns else 0,
            nt, self.type_ids_off if nt else 0,
            np_, self.proto_ids_off if np_ else 0,
            nf, self.field_ids_off if nf else 0,
            nm, self.method_ids_off if nm else 0,
            nc, self.class_defs_off if nc else 0,
            file_size - data_off, data_off,
        )
        self.method_ids = [(c, n, "(" + "".join(p) + ")" + r) for c, n, r, p in method_ids]
        self.field_ids = field_ids
        self.class_order = class_defs
        blob = bytearray(head + tables + data)
        assert len(blob) == file_size
        return fix_checksum(blob)


def fix_checksum(blob: bytearray | bytes) -> bytes:
    blob = bytearray(blob)
    blob[12:32] = hashlib.sha1(blob[32:]).digest()
    struct.pack_into("<I", blob, 8, zlib.adler32(blob[12:]))
    return bytes(blob)


def patch_u32(blob: bytes, off: int, value: int, checksum: bool = True) -> bytes:
    out = bytearray(blob)
    struct.pack_into("<I", out, off, value)
    return fix_checksum(out) if checksum else bytes(out)


def small_synth() -> Synth:
    return Synth(
        classes=["Lcom/example/Foo;", "Lcom/example/Foo$Inner;", "Ljava/lang/Object;"],
        methods=[
            ("Lcom/example/Foo;", "<init>", "V", []),
            ("Lcom/example/Foo;", "send", "Z", ["Ljava/lang/String;", "I", "[B"]),
            ("Ljava/lang/Object;", "<init>", "V", []),
            ("Landroid/telephony/TelephonyManager;", "getDeviceId", "Ljava/lang/String;", []),
        ],
        fields=[
            ("Lcom/example/Foo;", "count", "J"),
            ("Lcom/example/Foo$Inner;", "this$0", "Lcom/example/Foo;"),
        ],
        extra_strings=["https://example.org/collect", "caf\u00e9", "\u4e2d\u6587"],
    )


SMALL = small_synth()
SMALL_DEX = SMALL.build()

# Header field offsets (DEX format spec, header_item).
H_FILE_SIZE, H_HEADER_SIZE, H_ENDIAN, H_MAP_OFF = 32, 36, 40, 52
H_STRING_IDS_SIZE, H_STRING_IDS_OFF = 56, 60
H_TYPE_IDS_SIZE, H_TYPE_IDS_OFF = 64, 68
H_METHOD_IDS_SIZE = 88
H_CLASS_DEFS_SIZE, H_CLASS_DEFS_OFF = 96, 100


def codes(log: DiagnosticLog) -> list[str]:
    return [d.code for d in log.items]


# ------------------------------------------------------------ basic API


def test_is_dex() -> None:
    assert is_dex(SMALL_DEX)
    assert is_dex(b"dex\n039\0")
    assert not is_dex(b"dex\n03")
    assert not is_dex(b"PK\x03\x04" + bytes(100))
    assert not is_dex(b"dey\n035\0")
    assert not is_dex(b"cdex001\0")


@pytest.mark.parametrize(
    ("desc", "java"),
    [
        ("Lcom/foo/Bar;", "com.foo.Bar"),
        ("Lcom/foo/Bar$Baz;", "com.foo.Bar$Baz"),
        ("LNoPackage;", "NoPackage"),
        ("[I", "int[]"),
        ("[[Ljava/lang/String;", "java.lang.String[][]"),
        ("V", "void"),
        ("J", "long"),
        ("Z", "boolean"),
        ("<bad-string:3>", "<bad-string:3>"),
        ("L;", "L;"),
        ("", ""),
        ("[", "["),
        ("Q", "Q"),
    ],
)
def test_descriptor_to_java(desc: str, java: str) -> None:
    assert descriptor_to_java(desc) == java


def test_synthetic_roundtrip() -> None:
    log = DiagnosticLog()
    d = DexFile(SMALL_DEX, "synth.dex", log)
    assert log.items == []
    assert d.version == "035"
    assert d.checksum_ok
    assert d.strings() == SMALL.strings
    assert d.type_names() == SMALL.types
    assert d.class_descriptors() == SMALL.class_order
    assert d.class_names() == [descriptor_to_java(c) for c in SMALL.class_order]
    assert "com.example.Foo$Inner" in d.class_names()
    assert d.method_refs() == SMALL.method_ids
    assert (
        "Lcom/example/Foo;", "send", "(Ljava/lang/String;I[B)Z"
    ) in d.method_refs()
    assert d.field_refs() == SMALL.field_ids
    assert (d.string_count, d.type_count, d.proto_count) == (
        len(SMALL.strings), len(SMALL.types), len(SMALL.protos)
    )
    assert (d.field_count, d.method_count, d.class_def_count) == (2, 4, 3)
    for i, s in enumerate(SMALL.strings):
        assert d.string(i) == s
    for i, t in enumerate(SMALL.types):
        assert d.type_name(i) == t


def test_lazy_single_lookups_match_bulk() -> None:
    lazy = DexFile(SMALL_DEX)
    singles = [lazy.string(i) for i in reversed(range(lazy.string_count))][::-1]
    names = lazy.class_names()  # served by single lookups, no bulk pass
    bulk = DexFile(SMALL_DEX)
    assert singles == bulk.strings()
    assert names == bulk.class_names()


def test_returned_lists_are_copies() -> None:
    d = DexFile(SMALL_DEX)
    d.strings().clear()
    d.method_refs().clear()
    d.class_names().clear()
    assert d.strings() == SMALL.strings
    assert d.method_refs() == SMALL.method_ids
    assert len(d.class_names()) == 3


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview, lambda b: memoryview(b"xx" + b)[2:]])
def test_buffer_types(wrap) -> None:  # type: ignore[no-untyped-def]
    d = DexFile(wrap(SMALL_DEX))
    assert d.strings() == SMALL.strings
    assert d.method_refs() == SMALL.method_ids


def test_dexdump_accepts_synthetic(tmp_path: Path) -> None:
    """The builder's output is a DEX the AOSP tool verifies and reads back."""
    if shutil.which("dexdump") is None:
        pytest.skip("dexdump not installed")
    path = tmp_path / "synth.dex"
    path.write_bytes(SMALL_DEX)
    proc = subprocess.run(["dexdump", "-c", str(path)], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = _dexdump(path)
    assert _dexdump_classes(out) == SMALL.class_order


# -------------------------------------------------------------- MUTF-8


def test_mutf8_embedded_null_and_supplementary() -> None:
    from mutf8 import decode_modified_utf8, encode_modified_utf8

    nul = "a\x00b"
    emoji = "smile \U0001F600!"
    syn = Synth(classes=["LA;"], extra_strings=[nul, emoji])
    blob = syn.build()
    # The independent encoder writes exactly the MUTF-8 forms under test.
    assert encode_modified_utf8(nul) == b"a\xc0\x80b"
    assert encode_modified_utf8(emoji) == b"smile \xed\xa0\xbd\xed\xb8\x80!"
    assert b"a\xc0\x80b\0" in blob and b"\xed\xa0\xbd\xed\xb8\x80" in blob
    d = DexFile(blob)
    got = d.strings()
    assert nul in got and emoji in got
    assert len(emoji) == 8  # one code point, not two surrogates
    assert d.string(syn.strings.index(emoji)) == emoji
    assert decode_mutf8(b"\xed\xa0\xbd\xed\xb8\x80") == decode_modified_utf8(
        b"\xed\xa0\xbd\xed\xb8\x80"
    )


def test_mutf8_lone_surrogate_and_garbage_become_replacement_char() -> None:
    syn = Synth(
        classes=["LA;"],
        extra_strings=["lone", "junk", "four"],
        raw_strings={
            "lone": b"x\xed\xa0\x80y",  # high surrogate, no partner
            "junk": b"\xffok\xc3",  # invalid byte + truncated sequence
            "four": b"\xf0\x9f\x98\x80",  # 4-byte UTF-8: runtime accepts it
        },
    )
    d = DexFile(syn.build())
    by = dict(zip(syn.strings, d.strings()))
    assert by["lone"] == "x\ufffdy"
    assert by["junk"] == "\ufffdok\ufffd"
    assert by["four"] == "\U0001F600"
    for s in d.strings():
        s.encode("utf-8")  # never a lone surrogate


@given(st.text(max_size=40))
def test_mutf8_decoder_roundtrip(text: str) -> None:
    from mutf8 import encode_modified_utf8

    expected = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    assert decode_mutf8(encode_modified_utf8(text)) == expected


# ------------------------------------------------------- corpus oracles


@pytest.fixture(scope="module")
def androguard_dex():  # type: ignore[no-untyped-def]
    pytest.importorskip("androguard")
    from loguru import logger

    logger.disable("androguard")  # its debug logging dominates run time
    from androguard.core.dex import DEX

    return DEX


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@pytest.mark.parametrize("case", _corpus_param(CORPUS_CASES))
def test_corpus_against_androguard(case: str, androguard_dex) -> None:  # type: ignore[no-untyped-def]
    raw = _load(case)
    log = DiagnosticLog()
    d = DexFile(raw, case, log)
    ours_strings = d.strings()
    ours_classes = d.class_descriptors()
    # Real files from real toolchains: no diagnostics, good checksum.
    assert log.items == [], log.items
    assert d.checksum_ok
    assert len(ours_strings) == d.string_count
    assert len(ours_classes) == d.class_def_count
    assert d.class_names() == [descriptor_to_java(c) for c in ours_classes]
    assert all("<bad-" not in s for s in ours_strings)

    ag = androguard_dex(raw)
    # androguard keeps lone surrogates; we map them to U+FFFD by design.
    ag_strings = {_LONE_SURROGATE.sub("\ufffd", s) for s in ag.get_strings()}
    ag_classes = set(ag.get_classes_names())
    if case in ANDROGUARD_KNOWN_WRONG:
        pytest.xfail(ANDROGUARD_KNOWN_WRONG[case])
    assert set(ours_strings) == ag_strings
    assert set(ours_classes) == ag_classes
    assert len(ours_classes) == len(ag.get_classes_names())
    # androguard's get_methods()/get_fields() are the method_id/field_id
    # tables in index order; it spaces out prototype parameters.
    ag_methods = [
        (m.get_class_name(), m.get_name(), m.get_descriptor().replace(" ", ""))
        for m in ag.get_methods()
    ]
    assert d.method_refs() == ag_methods
    ag_fields = [(f.get_class_name(), f.get_name(), f.get_descriptor()) for f in ag.get_fields()]
    assert d.field_refs() == ag_fields


def _dexdump(path: Path) -> str:
    proc = subprocess.run(["dexdump", "-d", str(path)], capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.decode("utf-8", "replace")


def _dexdump_classes(out: str) -> list[str]:
    return re.findall(r"^  Class descriptor  : '(.*)'$", out, re.M)


_REF = re.compile(r"(?:\}|v\d+), (\S+) // (method|field)@([0-9a-f]+)$")


def _dexdump_refs(out: str) -> tuple[dict[int, tuple[str, str, str]], dict[int, tuple[str, str, str]]]:
    """method@/field@ references in disassembly: index -> (class, name, sig)."""
    methods: dict[int, tuple[str, str, str]] = {}
    fields: dict[int, tuple[str, str, str]] = {}
    for line in out.splitlines():
        if "proto@" in line or "\ufffd" in line:
            continue
        m = _REF.search(line)
        if not m:
            continue
        ref, kind, idx = m.group(1), m.group(2), int(m.group(3), 16)
        if kind == "method":
            head, proto = ref.split(":(", 1)
            cls, name = head.rsplit(".", 1)
            methods[idx] = (cls, name, "(" + proto)
        else:
            head, ftype = ref.split(":", 1)
            cls, name = head.rsplit(".", 1)
            fields[idx] = (cls, name, ftype)
    return methods, fields


def _dexdump_members(out: str) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """Defined methods and fields listed per class: (class, name, type)."""
    methods: set[tuple[str, str, str]] = set()
    fields: set[tuple[str, str, str]] = set()
    section = ""
    owner = name = None
    for line in out.splitlines():
        s = line.strip()
        if line.startswith("  ") and not line.startswith("   ") and s.endswith("-"):
            section = s
            continue
        m = re.match(r"#\d+\s+: \(in (\S+)\)$", s)
        if m:
            owner, name = m.group(1), None
            continue
        m = re.match(r"name\s+: '(.*)'$", s)
        if m and owner:
            name = m.group(1)
            continue
        m = re.match(r"type\s+: '(.*)'$", s)
        if m and owner and name is not None and "\ufffd" not in line + name:
            target = methods if "methods" in section else fields
            target.add((owner, name, m.group(1)))
            owner = name = None
    return methods, fields


@pytest.mark.parametrize("case", _corpus_param([c for c in DEXDUMP_FILES if CORPUS and (CORPUS / c).is_file()]))
def test_corpus_against_dexdump(case: str) -> None:
    if shutil.which("dexdump") is None:
        pytest.skip("dexdump not installed")
    raw = _load(case)
    d = DexFile(raw, case)
    out = _dexdump(CORPUS / case)  # type: ignore[operator]

    assert d.class_descriptors() == _dexdump_classes(out)

    refs = d.method_refs()
    frefs = d.field_refs()
    dd_methods, dd_fields = _dexdump_refs(out)
    assert dd_methods, "dexdump output had no method references to compare"
    for idx, ref in dd_methods.items():
        assert refs[idx] == ref, idx
    for idx, ref in dd_fields.items():
        assert frefs[idx] == ref, idx

    defined_methods, defined_fields = _dexdump_members(out)
    assert defined_methods, "no defined methods parsed from dexdump"
    assert defined_methods <= set(refs)
    assert defined_fields <= set(frefs)


def test_string_ids_are_followed_like_the_runtime(tmp_path: Path) -> None:
    """Swapped string_id offsets: names come from where the ids point.

    dexdump (the runtime's libdexfile) refuses the file unless told not to
    verify (-j); then it must agree with us.
    """
    if shutil.which("dexdump") is None:
        pytest.skip("dexdump not installed")
    a = SMALL.strings.index("Lcom/example/Foo;")
    b = SMALL.strings.index("Ljava/lang/Object;")
    blob = bytearray(SMALL_DEX)
    struct.pack_into("<I", blob, SMALL.string_ids_off + 4 * a, SMALL.string_data_off[b])
    struct.pack_into("<I", blob, SMALL.string_ids_off + 4 * b, SMALL.string_data_off[a])
    path = tmp_path / "swapped.dex"
    path.write_bytes(fix_checksum(blob))
    proc = subprocess.run(["dexdump", "-j", "-d", str(path)], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    expected = _dexdump_classes(proc.stdout.decode())
    assert expected != SMALL.class_order  # the swap is visible
    assert DexFile(path.read_bytes()).class_descriptors() == expected
    # The bulk pass takes its out-of-order path here; same answer required.
    swapped = list(SMALL.strings)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    assert DexFile(path.read_bytes()).strings() == swapped


def _androguard_damage_cases() -> list[tuple[str, bytes, str]]:
    victim = SMALL.strings.index("https://example.org/collect")
    cases = [
        (
            "string-id-outside-file",
            patch_u32(SMALL_DEX, SMALL.string_ids_off + 4 * victim, 0xFFFFFF00),
            "androguard still shows the old text (it reads string data items "
            "from the map_list section); the runtime cannot resolve the id, we "
            "give <bad-string:N> plus a diagnostic",
        ),
        (
            "lone-surrogate",
            Synth(classes=["LA;"], extra_strings=["x\ud800y"]).build(),
            "androguard returns a str holding a lone surrogate (not encodable "
            "as UTF-8); we return U+FFFD by design",
        ),
        (
            "invalid-bytes",
            Synth(classes=["LA;"], extra_strings=["junk"], raw_strings={"junk": b"\xffok\xc3"}).build(),
            "androguard returns the text 'ANDROGUARD[INVALID_STRING] b...'; "
            "we decode what we can and put U+FFFD for the bad bytes",
        ),
    ]
    return cases


@pytest.mark.parametrize(("label", "blob", "reason"), _androguard_damage_cases(), ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "")
def test_androguard_differs_on_damaged_strings(label: str, blob: bytes, reason: str, androguard_dex) -> None:  # type: ignore[no-untyped-def]
    """Explicit list of inputs where androguard's answer is not the truth."""
    ours = set(DexFile(blob).strings())
    theirs = set(androguard_dex(blob).get_strings())
    assert ours != theirs, f"androguard now agrees ({label}); update the list: {reason}"
    for s in ours:
        s.encode("utf-8")


def test_androguard_refuses_truncated_dex(androguard_dex) -> None:  # type: ignore[no-untyped-def]
    """androguard rejects a cut file outright (checksum); we return partial data."""
    raw = _load("apk/androguard/classes.dex")
    cut = raw[: len(raw) * 6 // 10]
    with pytest.raises(Exception):
        androguard_dex(cut)
    log = DiagnosticLog()
    d = DexFile(cut, log=log)
    assert "dex.truncated" in codes(log)
    full = DexFile(raw)
    # Names whose string data was cut off become placeholders; the rest match.
    pairs = list(zip(d.class_descriptors(), full.class_descriptors(), strict=True))
    assert all(a == b or a.startswith("<bad-string:") for a, b in pairs)
    assert sum(a == b for a, b in pairs) > len(pairs) // 2
    good = [s for s in d.strings() if not s.startswith("<bad-string:")]
    assert 0 < len(good) < d.string_count
    assert set(good) <= set(full.strings())


# ---------------------------------------------------------- malformed input


def _must_be_safe(blob: bytes | bytearray, seconds: float = 2.0) -> DiagnosticLog | None:
    """Either CorruptInput or every accessor works, within a time bound."""
    log = DiagnosticLog()
    t0 = time.perf_counter()
    try:
        d = DexFile(blob, "fuzz.dex", log)
        _exercise(d)
    except CorruptInput:
        return None
    finally:
        assert time.perf_counter() - t0 < seconds
    return log


def test_not_dex_and_short_input() -> None:
    for blob in (b"", b"dex\n", b"PK\x03\x04" * 40, bytes(200), SMALL_DEX[:0x6F]):
        with pytest.raises(CorruptInput):
            DexFile(blob)


def test_reverse_endian_rejected() -> None:
    with pytest.raises(CorruptInput, match="endian"):
        DexFile(patch_u32(SMALL_DEX, H_ENDIAN, 0x78563412))


def test_odd_endian_tag_and_version_are_diagnostics() -> None:
    log = DiagnosticLog()
    blob = bytearray(patch_u32(SMALL_DEX, H_ENDIAN, 0xDEADBEEF, checksum=False))
    blob[4:7] = b"099"
    d = DexFile(fix_checksum(blob), log=log)
    assert d.version == "099"
    assert {"dex.endian-tag", "dex.version"} <= set(codes(log))
    assert d.strings() == SMALL.strings


def test_checksum_mismatch_is_a_diagnostic() -> None:
    blob = bytearray(SMALL_DEX)
    blob[-1] ^= 0xFF  # top byte of the map_list's own offset: nothing read depends on it
    log = DiagnosticLog()
    d = DexFile(bytes(blob), log=log)
    assert not d.checksum_ok
    assert "dex.checksum" in codes(log)
    assert d.class_names() == [descriptor_to_java(c) for c in SMALL.class_order]


def test_huge_count_is_limit_exceeded_fast() -> None:
    for off in (H_STRING_IDS_SIZE, H_TYPE_IDS_SIZE, H_METHOD_IDS_SIZE, H_CLASS_DEFS_SIZE):
        t0 = time.perf_counter()
        with pytest.raises(LimitExceeded):
            DexFile(patch_u32(SMALL_DEX, off, 0xFFFFFFF0))
        assert time.perf_counter() - t0 < 0.1


def test_custom_limit() -> None:
    with pytest.raises(LimitExceeded):
        DexFile(SMALL_DEX, limits=Limits(max_dex_items=5))


def test_count_running_past_end_is_truncated() -> None:
    log = DiagnosticLog()
    d = DexFile(patch_u32(SMALL_DEX, H_CLASS_DEFS_SIZE, 1_000_000), log=log)
    assert "dex.table-truncated" in codes(log)
    assert 3 <= d.class_def_count < 1_000_000
    assert d.class_descriptors()[:3] == SMALL.class_order
    _exercise(d)


def test_table_outside_complete_file_is_corrupt() -> None:
    with pytest.raises(CorruptInput):
        DexFile(patch_u32(SMALL_DEX, H_STRING_IDS_OFF, len(SMALL_DEX) + 64))
    with pytest.raises(CorruptInput):
        DexFile(patch_u32(SMALL_DEX, H_TYPE_IDS_OFF, 8))  # inside the header


def test_file_size_larger_than_buffer() -> None:
    log = DiagnosticLog()
    d = DexFile(patch_u32(SMALL_DEX, H_FILE_SIZE, len(SMALL_DEX) + 4096), log=log)
    assert "dex.truncated" in codes(log)
    assert d.strings() == SMALL.strings


def test_map_problems_are_diagnostics() -> None:
    log = DiagnosticLog()
    DexFile(patch_u32(SMALL_DEX, H_MAP_OFF, 0), log=log)
    assert "dex.map" in codes(log)
    log = DiagnosticLog()
    DexFile(patch_u32(SMALL_DEX, H_MAP_OFF, 0x7FFFFFF0), log=log)
    assert "dex.map" in codes(log)
    # A header that disagrees with the map (count 1 smaller than the map's).
    log = DiagnosticLog()
    d = DexFile(patch_u32(SMALL_DEX, H_CLASS_DEFS_SIZE, 2), log=log)
    assert "dex.map-mismatch" in codes(log)
    assert d.class_descriptors() == SMALL.class_order[:2]


def test_duplicate_map_entry_is_a_diagnostic() -> None:
    blob = bytearray(SMALL_DEX)
    (map_off,) = struct.unpack_from("<I", blob, H_MAP_OFF)
    (count,) = struct.unpack_from("<I", blob, map_off)
    last = map_off + 4 + 12 * (count - 1)
    assert struct.unpack_from("<H", blob, last)[0] == 0x1000  # map_list itself
    struct.pack_into("<H", blob, last, 0x2002)  # a second string_data entry
    log = DiagnosticLog()
    d = DexFile(fix_checksum(blob), log=log)
    assert codes(log) == ["dex.map-mismatch"]
    assert "listed twice" in log.items[0].message
    assert d.strings() == SMALL.strings


def test_string_offset_beyond_file() -> None:
    victim = SMALL.strings.index("https://example.org/collect")
    blob = patch_u32(SMALL_DEX, SMALL.string_ids_off + 4 * victim, 0xFFFFFF00)
    log = DiagnosticLog()
    d = DexFile(blob, log=log)
    got = d.strings()
    assert got[victim] == f"<bad-string:{victim}>"
    assert got[:victim] + got[victim + 1 :] == SMALL.strings[:victim] + SMALL.strings[victim + 1 :]
    assert codes(log).count("dex.bad-string") == 1
    assert DexFile(blob).string(victim) == f"<bad-string:{victim}>"


def test_bad_offsets_do_not_flood_diagnostics() -> None:
    blob = bytearray(SMALL_DEX)
    for i in range(len(SMALL.strings)):
        struct.pack_into("<I", blob, SMALL.string_ids_off + 4 * i, 0xFFFF0000 + i)
    log = DiagnosticLog()
    d = DexFile(fix_checksum(blob), log=log)
    assert all(s.startswith("<bad-string:") for s in d.strings())
    assert codes(log).count("dex.bad-string") == 1
    _exercise(d)
    assert len(log) < 10


def test_type_pointing_past_strings() -> None:
    blob = patch_u32(SMALL_DEX, SMALL.type_ids_off, 0x00FFFFFF)
    log = DiagnosticLog()
    d = DexFile(blob, log=log)
    assert d.type_name(0) == f"<bad-string:{0x00FFFFFF}>"
    types = d.type_names()
    assert types[0] == f"<bad-string:{0x00FFFFFF}>"
    assert types[1:] == SMALL.types[1:]
    assert "dex.bad-index" in codes(log)
    _exercise(d)


def test_class_def_with_bad_or_array_type() -> None:
    blob = bytearray(SMALL_DEX)
    arr = SMALL.types.index("[B")
    struct.pack_into("<I", blob, SMALL.class_defs_off, arr)
    struct.pack_into("<I", blob, SMALL.class_defs_off + 32, 60000)
    log = DiagnosticLog()
    d = DexFile(fix_checksum(blob), log=log)
    descs = d.class_descriptors()
    assert descs[:2] == ["[B", "<bad-type:60000>"]
    assert d.class_names() == [descriptor_to_java(SMALL.class_order[2])]
    assert {"dex.bad-index", "dex.class-def-not-class"} <= set(codes(log))


def test_bad_proto_and_type_list() -> None:
    blob = bytearray(SMALL_DEX)
    send = next(i for i, p in enumerate(SMALL.protos) if p[1])
    struct.pack_into("<I", blob, SMALL.proto_ids_off + 12 * send + 8, 0x7FFFFFF0)
    # Method 0 now points at a proto index that does not exist.
    struct.pack_into("<H", blob, SMALL.method_ids_off + 2, 999)
    log = DiagnosticLog()
    d = DexFile(fix_checksum(blob), log=log)
    refs = d.method_refs()
    assert refs[0][2] == "<bad-proto:999>"
    sigs = {r[2] for r in refs}
    assert any("<bad-type-list:0x7ffffff0>" in s for s in sigs)
    assert {"dex.bad-type-list", "dex.bad-index"} <= set(codes(log))


@pytest.mark.parametrize("nul_every", [0, 60_000])
@pytest.mark.parametrize("order", ["ascending", "descending"])
def test_forged_overlapping_strings_are_bounded(order: str, nul_every: int) -> None:
    """Many ids pointing into one long NUL-free run.

    A NUL search or a copy per string is quadratic here (~10^11 bytes, tens
    of seconds); the linear paths take well under a second.
    both orders matter because they take different decoding paths, and
    NULs every 60 KB keep each string short enough for single lookups to
    find its end nearby (so only a total budget bounds them).
    """
    n_ids = 400_000
    run = 2 << 20
    head = bytearray(0x70)
    ids_off = 0x70
    data_off = ids_off + 4 * n_ids
    size = data_off + run + 1
    struct.pack_into(
        "<8sI20s20I", head, 0, b"dex\n035\0", 0, bytes(20), size, 0x70, 0x12345678,
        0, 0, 0, n_ids, ids_off, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, run + 1, data_off,
    )
    offs = [data_off + run - 2 - 4 * i for i in range(n_ids)]
    if order == "ascending":
        offs.reverse()
    text = bytearray(b"\x01" + b"A" * (run - 1) + b"\0")
    if nul_every:
        text[nul_every::nul_every] = b"\0" * len(text[nul_every::nul_every])
    blob = bytes(head) + struct.pack(f"<{n_ids}I", *offs) + bytes(text)
    log = DiagnosticLog()
    t0 = time.perf_counter()
    d = DexFile(blob, log=log)
    got = d.strings()
    assert time.perf_counter() - t0 < 3
    assert len(got) == n_ids
    decoded = [g for g in got if not g.startswith("<bad-string:")]
    assert decoded and all(set(g) <= {"A"} for g in decoded)
    assert "dex.string-budget" in codes(log)
    t0 = time.perf_counter()
    lazy = DexFile(blob)
    for i in range(n_ids):
        lazy.string(i)
    assert time.perf_counter() - t0 < 3


def test_truncation_of_synthetic_at_every_offset() -> None:
    for cut in range(len(SMALL_DEX)):
        log = _must_be_safe(SMALL_DEX[:cut])
        if log is not None:
            assert len(log) > 0, cut  # a truncated file never passes silently


@pytest.mark.parametrize("case", _corpus_param([c for c in ("apk/androguard/classes.dex", "sdk/android/jiguang/jverification-rn-module-classes.dex") if CORPUS]))
def test_truncation_of_real_dex(case: str) -> None:
    raw = _load(case)
    cuts = sorted(set(range(0, 0x100)) | set(range(0, len(raw), max(1, len(raw) // 150))))
    survived = 0
    for cut in cuts:
        log = _must_be_safe(raw[:cut])
        if log is not None:
            survived += 1
            assert "dex.truncated" in codes(log), cut
    assert survived > 0  # cuts inside the data section still yield partial results


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(SMALL_DEX) - 1), st.integers(0, 255)), min_size=1, max_size=12))
def test_fuzz_byte_patches(patches: list[tuple[int, int]]) -> None:
    blob = bytearray(SMALL_DEX)
    for off, val in patches:
        blob[off] = val
    _must_be_safe(blob)


_INTERESTING = st.sampled_from([0, 1, 2, 0x6F, 0x70, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, len(SMALL_DEX), len(SMALL_DEX) - 1])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(8, 27), st.one_of(_INTERESTING, st.integers(0, 0xFFFFFFFF))),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_header_words(patches: list[tuple[int, int]]) -> None:
    blob = bytearray(SMALL_DEX)
    for word, val in patches:
        struct.pack_into("<I", blob, 4 * word, val)
    _must_be_safe(blob)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=600))
def test_fuzz_random_bytes_with_magic(tail: bytes) -> None:
    _must_be_safe(b"dex\n035\0" + tail)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=300))
def test_random_bytes_are_not_dex(blob: bytes) -> None:
    if not is_dex(blob):
        with pytest.raises(CorruptInput):
            DexFile(blob)


# ------------------------------------------------------------------ speed


@pytest.mark.parametrize("case", _corpus_param([c for c in ("apk/androguard/Annotation_classes.dex",) if CORPUS]))
def test_speed_real_dex(case: str) -> None:
    """2.6 MB DEX: strings + classes + method refs well under a second."""
    raw = _load(case)
    t0 = time.perf_counter()
    d = DexFile(raw)
    d.strings()
    d.class_names()
    d.method_refs()
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.slow
def test_speed_large_apk() -> None:
    """Benchmark APK from fetch-large.sh; set DATATRAIL_LARGE to its directory."""
    folder = os.environ.get("DATATRAIL_LARGE")
    apk = Path(folder or "/nonexistent") / "appium-uiautomator2-server-v10.6.6.apk"
    if not apk.is_file():
        pytest.skip("set DATATRAIL_LARGE to the fetch-large.sh directory to run the benchmark")
    with zipfile.ZipFile(apk) as z:
        blobs = [z.read(n) for n in z.namelist() if re.fullmatch(r"classes\d*\.dex", n)]
    t0 = time.perf_counter()
    dexes = [DexFile(b) for b in blobs]
    for d in dexes:
        d.strings()
        d.class_names()
    t1 = time.perf_counter()
    for d in dexes:
        d.method_refs()
    t2 = time.perf_counter()
    print(f"{len(blobs)} dex, {sum(map(len, blobs)) / 1e6:.1f} MB: strings+classes {t1 - t0:.3f}s, method_refs {t2 - t1:.3f}s")
    assert t1 - t0 < 1.0
