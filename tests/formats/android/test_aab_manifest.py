"""aapt2 protobuf XML (App Bundle manifest): corpus bundle vs aapt/aapt2/protoc, synthetic trees, damage."""

from __future__ import annotations

import random
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

from datatrail.errors import CorruptInput, LimitExceeded
from datatrail.formats.android.aab_manifest import MAX_DEPTH, is_proto_xml, parse_proto_xml
from datatrail.formats.common.xmltree import ANDROID_NS, XmlElement
from datatrail.limits import Limits
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import CORPUS

AAB = CORPUS / "apk" / "app-info" / "android.aab" if CORPUS else None
APK = CORPUS / "apk" / "app-info" / "android.apk" if CORPUS else None
MANIFEST = "base/manifest/AndroidManifest.xml"
needs_aab = pytest.mark.skipif(AAB is None or not AAB.is_file(), reason="corpus android.aab not available")
A = "{" + ANDROID_NS + "}"


def _manifest_bytes() -> bytes:
    assert AAB is not None
    return zipfile.ZipFile(AAB).read(MANIFEST)


def _walk(root: XmlElement) -> list[XmlElement]:
    return list(root.iter())


# --- corpus bundle: values checked independently ---------------------------------
#
# Expected values below were read with three other tools: `aapt dump badging` on
# apk/app-info/android.apk (the same app, same build: package, versions, SDKs,
# permission), `aapt2 dump xmltree` on the bundle's manifest, and
# `protoc --decode_raw` on it (resource ids of references). The live tests
# further down repeat those comparisons whenever the tools are installed.


@needs_aab
def test_corpus_manifest_values() -> None:
    log = DiagnosticLog()
    root = parse_proto_xml(_manifest_bytes(), log)
    assert log.items == []
    assert root.tag == "manifest"
    assert root.attrs["package"] == "com.icyleaf.appinfodemo"
    assert root.attrs[A + "versionCode"] == 10 and type(root.attrs[A + "versionCode"]) is int
    assert root.attrs[A + "versionName"] == "2.1.0"
    assert root.attrs[A + "compileSdkVersion"] == 31
    assert root.attrs["platformBuildVersionCode"] == 31
    assert root.attrs["platformBuildVersionName"] == 12  # compiled as an integer by aapt2, as in the APK
    assert root.resource_ids[A + "versionCode"] == 0x0101021B
    assert "package" not in root.resource_ids

    (sdk,) = root.findall("uses-sdk")
    assert sdk.get("minSdkVersion") == 14
    assert sdk.get("targetSdkVersion") == 31
    assert [p.get("name") for p in root.findall("uses-permission")] == ["android.permission.ACCESS_NETWORK_STATE"]
    assert [f.get("name") for f in root.findall("uses-feature")] == ["android.hardware.bluetooth"]

    (app,) = root.findall("application")
    assert app.get("allowBackup") is True
    assert app.get("supportsRtl") is True
    assert app.get("icon") == "@0x7f0c0000"
    assert app.get("roundIcon") == "@0x7f0c0001"
    assert app.get("label") == "@0x7f0f001b"
    assert app.get("theme") == "@0x7f10019b"
    assert app.get("appComponentFactory") == "androidx.core.app.CoreComponentFactory"
    activities = app.findall("activity")
    assert [a.get("name") for a in activities] == [
        "com.icyleaf.appinfodemo.LauncherActivity",
        "com.icyleaf.appinfodemo.MainActivity",
    ]
    assert [a.get("exported") for a in activities] == [False, True]
    assert activities[0].get("theme") == "@0x7f10019d"
    assert activities[0].get("label") == "@0x7f0f0071"
    for kind in ("service", "receiver", "provider"):
        assert app.findall(kind) == []
    filters = activities[0].findall("intent-filter")
    assert [[d.get("scheme") or d.get("host") for d in f.findall("data")] for f in filters] == [
        ["http", "https", "icyleaf.com"],
        ["appinfo"],
    ]
    assert [c.get("name") for c in activities[1].iter("category")] == ["android.intent.category.LAUNCHER"]
    assert len(_walk(root)) == 22
    assert app.text == "."  # a stray "." between elements in the source manifest (aapt shows C: " . ")


