"""aapt2 protobuf resource table (App Bundle resources.pb): corpus bundle vs its APK,
aapt2 (dump and proto->binary convert), protoc; synthetic tables; damage."""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
import time
import tracemalloc
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datatrail.errors import CorruptInput
from datatrail.formats.android.aab_manifest import parse_proto_xml
from datatrail.formats.android.aab_resources import ProtoResourceTable, RenderedValue, describe_proto_config
from datatrail.formats.android.arsc import (
    TYPE_ATTRIBUTE,
    TYPE_DIMENSION,
    TYPE_DYNAMIC_REFERENCE,
    TYPE_FLOAT,
    TYPE_FRACTION,
    TYPE_INT_BOOLEAN,
    TYPE_INT_COLOR_ARGB4,
    TYPE_INT_COLOR_ARGB8,
    TYPE_INT_COLOR_RGB4,
    TYPE_INT_COLOR_RGB8,
    TYPE_INT_DEC,
    TYPE_INT_HEX,
    TYPE_NULL,
    TYPE_REFERENCE,
    TYPE_STRING,
    ResourceTable,
    ResValue,
)
from datatrail.formats.common.xmltree import ANDROID_NS
from datatrail.limits import Limits
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import CORPUS, corpus_dir

A = "{" + ANDROID_NS + "}"
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="test corpus not available (set DATATRAIL_CORPUS)")
needs_aapt = pytest.mark.skipif(shutil.which("aapt") is None, reason="aapt not installed")
needs_aapt2 = pytest.mark.skipif(shutil.which("aapt2") is None, reason="aapt2 not installed")
needs_protoc = pytest.mark.skipif(shutil.which("protoc") is None, reason="protoc not installed")

APP_NAME = 0x7F0F001B  # string/app_name in the corpus bundle (aapt2 dump resources)


def _aab() -> Path:
    path = corpus_dir() / "apk" / "app-info" / "android.aab"
    if not path.is_file():
        pytest.skip("corpus android.aab not available")
    return path


def _apk() -> Path:
    path = corpus_dir() / "apk" / "app-info" / "android.apk"
    if not path.is_file():
        pytest.skip("corpus android.apk not available")
    return path


@lru_cache(maxsize=None)
def _bundle_file(name: str) -> bytes:
    return zipfile.ZipFile(_aab()).read(name)


def _resources_pb() -> bytes:
    return _bundle_file("base/resources.pb")


@lru_cache(maxsize=1)
def _corpus_table() -> ProtoResourceTable:
    log = DiagnosticLog()
    table = ProtoResourceTable.parse(_resources_pb(), log)
    assert log.items == []
    return table


def _normal(values: list[tuple[str, ResValue]]) -> list[tuple[str, int, object]]:
    """Values comparable across tables: a string by its text (pool indices differ)."""
    return sorted((c, v.type, v.string if v.type == TYPE_STRING else v.data) for c, v in values)


def _proto_apk(tmp_path: Path, manifest: bytes, table: bytes, files: dict[str, bytes] | None = None) -> Path:
    """A proto-format APK, as ``bundletool`` lays a module out, that aapt2 can read."""
    out = tmp_path / "proto.apk"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("AndroidManifest.xml", manifest)
        z.writestr("resources.pb", table)
        for name, data in (files or {}).items():
            z.writestr(name, data)
    return out


def _aapt2_binary_table(tmp_path: Path, proto_apk: Path) -> ResourceTable:
    """aapt2's own proto -> binary conversion, read back with the arsc reader."""
    out = tmp_path / "binary.apk"
    subprocess.run(["aapt2", "convert", "--output-format", "binary", "-o", str(out), str(proto_apk)],
                   check=True, capture_output=True, timeout=120)
    log = DiagnosticLog()
    table = ResourceTable.parse(zipfile.ZipFile(out).read("resources.arsc"), log)
    assert log.items == []
    return table


# =========================================================================== corpus bundle
#
# Expected values below were read with `aapt2 dump resources` on a proto APK made
# from the bundle's base module, `protoc --decode_raw` on base/resources.pb, and
# `aapt dump badging` on apk/app-info/android.apk (the same app and build). The
# live tests further down repeat those comparisons whenever the tools are installed.


@needs_corpus
def test_corpus_table_facts() -> None:
    t = _corpus_table()
    assert t.packages == {0x7F: "com.icyleaf.appinfodemo"}
    assert len(t.resource_ids()) == 3371
    assert t.entry_name(APP_NAME) == "string/app_name"
    assert t.values(APP_NAME) == [("default", "AppInfoDemo"), ("zh-rCN", "AppInfo演示")]
    assert t.resolve(APP_NAME) == "AppInfoDemo"
    assert t.entry_name(0x7F040000) == "bool/abc_action_bar_embed_tabs"
    assert t.values(0x7F040000) == [("default", True), ("port", False)]
    assert t.values(0x7F090007) == [("default", 2), ("sw600dp", 1)]  # integer/design_snackbar_text_max_lines
    assert type(t.resolve(0x7F090007)) is int
    assert t.entry_name(0x7F120000) == "xml/standalone_badge"
    assert t.resolve(0x7F120000) == "res/xml/standalone_badge.xml"
    assert t.entry_name(0x7F010000) == "anim/abc_fade_in"
    assert t.resolve(0x7F010000) == "res/anim/abc_fade_in.xml"
    # Locale qualifiers named the way aapt names them.
    configs = {c for rid in t.resource_ids() for c, _ in t.values(rid)}
    assert {"b+sr+Latn", "es-r419", "fr-rCA", "en-rXC", "night", "ldrtl-xxxhdpi-v17", "anydpi-v26"} <= configs
    # Entries of a missing id, another type, another package.
    assert t.entry_name(0x7F0F7FFF) is None and t.values(0x7F0F7FFF) == [] and t.resolve(0x7F0F7FFF) is None
    assert t.entry_name(0x01040000) is None and t.type_name(0x7F0F0000) == "string"
    assert t.entry_name(-1) is None and t.entry_name(1 << 40) is None


