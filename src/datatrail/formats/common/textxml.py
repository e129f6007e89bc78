"""Plain-text Android XML (AAR manifests) into the shared element tree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from datatrail.errors import CorruptInput
from datatrail.formats.common.xmltree import XmlElement

__all__ = ["parse_text_xml"]

_MAX_TEXT_XML = 16 << 20


def parse_text_xml(data: bytes, where: str) -> XmlElement:
    """Parse source-form XML; values stay strings, as the author wrote them."""
    if len(data) > _MAX_TEXT_XML:
        raise CorruptInput(f"{where}: text XML larger than {_MAX_TEXT_XML} bytes")
    if b"<!ENTITY" in data:
        # Entity expansion is how XML bombs work; manifests never need it.
        raise CorruptInput(f"{where}: XML declares entities, refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise CorruptInput(f"{where}: not well-formed XML ({exc})") from exc
    return _convert(root)


def _convert(node: ET.Element) -> XmlElement:
    out = XmlElement(node.tag if isinstance(node.tag, str) else "")
    for key, value in node.attrib.items():
        out.attrs[key] = value
    out.text = (node.text or "").strip()
    out.children = [_convert(child) for child in node if isinstance(child.tag, str)]
    return out
