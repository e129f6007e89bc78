"""AndroidManifest.xml of an Android App Bundle: aapt2's protobuf XML.

Bundles keep ``base/manifest/AndroidManifest.xml`` as an ``aapt.pb.XmlNode``
message (frameworks/base/tools/aapt2/Resources.proto), not as binary AXML.
This decoder builds the same :class:`XmlElement` tree the AXML parser
builds, so the manifest extractor does not care which format it came from:
typed values, references as ``@0x7f0b0001``, attribute names keyed by
namespace URI and, as on a device, named by their platform resource id;
character data stripped into ``XmlElement.text``.

Field numbers used (checked against Resources.proto and the corpus bundle)::

    XmlNode      { XmlElement element = 1; string text = 2; SourcePosition source = 3; }
    XmlElement   { repeated XmlNamespace namespace_declaration = 1; string namespace_uri = 2;
                   string name = 3; repeated XmlAttribute attribute = 4; repeated XmlNode child = 5; }
    XmlAttribute { string namespace_uri = 1; string name = 2; string value = 3;
                   SourcePosition source = 4; uint32 resource_id = 5; Item compiled_item = 6; }
    Item         { oneof: Reference ref = 1; String str = 2; RawString raw_str = 3;
                   StyledString styled_str = 4; FileReference file = 5; Id id = 6; Primitive prim = 7; }
    Reference    { Type type = 1 (0 ref, 1 attr); uint32 id = 2; string name = 3;
                   bool private = 4; Boolean is_dynamic = 5; ... }
    String/RawString/StyledString { string value = 1; ... }   FileReference { string path = 1; ... }
    Primitive    { oneof: NullType null = 1; EmptyType empty = 2; float float = 3;
                   float dimension_deprecated = 4; float fraction_deprecated = 5;
                   int32 int_decimal = 6; uint32 int_hexadecimal = 7; bool boolean = 8;
                   uint32 color_argb8 = 9; color_rgb8 = 10; color_argb4 = 11; color_rgb4 = 12;
                   uint32 dimension = 13; uint32 fraction = 14; }
"""

from __future__ import annotations

from datatrail.errors import CorruptInput, LimitExceeded
from datatrail.formats.android import protobuf as pb
from datatrail.formats.android.attrs import attr_name
from datatrail.formats.common.xmltree import ANDROID_NS, XmlElement, XmlValue
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = ["parse_proto_xml", "is_proto_xml"]

# Same nesting bound as the AXML parser: real manifests are under 10 deep.
MAX_DEPTH = 256

# XmlNode
_NODE_ELEMENT, _NODE_TEXT = 1, 2
# XmlElement
_EL_NS_DECL, _EL_NS_URI, _EL_NAME, _EL_ATTRIBUTE, _EL_CHILD = 1, 2, 3, 4, 5
# XmlAttribute
_AT_NS_URI, _AT_NAME, _AT_VALUE, _AT_RESOURCE_ID, _AT_ITEM = 1, 2, 3, 5, 6
# Item
_IT_REF, _IT_STR, _IT_RAW_STR, _IT_STYLED_STR, _IT_FILE, _IT_ID, _IT_PRIM = 1, 2, 3, 4, 5, 6, 7
# Reference
_REF_TYPE, _REF_ID, _REF_NAME = 1, 2, 3
_REF_TYPE_ATTRIBUTE = 1
# Primitive
_P_NULL, _P_EMPTY, _P_FLOAT, _P_DIM_OLD, _P_FRAC_OLD = 1, 2, 3, 4, 5
_P_INT_DEC, _P_INT_HEX, _P_BOOL = 6, 7, 8
_P_COLOR_ARGB8, _P_COLOR_RGB8, _P_COLOR_ARGB4, _P_COLOR_RGB4 = 9, 10, 11, 12
_P_DIMENSION, _P_FRACTION = 13, 14


# Res_value "complex" units, rendered as the AXML decoder renders them.
_DIMENSION_UNITS = ("px", "dp", "sp", "pt", "in", "mm")
_FRACTION_UNITS = ("%", "%p")
# ResourceTypes.h: value = (data & 0xFFFFFF00) * 2^-(8, 15, 23, 31)[radix];
# i.e. the 24-bit signed mantissa scaled by 2^0, 2^-7, 2^-15 or 2^-23.
_MANTISSA_SCALE = (1.0, 1.0 / (1 << 7), 1.0 / (1 << 15), 1.0 / (1 << 23))