@needs_corpus
def test_app_label_resolves_to_what_aapt_badging_prints() -> None:
    manifest = parse_proto_xml(_bundle_file("base/manifest/AndroidManifest.xml"), DiagnosticLog())
    (app,) = manifest.findall("application")
    label = app.attrs[A + "label"]
    assert label == f"@0x{APP_NAME:08x}"
    t = _corpus_table()
    assert t.resolve(int(str(label)[1:], 16)) == "AppInfoDemo"
    # The launcher icon: no default configuration, so the first one, as arsc does.
    assert t.resolve(int(str(app.attrs[A + "icon"])[1:], 16)) == "res/mipmap-mdpi-v4/ic_launcher.webp"
    assert t.resolve(int(str(app.attrs[A + "theme"])[1:], 16)) is None  # a style: a map, not a value


@needs_corpus
@needs_aapt
def test_app_label_live_aapt_badging() -> None:
    out = subprocess.run(["aapt", "dump", "badging", str(_apk())], capture_output=True, timeout=120).stdout
    match = re.search(rb"^application-label:'([^']*)'", out, re.M)
    assert match is not None
    manifest = parse_proto_xml(_bundle_file("base/manifest/AndroidManifest.xml"), DiagnosticLog())
    (app,) = manifest.findall("application")
    assert _corpus_table().resolve(int(str(app.attrs[A + "label"])[1:], 16)) == match[1].decode()


_OBFUSCATED_PATH = re.compile(r"res/[A-Za-z0-9_$-]{1,3}(\.9)?\.[a-z]+")


@needs_corpus
def test_same_values_as_the_apk_build() -> None:
    """Every resource the bundle and the APK share, through datatrail's arsc reader.

    Two known differences, both in the APK rather than the reader:
      * most of the APK's file paths were shortened by resource obfuscation
        ("res/xml/standalone_badge.xml" became "res/AP.xml"): those are compared by
        extension only. The ones left plain (the 106 res/color/ state lists) must be equal;
      * string/app_name has a zh-rCN translation ("AppInfo演示") in the bundle that
        the APK does not carry (`aapt dump badging` prints application-label-zh-CN:
        'AppInfoDemo' for the APK, while aapt2 reads the translation from the bundle).
    """
    t = _corpus_table()
    apk = ResourceTable.parse(zipfile.ZipFile(_apk()).read("resources.arsc"), DiagnosticLog())
    ours, theirs = set(t.resource_ids()), set(apk.resource_ids())
    # Styleables exist only at build time: aapt2 never writes them to resources.arsc.
    assert {t.type_name(rid) for rid in ours - theirs} == {"styleable"}
    assert theirs <= ours
    paths = {"plain": 0, "obfuscated": 0}

    def same(mine: RenderedValue, apks: RenderedValue, where: str) -> None:
        if isinstance(mine, str) and mine.startswith("res/"):
            assert isinstance(apks, str), where
            if _OBFUSCATED_PATH.fullmatch(apks):
                assert Path(mine).suffix == Path(apks).suffix, where
                paths["obfuscated"] += 1
            else:
                assert mine == apks, where
                paths["plain"] += 1
        else:
            assert mine == apks and type(mine) is type(apks), where

    checked = {"string": 0, "bool": 0, "integer": 0, "xml": 0}
    for rid in sorted(theirs):
        where = f"0x{rid:08x} {t.entry_name(rid)}"
        assert t.entry_name(rid) == apk.entry_name(rid), where
        mine = sorted(t.res_values(rid), key=lambda cv: (cv[0], cv[1].type))
        if rid == APP_NAME:
            assert ("zh-rCN", "AppInfo演示") in t.values(rid)
            mine = [(c, v) for c, v in mine if c != "zh-rCN"]
        apks = sorted(apk.values(rid), key=lambda cv: (cv[0], cv[1].type))
        assert [(c, v.type) for c, v in mine] == [(c, v.type) for c, v in apks], where
        for (config, a), (_, b) in zip(mine, apks):
            same(a.render(), b.render(), f"{where} ({config})")
        kind = t.type_name(rid)
        if kind in checked:
            # The default configuration's value, as rendered for a manifest reference.
            ours_default = dict(t.values(rid)).get("default", "<none>")
            theirs_default = next((v.render() for c, v in apk.values(rid) if c == "default"), "<none>")
            same(ours_default, theirs_default, where)
            checked[kind] += 1
        same(t.resolve(rid), apk.resolve(rid), where)
    # Entry counts per type as `aapt2 dump resources` lists them for the bundle.
    assert checked == {"string": 114, "bool": 3, "integer": 29, "xml": 5}
    assert paths["plain"] >= 106 and paths["obfuscated"] > 500


