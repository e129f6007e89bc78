"""Objective-C class names from a Mach-O slice's runtime metadata.

``__objc_classlist`` is an array of pointers to ``class_t``; each class's
``data`` field (low 2 bits, 3 on 64-bit, are flags) points to a ``class_ro_t`` whose ``name`` field points to the
class name (in ``__objc_classname``, or ``__cstring`` for Swift classes).
From ``objc4``'s ``objc-runtime-new.h``, with P the pointer size::

    class_t:     isa, superclass, cache, vtable, data      (5 pointers)
    class_ro_t:  I flags, I instanceStart, I instanceSize, [I reserved on 64-bit],
                 ivarLayout, name, ...                     (pointers)

Pointers on disk are either plain virtual addresses or, in binaries built
for iOS 15 and later, dyld "chained fixups" that pack the target in the low
bits next to chain metadata. Rather than walk the fixup chains, each pointer
is tried as the formats would decode it (36-bit and 43-bit virtual address,
32-bit offset from the image base) and the first target that lies in the file
wins; names that do not look like identifiers are discarded, so a misread
pointer costs a missing name, never a wrong one.
"""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING, Final, Iterator

if TYPE_CHECKING:
    from datatrail.formats.apple.macho import MachOSlice

__all__ = ["class_names", "resolve_pointer", "read_cstring", "swift_runtime_name"]

MAX_CLASSES: Final = 1 << 20
_MAX_NAME: Final = 1024
_LOW36: Final = (1 << 36) - 1
_LOW43: Final = (1 << 43) - 1
_LOW32: Final = (1 << 32) - 1
_LOW26: Final = (1 << 26) - 1


def resolve_pointer(sl: MachOSlice, value: int) -> int | None:
    """Slice offset that an on-disk pointer ``value`` refers to, or None."""
    if value == 0:
        return None
    candidates: tuple[int, ...]
    if sl.is64:
        candidates = (value, value & _LOW36, value & _LOW43, sl.image_base + (value & _LOW32))
    else:
        candidates = (value, value & _LOW26)
    for target in candidates:
        offset = sl.file_offset(target)
        if offset is not None:
            return offset
    return None


def read_cstring(sl: MachOSlice, offset: int, limit: int = _MAX_NAME) -> bytes:
    """The NUL-terminated bytes at ``offset`` (at most ``limit``); empty when encrypted."""
    if not sl.readable_ranges(offset, offset + 1):
        return b""
    raw = sl.read(offset, limit)
    nul = raw.find(b"\0")
    return raw if nul < 0 else raw[:nul]


_NAME: Final = re.compile(rb"[A-Za-z_$][A-Za-z0-9_$.]*")


def _plausible_name(raw: bytes) -> bool:
    # Class names are identifiers, Swift-mangled names (``_TtC4Demo11AppDelegate``)
    # or module-qualified names (``Demo.AppDelegate``). ``__objc_classname`` also
    # holds ivar layouts (short binary runs such as ``C"``), which this rules out.
    return 0 < len(raw) < _MAX_NAME and _NAME.fullmatch(raw) is not None


def _classlist_names(sl: MachOSlice) -> Iterator[str]:
    ptr = 8 if sl.is64 else 4
    order = "<" if sl.little_endian else ">"
    word = struct.Struct(order + ("Q" if sl.is64 else "I"))
    data_field = 4 * ptr
    name_field = 24 if sl.is64 else 16
    flag_mask = ~7 if sl.is64 else ~3
    budget = MAX_CLASSES
    for sec in sl.sections_named("__objc_classlist"):
        count = min(sec.file_size // ptr, budget)
        budget -= count
        table = sl.read(sec.offset, count * ptr)
        for (class_ptr,) in word.iter_unpack(table[: len(table) - len(table) % ptr]):
            class_at = resolve_pointer(sl, class_ptr)
            if class_at is None:
                continue
            raw = sl.read(class_at + data_field, ptr)
            if len(raw) < ptr:
                continue
            ro_at = resolve_pointer(sl, word.unpack(raw)[0] & flag_mask)
            if ro_at is None:
                continue
            raw = sl.read(ro_at + name_field, ptr)
            if len(raw) < ptr:
                continue
            name_at = resolve_pointer(sl, word.unpack(raw)[0])
            if name_at is None:
                continue
            name = read_cstring(sl, name_at)
            if _plausible_name(name):
                yield name.decode("ascii")


def _classname_section(sl: MachOSlice) -> Iterator[str]:
    for sec in sl.sections_named("__objc_classname"):
        for start, end in sl.readable_ranges(sec.offset, sec.offset + sec.file_size):
            for part in sl.read(start, end - start).split(b"\0"):
                if _plausible_name(part):
                    yield part.decode("ascii")


def class_names(sl: MachOSlice) -> tuple[str, ...]:
    """Class names from ``__objc_classlist``, then the other names in ``__objc_classname``
    (protocols, and classes of object files whose list entries await relocation); each once."""
    seen: dict[str, None] = {}
    for name in _classlist_names(sl):
        seen.setdefault(name, None)
    for name in _classname_section(sl):
        seen.setdefault(name, None)
    return tuple(seen)


def swift_runtime_name(name: str) -> str:
    """``Module.Outer.Inner`` for a Swift class's Objective-C runtime name such as
    ``_TtC4Demo11AppDelegate`` or ``_TtCC4Demo5Outer5Inner``; other names unchanged.

    The old-style mangling the runtime uses is ``_Tt``, one ``C`` per name
    component, then the module (``s`` for the standard library) and the
    components, each as ``<length><text>``.
    """
    if not name.startswith("_TtC"):
        return name
    at = 3
    depth = 0
    while at < len(name) and name[at] == "C":
        depth += 1
        at += 1
    parts: list[str] = []
    if name.startswith("s", at):
        parts.append("Swift")
        at += 1
    for _ in range(depth + 1 - len(parts)):
        digits = at
        while at < len(name) and name[at].isdigit():
            at += 1
        if digits == at:
            return name
        length = int(name[digits:at])
        if length == 0 or at + length > len(name):
            return name
        parts.append(name[at : at + length])
        at += length
    return ".".join(parts) if at == len(name) else name
