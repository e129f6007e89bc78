"""Android binary XML (AXML): AndroidManifest.xml and compiled res/xml files.

Tolerant where the platform is tolerant: malware corrupts the file header's
type and size, pads chunks, blanks attribute name strings and adds junk
namespaces, and the device still reads the manifest. The platform names
attributes by their resource id, so we do too whenever the file gives one.
"""

from __future__ import annotations

import struct

from datatrail.errors import CorruptInput, LimitExceeded
from datatrail.formats.android.attrs import attr_name
from datatrail.formats.android.stringpool import StringPool
from datatrail.formats.common.xmltree import ANDROID_NS, XmlElement, XmlValue
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = ["parse_axml", "is_axml", "render_value"]

_CHUNK = struct.Struct("<HHI")  # type, header size, total size
_NODE = struct.Struct("<II")  # line number, comment
_START = struct.Struct("<IIHHHHHH")  # ns, name, attr start, attr size, attr count, id, class, style
_ATTR = struct.Struct("<IIIHBBI")  # ns, name, raw value, value size, res0, data type, data

RES_XML = 0x0003
RES_STRING_POOL = 0x0001
RES_XML_RESOURCE_MAP = 0x0180
RES_XML_START_NAMESPACE = 0x0100
RES_XML_END_NAMESPACE = 0x0101
RES_XML_START_ELEMENT = 0x0102
RES_XML_END_ELEMENT = 0x0103
RES_XML_CDATA = 0x0104

_NO_INDEX = 0xFFFFFFFF
_MAX_DEPTH = 256

# Res_value data types
T_NULL, T_REFERENCE, T_ATTRIBUTE, T_STRING, T_FLOAT, T_DIMENSION, T_FRACTION = 0, 1, 2, 3, 4, 5, 6
T_DYNAMIC_REFERENCE, T_DYNAMIC_ATTRIBUTE = 7, 8
T_INT_DEC, T_INT_HEX, T_INT_BOOLEAN = 0x10, 0x11, 0x12
T_COLOR_FIRST, T_COLOR_LAST = 0x1C, 0x1F

_DIMENSION_UNITS = ("px", "dp", "sp", "pt", "in", "mm")
_FRACTION_UNITS = ("%", "%p")
_RADIX_MULT = (1.0 / (1 << 8), 1.0 / (1 << 15), 1.0 / (1 << 23), 1.0 / (1 << 31))


def is_axml(head: bytes) -> bool:
    """Binary XML starts with an RES_XML chunk header (type 3, header size 8)."""
    return len(head) >= 8 and head[:4] in (b"\x03\x00\x08\x00", b"\x00\x00\x08\x00")


def _complex(data: int) -> float:
    # The multipliers apply to the mantissa left in place (bits 8-31), as a signed int32.
    mantissa = data & 0xFFFFFF00
    if mantissa & 0x80000000:
        mantissa -= 1 << 32
    return mantissa * _RADIX_MULT[(data >> 4) & 0x3]


def render_value(data_type: int, data: int, string: str | None) -> XmlValue:
    """Typed Python value for a Res_value; references render as ``@0x7f...``."""
    if data_type == T_STRING:
        return string if string is not None else ""
    if data_type in (T_INT_DEC,):
        return data - (1 << 32) if data & 0x80000000 else data
    if data_type == T_INT_HEX:
        return data
    if data_type == T_INT_BOOLEAN:
        return data != 0
    if data_type in (T_REFERENCE, T_DYNAMIC_REFERENCE):
        return f"@0x{data:08x}" if data else "@null"
    if data_type in (T_ATTRIBUTE, T_DYNAMIC_ATTRIBUTE):
        return f"?0x{data:08x}"
    if data_type == T_FLOAT:
        value: float = struct.unpack("<f", struct.pack("<I", data))[0]
        return value
    if data_type == T_DIMENSION:
        unit = data & 0xF
        return f"{_complex(data):g}{_DIMENSION_UNITS[unit] if unit < len(_DIMENSION_UNITS) else ''}"
    if data_type == T_FRACTION:
        unit = data & 0xF
        return f"{_complex(data) * 100:g}{_FRACTION_UNITS[unit] if unit < len(_FRACTION_UNITS) else ''}"
    if T_COLOR_FIRST <= data_type <= T_COLOR_LAST:
        return f"#{data:08x}"
    if data_type == T_NULL:
        return None
    return data