@needs_corpus
@needs_aapt2
def test_every_value_matches_aapt2_binary_conversion(tmp_path: Path) -> None:
    """aapt2 turns the same resources.pb into resources.arsc: every id, name, config and
    value must agree, with no path obfuscation in the way."""
    with zipfile.ZipFile(_aab()) as z:
        files = {n[len("base/"):]: z.read(n) for n in z.namelist() if n.startswith("base/res/")}
    proto = _proto_apk(tmp_path, _bundle_file("base/manifest/AndroidManifest.xml"), _resources_pb(), files)
    binary = _aapt2_binary_table(tmp_path, proto)
    t = _corpus_table()
    ours, theirs = set(t.resource_ids()), set(binary.resource_ids())
    assert {t.type_name(rid) for rid in ours - theirs} == {"styleable"} and theirs <= ours
    assert t.packages == binary.packages
    for rid in sorted(theirs):
        assert t.entry_name(rid) == binary.entry_name(rid), hex(rid)
        assert _normal(t.res_values(rid)) == _normal(binary.values(rid)), (hex(rid), t.entry_name(rid))
        assert t.resolve(rid) == binary.resolve(rid), hex(rid)
        # Map entries (styles, arrays, plurals, attrs) are maps on both sides.
        assert bool(t.values(rid)) == bool(binary.values(rid)), hex(rid)


def _aapt2_dump(path: Path) -> str:
    return subprocess.run(["aapt2", "dump", "resources", str(path)], check=True, capture_output=True,
                          timeout=120).stdout.decode("utf-8")


@needs_corpus
@needs_aapt2
def test_matches_aapt2_dump_resources(tmp_path: Path) -> None:
    """aapt2 reads the proto table itself: names, configurations and the values it prints
    plainly (strings, files, booleans, integers, colours, ids) must match."""
    proto = _proto_apk(tmp_path, _bundle_file("base/manifest/AndroidManifest.xml"), _resources_pb())
    t = _corpus_table()
    current: int | None = None
    compared: dict[str, int] = {}
    for line in _aapt2_dump(proto).splitlines():
        m = re.fullmatch(r"    resource (0x[0-9a-f]{8}) (\S+)", line)
        if m:
            current = int(m[1], 16)
            assert t.entry_name(current) == m[2]
            continue
        m = re.fullmatch(r"      \(([^)]*)\) (.*)", line)
        if m is None or current is None:
            continue
        config, text = m[1] or "default", m[2]
        kind = t.type_name(current)
        expected: object
        if text.startswith('"') and text.endswith('"') and len(text) >= 2:
            what, expected = "string", text[1:-1]
        elif text.startswith("(file) "):
            what, expected = "file", text[len("(file) "):].split(" type=")[0]
        elif text in ("true", "false"):
            what, expected = "bool", text == "true"
        elif kind == "integer" and re.fullmatch(r"-?\d+", text):
            what, expected = "int", int(text)
        elif re.fullmatch(r"#[0-9a-f]{8}", text):
            what, expected = "color", text
        elif text == "(id)":
            what, expected = "id", False  # an @+id placeholder: aapt2 flattens it as boolean false
        else:
            continue  # maps and values aapt2 prints by name or in its own notation
        got = dict(t.values(current)).get(config, "<missing>")
        assert got == expected and type(got) is type(expected), (hex(current), config, text, got)
        compared[what] = compared.get(what, 0) + 1
    assert compared == {"string": 7037, "file": 667, "bool": 4, "int": 32, "color": 102, "id": 437}


def _protoc_entries(data: bytes) -> dict[int, str | None]:
    """Resource id -> entry name from `protoc --decode_raw` (None where protoc's guess
    shows the entry or type name as a nested message, which it does for a few names:
    without a schema it cannot tell text from a message that happens to parse)."""
    text = subprocess.run(["protoc", "--decode_raw"], input=data, check=True, capture_output=True,
                          timeout=120).stdout.decode("utf-8")
    found: dict[int, str | None] = {}
    path: list[int] = []
    pkg = tid = eid = 0
    tname: str | None = None
    ename: str | None = None
    for raw in text.splitlines():
        body = raw.strip()
        if body == "}":
            if tuple(path) == (2, 3, 3):
                both = tname is not None and ename is not None
                found[(pkg << 24) | (tid << 16) | eid] = f"{tname}/{ename}" if both else None
            path.pop()
            continue
        if body.endswith("{"):
            path.append(int(body.split()[0]))
            if tuple(path) == (2, 3):
                tid, tname = 0, None
            elif tuple(path) == (2, 3, 3):
                eid, ename = 0, None
            continue
        number, _, value = body.partition(": ")
        where = (*path, int(number))
        if where == (2, 1, 1):
            pkg = int(value)
        elif where == (2, 3, 1, 1):
            tid = int(value)
        elif where == (2, 3, 2):
            tname = value.strip('"')
        elif where == (2, 3, 3, 1, 1):
            eid = int(value)
        elif where == (2, 3, 3, 2):
            ename = value[1:-1]
    return found


@needs_corpus
@needs_protoc
def test_ids_and_names_match_protoc_decode_raw() -> None:
    t = _corpus_table()
    found = _protoc_entries(_resources_pb())
    assert sorted(found) == t.resource_ids()
    named = {rid: name for rid, name in found.items() if name is not None}
    assert len(named) > 0.99 * len(found)
    assert all(t.entry_name(rid) == name for rid, name in named.items())


