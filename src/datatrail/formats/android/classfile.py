"""Java ``.class`` files: the constant pool and the class's own names.

SDK JARs and AARs ship Java bytecode rather than DEX. What datatrail needs
from them is what the constant pool already says: which classes, methods and
fields the code refers to, and which string literals it holds. So the reader
stops after ``this_class``/``super_class``/``interfaces`` and never walks
fields, methods or attributes (JVMS 4.1).

Hostile input is assumed: every read is checked against the buffer, the
constant-pool count is bounded by the bytes present, and dangling or
mistyped references become diagnostics rather than exceptions.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from datatrail.errors import CorruptInput
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = ["ClassFile", "parse_class", "is_class_file", "decode_modified_utf8"]

MAGIC = 0xCAFEBABE
_HEAD = struct.Struct(">IHHH")  # magic, minor, major, constant_pool_count
_U2 = struct.Struct(">H")
_U2U2 = struct.Struct(">HH")

# Constant-pool tags (JVMS 4.4, up to Java 21).
T_UTF8 = 1
T_INTEGER = 3
T_FLOAT = 4
T_LONG = 5
T_DOUBLE = 6
T_CLASS = 7
T_STRING = 8
T_FIELDREF = 9
T_METHODREF = 10
T_INTERFACE_METHODREF = 11
T_NAME_AND_TYPE = 12
T_METHOD_HANDLE = 15
T_METHOD_TYPE = 16
T_DYNAMIC = 17
T_INVOKE_DYNAMIC = 18
T_MODULE = 19
T_PACKAGE = 20

# Bytes after the tag for every fixed-size entry; Utf8 is the only variable one.
_FIXED_SIZE = {
    T_INTEGER: 4,
    T_FLOAT: 4,
    T_LONG: 8,
    T_DOUBLE: 8,
    T_CLASS: 2,
    T_STRING: 2,
    T_FIELDREF: 4,
    T_METHODREF: 4,
    T_INTERFACE_METHODREF: 4,
    T_NAME_AND_TYPE: 4,
    T_METHOD_HANDLE: 3,
    T_METHOD_TYPE: 2,
    T_DYNAMIC: 4,
    T_INVOKE_DYNAMIC: 4,
    T_MODULE: 2,
    T_PACKAGE: 2,
}
# The smallest entry is 3 bytes (tag + u2), so a pool can never hold more
# entries than this allows; Long/Double take two slots in 9 bytes (< 6).
_MIN_ENTRY = 3
# Java 1.0.2 wrote 45; anything below is not a class file (fat Mach-O binaries
# share the magic and put a small architecture count where the version goes).
_MIN_MAJOR = 45
_MAX_SANE_MAJOR = 255


class ClassFile(NamedTuple):
    name: str
    """``this_class``, dotted: ``com.foo.Bar``."""
    super_name: str | None
    """Dotted super class; None for java.lang.Object and module-info."""
    interfaces: tuple[str, ...]
    major_version: int
    strings: tuple[str, ...]
    """CONSTANT_String values (string literals) in pool order, without duplicates."""
    class_refs: tuple[str, ...]
    """CONSTANT_Class names, dotted; array classes stay descriptors (``[Ljava/lang/String;``)."""
    method_refs: tuple[tuple[str, str, str], ...]
    """(owner, name, descriptor) of Methodref and InterfaceMethodref entries."""
    field_refs: tuple[tuple[str, str, str], ...]
    """(owner, name, descriptor) of Fieldref entries."""


def is_class_file(data: bytes | memoryview) -> bool:
    """True when the bytes start like a class file (magic and a plausible major version)."""
    if len(data) < 10:
        return False
    magic, _minor, major, _count = _HEAD.unpack_from(data, 0)
    return bool(magic == MAGIC and _MIN_MAJOR <= major <= _MAX_SANE_MAJOR)


def decode_modified_utf8(raw: bytes) -> tuple[str, bool]:
    """Decode JVM "modified UTF-8" (JVMS 4.4.7); return ``(text, clean)``.

    Differences from UTF-8: NUL is written as C0 80 and supplementary
    characters as two 3-byte-encoded UTF-16 surrogates. Lone surrogates and
    malformed bytes cannot be carried into a report (they are not encodable
    as UTF-8), so they become U+FFFD and ``clean`` is False.
    """
    if raw.isascii() and b"\x00" not in raw:
        return raw.decode("ascii"), True
    # C0 is never a valid UTF-8 byte, so swapping C0 80 for NUL cannot
    # alter any other sequence; the codecs then do the surrogate work.
    fixed = raw.replace(b"\xc0\x80", b"\x00")
    clean = b"\x00" not in raw
    try:
        text = fixed.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return _decode_lenient(raw), False
    if any(ord(c) > 0xFFFF for c in text):
        # A 4-byte UTF-8 sequence: Python accepts it, the JVM does not.
        clean = False
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return text, clean
    # Pair up surrogates through UTF-16; what stays unpaired is replaced.
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in joined):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in joined), False
    return joined, clean


def _decode_lenient(raw: bytes) -> str:
    """Byte-by-byte modified UTF-8 with U+FFFD for anything malformed."""
    units: list[int] = []
    i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80 and b != 0:
            units.append(b)
            i += 1
        elif 0xC0 <= b < 0xE0 and i + 1 < n and raw[i + 1] & 0xC0 == 0x80:
            units.append(((b & 0x1F) << 6) | (raw[i + 1] & 0x3F))
            i += 2
        elif (
            0xE0 <= b < 0xF0
            and i + 2 < n
            and raw[i + 1] & 0xC0 == 0x80
            and raw[i + 2] & 0xC0 == 0x80
        ):
            units.append(((b & 0x0F) << 12) | ((raw[i + 1] & 0x3F) << 6) | (raw[i + 2] & 0x3F))
            i += 3
        else:
            units.append(0xFFFD)
            i += 1
    out: list[str] = []
    k = 0
    while k < len(units):
        u = units[k]
        if 0xD800 <= u < 0xDC00 and k + 1 < len(units) and 0xDC00 <= units[k + 1] < 0xE000:
            out.append(chr(0x10000 + ((u - 0xD800) << 10) + (units[k + 1] - 0xDC00)))
            k += 2
            continue
        out.append("\ufffd" if 0xD800 <= u < 0xE000 else chr(u))
        k += 1
    return "".join(out)


def _dotted(internal: str) -> str:
    # Array classes are descriptors ("[Ljava/lang/String;"): kept verbatim so
    # they cannot be mistaken for a class called "[Ljava.lang.String;".
    return internal if internal.startswith("[") else internal.replace("/", ".")


class _Pool:
    """Constant pool as parallel lists indexed by constant-pool index."""

    __slots__ = ("data", "where", "log", "tags", "a", "b", "offsets", "_utf8", "bad_refs", "bad_utf8", "first_bad_utf8")

    def __init__(self, data: memoryview, where: str, log: DiagnosticLog, count: int) -> None:
        self.data = data
        self.where = where
        self.log = log
        self.tags = bytearray(count)  # 0 = unusable slot (index 0, second half of Long/Double)
        self.a = [0] * count  # first operand, or Utf8 offset
        self.b = [0] * count  # second operand, or Utf8 length
        self.offsets = [0] * count
        self._utf8: dict[int, str] = {}
        self.bad_refs = 0
        self.bad_utf8 = 0  # reported once per class, not once per string
        self.first_bad_utf8 = 0

    def utf8(self, index: int) -> str | None:
        if not 0 < index < len(self.tags) or self.tags[index] != T_UTF8:
            self.bad_refs += 1
            return None
        cached = self._utf8.get(index)
        if cached is not None:
            return cached
        start, length = self.a[index], self.b[index]
        text, clean = decode_modified_utf8(bytes(self.data[start : start + length]))
        if not clean:
            if not self.bad_utf8:
                self.first_bad_utf8 = index
            self.bad_utf8 += 1
        self._utf8[index] = text
        return text

    def ref(self, index: int, tag: int) -> int | None:
        """``index`` if it names a constant of ``tag``; else None (counted)."""
        if 0 < index < len(self.tags) and self.tags[index] == tag:
            return index
        self.bad_refs += 1
        return None

    def class_name(self, index: int) -> str | None:
        """Internal (slashed) name of the CONSTANT_Class at ``index``."""
        if self.ref(index, T_CLASS) is None:
            return None
        return self.utf8(self.a[index])

    def name_and_type(self, index: int) -> tuple[str, str] | None:
        if self.ref(index, T_NAME_AND_TYPE) is None:
            return None
        name = self.utf8(self.a[index])
        desc = self.utf8(self.b[index])
        if name is None or desc is None:
            return None
        return name, desc


def _read_pool(data: memoryview, where: str, log: DiagnosticLog, count: int) -> tuple[_Pool, int]:
    pool = _Pool(data, where, log, count)
    end = len(data)
    pos = 10
    index = 1
    tags = pool.tags
    while index < count:
        if pos >= end:
            raise CorruptInput(f"{where}@0x{pos:x}: constant pool truncated at entry #{index} of {count - 1}")
        tag = data[pos]
        pool.offsets[index] = pos
        if tag == T_UTF8:
            if pos + 3 > end:
                raise CorruptInput(f"{where}@0x{pos:x}: constant pool truncated in Utf8 #{index}")
            (length,) = _U2.unpack_from(data, pos + 1)
            if pos + 3 + length > end:
                raise CorruptInput(f"{where}@0x{pos:x}: Utf8 #{index} claims {length} bytes past the end")
            tags[index] = T_UTF8
            pool.a[index] = pos + 3
            pool.b[index] = length
            pos += 3 + length
            index += 1
            continue
        size = _FIXED_SIZE.get(tag)
        if size is None:
            raise CorruptInput(f"{where}@0x{pos:x}: unknown constant-pool tag {tag} at entry #{index}")
        if pos + 1 + size > end:
            raise CorruptInput(f"{where}@0x{pos:x}: constant pool truncated in entry #{index}")
        tags[index] = tag
        if size == 2:
            (pool.a[index],) = _U2.unpack_from(data, pos + 1)
        elif size == 4 and tag not in (T_INTEGER, T_FLOAT):
            pool.a[index], pool.b[index] = _U2U2.unpack_from(data, pos + 1)
        elif tag == T_METHOD_HANDLE:
            # reference_kind (u1), reference_index (u2)
            pool.a[index] = data[pos + 1]
            (pool.b[index],) = _U2.unpack_from(data, pos + 2)
        # Integer/Float/Long/Double values are not needed: only their size.
        pos += 1 + size
        if tag in (T_LONG, T_DOUBLE):
            # JVMS 4.4.5: the next index is unusable ("in retrospect, a poor choice").
            if index + 1 >= count:
                log.add(
                    "classfile.wide-constant-at-end",
                    f"Long/Double #{index} is the last pool entry; its second slot is missing",
                    f"{where}@0x{pool.offsets[index]:x}",
                )
            index += 2
        else:
            index += 1
    return pool, pos


def parse_class(data: bytes | memoryview, where: str, log: DiagnosticLog) -> ClassFile:
    """Read a class file's constant pool and names.

    Raises CorruptInput when the magic is wrong, the pool is truncated or
    holds an unknown tag, or ``this_class`` cannot be resolved to a name.
    """
    view = data if isinstance(data, memoryview) else memoryview(data)
    if view.ndim != 1 or view.itemsize != 1:
        view = view.cast("B")
    end = len(view)
    if end < 10:
        raise CorruptInput(f"{where}: {end} bytes is too short for a class file")
    magic, _minor, major, count = _HEAD.unpack_from(view, 0)
    if magic != MAGIC:
        raise CorruptInput(f"{where}: not a class file (magic 0x{magic:08x})")
    if not _MIN_MAJOR <= major <= _MAX_SANE_MAJOR:
        log.add("classfile.odd-version", f"major version {major} is outside 45..255", f"{where}@0x6")
    if count == 0:
        raise CorruptInput(f"{where}@0x8: constant_pool_count is 0 (must be at least 1)")
    if count - 1 > (end - 10) // _MIN_ENTRY:
        # Checked before allocating per-entry lists: a forged count cannot
        # make us reserve more than the file could possibly describe.
        raise CorruptInput(
            f"{where}@0x8: constant_pool_count {count} cannot fit in {end} bytes"
        )
    pool, pos = _read_pool(view, where, log, count)

    if pos + 8 > end:
        raise CorruptInput(f"{where}@0x{pos:x}: truncated after the constant pool")
    _access, this_idx, super_idx, n_ifaces = struct.unpack_from(">HHHH", view, pos)
    pos += 8
    this_internal = pool.class_name(this_idx)
    if this_internal is None:
        raise CorruptInput(f"{where}@0x{pos - 6:x}: this_class #{this_idx} is not a usable CONSTANT_Class")
    super_name: str | None = None
    if super_idx:
        super_internal = pool.class_name(super_idx)
        if super_internal is None:
            log.add("classfile.bad-super", f"super_class #{super_idx} is not a CONSTANT_Class", f"{where}@0x{pos - 4:x}")
        else:
            super_name = _dotted(super_internal)
    interfaces: list[str] = []
    if pos + 2 * n_ifaces > end:
        log.add(
            "classfile.truncated-interfaces",
            f"{n_ifaces} interfaces declared, the file ends first",
            f"{where}@0x{pos:x}",
            Level.ERROR,
        )
        n_ifaces = (end - pos) // 2
    for k in range(n_ifaces):
        (iface_idx,) = _U2.unpack_from(view, pos + 2 * k)
        iface = pool.class_name(iface_idx)
        if iface is None:
            log.add("classfile.bad-interface", f"interface #{iface_idx} is not a CONSTANT_Class", f"{where}@0x{pos + 2 * k:x}")
        else:
            interfaces.append(_dotted(iface))

    strings: dict[str, None] = {}
    class_refs: dict[str, None] = {}
    method_refs: dict[tuple[str, str, str], None] = {}
    field_refs: dict[tuple[str, str, str], None] = {}
    tags = pool.tags
    for index in range(1, count):
        tag = tags[index]
        if tag == T_STRING:
            text = pool.utf8(pool.a[index])
            if text is not None:
                strings[text] = None
        elif tag == T_CLASS:
            cname = pool.utf8(pool.a[index])
            if cname is not None:
                class_refs[_dotted(cname)] = None
        elif tag in (T_METHODREF, T_INTERFACE_METHODREF, T_FIELDREF):
            owner = pool.class_name(pool.a[index])
            nat = pool.name_and_type(pool.b[index])
            if owner is None or nat is None:
                continue
            member = (_dotted(owner), nat[0], nat[1])
            if tag == T_FIELDREF:
                field_refs[member] = None
            else:
                method_refs[member] = None
    if pool.bad_utf8:
        first = pool.first_bad_utf8
        log.add(
            "classfile.bad-utf8",
            f"{pool.bad_utf8} Utf8 constants are not well-formed modified UTF-8 (first #{first}); "
            "bad bytes and lone surrogates became U+FFFD",
            f"{where}@0x{pool.offsets[first]:x}",
            Level.INFO,
        )
    if pool.bad_refs:
        log.add(
            "classfile.bad-reference",
            f"{pool.bad_refs} constant-pool references point at a missing or mistyped entry",
            where,
        )
    return ClassFile(
        name=_dotted(this_internal),
        super_name=super_name,
        interfaces=tuple(interfaces),
        major_version=major,
        strings=tuple(strings),
        class_refs=tuple(class_refs),
        method_refs=tuple(method_refs),
        field_refs=tuple(field_refs),
    )