def _complex_text(data: int, units: tuple[str, ...], factor: float) -> str:
    mantissa = (data >> 8) & 0xFFFFFF
    if mantissa & 0x800000:
        mantissa -= 1 << 24
    value = mantissa * _MANTISSA_SCALE[(data >> 4) & 0x3] * factor
    unit = data & 0xF
    return f"{value:g}{units[unit] if unit < len(units) else ''}"


def is_proto_xml(head: bytes | memoryview) -> bool:
    """A proto XmlNode starts with field 1 (element) as LEN: key byte 0x0A.

    Binary AXML starts with 03 00 08 00, so the first byte tells them apart.
    """
    return len(head) >= 2 and head[0] == 0x0A


class _State:
    __slots__ = ("where", "log", "limits", "nodes", "renamed")

    def __init__(self, where: str, log: DiagnosticLog, limits: Limits) -> None:
        self.where = where
        self.log = log
        self.limits = limits
        self.nodes = 0
        self.renamed: list[str] = []


def _text(value: pb.FieldValue, st: _State, what: str) -> str:
    if isinstance(value, int):
        raise CorruptInput(f"{st.where}: {what} is a scalar where a string belongs")
    return pb.as_str(value, f"{st.where} ({what})", st.log)


def _single_string(msg: pb.FieldValue, st: _State, field_no: int, what: str) -> str:
    """First ``string`` field ``field_no`` of a small wrapper message (String, RawString...)."""
    if isinstance(msg, int):
        raise CorruptInput(f"{st.where}: {what} is a scalar where a message belongs")
    for number, wire, value in pb.fields(msg, st.where, st.log):
        if number == field_no and wire == pb.WIRE_LEN:
            return _text(value, st, what)
    return ""


def _reference(msg: pb.FieldValue, st: _State) -> str:
    if isinstance(msg, int):
        raise CorruptInput(f"{st.where}: reference is a scalar where a message belongs")
    ref_type = 0
    res_id = 0
    name = ""
    for number, wire, value in pb.fields(msg, st.where, st.log):
        if number == _REF_TYPE and wire == pb.WIRE_VARINT:
            ref_type = int(value)
        elif number == _REF_ID and wire == pb.WIRE_VARINT:
            res_id = pb.as_uint32(value)
        elif number == _REF_NAME and wire == pb.WIRE_LEN:
            name = _text(value, st, "reference name")
    sigil = "?" if ref_type == _REF_TYPE_ATTRIBUTE else "@"
    if res_id:
        # Same rendering as the AXML parser, so both formats compare equal.
        return f"{sigil}0x{res_id:08x}"
    if name:
        # aapt2 may leave the id unset when the bundle was built without ids
        # (rare); the name ("type/entry" or "pkg:type/entry") still says what it is.
        return f"{sigil}{name}"
    return "@null"


def _primitive(msg: pb.FieldValue, st: _State) -> XmlValue:
    if isinstance(msg, int):
        raise CorruptInput(f"{st.where}: primitive is a scalar where a message belongs")
    result: XmlValue = None
    # A oneof: the last one on the wire wins, as protobuf parsers do.
    for number, wire, value in pb.fields(msg, st.where, st.log):
        if isinstance(value, int):
            if number == _P_INT_DEC:
                result = pb.as_int32(value)
            elif number == _P_INT_HEX:
                result = pb.as_uint32(value)
            elif number == _P_BOOL:
                result = value != 0
            elif number == _P_FLOAT and wire == pb.WIRE_I32:
                result = pb.as_float(value)
            elif number in (_P_DIM_OLD, _P_FRAC_OLD) and wire == pb.WIRE_I32:
                result = pb.as_float(value)
            elif number == _P_DIMENSION:
                result = _complex_text(pb.as_uint32(value), _DIMENSION_UNITS, 1.0)
            elif number == _P_FRACTION:
                result = _complex_text(pb.as_uint32(value), _FRACTION_UNITS, 100.0)
            elif _P_COLOR_ARGB8 <= number <= _P_COLOR_RGB4:
                # aapt2 stores the Res_value data, already expanded to AARRGGBB.
                result = f"#{pb.as_uint32(value):08x}"
        elif number == _P_NULL:
            result = None
        elif number == _P_EMPTY:
            # Res_value TYPE_NULL with data 1 ("@empty"): present but empty.
            result = ""
    return result