# =========================================================================== synthetic tables


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def ln(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def vi(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def f32(number: int, raw: int) -> bytes:
    return varint(number << 3 | 5) + struct.pack("<I", raw)


def s(number: int, text: str) -> bytes:
    return ln(number, text.encode("utf-8"))


def cv(item: bytes, config: bytes = b"") -> bytes:
    """ConfigValue{config, Value{item}}."""
    return ln(1, config) + ln(2, ln(4, item))


def compound_cv(kind: int, config: bytes = b"") -> bytes:
    return ln(1, config) + ln(2, ln(5, ln(kind, b"")))


def entry(eid: int | None, name: str, *config_values: bytes) -> bytes:
    head = ln(1, vi(1, eid) if eid else b"") if eid is not None else b""
    return head + s(2, name) + b"".join(ln(6, c) for c in config_values)


def typ(tid: int | None, name: str, *entries: bytes) -> bytes:
    head = ln(1, vi(1, tid)) if tid is not None else b""
    return head + s(2, name) + b"".join(ln(3, e) for e in entries)


def package(pid: int | None, name: str, *types: bytes) -> bytes:
    head = ln(1, vi(1, pid) if pid else b"") if pid is not None else b""
    return head + s(2, name) + b"".join(ln(3, t) for t in types)


def table(*packages: bytes) -> bytes:
    # Packages, then a tool fingerprint, as aapt2 writes them for a bundle.
    return b"".join(ln(2, p) for p in packages) + ln(4, s(1, "aapt2") + s(2, "test"))


def string_item(text: str) -> bytes:
    return ln(2, s(1, text))


def ref_item(res_id: int, attribute: bool = False, dynamic: bool = False, name: str = "") -> bytes:
    body = (vi(1, 1) if attribute else b"") + (vi(2, res_id) if res_id else b"") + (s(3, name) if name else b"")
    return ln(1, body + (ln(5, vi(1, 1)) if dynamic else b""))


def file_item(path: str) -> bytes:
    return ln(5, s(1, path) + vi(2, 3))


def prim(body: bytes) -> bytes:
    return ln(7, body)


def _parse(data: bytes, limits: Limits | None = None) -> tuple[ProtoResourceTable, DiagnosticLog]:
    log = DiagnosticLog()
    if limits is None:
        return ProtoResourceTable.parse(data, log), log
    return ProtoResourceTable.parse(data, log, limits), log


_ITEMS: list[tuple[bytes, ResValue | str]] = [
    (string_item("héllo"), ResValue(TYPE_STRING, 0, "héllo")),
    (ln(3, s(1, "raw")), ResValue(TYPE_STRING, 0, "raw")),
    (ln(4, s(1, "bold") + ln(2, s(1, "b") + vi(2, 0) + vi(3, 3))), ResValue(TYPE_STRING, 0, "bold")),
    (ln(2, b""), ResValue(TYPE_STRING, 0, "")),
    (file_item("res/xml/network_security_config.xml"), ResValue(TYPE_STRING, 0, "res/xml/network_security_config.xml")),
    (ln(6, b""), ResValue(TYPE_INT_BOOLEAN, 0)),
    (ref_item(0x01040000), ResValue(TYPE_REFERENCE, 0x01040000)),
    (ref_item(0x7F010002, attribute=True), ResValue(TYPE_ATTRIBUTE, 0x7F010002)),
    (ref_item(0x7F010003, dynamic=True), ResValue(TYPE_DYNAMIC_REFERENCE, 0x7F010003)),
    (ref_item(0), ResValue(TYPE_REFERENCE, 0)),
    (ref_item(0, name="string/other"), "@string/other"),
    (ref_item(0, attribute=True, name="android:attr/colorAccent"), "?android:attr/colorAccent"),
    (prim(ln(1, b"")), ResValue(TYPE_NULL, 0)),
    (prim(ln(2, b"")), ResValue(TYPE_NULL, 1)),
    (prim(f32(3, 0x3DCCCCCD)), ResValue(TYPE_FLOAT, 0x3DCCCCCD)),
    (prim(f32(4, 0x41800000)), ResValue(TYPE_DIMENSION, 0x41800000)),
    (prim(f32(5, 0x3F000000)), ResValue(TYPE_FRACTION, 0x3F000000)),
    (prim(vi(6, -5)), ResValue(TYPE_INT_DEC, 0xFFFFFFFB)),
    (prim(vi(6, 0)), ResValue(TYPE_INT_DEC, 0)),
    (prim(vi(7, 0xDEADBEEF)), ResValue(TYPE_INT_HEX, 0xDEADBEEF)),
    (prim(vi(8, 1)), ResValue(TYPE_INT_BOOLEAN, 0xFFFFFFFF)),
    (prim(vi(8, 0)), ResValue(TYPE_INT_BOOLEAN, 0)),
    (prim(vi(9, 0xFF112233)), ResValue(TYPE_INT_COLOR_ARGB8, 0xFF112233)),
    (prim(vi(10, 0xFF445566)), ResValue(TYPE_INT_COLOR_RGB8, 0xFF445566)),
    (prim(vi(11, 0x80FFFFFF)), ResValue(TYPE_INT_COLOR_ARGB4, 0x80FFFFFF)),
    (prim(vi(12, 0xFF000000)), ResValue(TYPE_INT_COLOR_RGB4, 0xFF000000)),
    (prim(vi(13, 0x1001)), ResValue(TYPE_DIMENSION, 0x1001)),  # 16dip
    (prim(vi(14, 0x3200000 | 0x30)), ResValue(TYPE_FRACTION, 0x3200030)),
]


@pytest.mark.parametrize(("item", "expected"), _ITEMS)
def test_items_become_the_res_value_aapt2_would_flatten(item: bytes, expected: ResValue | str) -> None:
    t, log = _parse(table(package(0x7F, "p", typ(3, "t", entry(1, "e", cv(item))))))
    assert log.items == []
    rendered = expected if isinstance(expected, str) else expected.render()
    assert t.values(0x7F030001) == [("default", rendered)]
    if isinstance(expected, ResValue):
        assert t.res_values(0x7F030001) == [("default", expected)]
    else:
        assert t.res_values(0x7F030001) == []


def test_rendering_is_the_arsc_rendering() -> None:
    items = [prim(vi(13, 0x1001)), prim(vi(6, -5)), prim(f32(3, 0x3DCCCCCD)), prim(vi(9, 0xFF112233)),
             prim(vi(8, 1)), prim(ln(2, b"")), prim(ln(1, b"")), ref_item(0x01040000), ref_item(0x7F010002, True)]
    t, _ = _parse(table(package(0x7F, "p", typ(3, "t", *(entry(i, f"e{i}", cv(it)) for i, it in enumerate(items))))))
    got = [t.values(0x7F030000 | i)[0][1] for i in range(len(items))]
    assert got == ["16dip", -5, 0.1, "#ff112233", True, "", None, "@0x01040000", "?0x7f010002"]
    assert [type(v) for v in got[1:5]] == [int, float, str, bool]


def test_references_resolve_with_bounds() -> None:
    strings = typ(
        2, "string",
        entry(None, "no_id", cv(string_item("lost"))),
        entry(0, "app_name", cv(string_item("App")), cv(string_item("Appli"), s(3, "fr"))),
        entry(1, "alias", cv(ref_item(0x7F020000))),
        entry(2, "alias2", cv(ref_item(0x7F020001))),
        entry(3, "framework", cv(ref_item(0x01040000))),
        entry(4, "cycle_a", cv(ref_item(0x7F020005))),
        entry(5, "cycle_b", cv(ref_item(0x7F020004))),
        entry(6, "only_fr", cv(string_item("seul"), s(3, "fr"))),
        entry(7, "by_name", cv(ref_item(0, name="string/app_name"))),
        entry(8, "null", cv(ref_item(0))),
        entry(9, "to_style", cv(ref_item(0x7F030000))),
        entry(10, "attr", cv(ref_item(0x7F010000, attribute=True))),
    )
    chain = typ(4, "integer", *(entry(i, f"c{i}", cv(ref_item(0x7F040000 | (i + 1)))) for i in range(20)),
                entry(20, "end", cv(prim(vi(6, 42)))))
    styles = typ(3, "style", entry(0, "Theme", compound_cv(2)), entry(1, "arr", compound_cv(4)))
    t, log = _parse(table(package(0x7F, "com.example", strings, styles, chain)))
    codes = [d.code for d in log.items]
    assert codes == ["aab.resources-no-id"]  # string/no_id cannot be addressed
    assert t.packages == {0x7F: "com.example"}
    assert t.values(0x7F020000) == [("default", "App"), ("fr", "Appli")]
    assert t.resolve(0x7F020000) == "App"
    assert t.resolve(0x7F020002) == "App"  # two hops
    assert t.resolve(0x7F020003) == "@0x01040000"  # not in this table: kept as a reference
    assert t.resolve(0x7F020006) == "seul"  # no default: the first configuration
    assert t.resolve(0x7F020007) == "@string/app_name"  # a name is all there is
    assert t.resolve(0x7F020008) == "@null"
    assert t.resolve(0x7F02000A) == "?0x7f010000"  # theme attributes are not followed
    assert t.resolve(0x7F020009) is None  # a style is a map
    assert t.entry_name(0x7F030000) == "style/Theme" and t.values(0x7F030000) == []
    assert t.res_values(0x7F030001) == [] and t.resolve(0x7F030001) is None
    assert t.resolve(0x7F040000) is None  # 20 hops > max_depth 8
    assert t.resolve(0x7F040000, max_depth=25) == 42
    assert t.resolve(0x7F040014) == 42
    assert t.resolve(0x7F020004) is None
    assert [d.code for d in log.items][1:] == ["aab.resources-reference-depth", "aab.resources-reference-cycle"]


def test_fields_in_any_order_and_unknown_fields_are_skipped() -> None:
    # Entries before the type id, the id after the name, unknown fields everywhere,
    # Entry.visibility / flag_disabled_config_value, Item.flag_status, Value.weak.
    e = (s(2, "late_id") + vi(99, 7) + ln(3, vi(1, 2)) + ln(8, cv(string_item("disabled")))
         + ln(6, ln(2, vi(3, 1) + ln(4, string_item("v") + vi(8, 1))) + ln(1, b"")) + ln(1, vi(1, 5)))
    t_msg = ln(3, e) + s(2, "string") + ln(1, vi(1, 9)) + f32(50, 0)
    pkg = ln(3, t_msg) + s(2, "com.example") + ln(1, vi(1, 0x7F)) + vi(77, 1)
    data = ln(2, pkg) + ln(5, ln(1, vi(1, 2)) + s(2, "lib")) + ln(3, s(1, "overlay"))
    t, log = _parse(data)
    assert log.items == []
    assert t.entry_name(0x7F090005) == "string/late_id"
    assert t.values(0x7F090005) == [("default", "v")]


def test_packages_types_entries_with_bad_ids() -> None:
    good = typ(1, "string", entry(0, "ok", cv(string_item("fine"))))
    data = table(
        package(None, "no.id", good),
        package(0x100, "too.big", good),
        package(0x7F, "com.example", good, typ(None, "x", entry(0, "a")), typ(0, "y", entry(0, "b")),
                typ(0x100, "z", entry(0, "c")),
                typ(2, "id", entry(0x10000, "huge"), entry(1, "dup", cv(ln(6, b""))), entry(1, "dup2"))),
        package(0x7F, "com.example.again", typ(3, "bool", entry(0, "b", cv(prim(vi(8, 1)))))),
    )
    t, log = _parse(data)
    assert t.packages == {0x7F: "com.example"}
    assert t.resolve(0x7F010000) == "fine" and t.resolve(0x7F030000) is True
    assert t.entry_name(0x7F020001) == "id/dup" and t.values(0x7F020001) == [("default", False)]
    codes = [d.code for d in log.items]
    assert codes.count("aab.resources-bad-id") == 5  # package 0x100, 3 types, entry 0x10000
    assert "aab.resources-no-id" in codes and "aab.resources-duplicate" in codes
    assert "aab.resources-duplicate-package" in codes


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (b"", "default"),
        (s(3, "fr-CA"), "fr-rCA"),
        (s(3, "sr-Latn"), "b+sr+Latn"),
        (s(3, "es-419"), "es-r419"),
        (s(3, "ast"), "ast"),
        (s(3, "fil-PH"), "fil-rPH"),
        (s(3, "de-1996"), "b+de+1996"),
        (s(3, "zh-Hant-TW"), "b+zh+Hant+TW"),
        (s(3, "ar-u-nu-latn"), "b+ar+u+nu+latn"),
        (vi(17, 1) + vi(24, 8), "night-v8"),
        (vi(9, 600), "sw600dp"),
        (vi(4, 2) + vi(24, 17), "ldrtl-v17"),
        (vi(18, 0xFFFE) + vi(24, 26), "anydpi-v26"),
        (vi(16, 6) + vi(24, 20), "watch-v20"),
        (vi(8, 360) + vi(15, 2), "h360dp-land"),
        (vi(1, 310) + vi(2, 260), "mcc310-mnc260"),
        (vi(12, 1) + vi(13, 1) + vi(14, 1), "round-widecg-highdr"),
        (vi(12, 2) + vi(13, 2) + vi(14, 2) + vi(10, 1) + vi(11, 2), "small-notlong-notround-nowidecg-lowdr"),
        (vi(19, 3) + vi(20, 2) + vi(21, 2) + vi(22, 2) + vi(23, 2), "finger-keyshidden-qwerty-navhidden-dpad"),
        (vi(20, 3) + vi(22, 1) + vi(19, 1) + vi(21, 3) + vi(23, 4), "notouch-keyssoft-12key-navexposed-wheel"),
        (vi(10, 3) + vi(11, 1), "large-long"),
        (vi(5, 480) + vi(6, 320), "480x320"),
        (vi(17, 2) + vi(16, 4), "television-notnight"),
        (vi(4, 1) + vi(7, 720), "ldltr-w720dp"),
        (vi(26, 2), "feminine"),
        (vi(24, 33) + vi(27, 1), "v33.1"),
        (s(25, "tablet"), "default(tablet)"),
        (vi(15, 0) + s(3, ""), "default"),  # explicit proto3 defaults are still "unset"
    ],
)
def test_describe_proto_config(config: bytes, expected: str) -> None:
    assert describe_proto_config(config) == expected


