"""Builders shared by tests (moved from test_dex_code.py)."""

from __future__ import annotations

import hashlib
import re
import struct
import subprocess
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.dex_factory import sort_key, uleb128
from tests.support.oracles import oracle

_INSN = re.compile(r"^[0-9a-f]{6}: [0-9a-f ]+\|[0-9a-f]{4}: (\S+)")


_REF_AT_END = re.compile(r"// (method|string|field)@([0-9a-f]+)")


_METHOD_NAME = re.compile(r"^      name          : '(.*)'$")


Pairs = dict[int, set[tuple[str, str]]]


@dataclass
class Dump:
    methods: Pairs = field(default_factory=dict)
    strings: Pairs = field(default_factory=dict)
    fields: Pairs = field(default_factory=dict)


def dexdump_users(blob: bytes, tmp: Path) -> Dump:
    """Users of every method/string/field index, read from ``dexdump -d``."""
    path = tmp / "oracle.dex"
    path.write_bytes(blob)
    proc = subprocess.run([oracle("dexdump"), "-d", str(path)], capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = Dump()
    cls = name = ""
    pending: str | None = None  # a const-string whose literal holds a newline
    for line in proc.stdout.decode("utf-8", "replace").split("\n"):
        if pending is not None:
            m = re.search(r"// string@([0-9a-f]+)$", line)
            if m:
                out.strings.setdefault(int(m.group(1), 16), set()).add((cls, name))
                pending = None
            continue
        if line.startswith("  Class descriptor  : '"):
            cls = line.split("'")[1]
            continue
        m = _METHOD_NAME.match(line)
        if m:
            name = m.group(1)
            continue
        m = _INSN.match(line)
        if not m:
            continue
        op = m.group(1)
        ref = _REF_AT_END.search(line)
        if op.startswith("const-string") and ref is None:
            pending = line
            continue
        if ref is None:
            continue
        kind, idx = ref.group(1), int(ref.group(2), 16)
        if kind == "method" and op.startswith("invoke-") and not op.startswith("invoke-custom"):
            out.methods.setdefault(idx, set()).add((cls, name))
        elif kind == "string" and op.startswith("const-string"):
            out.strings.setdefault(idx, set()).add((cls, name))
        elif kind == "field":
            out.fields.setdefault(idx, set()).add((cls, name))
    return out


NO_INDEX = 0xFFFFFFFF


@dataclass
class Index:
    """Index lookups handed to the code callbacks of :func:`build_code_dex`."""

    strings: dict[str, int]
    methods: dict[tuple[str, str], int]
    fields: dict[tuple[str, str], int]

    def m(self, cls: str, name: str) -> int:
        return self.methods[(cls, name)]

    def s(self, text: str) -> int:
        return self.strings[text]

    def f(self, cls: str, name: str) -> int:
        return self.fields[(cls, name)]


CodeFn = Callable[[Index], bytes]


@dataclass
class Built:
    blob: bytes
    index: Index
    code_offs: dict[tuple[str, str], int]
    class_data_offs: dict[str, int]
    map_off: int


def build_code_dex(
    classes: dict[str, list[tuple[str, CodeFn]]],
    refs: Sequence[tuple[str, str]] = (),
    fields: Sequence[tuple[str, str]] = (),
    strings: Sequence[str] = (),
    supers: dict[str, str] | None = None,
) -> Built:
    """A DEX whose classes define static ``()V`` methods with the given code.

    ``refs`` adds method_ids of other classes (call targets), ``fields``
    static fields of type Ljava/lang/Object;, ``strings`` extra pool
    strings. ``supers`` gives a class's superclass (java.lang.Object by
    default). Each code callback receives the final indexes and returns the
    instructions (bytes, an even length).
    """
    obj = "Ljava/lang/Object;"
    supers = {c: (supers or {}).get(c, obj) for c in classes}
    methods = sorted({(c, n) for c, ms in classes.items() for n, _ in ms} | set(refs))
    types = {"V", obj, *supers.values(), *classes, *(c for c, _ in methods), *(c for c, _ in fields)}
    pool = set(types) | set(strings) | {n for _, n in methods} | {n for _, n in fields} | {"V"}
    string_list = sorted(pool, key=sort_key)
    sidx = {s: i for i, s in enumerate(string_list)}
    type_list = sorted(types, key=lambda t: sidx[t])
    tidx = {t: i for i, t in enumerate(type_list)}
    method_ids = sorted(methods, key=lambda m: (tidx[m[0]], sidx[m[1]]))
    midx = {m: i for i, m in enumerate(method_ids)}
    field_ids = sorted(fields, key=lambda f: (tidx[f[0]], sidx[f[1]]))
    fidx = {f: i for i, f in enumerate(field_ids)}
    index = Index(sidx, midx, fidx)
    class_defs = sorted(classes, key=lambda c: tidx[c])

    ns, nt, nf, nm, nc = len(string_list), len(type_list), len(field_ids), len(method_ids), len(class_defs)
    off = 0x70
    string_ids_off = off
    off += 4 * ns
    type_ids_off = off
    off += 4 * nt
    proto_ids_off = off
    off += 12
    field_ids_off = off
    off += 8 * nf
    method_ids_off = off
    off += 8 * nm
    class_defs_off = off
    off += 32 * nc
    data_off = off

    data = bytearray()
    code_offs: dict[tuple[str, str], int] = {}
    n_code = 0
    for cls in class_defs:
        for name, fn in sorted(classes[cls], key=lambda item: midx[(cls, item[0])]):
            insns = fn(index)
            assert len(insns) % 2 == 0
            data += b"\0" * (-len(data) % 4)
            code_offs[(cls, name)] = data_off + len(data)
            data += struct.pack("<HHHHII", 4, 0, 4, 0, 0, len(insns) // 2) + insns
            n_code += 1
    code_start = min(code_offs.values()) if code_offs else 0
    data += b"\0" * (-len(data) % 4)
    string_data_start = data_off + len(data)
    string_offs = []
    for s in string_list:
        string_offs.append(data_off + len(data))
        data += uleb128(len(sort_key(s)) // 2) + s.encode("utf-8") + b"\0"
    class_data_start = data_off + len(data)
    class_data_offs: dict[str, int] = {}
    for cls in class_defs:
        class_data_offs[cls] = data_off + len(data)
        own = sorted(midx[(cls, n)] for n, _ in classes[cls])
        data += uleb128(0) + uleb128(0) + uleb128(len(own)) + uleb128(0)
        prev = 0
        for m in own:
            data += uleb128(m - prev) + uleb128(0x9) + uleb128(code_offs[method_ids[m]])
            prev = m
    data += b"\0" * (-len(data) % 4)
    map_off = data_off + len(data)
    entries = [(0x0000, 1, 0), (0x0001, ns, string_ids_off), (0x0002, nt, type_ids_off), (0x0003, 1, proto_ids_off)]
    if nf:
        entries.append((0x0004, nf, field_ids_off))
    entries += [(0x0005, nm, method_ids_off), (0x0006, nc, class_defs_off)]
    if n_code:
        entries.append((0x2001, n_code, code_start))
    entries += [(0x2002, ns, string_data_start), (0x2000, nc, class_data_start), (0x1000, 1, map_off)]
    data += struct.pack("<I", len(entries)) + b"".join(struct.pack("<HHII", c, 0, n, o) for c, n, o in entries)
    file_size = data_off + len(data)

    tables = bytearray()
    tables += struct.pack(f"<{ns}I", *string_offs)
    tables += struct.pack(f"<{nt}I", *(sidx[t] for t in type_list))
    tables += struct.pack("<III", sidx["V"], tidx["V"], 0)  # the one proto: ()V
    for cls, name in field_ids:
        tables += struct.pack("<HHI", tidx[cls], tidx[obj], sidx[name])
    for cls, name in method_ids:
        tables += struct.pack("<HHI", tidx[cls], 0, sidx[name])
    for cls in class_defs:
        tables += struct.pack("<8I", tidx[cls], 1, tidx[supers[cls]], 0, NO_INDEX, 0, class_data_offs[cls], 0)
    head = bytearray(0x70)
    struct.pack_into(
        "<8sI20s20I", head, 0, b"dex\n035\0", 0, b"\0" * 20,
        file_size, 0x70, 0x12345678, 0, 0, map_off,
        ns, string_ids_off, nt, type_ids_off, 1, proto_ids_off,
        nf, field_ids_off if nf else 0, nm, method_ids_off, nc, class_defs_off,
        file_size - data_off, data_off,
    )
    blob = bytearray(head + tables + data)
    assert len(blob) == file_size
    return Built(fix_checksum(blob), index, code_offs, class_data_offs, map_off)


def fix_checksum(blob: bytearray | bytes) -> bytes:
    out = bytearray(blob)
    out[12:32] = hashlib.sha1(out[32:]).digest()
    struct.pack_into("<I", out, 8, zlib.adler32(out[12:]))
    return bytes(out)


def u16(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}H", *values)
