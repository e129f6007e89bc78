"""Class-file constant-pool reader: corpus JARs/AARs against javap, synthetic pools, hostile input."""

from __future__ import annotations

import io
import os
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

from datatrail.errors import CorruptInput
from datatrail.formats.android.classfile import ClassFile, decode_modified_utf8, is_class_file, parse_class
from datatrail.model.diagnostic import DiagnosticLog, Level
from tests.support.corpus import CORPUS

needs_corpus = pytest.mark.skipif(CORPUS is None, reason="test corpus not found (set DATATRAIL_CORPUS)")
needs_javap = pytest.mark.skipif(shutil.which("javap") is None, reason="javap (JDK) not on PATH")
needs_javac = pytest.mark.skipif(shutil.which("javac") is None, reason="javac (JDK) not on PATH")

# A spread of SDKs: Java 5..8 bytecode, obfuscated names, CJK string literals, AARs.
ARCHIVES = [
    "sdk/android/adjust/adjust-android.jar",
    "sdk/android/umeng/umeng-analytics-v6.0.1.jar",
    "sdk/android/tencent/qq_sdk_v3.3.5.jar",
    "sdk/android/tencent/wechat-sdk-android-without-mta-5.4.3.jar",
    "sdk/android/baidu/BaiduLBS_Android-geolocation.jar",
    "sdk/android/jiguang/jcore-android-5.3.0.aar",
    "sdk/android/sina-weibo/openDefault-4.4.1.aar",
]


def _class_jar(path: Path) -> zipfile.ZipFile:
    """The archive holding the .class files: the JAR itself, or classes.jar inside an AAR."""
    z = zipfile.ZipFile(path)
    if path.suffix == ".aar":
        return zipfile.ZipFile(io.BytesIO(z.read("classes.jar")))
    return z


def _class_entries(z: zipfile.ZipFile) -> list[str]:
    return sorted(n for n in z.namelist() if n.endswith(".class"))


def _expected_entry(cf: ClassFile) -> str:
    return cf.name.replace(".", "/") + ".class"


# --- javap -v as the oracle -------------------------------------------------


def javap_escape(text: str) -> str:
    """How javap -v prints a Utf8 constant (observed on JDK 17's javap).

    Backslash, both quotes and \\b\\f\\n\\r\\t get a backslash; other ISO
    control characters become \\uXXXX; everything else is printed as is, and
    a lone surrogate comes out as '?', which is where we put U+FFFD.
    """
    simple = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for ch in text:
        if ch in simple:
            out.append(simple[ch])
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F:
            out.append(f"\\u{ord(ch):04x}")
        elif ch == "\ufffd":
            out.append("?")
        else:
            out.append(ch)
    # javap's line printer drops trailing blanks.
    return "".join(out).rstrip()


_POOL_LINE = re.compile(r"^\s*#(\d+) = (\w+)")
_REFS = re.compile(r"#(\d+)(?:[.:]#(\d+))?")


class JavapClass:
    """The facts javap -v states about one class, resolved from its own constant pool."""

    def __init__(self, lines: list[str]) -> None:
        self.pool: dict[int, tuple[str, str]] = {}
        self.this_idx = self.super_idx = -1
        self.n_interfaces = -1
        self.major = -1
        in_pool = False
        for line in lines:
            if line.startswith("Constant pool:"):
                in_pool = True
                continue
            if in_pool:
                m = _POOL_LINE.match(line)
                if not m:
                    in_pool = False
                else:
                    # javap pads the tag name to 19 columns after "= ".
                    col = line.index("= ") + 2 + 19
                    self.pool[int(m.group(1))] = (m.group(2), line[col:].rstrip() if len(line) > col else "")
                    continue
            s = line.strip()
            if s.startswith("major version:"):
                self.major = int(s.split(":")[1])
            elif s.startswith("this_class: #"):
                self.this_idx = int(s.split("#")[1].split()[0])
            elif s.startswith("super_class: #"):
                self.super_idx = int(s.split("#")[1].split()[0])
            elif s.startswith("interfaces:"):
                self.n_interfaces = int(s.split(",")[0].split(":")[1])

    def utf8(self, idx: int) -> str:
        tag, text = self.pool[idx]
        assert tag == "Utf8"
        return text

    def refs(self, idx: int) -> tuple[int, int | None]:
        m = _REFS.match(self.pool[idx][1])
        assert m, self.pool[idx]
        return int(m.group(1)), int(m.group(2)) if m.group(2) else None

    def class_name(self, idx: int) -> str:
        assert self.pool[idx][0] == "Class"
        return self.utf8(self.refs(idx)[0])

    def ordered(self, tags: tuple[str, ...]) -> list[int]:
        return [i for i in sorted(self.pool) if self.pool[i][0] in tags]