@pytest.mark.parametrize(
    "config",
    [s(3, "not a locale"), s(3, "x"), s(3, "en-US-x-private"), s(3, "ja-ＪＰ"), s(3, "en-u-ca-gregory"),
     vi(15, 9), vi(1, 0x10000), vi(18, 1 << 40), b"\xff"],
)
def test_unreadable_configs_are_refused(config: bytes) -> None:
    with pytest.raises(CorruptInput):
        describe_proto_config(config)
    t, log = _parse(table(package(0x7F, "p", typ(1, "string", entry(0, "e", cv(string_item("a")),
                                                                       cv(string_item("b"), config))))))
    assert t.values(0x7F010000) == [("default", "a")]
    assert [d.code for d in log.items] == ["aab.resources-bad-config"]


@needs_aapt2
def test_configs_and_values_match_aapt2(tmp_path: Path) -> None:
    """aapt2 reads a synthetic table: its dump names the configurations as we do, and its
    binary conversion holds the Res_values we build. (Grammatical gender, minor SDK
    versions and -u-nu- numbering systems are left out: aapt2 2.19 predates them.)"""
    configs = [
        s(3, "fr-CA"), s(3, "sr-Latn"), s(3, "es-419"), s(3, "ast"), s(3, "fil-PH"), s(3, "de-1996"),
        vi(17, 1) + vi(24, 8), vi(9, 600), vi(4, 2) + vi(24, 17), vi(18, 0xFFFE) + vi(24, 26),
        vi(16, 6) + vi(24, 20), vi(8, 360) + vi(15, 2), vi(1, 310) + vi(2, 260), vi(12, 1) + vi(13, 1) + vi(14, 1),
        vi(19, 3) + vi(20, 2) + vi(21, 2) + vi(22, 2) + vi(23, 2), vi(10, 3) + vi(11, 1), vi(5, 480) + vi(6, 320),
        vi(17, 2) + vi(16, 4), vi(12, 2) + vi(13, 2) + vi(14, 2) + vi(10, 1) + vi(11, 2),
        vi(20, 3) + vi(22, 1) + vi(19, 1) + vi(21, 3) + vi(23, 4), vi(4, 1) + vi(7, 720),
    ]
    strings = typ(1, "string", entry(0, "hello", cv(string_item("v")), *(cv(string_item(f"v{i}"), c)
                                                                           for i, c in enumerate(configs))))
    simple = [(item, value) for item, value in _ITEMS if isinstance(value, ResValue)]
    values = typ(2, "dimen", *(entry(i, f"e{i}", cv(item)) for i, (item, _) in enumerate(simple)))
    maps = typ(3, "array", entry(0, "arr", ln(1, b"") + ln(2, ln(5, ln(4, ln(1, ln(3, string_item("x"))))))))
    data = table(package(0x7F, "com.example", strings, values, maps))
    manifest = ln(1, s(3, "manifest") + ln(4, s(2, "package") + s(3, "com.example")))
    # The file item points at a proto XML file, which aapt2 converts too: give it one.
    proto = _proto_apk(tmp_path, manifest, data, {"res/xml/network_security_config.xml": manifest})
    t, log = _parse(data)
    assert log.items == []

    dumped: dict[str, str] = {}
    current = ""
    for line in _aapt2_dump(proto).splitlines():
        m = re.fullmatch(r"    resource 0x[0-9a-f]{8} (\S+)", line)
        if m:
            current = m[1]
        m = re.fullmatch(r"      \(([^)]*)\) \"(.*)\"", line)
        if m and current == "string/hello":
            dumped[m[1] or "default"] = m[2]
    assert dumped == dict(t.values(0x7F010000))

    binary = _aapt2_binary_table(tmp_path, proto)
    assert set(binary.resource_ids()) == set(t.resource_ids())
    for rid in t.resource_ids():
        assert t.entry_name(rid) == binary.entry_name(rid)
        if any(v.type == TYPE_DYNAMIC_REFERENCE for _, v in t.res_values(rid)):
            # aapt2 2.19 drops Reference.is_dynamic when flattening (a plain reference
            # comes out); newer aapt2 writes TYPE_DYNAMIC_REFERENCE, as we report. Both
            # are references to the same id and render alike.
            ((_, ours),), ((_, theirs),) = t.res_values(rid), binary.values(rid)
            assert theirs.type == TYPE_REFERENCE and ours.data == theirs.data
            assert ours.is_reference and ours.render() == theirs.render()
            continue
        assert _normal(t.res_values(rid)) == _normal(binary.values(rid)), t.entry_name(rid)
        assert sorted(t.values(rid), key=repr) == sorted(((c, v.render()) for c, v in binary.values(rid)), key=repr)
    assert binary.bags(0x7F030000) and t.values(0x7F030000) == []