@needs_aab
@pytest.mark.skipif(APK is None or not APK.is_file(), reason="corpus android.apk not available")
def test_same_tree_as_the_binary_manifest_of_the_apk_build() -> None:
    """The APK and the bundle come from one build: both decoders must produce the same tree."""
    from datatrail.formats.android.axml import parse_axml

    assert APK is not None
    apk_root = parse_axml(zipfile.ZipFile(APK).read("AndroidManifest.xml"), "AndroidManifest.xml", DiagnosticLog())
    aab_root = parse_proto_xml(_manifest_bytes(), DiagnosticLog())
    apk_nodes, aab_nodes = _walk(apk_root), _walk(aab_root)
    assert len(apk_nodes) == len(aab_nodes) == 22
    for x, y in zip(apk_nodes, aab_nodes):
        assert (x.tag, x.attrs, x.resource_ids, x.text) == (y.tag, y.attrs, y.resource_ids, y.text)


@needs_aab
def test_is_proto_xml() -> None:
    assert is_proto_xml(_manifest_bytes())
    assert not is_proto_xml(b"\x03\x00\x08\x00" + b"\x00" * 8)  # binary AXML
    assert not is_proto_xml(b"")


_BADGING = re.compile(r"package: name='([^']*)' versionCode='(\d+)' versionName='([^']*)'")


@needs_aab
@pytest.mark.skipif(APK is None or not APK.is_file() or shutil.which("aapt") is None, reason="aapt or android.apk missing")
def test_same_facts_as_aapt_badging_of_the_apk_build() -> None:
    assert APK is not None
    out = subprocess.run(["aapt", "dump", "badging", str(APK)], capture_output=True, timeout=120).stdout.decode("utf-8", "replace")
    m = _BADGING.search(out)
    assert m
    root = parse_proto_xml(_manifest_bytes(), DiagnosticLog())
    assert (root.attrs["package"], root.get("versionCode"), root.get("versionName")) == (m.group(1), int(m.group(2)), m.group(3))
    (sdk,) = root.findall("uses-sdk")
    assert f"sdkVersion:'{sdk.get('minSdkVersion')}'" in out
    assert f"targetSdkVersion:'{sdk.get('targetSdkVersion')}'" in out
    want_perms = re.findall(r"^uses-permission: name='([^']*)'", out, re.M)
    assert [p.get("name") for p in root.findall("uses-permission")] == want_perms


_APK_ATTR = re.compile(r"^\s*A: (?:android:)?([\w]+)(?:\((0x[0-9a-f]{8})\))?=(.*)$")


@needs_aab
@pytest.mark.skipif(APK is None or not APK.is_file() or shutil.which("aapt") is None, reason="aapt or android.apk missing")
def test_reference_ids_match_the_apk_build() -> None:
    """The APK's binary manifest states references as ids; ours must be the same ids."""
    assert APK is not None
    out = subprocess.run(
        ["aapt", "dump", "xmltree", str(APK), "AndroidManifest.xml"], capture_output=True, timeout=120
    ).stdout.decode("utf-8", "replace")
    apk_elements: list[tuple[str, dict[str, str]]] = []
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("E: "):
            apk_elements.append((s[3:].split(" ")[0], {}))
        elif s.startswith("A: ") and apk_elements:
            m = _APK_ATTR.match(line)
            if m and m.group(3).startswith("@"):
                apk_elements[-1][1][m.group(1)] = m.group(3)
    ours = _walk(parse_proto_xml(_manifest_bytes(), DiagnosticLog()))
    assert [e.tag for e in ours] == [t for t, _ in apk_elements]
    refs = 0
    for element, (_, apk_refs) in zip(ours, apk_elements):
        mine = {k.split("}")[-1]: v for k, v in element.attrs.items() if isinstance(v, str) and v.startswith("@")}
        assert mine == apk_refs, element.tag
        refs += len(mine)
    assert refs == 6


_AAPT2_ELEMENT = re.compile(r"^(\s*)E: (\S+) \(line=\d+\)$")
_AAPT2_ATTR = re.compile(r"^\s*A: (.*?)(?:\((0x[0-9a-f]{8})\))?=(.*?)(?: \(Raw: .*\))?$")


def _aapt2_tree(text: str) -> list[tuple[str, int, dict[str, tuple[str, int]]]]:
    """aapt2 dump xmltree -> [(tag, depth, {key: (printed value, resource id)})] in document order."""
    elements: list[tuple[str, int, dict[str, tuple[str, int]]]] = []
    for line in text.splitlines():
        m = _AAPT2_ELEMENT.match(line)
        if m:
            elements.append((m.group(2), len(m.group(1)), {}))
            continue
        if line.lstrip().startswith("A: ") and elements:
            a = _AAPT2_ATTR.match(line)
            assert a, line
            full = a.group(1)
            ns, _, name = full.rpartition(":") if full.startswith("http") else ("", "", full)
            key = "{" + ns + "}" + name if ns else name
            elements[-1][2][key] = (a.group(3), int(a.group(2), 16) if a.group(2) else 0)
    return elements


