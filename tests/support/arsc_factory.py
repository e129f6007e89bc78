"""Builders shared by tests (moved from test_arsc.py)."""

from __future__ import annotations

import struct


def make_chunk(ctype: int, header: bytes, body: bytes) -> bytes:
    hsize = 8 + len(header)
    return struct.pack("<HHI", ctype, hsize, hsize + len(body)) + header + body


def _pool(strings: list[str], utf8: bool = True) -> bytes:
    data = b""
    offsets = []
    for s in strings:
        offsets.append(len(data))
        if utf8:
            raw = s.encode("utf-8")
            units = len(s.encode("utf-16-le")) // 2
            assert units < 0x80 and len(raw) < 0x80
            data += bytes([units, len(raw)]) + raw + b"\0"
        else:
            raw = s.encode("utf-16-le")
            data += struct.pack("<H", len(raw) // 2) + raw + b"\0\0"
    while len(data) % 4:
        data += b"\0"
    start = 28 + 4 * len(strings)
    header = struct.pack("<IIIII", len(strings), 0, 0x100 if utf8 else 0, start, 0)
    return make_chunk(0x0001, header, struct.pack(f"<{len(offsets)}I", *offsets) + data)


def res_config(lang: bytes = b"", country: bytes = b"", sdk: int = 0, density: int = 0,
            ui_mode: int = 0, orientation: int = 0, screen_layout: int = 0, sw_dp: int = 0,
            script: bytes = b"", mcc: int = 0, mnc: int = 0, size: int = 64) -> bytes:
    raw = bytearray(64)
    struct.pack_into("<I", raw, 0, size)
    struct.pack_into("<HH", raw, 4, mcc, mnc)
    raw[8:8 + len(lang)] = lang
    raw[10:10 + len(country)] = country
    raw[12] = orientation
    struct.pack_into("<H", raw, 14, density)
    struct.pack_into("<H", raw, 24, sdk)
    raw[28] = screen_layout
    raw[29] = ui_mode
    struct.pack_into("<H", raw, 30, sw_dp)
    raw[36:36 + len(script)] = script
    return bytes(raw[:size])


def simple(key: int, vtype: int, data: int) -> bytes:
    return struct.pack("<HHI", 8, 0, key) + struct.pack("<HBBI", 8, 0, vtype, data)


def bag(key: int, parent: int, items: list[tuple[int, int, int]]) -> bytes:
    out = struct.pack("<HHI", 16, 0x0001, key) + struct.pack("<II", parent, len(items))
    for name, vtype, data in items:
        out += struct.pack("<IHBBI", name, 8, 0, vtype, data)
    return out


def type_spec(type_id: int, count: int) -> bytes:
    return make_chunk(0x0202, struct.pack("<BBHI", type_id, 0, 0, count), bytes(4 * count))


def type_chunk(type_id: int, entries: dict[int, bytes], count: int, config: bytes = b"",
               mode: str = "dense") -> bytes:
    config = config or res_config()
    body = b""
    where: dict[int, int] = {}
    for index in sorted(entries):
        where[index] = len(body)
        body += entries[index]
    if mode == "sparse":
        table = b"".join(struct.pack("<HH", i, where[i] // 4) for i in sorted(where))
        flags, n = 0x01, len(where)
    elif mode == "offset16":
        table = b"".join(struct.pack("<H", where[i] // 4 if i in where else 0xFFFF)
                         for i in range(count))
        flags, n = 0x02, count
    else:
        table = b"".join(struct.pack("<I", where.get(i, 0xFFFFFFFF)) for i in range(count))
        flags, n = 0x00, count
    while len(table) % 4:
        table += b"\xff\xff"
    hsize = 20 + len(config)
    header = struct.pack("<BBHII", type_id, flags, 0, n, hsize + len(table)) + config
    return make_chunk(0x0201, header, table + body)


def package(pkg_id: int, name: str, type_names: list[str], keys: list[str],
            chunks: list[bytes], type_id_offset: int = 0) -> bytes:
    types_pool = _pool(type_names, utf8=False)
    keys_pool = _pool(keys)
    hsize = 288
    name_raw = name.encode("utf-16-le").ljust(256, b"\0")
    header = struct.pack("<I", pkg_id) + name_raw + struct.pack(
        "<IIIII", hsize, len(type_names), hsize + len(types_pool), len(keys), type_id_offset)
    return make_chunk(0x0200, header, types_pool + keys_pool + b"".join(chunks))


def table(strings: list[str], packages: list[bytes], utf8: bool = True) -> bytes:
    return make_chunk(0x0002, struct.pack("<I", len(packages)), _pool(strings, utf8)
                  + b"".join(packages))