# =========================================================================== damage


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"\xff", "not a readable"),
        (b"\x12", "not a readable"),
        (b"\x12\x85", "not a readable"),
        (b"\x07\x00", "not a readable"),  # wire type 7
        (b"\x00\x00", "not a readable"),  # field 0
        (varint(2 << 3 | 2) + varint(1 << 40), "not a readable"),  # huge length, no bytes: nothing to salvage
    ],
)
def test_unreadable_tables_raise_corrupt_input(data: bytes, needle: str) -> None:
    with pytest.raises(CorruptInput, match=needle):
        ProtoResourceTable.parse(data, DiagnosticLog())


def test_readable_but_empty_tables_are_reported() -> None:
    for data in (ln(4, s(1, "aapt2")), vi(9, 1), table()):
        t, log = _parse(data)
        assert t.packages == {} and t.resource_ids() == []
        assert [d.code for d in log.items] == ["aab.resources-no-package"]


def test_huge_length_prefixes_are_salvaged_or_refused() -> None:
    good = entry(0, "kept", cv(string_item("yes")))
    # An entry whose length claims 2**40 bytes: the type's earlier entries stay.
    broken = varint(3 << 3 | 2) + varint(1 << 40) + entry(1, "lost", cv(string_item("no")))
    data = table(package(0x7F, "p", ln(1, vi(1, 1)) + s(2, "string") + ln(3, good) + broken))
    start = time.monotonic()
    t, log = _parse(data)
    assert time.monotonic() - start < 1
    assert t.resolve(0x7F010000) == "yes"
    assert any(d.code == "aab.resources-truncated" for d in log.items)
    # A config value claiming more than its entry holds: that value only is dropped.
    inner = ln(1, vi(1, 0)) + s(2, "e") + ln(6, cv(string_item("a"))) + varint(6 << 3 | 2) + varint(1 << 33)
    t, log = _parse(table(package(0x7F, "p", typ(1, "string", inner))))
    assert t.values(0x7F010000) == [("default", "a")]
    # A string inside a value claiming too much: the value is dropped, not cut.
    bad_value = ln(1, b"") + ln(2, ln(4, ln(2, varint(1 << 3 | 2) + varint(1 << 20) + b"abc")))
    t, log = _parse(table(package(0x7F, "p", typ(1, "string", entry(0, "e", cv(string_item("a")), bad_value)))))
    assert t.values(0x7F010000) == [("default", "a")]
    assert [d.code for d in log.items] == ["aab.resources-bad-value"]


