"""Public test factories: build real binary XML manifests and APK-shaped ZIPs.

The bytes these produce follow the on-device formats (ResChunk headers, a
UTF-16 string pool, a resource map), so what the parsers read from them is
what they would read from an aapt-built file.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass, field

from datatrail.formats.android.attrs import _table
from datatrail.formats.common.xmltree import ANDROID_NS

__all__ = ["Elem", "build_axml", "build_arsc", "build_apk", "zip_bytes"]

_ATTR_IDS = {name: rid for rid, name in _table().items()}

T_STRING, T_INT_DEC, T_INT_BOOLEAN, T_REFERENCE = 0x03, 0x10, 0x12, 0x01


@dataclass
class Elem:
    tag: str
    attrs: dict[str, str | int | bool] = field(default_factory=dict)
    """Keys are ``android:name`` for the android namespace, plain names otherwise."""
    children: list["Elem"] = field(default_factory=list)


def _string_pool(strings: list[str]) -> bytes:
    offsets, data = [], b""
    for s in strings:
        offsets.append(len(data))
        enc = s.encode("utf-16-le")
        data += struct.pack("<H", len(s)) + enc + b"\0\0"
    while len(data) % 4:
        data += b"\0"
    header_size = 28
    strings_start = header_size + 4 * len(strings)
    size = strings_start + len(data)
    head = struct.pack("<HHIIIIII", 0x0001, header_size, size, len(strings), 0, 0, strings_start, 0)
    return head + struct.pack(f"<{len(strings)}I", *offsets) + data


def build_axml(root: Elem) -> bytes:
    """Binary XML for ``root``; android-namespaced attributes get resource ids."""
    # Attribute names with resource ids must come first in the pool: the
    # resource map is indexed by string index.
    attr_names: list[str] = []
    other: list[str] = []

    def collect(e: Elem) -> None:
        for key in e.attrs:
            local = key.split(":", 1)[1] if key.startswith("android:") else key
            if key.startswith("android:") and local not in attr_names:
                attr_names.append(local)
        for key, value in e.attrs.items():
            if not key.startswith("android:") and key not in other:
                other.append(key)
            if isinstance(value, str) and value not in other:
                other.append(value)
        if e.tag not in other:
            other.append(e.tag)
        for c in e.children:
            collect(c)

    collect(root)
    strings = attr_names + [s for s in ["android", ANDROID_NS] + other if s not in attr_names]
    index = {s: i for i, s in enumerate(strings)}
    res_map = [_ATTR_IDS[n] for n in attr_names]

    chunks = [_string_pool(strings)]
    chunks.append(struct.pack("<HHI", 0x0180, 8, 8 + 4 * len(res_map)) + struct.pack(f"<{len(res_map)}I", *res_map))
    ns = struct.pack("<HHIIIII", 0x0100, 16, 24, 1, 0xFFFFFFFF, index["android"], index[ANDROID_NS])
    chunks.append(ns)

    def emit(e: Elem) -> None:
        attrs = b""
        for key, value in e.attrs.items():
            if key.startswith("android:"):
                ns_idx, name_idx = index[ANDROID_NS], index[key.split(":", 1)[1]]
            else:
                ns_idx, name_idx = 0xFFFFFFFF, index[key]
            if isinstance(value, bool):
                raw, dtype, data = 0xFFFFFFFF, T_INT_BOOLEAN, 0xFFFFFFFF if value else 0
            elif isinstance(value, int):
                raw, dtype, data = 0xFFFFFFFF, T_INT_DEC, value & 0xFFFFFFFF
            elif value.startswith("@0x"):
                raw, dtype, data = 0xFFFFFFFF, T_REFERENCE, int(value[1:], 16)
            else:
                raw, dtype, data = index[value], T_STRING, index[value]
            attrs += struct.pack("<IIIHBBI", ns_idx, name_idx, raw, 8, 0, dtype, data)
        n = len(e.attrs)
        body = struct.pack("<IIHHHHHH", 0xFFFFFFFF, index[e.tag], 20, 20, n, 0, 0, 0) + attrs
        chunks.append(struct.pack("<HHIII", 0x0102, 16, 16 + len(body), 1, 0xFFFFFFFF) + body)
        for c in e.children:
            emit(c)
        chunks.append(struct.pack("<HHIIIII", 0x0103, 16, 24, 1, 0xFFFFFFFF, 0xFFFFFFFF, index[e.tag]))

    emit(root)
    chunks.append(struct.pack("<HHIIIII", 0x0101, 16, 24, 1, 0xFFFFFFFF, index["android"], index[ANDROID_NS]))
    body = b"".join(chunks)
    return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body


def build_arsc(package: str, values: dict[str, dict[str, str | bool]]) -> tuple[bytes, dict[str, str]]:
    """A resources.arsc with one package (id 0x7f) and one default config per type.

    ``values`` maps type name -> entry name -> string or bool value. Returns the
    table and ``{"type/name": "@0x7fTTEEEE"}`` references for use in manifests.
    """
    global_strings = [v for entries in values.values() for v in entries.values() if isinstance(v, str)]
    type_names = list(values)
    key_names = [k for entries in values.values() for k in entries]
    type_chunks = b""
    refs: dict[str, str] = {}
    for t_index, (type_name, entries) in enumerate(values.items()):
        type_id = t_index + 1
        n = len(entries)
        spec = struct.pack("<HHIBBHI", 0x0202, 16, 16 + 4 * n, type_id, 0, 0, n) + b"\0" * (4 * n)
        config = struct.pack("<I", 64) + b"\0" * 60
        header_size = 20 + len(config)
        body = b""
        offsets = []
        for e_index, (key, value) in enumerate(entries.items()):
            offsets.append(len(body))
            if isinstance(value, bool):
                res_value = struct.pack("<HBBI", 8, 0, T_INT_BOOLEAN, 0xFFFFFFFF if value else 0)
            else:
                res_value = struct.pack("<HBBI", 8, 0, T_STRING, global_strings.index(value))
            body += struct.pack("<HHI", 8, 0, key_names.index(key)) + res_value
            refs[f"{type_name}/{key}"] = f"@0x7f{type_id:02x}{e_index:04x}"
        entries_start = header_size + 4 * n
        size = entries_start + len(body)
        head = struct.pack("<HHIBBHII", 0x0201, header_size, size, type_id, 0, 0, n, entries_start) + config
        type_chunks += spec + head + struct.pack(f"<{n}I", *offsets) + body
    type_pool, key_pool = _string_pool(type_names), _string_pool(key_names)
    pkg_header = 288
    name16 = package.encode("utf-16-le")[:254].ljust(256, b"\0")
    pkg_size = pkg_header + len(type_pool) + len(key_pool) + len(type_chunks)
    pkg = struct.pack("<HHII", 0x0200, pkg_header, pkg_size, 0x7F) + name16 + struct.pack(
        "<IIIII", pkg_header, len(type_names), pkg_header + len(type_pool), len(key_names), 0
    )
    pkg += type_pool + key_pool + type_chunks
    strings = _string_pool(global_strings)
    table = struct.pack("<HHII", 0x0002, 12, 12 + len(strings) + len(pkg), 1) + strings + pkg
    return table, refs


def zip_bytes(files: dict[str, bytes], compress: bool = True) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def build_apk(
    package: str,
    *,
    split: str | None = None,
    permissions: tuple[str, ...] = (),
    version_code: int = 1,
    target_sdk: int = 34,
    files: dict[str, bytes] | None = None,
    application: Elem | None = None,
) -> bytes:
    """A ZIP with a binary manifest (and any extra files); unsigned."""
    attrs: dict[str, str | int | bool] = {"android:versionCode": version_code, "package": package}
    if split:
        attrs["split"] = split
    root = Elem("manifest", attrs, [Elem("uses-sdk", {"android:minSdkVersion": 21, "android:targetSdkVersion": target_sdk})])
    root.children += [Elem("uses-permission", {"android:name": p}) for p in permissions]
    root.children.append(application or Elem("application", {"android:allowBackup": False}))
    return zip_bytes({"AndroidManifest.xml": build_axml(root), **(files or {})})