def _item(msg: pb.FieldValue, raw: str, st: _State) -> XmlValue:
    if isinstance(msg, int):
        raise CorruptInput(f"{st.where}: compiled item is a scalar where a message belongs")
    result: XmlValue = raw
    for number, wire, value in pb.fields(msg, st.where, st.log):
        if wire != pb.WIRE_LEN:
            continue  # e.g. Item.flag_status in newer aapt2; not a value
        if number == _IT_REF:
            result = _reference(value, st)
        elif number in (_IT_STR, _IT_RAW_STR, _IT_STYLED_STR):
            result = _single_string(value, st, 1, "string item")
        elif number == _IT_FILE:
            result = _single_string(value, st, 1, "file reference")
        elif number == _IT_ID:
            # "@+id/x": an Id has no payload; the source text is the useful part.
            result = raw
        elif number == _IT_PRIM:
            result = _primitive(value, st)
    return result


def _attribute(msg: memoryview, element: XmlElement, index: int, st: _State) -> None:
    ns = ""
    name = ""
    raw = ""
    res_id = 0
    item: memoryview | None = None
    for number, wire, value in pb.fields(msg, st.where, st.log):
        if wire == pb.WIRE_LEN:
            if number == _AT_NS_URI:
                ns = _text(value, st, "attribute namespace")
            elif number == _AT_NAME:
                name = _text(value, st, "attribute name")
            elif number == _AT_VALUE:
                raw = _text(value, st, "attribute value")
            elif number == _AT_ITEM:
                item = value  # type: ignore[assignment]
        elif number == _AT_RESOURCE_ID and wire == pb.WIRE_VARINT:
            res_id = pb.as_uint32(value)
    # The platform identifies framework attributes by id, not by the string,
    # so an id we know overrides a renamed or blanked name (as in axml.py).
    platform_name = attr_name(res_id) if (res_id >> 16) == 0x0101 else None
    if platform_name is not None:
        if name and (name != platform_name or ns != ANDROID_NS):
            st.renamed.append(f"{name}->{platform_name}")
        name, ns = platform_name, ANDROID_NS
    if not name:
        name = f"0x{res_id:08x}" if res_id else f"attr{index}"
    key = "{" + ns + "}" + name if ns else name
    rendered: XmlValue = raw
    if item is not None:
        rendered = _item(item, raw, st)
    if key in element.attrs:
        st.log.add("aab.duplicate-attribute", f"attribute {key} repeated on <{element.tag}>; the last wins", st.where)
    element.attrs[key] = rendered
    if res_id:
        element.resource_ids[key] = res_id


def _count(st: _State, n: int) -> None:
    st.nodes += n
    if st.nodes > st.limits.max_xml_nodes:
        raise LimitExceeded(f"{st.where}: more than {st.limits.max_xml_nodes} XML nodes")


def _element(msg: memoryview, st: _State, is_root: bool) -> tuple[XmlElement | None, list[memoryview]]:
    """Decode one XmlElement's own fields; return it and its child XmlNode slices.

    Children are returned undecoded so the caller walks the tree with an
    explicit stack (no recursion, depth bounded there). When the element's
    field stream breaks partway, what was read before the break is kept with a
    diagnostic; an element whose name never arrived is dropped (the root
    instead raises CorruptInput: without it there is no document).
    """
    element = XmlElement("")
    children: list[memoryview] = []
    have_name = False
    attr_index = 0
    try:
        for number, wire, value in pb.fields(msg, st.where, st.log):
            if wire != pb.WIRE_LEN:
                continue
            if number == _EL_NAME:
                element.tag = _text(value, st, "element name")
                have_name = True
            elif number == _EL_ATTRIBUTE:
                _count(st, 1)
                try:
                    _attribute(value, element, attr_index, st)  # type: ignore[arg-type]
                except LimitExceeded:
                    raise
                except CorruptInput as exc:
                    st.log.add("aab.bad-attribute", f"attribute of <{element.tag}> skipped: {exc}", st.where, Level.ERROR)
                attr_index += 1
            elif number == _EL_CHILD:
                children.append(value)  # type: ignore[arg-type]
            # namespace_declaration and the element's own namespace_uri are not
            # needed: attributes carry full namespace URIs, and the AXML tree
            # uses bare element names too.
    except LimitExceeded:
        raise
    except CorruptInput as exc:
        if is_root and not have_name:
            raise CorruptInput(f"{st.where}: protobuf XML root element is unreadable: {exc}") from exc
        st.log.add(
            "aab.truncated-element",
            f"<{element.tag or '?'}> is damaged after {len(element.attrs)} attributes and {len(children)} children: {exc}",
            st.where,
            Level.ERROR,
        )
    if not have_name:
        if is_root:
            raise CorruptInput(f"{st.where}: protobuf XML root element has no name")
        st.log.add("aab.unnamed-element", "element without a name dropped", st.where, Level.ERROR)
        return None, []
    _count(st, 1)
    return element, children