def test_record_limit_keeps_what_was_read() -> None:
    entries = [entry(i, f"e{i}", cv(string_item(str(i)))) for i in range(50)]
    data = table(package(0x7F, "p", typ(1, "string", *entries)))
    # One package + one type + (entry + value) per entry: 40 records hold 19 entries.
    t, log = _parse(data, Limits(max_string_pool=40))
    assert [d.code for d in log.items] == ["aab.resources-limit"]
    assert t.packages == {0x7F: "p"}
    assert len(t.resource_ids()) == 19 and t.resolve(0x7F010012) == "18" and t.resolve(0x7F010013) is None
    t, log = _parse(data, Limits(max_string_pool=2 + 2 * 50))
    assert log.items == [] and len(t.resource_ids()) == 50


def test_many_values_cost_bounded_memory() -> None:
    # 40,000 values in one entry, 20,000 allowed: decoded straight into the table
    # (no slices of the input kept per record), then reading stops.
    e = ln(1, b"") + s(2, "e") + ln(6, cv(prim(vi(8, 1)))) * 40_000
    data = table(package(0x7F, "p", typ(1, "bool", e)))
    tracemalloc.start()
    try:
        start = time.monotonic()
        t, log = _parse(data, Limits(max_string_pool=20_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [d.code for d in log.items] == ["aab.resources-limit"]
    assert len(t.values(0x7F010000)) == 20_000 - 3  # package, type and entry count too
    assert peak < 16 * 1024 * 1024 and time.monotonic() - start < 10


def _synthetic() -> bytes:
    return table(
        package(0x7F, "com.example",
                typ(1, "string", entry(0, "app_name", cv(string_item("App")), cv(string_item("Appli"), s(3, "fr"))),
                    entry(1, "alias", cv(ref_item(0x7F010000)))),
                typ(2, "bool", entry(0, "debug", cv(prim(vi(8, 1))), cv(prim(vi(8, 0)), vi(24, 21)))),
                typ(3, "xml", entry(0, "nsc", cv(file_item("res/xml/nsc.xml"))))),
    )


def _all_values(t: ProtoResourceTable) -> set[tuple[int, str, object]]:
    return {(rid, c, repr(v)) for rid in t.resource_ids() for c, v in t.values(rid)}


_FULL_VALUES: dict[int, set[tuple[int, str, object]]] = {}


def _full_values(full: ProtoResourceTable) -> set[tuple[int, str, object]]:
    if id(full) not in _FULL_VALUES:
        _FULL_VALUES.clear()
        _FULL_VALUES[id(full)] = _all_values(full)
    return _FULL_VALUES[id(full)]


def _check_prefix(data: bytes, full: ProtoResourceTable, cut: int) -> bool:
    """Parse ``data[:cut]``; what it returns must be part of the full table. True if parsed."""
    log = DiagnosticLog()
    try:
        part = ProtoResourceTable.parse(data[:cut], log)
    except CorruptInput:
        return False
    values = _all_values(part)
    everything = _full_values(full)
    # A cut file never invents or alters a value: every one is the full table's.
    assert values <= everything, cut
    for rid in part.resource_ids():
        name = part.entry_name(rid)
        assert name == full.entry_name(rid) or (name is not None and "/entry0x" in name), cut
    if values != everything:
        # Cut exactly between top-level fields, the rest is a valid table without packages.
        codes = {"aab.resources-truncated", "aab.resources-damaged", "aab.resources-no-package"}
        assert any(d.code in codes for d in log.items), cut
    return True


def test_synthetic_truncation_at_every_offset() -> None:
    data = _synthetic()
    full, log = _parse(data)
    assert log.items == []
    parsed = sum(_check_prefix(data, full, cut) for cut in range(len(data)))
    assert parsed > len(data) * 0.8


@needs_corpus
def test_corpus_truncations() -> None:
    data = _resources_pb()
    full = _corpus_table()
    rng = random.Random(7)
    cuts = list(range(0, 48)) + [len(data) * i // 25 for i in range(1, 25)] + [rng.randrange(len(data)) for _ in range(12)]
    start = time.monotonic()
    parsed = sum(_check_prefix(data, full, cut) for cut in cuts)
    assert parsed > len(cuts) * 0.6
    # Half the file still resolves the types written before the cut.
    half, _ = _parse(data[: len(data) // 2])
    assert half.resolve(0x7F040000) is True and half.resolve(APP_NAME) == "AppInfoDemo"
    assert half.entry_name(0x7F120000) is None  # xml, the last type, was past the cut
    assert time.monotonic() - start < 30


@needs_corpus
def test_corpus_seeded_byte_flips() -> None:
    data = _resources_pb()
    rng = random.Random(20240502)
    outcomes = {"ok": 0, "diagnosed": 0, "corrupt": 0}
    start = time.monotonic()
    for _ in range(25):
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        log = DiagnosticLog()
        try:
            t = ProtoResourceTable.parse(bytes(b), log)
            for rid in t.resource_ids()[:: 50]:
                t.values(rid), t.resolve(rid), t.entry_name(rid)
            outcomes["diagnosed" if log.items else "ok"] += 1
        except CorruptInput:
            outcomes["corrupt"] += 1
    assert outcomes["diagnosed"] > 5
    assert time.monotonic() - start < 30


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6), st.integers(0, 10_000))
def test_fuzz_synthetic(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_synthetic())
    for at, value in flips:
        data[at % len(data)] = value
    try:
        t = ProtoResourceTable.parse(bytes(data[: cut % (len(data) + 1)]), DiagnosticLog())
    except CorruptInput:
        return
    for rid in t.resource_ids():
        t.values(rid), t.res_values(rid), t.resolve(rid), t.entry_name(rid)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    try:
        t = ProtoResourceTable.parse(data, DiagnosticLog())
    except CorruptInput:
        return
    for rid in t.resource_ids():
        t.values(rid), t.resolve(rid), t.entry_name(rid)