def _dotted_escaped(internal_escaped: str) -> str:
    return internal_escaped if internal_escaped.startswith("[") else internal_escaped.replace("/", ".")


def _dedup(items: list) -> list:
    return list(dict.fromkeys(items))


def run_javap(targets: list[str]) -> dict[str, JavapClass]:
    """javap -v on class-file URLs/paths; returns sections keyed by the path after '!/' or the file."""
    out = subprocess.run(
        ["javap", "-J-Dfile.encoding=UTF-8", "-J-Dstdout.encoding=UTF-8", "-v", *targets],
        capture_output=True,
        timeout=300,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert out.returncode == 0, out.stderr.decode("utf-8", "replace")[-2000:]
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("Classfile "):
            where = line[len("Classfile ") :].strip()
            current = sections.setdefault(where.split("!/", 1)[-1], [])
        current.append(line)
    return {k: JavapClass(v) for k, v in sections.items()}


def assert_matches_javap(cf: ClassFile, jp: JavapClass, what: str) -> None:
    assert cf.major_version == jp.major, what
    assert javap_escape(cf.name) == _dotted_escaped(jp.class_name(jp.this_idx)), what
    if jp.super_idx == 0:
        assert cf.super_name is None, what
    else:
        assert cf.super_name is not None and javap_escape(cf.super_name) == _dotted_escaped(jp.class_name(jp.super_idx)), what
    assert len(cf.interfaces) == jp.n_interfaces, what

    want_strings = _dedup([jp.utf8(jp.refs(i)[0]) for i in jp.ordered(("String",))])
    assert _dedup([javap_escape(s) for s in cf.strings]) == want_strings, what

    want_classes = _dedup([_dotted_escaped(jp.class_name(i)) for i in jp.ordered(("Class",))])
    assert _dedup([javap_escape(c) for c in cf.class_refs]) == want_classes, what
    for iface in cf.interfaces:
        assert iface in cf.class_refs, what

    def members(tags: tuple[str, ...]) -> list[tuple[str, str, str]]:
        result = []
        for i in jp.ordered(tags):
            owner, nat = jp.refs(i)
            assert nat is not None
            name_idx, type_idx = jp.refs(nat)
            assert type_idx is not None
            result.append((_dotted_escaped(jp.class_name(owner)), jp.utf8(name_idx), jp.utf8(type_idx)))
        return _dedup(result)

    def escaped(refs: tuple[tuple[str, str, str], ...]) -> list[tuple[str, str, str]]:
        return _dedup([tuple(javap_escape(p) for p in r) for r in refs])  # type: ignore[misc]

    assert escaped(cf.method_refs) == members(("Methodref", "InterfaceMethodref")), what
    assert escaped(cf.field_refs) == members(("Fieldref",)), what


# --- corpus ---------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("archive", ARCHIVES)
def test_every_class_parses_and_is_named_like_its_entry(archive: str) -> None:
    assert CORPUS is not None
    z = _class_jar(CORPUS / archive)
    entries = _class_entries(z)
    assert len(entries) > 20
    log = DiagnosticLog()
    names = set()
    for entry in entries:
        data = z.read(entry)
        assert is_class_file(data), entry
        cf = parse_class(data, entry, log)
        # The JVM loads a class by the path derived from its name, so the two agree.
        logical = re.sub(r"^META-INF/versions/\d+/", "", entry)
        assert _expected_entry(cf) == logical, entry
        assert cf.name in cf.class_refs
        assert 45 <= cf.major_version <= 65
        names.add(cf.name)
    assert len(names) == len(entries)
    assert not [d for d in log.items if d.severity is Level.ERROR]


def _sample(entries: list[str], size: int) -> list[str]:
    step = max(1, len(entries) // size)
    return entries[::step][:size]


@needs_corpus
@needs_javap
@pytest.mark.parametrize("archive", ARCHIVES)
def test_sample_matches_javap(archive: str, tmp_path: Path) -> None:
    assert CORPUS is not None
    path = CORPUS / archive
    if path.suffix == ".aar":
        jar = tmp_path / "classes.jar"
        jar.write_bytes(zipfile.ZipFile(path).read("classes.jar"))
    else:
        jar = path
    z = zipfile.ZipFile(jar)
    entries = _class_entries(z)
    chosen = _sample(entries, 25)
    # Add classes whose literals are not plain ASCII: escaping and UTF-8 paths.
    log = DiagnosticLog()
    for entry in entries:
        cf = parse_class(z.read(entry), entry, log)
        if any(not s.isascii() or not s.isprintable() for s in cf.strings) and entry not in chosen:
            chosen.append(entry)
            if len(chosen) >= 32:
                break
    oracle = run_javap([f"jar:{jar.resolve().as_uri()}!/{e}" for e in chosen])
    assert set(oracle) == set(chosen)
    for entry in chosen:
        cf = parse_class(z.read(entry), entry, DiagnosticLog())
        assert_matches_javap(cf, oracle[entry], f"{archive}!/{entry}")


@needs_corpus
def test_jar_wrapping_dex_has_no_class_files() -> None:
    assert CORPUS is not None
    z = zipfile.ZipFile(CORPUS / "apk" / "androguard" / "OPCommonTelephony.jar")
    assert not _class_entries(z)
    dex = z.read("classes.dex")
    assert not is_class_file(dex)
    with pytest.raises(CorruptInput, match="not a class file"):
        parse_class(dex, "classes.dex", DiagnosticLog())


# --- javac-built classes: Java 17 constants and tricky strings ------------------

TRICKY = r"""
import java.util.function.Supplier;
public class Tricky implements Runnable, java.io.Serializable {
    static final String[] S = {"a\rb", "nul\0x", "\u0001ctl", "\"q\"", "back\\slash", "emoji\uD83D\uDE00",
        "lone\uD800x", "x  ", "  y", "tab\there", "nl\nx", "\u00e9", "", "\u0080\u07ff\u0800\uffff", "b\bf\f'"};
    long l = 123456789012L; double d = 1.5; float f = 2.5f; int i = 100000;
    interface Shape { double area(); }
    public void run() {
        Supplier<String> s = () -> "lambda" + S.length;
        System.out.println(s.get() + l + d + f + i);
        String[][] a = new String[2][]; Object o = a.clone();
        Shape sh = () -> 1.0; sh.area();
    }
}
"""

MODULE_INFO = """
module demo.mod { requires java.logging; exports demo.pkg; opens demo.pkg; uses java.lang.Runnable; }
"""
MODULE_PKG = "package demo.pkg; public class A { }"


@needs_javac
@needs_javap
def test_javac_output_matches_javap(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "demo" / "pkg").mkdir(parents=True)
    (src / "Tricky.java").write_text(TRICKY, encoding="utf-8")
    out = tmp_path / "out"
    subprocess.run(["javac", "-encoding", "UTF-8", "--release", "17", "-d", str(out), str(src / "Tricky.java")], check=True, timeout=300)
    mod = tmp_path / "mod"
    (mod / "demo" / "pkg").mkdir(parents=True)
    (mod / "module-info.java").write_text(MODULE_INFO, encoding="utf-8")
    (mod / "demo" / "pkg" / "A.java").write_text(MODULE_PKG, encoding="utf-8")
    modout = tmp_path / "modout"
    subprocess.run(
        ["javac", "--release", "17", "-d", str(modout), str(mod / "module-info.java"), str(mod / "demo" / "pkg" / "A.java")],
        check=True,
        timeout=300,
    )
    files = sorted(out.glob("*.class")) + [modout / "module-info.class"]
    oracle = run_javap([str(f) for f in files])
    for f in files:
        key = next(k for k in oracle if k.endswith(f.name))
        log = DiagnosticLog()
        cf = parse_class(f.read_bytes(), f.name, log)
        assert_matches_javap(cf, oracle[key], f.name)

    tricky = parse_class((out / "Tricky.class").read_bytes(), "Tricky.class", (log := DiagnosticLog()))
    assert tricky.major_version == 61
    assert tricky.interfaces == ("java.lang.Runnable", "java.io.Serializable")
    assert tricky.super_name == "java.lang.Object"
    # C0 80 NULs and a surrogate pair decoded to real characters ...
    assert "nul\x00x" in tricky.strings
    assert "emoji\U0001F600" in tricky.strings
    assert "\u0080\u07ff\u0800\uffff" in tricky.strings
    # ... and javac's lone surrogate becomes U+FFFD, with a diagnostic.
    assert "lone\ufffdx" in tricky.strings
    assert [d.code for d in log.items] == ["classfile.bad-utf8"]
    assert "[[Ljava.lang.String;" not in tricky.class_refs
    assert "[[Ljava/lang/String;" in tricky.class_refs
    assert ("[[Ljava/lang/String;", "clone", "()Ljava/lang/Object;") in tricky.method_refs
    assert ("Tricky$Shape", "area", "()D") in tricky.method_refs  # an InterfaceMethodref
    assert ("Tricky", "l", "J") in tricky.field_refs

    module = parse_class((modout / "module-info.class").read_bytes(), "module-info.class", DiagnosticLog())
    assert module.name == "module-info"
    assert module.super_name is None


# --- synthetic class files: every constant type, exact layout --------------------


class PoolBuilder:
    """Writes class files by hand so tests control every byte."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []
        self.next_index = 1

    def _add(self, raw: bytes, slots: int = 1) -> int:
        idx = self.next_index
        self.entries.append(raw)
        self.next_index += slots
        return idx

    def utf8(self, text: str | bytes) -> int:
        raw = text if isinstance(text, bytes) else text.encode("utf-8")
        return self._add(b"\x01" + struct.pack(">H", len(raw)) + raw)

    def u2(self, tag: int, a: int) -> int:
        return self._add(struct.pack(">BH", tag, a))

    def u2u2(self, tag: int, a: int, b: int) -> int:
        return self._add(struct.pack(">BHH", tag, a, b))

    def cls(self, name: str) -> int:
        return self.u2(7, self.utf8(name))

    def nat(self, name: str, desc: str) -> int:
        return self.u2u2(12, self.utf8(name), self.utf8(desc))

    def build(self, this: int, sup: int, ifaces: tuple[int, ...] = (), major: int = 65, tail: bytes = b"") -> bytes:
        head = struct.pack(">IHHH", 0xCAFEBABE, 0, major, self.next_index)
        body = struct.pack(">HHHH", 0x21, this, sup, len(ifaces)) + b"".join(struct.pack(">H", i) for i in ifaces)
        return head + b"".join(self.entries) + body + tail


def synthetic_class() -> tuple[bytes, dict[str, int]]:
    b = PoolBuilder()
    marks: dict[str, int] = {}
    this = b.cls("com/example/Demo")
    sup = b.cls("java/lang/Object")
    iface = b.cls("java/lang/Runnable")
    b.u2(8, b.utf8("hello"))  # String
    b._add(b"\x05" + struct.pack(">q", -1), slots=2)  # Long: two slots
    b.u2(8, b.utf8("after long"))
    b._add(b"\x06" + struct.pack(">d", 2.5), slots=2)  # Double: two slots
    b._add(b"\x03" + struct.pack(">i", 7))  # Integer
    b._add(b"\x04" + struct.pack(">f", 1.0))  # Float
    marks["nat"] = nat = b.nat("run", "()V")
    b.u2u2(10, sup, b.nat("<init>", "()V"))  # Methodref
    b.u2u2(11, iface, nat)  # InterfaceMethodref
    b.u2u2(9, this, b.nat("count", "I"))  # Fieldref
    arr = b.cls("[Ljava/lang/String;")
    b.u2u2(10, arr, b.nat("clone", "()Ljava/lang/Object;"))
    marks["mh"] = b._add(struct.pack(">BBH", 15, 6, 12))  # MethodHandle REF_invokeStatic -> #12
    b.u2(16, b.utf8("()V"))  # MethodType
    b.u2u2(17, 0, b.nat("CONST", "Ljava/lang/Object;"))  # Dynamic (condy)
    b.u2u2(18, 0, nat)  # InvokeDynamic
    b.u2(19, b.utf8("demo.mod"))  # Module
    b.u2(20, b.utf8("demo/pkg"))  # Package
    b.u2(8, b.utf8(b"nul\xc0\x80 pair\xed\xa0\xbd\xed\xb8\x80"))  # modified UTF-8
    b.u2(8, b.utf8("hello"))  # duplicate literal: reported once
    data = b.build(this, sup, (iface,), tail=b"\x00\x00" * 3)
    return data, marks


def test_synthetic_class_with_every_constant_type() -> None:
    data, _ = synthetic_class()
    log = DiagnosticLog()
    cf = parse_class(data, "Demo.class", log)
    assert log.items == []
    assert cf == ClassFile(
        name="com.example.Demo",
        super_name="java.lang.Object",
        interfaces=("java.lang.Runnable",),
        major_version=65,
        strings=("hello", "after long", "nul\x00 pair\U0001F600"),
        class_refs=("com.example.Demo", "java.lang.Object", "java.lang.Runnable", "[Ljava/lang/String;"),
        method_refs=(
            ("java.lang.Object", "<init>", "()V"),
            ("java.lang.Runnable", "run", "()V"),
            ("[Ljava/lang/String;", "clone", "()Ljava/lang/Object;"),
        ),
        field_refs=(("com.example.Demo", "count", "I"),),
    )
    assert is_class_file(data)


def test_reference_into_the_second_slot_of_a_long_is_reported() -> None:
    b = PoolBuilder()
    this = b.cls("A")
    long_idx = b._add(b"\x05" + b"\x00" * 8, slots=2)
    b.u2(8, long_idx + 1)  # String pointing at the unusable slot
    b.u2(8, 999)  # and one pointing past the pool
    log = DiagnosticLog()
    cf = parse_class(b.build(this, 0), "A.class", log)
    assert cf.strings == ()
    assert cf.super_name is None
    assert [d.code for d in log.items] == ["classfile.bad-reference"]
    assert "2 constant-pool references" in log.items[0].message


def test_long_as_last_entry_is_reported_not_fatal() -> None:
    b = PoolBuilder()
    this = b.cls("A")
    b.entries.append(b"\x05" + b"\x00" * 8)
    b.next_index += 1  # the count claims only one slot for it
    log = DiagnosticLog()
    assert parse_class(b.build(this, 0), "A.class", log).name == "A"
    assert [d.code for d in log.items] == ["classfile.wide-constant-at-end"]


def test_bad_this_class_is_fatal_bad_super_and_interface_are_not() -> None:
    b = PoolBuilder()
    u = b.utf8("A")
    this = b.u2(7, u)
    log = DiagnosticLog()
    cf = parse_class(b.build(this, u, (u, 77)), "A.class", log)
    assert cf.super_name is None and cf.interfaces == ()
    assert {d.code for d in log.items} == {"classfile.bad-super", "classfile.bad-interface", "classfile.bad-reference"}
    with pytest.raises(CorruptInput, match="this_class"):
        parse_class(b.build(u, 0), "A.class", DiagnosticLog())


# --- modified UTF-8 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, text, clean",
    [
        (b"plain", "plain", True),
        (b"a\xc0\x80b", "a\x00b", True),
        (b"\xc3\xa9", "\u00e9", True),
        (b"\xed\xa0\xbd\xed\xb8\x80", "\U0001F600", True),  # surrogate pair -> one character
        (b"\xed\xa0\x80x", "\ufffdx", False),  # lone high surrogate
        (b"x\xed\xb0\x80", "x\ufffd", False),  # lone low surrogate
        (b"a\x00b", "a\x00b", False),  # raw NUL is not allowed in modified UTF-8
        (b"\xff\xfe", "\ufffd\ufffd", False),
        (b"\xe4\xb8", "\ufffd\ufffd", False),  # truncated 3-byte sequence
        (b"\xf0\x9f\x98\x80", "\U0001F600", False),  # 4-byte form: UTF-8, not modified UTF-8
        (b"\xed\xa0\xbd\xff", "\ufffd\ufffd", False),  # broken after a high surrogate
    ],
)
def test_modified_utf8_cases(raw: bytes, text: str, clean: bool) -> None:
    assert decode_modified_utf8(raw) == (text, clean)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_modified_utf8_matches_mutf8_package(text: str) -> None:
    mutf8 = pytest.importorskip("mutf8")
    raw = mutf8.encode_modified_utf8(text)
    assert decode_modified_utf8(raw) == (text, True)
    assert mutf8.decode_modified_utf8(raw) == text


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64))
def test_modified_utf8_never_fails_and_never_leaks_surrogates(raw: bytes) -> None:
    text, _clean = decode_modified_utf8(raw)
    text.encode("utf-8")  # would raise on a lone surrogate


# --- hostile input ------------------------------------------------------------------


def test_truncation_at_every_offset() -> None:
    data, _ = synthetic_class()
    full = parse_class(data, "Demo.class", DiagnosticLog())
    header_end = len(data) - 6  # after the one interface; the tail is three empty counts
    for cut in range(len(data)):
        log = DiagnosticLog()
        try:
            cf = parse_class(data[:cut], "Demo.class", log)
        except CorruptInput:
            assert cut < header_end, cut
            continue
        # Cut inside the interface table: everything but the interface, reported.
        assert cut >= header_end - 2, cut
        assert cf.name == full.name and cf.strings == full.strings
        if cut < header_end:
            assert cf.interfaces == () and log.items[0].code == "classfile.truncated-interfaces"
        else:
            assert cf == full and not log.items


@needs_corpus
def test_truncation_at_every_offset_of_a_real_class() -> None:
    assert CORPUS is not None
    z = _class_jar(CORPUS / ARCHIVES[0])
    entry = min(_class_entries(z), key=lambda e: z.getinfo(e).file_size)
    data = z.read(entry)
    full = parse_class(data, entry, DiagnosticLog())
    outcomes = set()
    for cut in range(len(data)):
        try:
            cf = parse_class(data[:cut], entry, DiagnosticLog())
            assert cf.name == full.name
            outcomes.add("ok")
        except CorruptInput:
            outcomes.add("corrupt")
    assert outcomes == {"ok", "corrupt"}


@pytest.mark.parametrize("tag", [0, 2, 13, 14, 21, 99, 255])
def test_bogus_constant_tag(tag: int) -> None:
    data, _ = synthetic_class()
    b = bytearray(data)
    b[10] = tag  # first entry's tag
    with pytest.raises(CorruptInput, match=f"tag {tag}"):
        parse_class(bytes(b), "Demo.class", DiagnosticLog())


@pytest.mark.parametrize("count", [0xFFFF, 0x8000, 1000])
def test_huge_constant_pool_count_is_rejected_up_front(count: int) -> None:
    data, _ = synthetic_class()
    b = bytearray(data)
    struct.pack_into(">H", b, 8, count)
    start = time.monotonic()
    with pytest.raises(CorruptInput):
        parse_class(bytes(b[:200]), "Demo.class", DiagnosticLog())
    assert time.monotonic() - start < 0.5


def test_zero_pool_count_and_short_and_wrong_magic() -> None:
    data, _ = synthetic_class()
    b = bytearray(data)
    struct.pack_into(">H", b, 8, 0)
    with pytest.raises(CorruptInput, match="constant_pool_count is 0"):
        parse_class(bytes(b), "x", DiagnosticLog())
    with pytest.raises(CorruptInput, match="too short"):
        parse_class(b"\xca\xfe\xba\xbe", "x", DiagnosticLog())
    with pytest.raises(CorruptInput, match="magic"):
        parse_class(b"PK\x03\x04" + data[4:], "x", DiagnosticLog())


def test_is_class_file() -> None:
    data, _ = synthetic_class()
    assert is_class_file(data)
    assert is_class_file(memoryview(data))
    assert not is_class_file(data[:9])
    assert not is_class_file(b"dex\n035\x00" + b"\x00" * 100)
    # A universal (fat) Mach-O binary shares the magic; its next word is a small arch count.
    assert not is_class_file(b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\x00" * 40)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 255))
def test_byte_flips_only_raise_corrupt_input(pos: int, value: int) -> None:
    data, _ = synthetic_class()
    b = bytearray(data)
    b[pos % len(b)] = value
    start = time.monotonic()
    try:
        parse_class(bytes(b), "Demo.class", DiagnosticLog())
    except CorruptInput:
        pass
    assert time.monotonic() - start < 0.5


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=300))
def test_random_bodies_behind_a_valid_header(body: bytes) -> None:
    try:
        parse_class(b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + body, "r.class", DiagnosticLog())
    except CorruptInput:
        pass