def _node_element(msg: memoryview, st: _State) -> memoryview | str | None:
    """An XmlNode's XmlElement slice, or its text for a text node (None if neither)."""
    found: memoryview | str | None = None
    for number, wire, value in pb.fields(msg, st.where, st.log):
        if number == _NODE_ELEMENT and wire == pb.WIRE_LEN:
            found = value  # type: ignore[assignment]
        elif number == _NODE_TEXT and wire == pb.WIRE_LEN:
            found = _text(value, st, "text")
    return found


def _truncated_root(view: memoryview, st: _State) -> memoryview | None:
    """The root element's bytes when the file is cut short, else None.

    A truncated document shows up as the outermost length running past the
    end. Reading what is there still gives the root and every child that
    ended before the cut (each damaged level is reported by ``_element``),
    which beats rejecting the whole manifest.
    """
    if view[0] != 0x0A:  # field 1 (element), wire type LEN
        return None
    try:
        length, pos = pb.read_varint(view, 1, len(view), st.where)
    except CorruptInput:
        return None
    if length <= len(view) - pos:
        return None
    st.log.add(
        "aab.truncated",
        f"root element claims {length} bytes, {len(view) - pos} remain; reading what is there",
        st.where,
        Level.ERROR,
    )
    return view[pos:]


def _root_element(view: memoryview, st: _State) -> memoryview | None:
    """The root XmlNode's element; damage after it (in its source position) is only reported."""
    found: memoryview | None = None
    try:
        for number, wire, value in pb.fields(view, st.where, st.log):
            if number == _NODE_ELEMENT and wire == pb.WIRE_LEN:
                found = value  # type: ignore[assignment]
            elif number == _NODE_TEXT and wire == pb.WIRE_LEN:
                found = None
    except CorruptInput as exc:
        if found is None:
            raise CorruptInput(f"{st.where}: not a readable protobuf XmlNode: {exc}") from exc
        st.log.add("aab.trailing-damage", f"bytes after the root element are damaged: {exc}", st.where)
    return found


def parse_proto_xml(
    data: bytes | memoryview,
    log: DiagnosticLog,
    where: str = "base/manifest/AndroidManifest.xml",
    limits: Limits = DEFAULT_LIMITS,
) -> XmlElement:
    """Decode an aapt2 protobuf XmlNode into the shared element tree.

    Raises CorruptInput when no root element can be read, LimitExceeded past
    ``limits.max_xml_nodes``. Damage below the root yields a partial tree and
    diagnostics in ``log``.
    """
    view = data if isinstance(data, memoryview) else memoryview(data)
    if view.ndim != 1 or view.itemsize != 1:
        view = view.cast("B")
    st = _State(where, log, limits)
    if len(view) == 0:
        raise CorruptInput(f"{where}: empty protobuf XML")
    root_msg = _truncated_root(view, st)
    if root_msg is None:
        root_msg = _root_element(view, st)
    if root_msg is None:
        raise CorruptInput(f"{where}: protobuf XmlNode holds no element")
    root, root_children = _element(root_msg, st, is_root=True)
    if root is None:  # _element raises first; kept so -O cannot turn this into a None root
        raise CorruptInput(f"{where}: protobuf XML root element is unreadable")

    # Explicit stack of (element, its child XmlNode slices, next child index).
    stack: list[tuple[XmlElement, list[memoryview], int]] = [(root, root_children, 0)]
    too_deep = 0
    while stack:
        parent, kids, i = stack[-1]
        if i >= len(kids):
            stack.pop()
            continue
        stack[-1] = (parent, kids, i + 1)
        try:
            child_msg = _node_element(kids[i], st)
        except CorruptInput as exc:
            log.add("aab.bad-node", f"child {i} of <{parent.tag}> skipped: {exc}", where, Level.ERROR)
            continue
        if child_msg is None:
            continue
        if isinstance(child_msg, str):
            # Character data, kept the way the AXML decoder keeps it: stripped
            # and appended (a <domain> in network_security_config, say).
            parent.text += child_msg.strip()
            continue
        if len(stack) >= MAX_DEPTH:
            too_deep += 1
            continue
        child, grandchildren = _element(child_msg, st, is_root=False)
        if child is None:
            continue
        parent.children.append(child)
        stack.append((child, grandchildren, 0))
    if too_deep:
        log.add("aab.too-deep", f"{too_deep} elements nested deeper than {MAX_DEPTH} dropped", where, Level.ERROR)
    if st.renamed:
        shown = ", ".join(st.renamed[:5])
        log.add(
            "aab.renamed-attribute",
            f"{len(st.renamed)} attribute names disagree with their resource ids; the id wins ({shown})",
            where,
        )
    return root
