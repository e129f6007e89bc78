"""Build small, valid DEX files that define the classes a test names.

Only what a class inventory needs is written: the string pool, type ids, one
class_def per class (public, no superclass, no code) and the map list, with a
correct checksum and signature, so ``dexdump`` and the runtime accept the file
as well as datatrail's reader.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import TYPE_CHECKING

__all__ = ["build_dex", "descriptor", "synthetic_app", "sort_key", "uleb128"]

_NO_INDEX = 0xFFFFFFFF
_HEADER_SIZE = 0x70


def descriptor(class_name: str) -> str:
    """``com.foo.Bar`` -> ``Lcom/foo/Bar;``."""
    return "L" + class_name.replace(".", "/") + ";"


def uleb128(value: int) -> bytes:
    """Unsigned LEB128, as DEX encodes lengths and class_data."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def sort_key(text: str) -> bytes:
    """The order DEX requires for string_ids."""
    # DEX orders strings by UTF-16 code units; big-endian UTF-16 bytes sort the same way.
    return text.encode("utf-16-be", "surrogatepass")


def build_dex(class_names: list[str], extra_strings: tuple[str, ...] = ()) -> bytes:
    """A DEX defining ``class_names`` (dotted, ASCII), plus unreferenced ``extra_strings``."""
    types = sorted({descriptor(name) for name in class_names}, key=sort_key)
    strings = sorted(set(types) | set(extra_strings), key=sort_key)
    string_index = {s: i for i, s in enumerate(strings)}
    type_index = {t: i for i, t in enumerate(types)}

    string_ids_off = _HEADER_SIZE
    type_ids_off = string_ids_off + 4 * len(strings)
    class_defs_off = type_ids_off + 4 * len(types)
    data_off = class_defs_off + 32 * len(types)

    data = bytearray()
    string_offsets = []
    for text in strings:
        string_offsets.append(data_off + len(data))
        raw = text.encode("utf-8")
        data += uleb128(len(sort_key(text)) // 2) + raw + b"\0"
    data += b"\0" * (-len(data) % 4)
    map_off = data_off + len(data)
    items = [(0x0000, 1, 0), (0x0001, len(strings), string_ids_off)]
    if types:
        items += [(0x0002, len(types), type_ids_off), (0x0006, len(types), class_defs_off)]
    items += [(0x2002, len(strings), data_off), (0x1000, 1, map_off)]
    data += struct.pack("<I", len(items)) + b"".join(struct.pack("<HHII", c, 0, n, o) for c, n, o in items)
    file_size = data_off + len(data)

    tables = bytearray()
    tables += b"".join(struct.pack("<I", off) for off in string_offsets)
    tables += b"".join(struct.pack("<I", string_index[t]) for t in types)
    for t in types:
        tables += struct.pack("<8I", type_index[t], 1, _NO_INDEX, 0, _NO_INDEX, 0, 0, 0)

    header = bytearray(_HEADER_SIZE)
    struct.pack_into(
        "<8sI20s20I", header, 0, b"dex\n035\0", 0, b"\0" * 20,
        file_size, _HEADER_SIZE, 0x12345678, 0, 0, map_off,
        len(strings), string_ids_off if strings else 0,
        len(types), type_ids_off if types else 0,
        0, 0, 0, 0, 0, 0,
        len(types), class_defs_off if types else 0,
        file_size - data_off, data_off,
    )
    blob = bytearray(header + tables + data)
    blob[12:32] = hashlib.sha1(blob[32:]).digest()
    struct.pack_into("<I", blob, 8, zlib.adler32(blob[12:]))
    return bytes(blob)


def synthetic_app(
    tmp_path: Path,
    package: str = "com.example.app",
    *,
    classes: tuple[str, ...] = (),
    meta_data: tuple[str, ...] = (),
    permissions: tuple[str, ...] = (),
    components: tuple[tuple[str, str], ...] = (),
    files: dict[str, bytes] | None = None,
    name: str = "app.apk",
    launcher: str | None = None,
) -> AndroidArtifact:
    """Write an APK with these classes, meta-data keys, permissions, (tag, name) components, files
    and launcher activity; load it."""
    from datatrail.app.android.load import load_android
    from tests.support.factories import Elem, build_apk

    children = [Elem("meta-data", {"android:name": key, "android:value": "x"}) for key in meta_data]
    children += [Elem(tag, {"android:name": cname}) for tag, cname in components]
    if launcher:
        main = Elem("intent-filter", {}, [Elem("action", {"android:name": "android.intent.action.MAIN"})])
        children.append(Elem("activity", {"android:name": launcher}, [main]))
    application = Elem("application", {"android:allowBackup": False}, children)
    contents = dict(files or {})
    if classes:
        contents["classes.dex"] = build_dex(list(classes))
    path = tmp_path / name
    path.write_bytes(build_apk(package, permissions=permissions, files=contents, application=application))
    return load_android(path)


if TYPE_CHECKING:
    from pathlib import Path

    from datatrail.app.android.artifact import AndroidArtifact