class _Parser:
    def __init__(self, data: bytes | memoryview, where: str, log: DiagnosticLog, limits: Limits) -> None:
        self.data = data
        self.where = where
        self.log = log
        self.limits = limits
        self.pool: StringPool | None = None
        self.res_map: tuple[int, ...] = ()
        self.nodes = 0
        self.bad_strings = 0
        self.blank_names = 0

    def _at(self, offset: int) -> str:
        return f"{self.where}@0x{offset:x}"

    def string(self, idx: int) -> str | None:
        if idx == _NO_INDEX:
            return None
        value = self.pool.get(idx) if self.pool is not None else None
        if value is None:
            self.bad_strings += 1
        return value

    def parse(self) -> XmlElement:
        data = self.data
        if len(data) < 8:
            raise CorruptInput(f"{self.where}: binary XML is only {len(data)} bytes")
        ftype, fheader, fsize = _CHUNK.unpack_from(data, 0)
        if ftype != RES_XML or fheader != 8:
            self.log.add("axml.bad-file-header", f"file header type 0x{ftype:x}/size {fheader}; read anyway as the platform does", self._at(0))
        end = len(data)
        if fsize != end:
            self.log.add("axml.bad-file-size", f"header says {fsize} bytes, file has {end}", self._at(0))
            if 8 < fsize < end:
                end = fsize
        root = XmlElement("")  # synthetic document node
        stack: list[XmlElement] = [root]
        namespaces: dict[str, str] = {}
        pos = 8
        while pos + 8 <= end:
            ctype, cheader, csize = _CHUNK.unpack_from(data, pos)
            if csize < 8 or pos + csize > end or cheader > csize:
                self.log.add("axml.bad-chunk-size", f"chunk 0x{ctype:x} claims {csize} bytes; stopping here", self._at(pos), Level.ERROR)
                break
            if ctype == RES_STRING_POOL:
                if self.pool is None:
                    try:
                        self.pool, _ = StringPool.parse(data, pos, self.log, self.where, self.limits)
                    except LimitExceeded:
                        raise
                    except CorruptInput as exc:
                        self.log.add("axml.bad-string-pool", str(exc), self._at(pos), Level.ERROR)
                else:
                    self.log.add("axml.extra-string-pool", "second string pool ignored", self._at(pos))
            elif ctype == RES_XML_RESOURCE_MAP:
                count = (csize - cheader) // 4
                self.res_map = struct.unpack_from(f"<{count}I", data, pos + cheader)
            elif ctype == RES_XML_START_NAMESPACE:
                if pos + 16 + 8 <= pos + csize:
                    prefix_idx, uri_idx = struct.unpack_from("<II", data, pos + 16)
                    prefix, uri = self.string(prefix_idx), self.string(uri_idx)
                    if uri is not None:
                        namespaces[uri] = prefix or ""
            elif ctype == RES_XML_START_ELEMENT:
                if len(stack) > _MAX_DEPTH:
                    raise LimitExceeded(f"{self.where}: elements nested deeper than {_MAX_DEPTH}")
                element = self._element(pos, cheader, csize)
                if element is not None:
                    stack[-1].children.append(element)
                    stack.append(element)
            elif ctype == RES_XML_END_ELEMENT:
                if len(stack) > 1:
                    stack.pop()
                else:
                    self.log.add("axml.unbalanced-end", "end tag without a start tag", self._at(pos))
            elif ctype == RES_XML_CDATA:
                if pos + cheader + 4 <= pos + csize and len(stack) > 1:
                    text = self.string(struct.unpack_from("<I", data, pos + cheader)[0])
                    if text and text.strip():
                        stack[-1].text += text.strip()
            elif ctype == RES_XML_END_NAMESPACE:
                pass
            else:
                self.log.add("axml.unknown-chunk", f"unknown chunk type 0x{ctype:x} skipped", self._at(pos))
            pos += csize
        if pos < end and end - pos >= 8:
            self.log.add("axml.trailing-data", f"{end - pos} bytes after the last readable chunk", self._at(pos))
        if self.bad_strings:
            self.log.add("axml.bad-string-index", f"{self.bad_strings} string references point outside the pool", self.where)
        if self.blank_names:
            self.log.add("axml.blank-attribute-name", f"{self.blank_names} attribute names are blank; named by their resource id", self.where)
        if not root.children:
            raise CorruptInput(f"{self.where}: binary XML holds no element")
        if len(root.children) > 1:
            self.log.add("axml.several-roots", f"{len(root.children)} root elements; the first is used", self.where)
        return root.children[0]

    def _element(self, pos: int, cheader: int, csize: int) -> XmlElement | None:
        data = self.data
        ext = pos + cheader
        if ext + _START.size > pos + csize:
            self.log.add("axml.short-element", "start-element chunk too small", self._at(pos))
            return None
        _ns, name_idx, attr_start, attr_size, attr_count, _id, _cls, _style = _START.unpack_from(data, ext)
        tag = self.string(name_idx) or ""
        element = XmlElement(tag)
        if attr_size < _ATTR.size:
            if attr_count:
                self.log.add("axml.bad-attribute-size", f"attribute size {attr_size} is too small", self._at(pos))
            return element
        first = ext + attr_start
        room = (pos + csize - first) // attr_size if first <= pos + csize else 0
        if attr_count > room:
            self.log.add("axml.attribute-count", f"{attr_count} attributes declared, room for {room}", self._at(pos))
            attr_count = max(room, 0)
        self.nodes += 1 + attr_count
        if self.nodes > self.limits.max_xml_nodes:
            raise LimitExceeded(f"{self.where}: more than {self.limits.max_xml_nodes} XML nodes")
        for i in range(attr_count):
            a = first + i * attr_size
            ns_idx, aname_idx, raw_idx, _vsize, _res0, dtype, adata = _ATTR.unpack_from(data, a)
            res_id = self.res_map[aname_idx] if aname_idx < len(self.res_map) else 0
            ns = self.string(ns_idx)
            name = self.string(aname_idx) or ""
            platform_name = attr_name(res_id) if (res_id >> 16) == 0x0101 else None
            if platform_name is not None:
                if not name:
                    self.blank_names += 1
                elif name != platform_name:
                    self.log.add("axml.renamed-attribute", f"attribute string '{name}' has the id of '{platform_name}'; the id wins", self._at(a))
                name, ns = platform_name, ANDROID_NS
            if not name:
                name = f"0x{res_id:08x}" if res_id else f"attr{i}"
            key = "{" + ns + "}" + name if ns else name
            raw = self.string(raw_idx) if raw_idx != _NO_INDEX else None
            string = raw if raw is not None else (self.string(adata) if dtype == T_STRING else None)
            element.attrs[key] = render_value(dtype, adata, string)
            if res_id:
                element.resource_ids[key] = res_id
        return element


def parse_axml(
    data: bytes | memoryview,
    where: str = "AndroidManifest.xml",
    log: DiagnosticLog | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> XmlElement:
    """Parse binary XML into an element tree; raises CorruptInput when no element can be read."""
    parser = _Parser(data, where, log if log is not None else DiagnosticLog(), limits)
    try:
        return parser.parse()
    except struct.error as exc:  # a length check above missed a case: still the input's fault
        raise CorruptInput(f"{where}: binary XML is damaged ({exc})") from exc