def _printed(value: object) -> str:
    """How aapt2 prints a compiled value we decoded (strings quoted, bools lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


@needs_aab
@pytest.mark.skipif(shutil.which("aapt2") is None, reason="aapt2 not on PATH")
def test_matches_aapt2_dump_xmltree(tmp_path: Path) -> None:
    data = _manifest_bytes()
    # aapt2 reads a proto APK: the manifest (and resources.pb) at the archive root.
    module = tmp_path / "module.zip"
    with zipfile.ZipFile(AAB) as src, zipfile.ZipFile(module, "w") as dst:  # type: ignore[arg-type]
        dst.writestr("AndroidManifest.xml", data)
        dst.writestr("resources.pb", src.read("base/resources.pb"))
    out = subprocess.run(
        ["aapt2", "dump", "xmltree", "--file", "AndroidManifest.xml", str(module)], capture_output=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    theirs = _aapt2_tree(out.stdout.decode("utf-8", "replace"))
    ours = parse_proto_xml(data, DiagnosticLog())

    flat: list[tuple[XmlElement, int]] = []
    stack = [(ours, 0)]
    while stack:
        el, depth = stack.pop()
        flat.append((el, depth))
        stack.extend((c, depth + 1) for c in reversed(el.children))
    assert [(e.tag) for e, _ in flat] == [t for t, _, _ in theirs]
    base = theirs[0][1]
    assert [d for _, d in flat] == [(indent - base) // 4 for _, indent, _ in theirs]
    compared = 0
    for (el, _), (_, _, attrs) in zip(flat, theirs):
        assert set(el.attrs) == set(attrs), el.tag
        for key, (printed, res_id) in attrs.items():
            assert el.resource_ids.get(key, 0) == res_id, key
            value = el.attrs[key]
            if printed.startswith("@"):
                # aapt2 resolves the id to a name via resources.pb; the id itself is checked
                # against the APK build and protoc in the other tests.
                assert isinstance(value, str) and re.fullmatch(r"@0x7f[0-9a-f]{6}", value), key
            else:
                assert _printed(value) == printed, key
            compared += 1
    assert compared == 36


@needs_aab
@pytest.mark.skipif(shutil.which("protoc") is None, reason="protoc (apt: protobuf-compiler) not on PATH")
def test_reference_ids_match_protoc_decode_raw() -> None:
    data = _manifest_bytes()
    text = subprocess.run(["protoc", "--decode_raw"], input=data, capture_output=True, check=True, timeout=60).stdout.decode()
    # Reference { id = 2; name = 3 } inside Item.ref (1) inside XmlAttribute.compiled_item (6).
    pairs = re.findall(r"6 \{\s*1 \{\s*2: (\d+)\s*3: \"([^\"]+)\"", text)
    assert len(pairs) == 6
    by_name = {name: int(i) for i, name in pairs}
    root = parse_proto_xml(data, DiagnosticLog())
    app = root.findall("application")[0]
    assert app.get("icon") == f"@0x{by_name['mipmap/ic_launcher']:08x}"
    assert app.get("label") == f"@0x{by_name['string/app_name']:08x}"
    assert app.get("theme") == f"@0x{by_name['style/Theme.AppInfoDemo']:08x}"


# --- synthetic trees: our own encoder, straight from Resources.proto -------------------


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def ln(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def vi(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def f32(number: int, raw: int) -> bytes:
    return varint(number << 3 | 5) + struct.pack("<I", raw)


def s(number: int, text: str) -> bytes:
    return ln(number, text.encode("utf-8"))


def attr(name: str, value: str = "", ns: str = ANDROID_NS, res_id: int = 0, item: bytes | None = None) -> bytes:
    body = (s(1, ns) if ns else b"") + s(2, name) + s(3, value)
    if res_id:
        body += vi(5, res_id)
    if item is not None:
        body += ln(6, item)
    return ln(4, body)


def element(name: str, *parts: bytes) -> bytes:
    """XmlElement body: parts are attr()/child()/raw fields."""
    return ln(1, s(1, "android") + s(2, ANDROID_NS)) + s(3, name) + b"".join(parts)


def child(element_body: bytes) -> bytes:
    return ln(5, ln(1, element_body))


def text_child(text: str) -> bytes:
    return ln(5, s(2, text))


def document(element_body: bytes) -> bytes:
    return ln(1, element_body)


def prim(number: int, value: int) -> bytes:
    return ln(7, vi(number, value))


def test_primitives_and_items_are_typed_like_axml() -> None:
    one_f = struct.unpack("<I", struct.pack("<f", 1.5))[0]
    doc = document(
        element(
            "e",
            attr("dec", item=prim(6, -5)),
            attr("hex", item=prim(7, 0xFF)),
            attr("yes", item=prim(8, 1)),
            attr("no", item=ln(7, b"")),  # Primitive with nothing set: proto3 default
            attr("flt", item=ln(7, f32(3, one_f))),
            attr("dim", item=prim(13, (16 << 8) | 1)),  # 16dp, radix 23p0
            attr("frac", item=prim(14, (1 << 30) | (3 << 4))),  # 0.5 with radix 0p23 -> 50%
            attr("argb", item=prim(9, 0x80FF0000)),
            attr("rgb", item=prim(10, 0xFF00FF00)),
            attr("nul", item=ln(7, ln(1, b""))),
            attr("empty", item=ln(7, ln(2, b""))),
            attr("ref", item=ln(1, vi(2, 0x7F0B0001) + s(3, "string/x"))),
            attr("themeattr", item=ln(1, vi(1, 1) + vi(2, 0x01010036))),
            attr("byname", item=ln(1, s(3, "string/only_name"))),
            attr("nullref", item=ln(1, b"")),
            attr("str", "raw", item=ln(2, s(1, "compiled"))),
            attr("rawstr", item=ln(3, s(1, "rs"))),
            attr("styled", item=ln(4, s(1, "st") + ln(2, s(1, "b")))),
            attr("file", item=ln(5, s(1, "res/xml/f.xml") + vi(2, 3))),
            attr("id", "@+id/foo", item=ln(6, b"")),
            attr("plain", "just text"),
            attr("package", "com.x", ns=""),
        )
    )
    log = DiagnosticLog()
    e = parse_proto_xml(doc, log)
    assert log.items == []
    assert e.attrs == {
        A + "dec": -5,
        A + "hex": 255,
        A + "yes": True,
        A + "no": None,
        A + "flt": 1.5,
        A + "dim": "16dp",
        A + "frac": "50%",
        A + "argb": "#80ff0000",
        A + "rgb": "#ff00ff00",
        A + "nul": None,
        A + "empty": "",
        A + "ref": "@0x7f0b0001",
        A + "themeattr": "?0x01010036",
        A + "byname": "@string/only_name",
        A + "nullref": "@null",
        A + "str": "compiled",
        A + "rawstr": "rs",
        A + "styled": "st",
        A + "file": "res/xml/f.xml",
        A + "id": "@+id/foo",
        A + "plain": "just text",
        "package": "com.x",
    }
    assert type(e.attrs[A + "yes"]) is bool
    assert e.resource_ids == {}


def test_resource_id_names_the_attribute_like_the_platform() -> None:
    doc = document(
        element(
            "uses-permission",
            attr("nmae", "android.permission.CAMERA", res_id=0x01010003),  # renamed string, real id
            attr("", "x", ns="", res_id=0x7F010001),  # blank name, app attribute id
        )
    )
    log = DiagnosticLog()
    e = parse_proto_xml(doc, log)
    assert e.get("name") == "android.permission.CAMERA"
    assert e.resource_ids == {A + "name": 0x01010003, "0x7f010001": 0x7F010001}
    assert [d.code for d in log.items] == ["aab.renamed-attribute"]


def test_children_in_order_text_kept_unknown_fields_skipped() -> None:
    doc = document(
        element(
            "manifest",
            text_child("\n  "),
            child(element("a")),
            vi(99, 7),  # a field from a future aapt2
            child(element("b", child(element("b1")), text_child("t"), child(element("b2")))),
            child(element("c")),
        )
        + ln(3, vi(1, 2))  # SourcePosition
    )
    root = parse_proto_xml(doc, DiagnosticLog())
    assert [c.tag for c in root.children] == ["a", "b", "c"]
    assert [c.tag for c in root.children[1].children] == ["b1", "b2"]
    # Character data is stripped and appended, as the AXML decoder does.
    assert root.text == ""
    assert root.children[1].text == "t"


def _nested(depth: int) -> bytes:
    body = element("leaf")
    for _ in range(depth - 1):
        body = element("n", child(body))
    return document(body)


def test_depth_is_bounded_with_a_diagnostic() -> None:
    log = DiagnosticLog()
    root = parse_proto_xml(_nested(MAX_DEPTH + 50), log)
    assert max(_depth(root)) == MAX_DEPTH
    assert [d.code for d in log.items] == ["aab.too-deep"]
    ok = DiagnosticLog()
    assert max(_depth(parse_proto_xml(_nested(MAX_DEPTH), ok))) == MAX_DEPTH
    assert ok.items == []


def _depth(root: XmlElement) -> list[int]:
    out, stack = [], [(root, 1)]
    while stack:
        el, d = stack.pop()
        out.append(d)
        stack.extend((c, d + 1) for c in el.children)
    return out


def test_node_count_is_bounded() -> None:
    doc = document(element("m", *[child(element("x", attr("a", "1"))) for _ in range(20)]))
    assert len(_walk(parse_proto_xml(doc, DiagnosticLog(), limits=Limits(max_xml_nodes=41)))) == 21
    with pytest.raises(LimitExceeded):
        parse_proto_xml(doc, DiagnosticLog(), limits=Limits(max_xml_nodes=40))


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"", "empty"),
        (ln(2, b"just text"), "no element"),
        (ln(1, attr("a", "b")), "no name"),
        (b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "varint"),
        (b"\x0f\x00", "wire type"),
        (document(b"\x1a\x05ab"), "root element"),
    ],
)
def test_unreadable_documents_raise_corrupt_input(data: bytes, needle: str) -> None:
    with pytest.raises(CorruptInput, match=needle):
        parse_proto_xml(data, DiagnosticLog())


def test_damaged_child_gives_partial_tree_and_diagnostics() -> None:
    good = child(element("ok"))
    broken_child = ln(5, ln(1, s(3, "half") + b"\x22\x10abc"))  # attribute LEN overruns its element
    bad_attr = attr("x", item=b"\x0a\x05")  # Item.ref overruns
    doc = document(element("root", bad_attr, good, broken_child, ln(5, b"\x07"), child(element("last"))))
    log = DiagnosticLog()
    root = parse_proto_xml(doc, log)
    assert [c.tag for c in root.children] == ["ok", "half", "last"]
    codes = [d.code for d in log.items]
    assert codes == ["aab.bad-attribute", "aab.truncated-element", "aab.bad-node"]


def test_group_inside_an_element_is_skipped_and_reported() -> None:
    group = varint(9 << 3 | 3) + vi(1, 1) + varint(9 << 3 | 4)
    log = DiagnosticLog()
    root = parse_proto_xml(document(element("m", group, child(element("c")))), log)
    assert [c.tag for c in root.children] == ["c"]
    assert [d.code for d in log.items] == ["protobuf.group"]


# --- damage to the real manifest ----------------------------------------------------------


@needs_aab
def test_truncation_at_every_offset() -> None:
    data = _manifest_bytes()
    full = parse_proto_xml(data, DiagnosticLog())
    full_tags = [e.tag for e in _walk(full)]
    start = time.monotonic()
    partial = 0
    for cut in range(len(data)):
        log = DiagnosticLog()
        try:
            root = parse_proto_xml(data[:cut], log)
        except CorruptInput:
            continue
        partial += 1
        tags = [e.tag for e in _walk(root)]
        # What survives is the start of the real document, in order.
        assert tags == full_tags[: len(tags)], cut
        if tags != full_tags:
            assert any(d.code == "aab.truncated" for d in log.items), cut
    assert partial > len(data) // 2
    assert time.monotonic() - start < 30


@needs_aab
def test_seeded_byte_flips() -> None:
    data = _manifest_bytes()
    rng = random.Random(20240501)
    outcomes = {"ok": 0, "diagnosed": 0, "corrupt": 0}
    start = time.monotonic()
    for _ in range(1500):
        b = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        log = DiagnosticLog()
        try:
            parse_proto_xml(bytes(b), log)
            outcomes["diagnosed" if log.items else "ok"] += 1
        except CorruptInput:
            outcomes["corrupt"] += 1
    assert outcomes["diagnosed"] > 100
    assert time.monotonic() - start < 60


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    try:
        root = parse_proto_xml(data, DiagnosticLog())
        assert isinstance(root, XmlElement)
    except CorruptInput:
        pass
