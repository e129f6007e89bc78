"""A small element tree shared by the binary-XML (AXML) and AAB protobuf decoders.

Attribute names are stored as ``{namespace-uri}local`` when namespaced, the
same convention as ElementTree, so the manifest extractor reads both formats
the same way.
"""

from __future__ import annotations

from typing import Iterator

__all__ = ["ANDROID_NS", "XmlValue", "XmlElement"]

ANDROID_NS = "http://schemas.android.com/apk/res/android"

XmlValue = str | int | bool | float | None
"""Decoded attribute value. References stay strings such as ``@0x7f040001``."""


class XmlElement:
    """One element: ``tag``, ``attrs``, ``children``, ``resource_ids`` (attribute name ->
    resource id (0x0101xxxx) where the file gave one) and ``text`` (character data
    directly inside the element, e.g. a <domain> name, stripped)."""

    __slots__ = ("tag", "attrs", "children", "resource_ids", "text")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.attrs: dict[str, XmlValue] = {}
        self.children: list[XmlElement] = []
        self.resource_ids: dict[str, int] = {}
        self.text = ""

    def get(self, name: str, default: XmlValue = None) -> XmlValue:
        """Attribute by local name in the android namespace, then plain name."""
        key = "{" + ANDROID_NS + "}" + name
        if key in self.attrs:
            return self.attrs[key]
        return self.attrs.get(name, default)

    def iter(self, tag: str | None = None) -> Iterator["XmlElement"]:
        stack = [self]
        while stack:
            node = stack.pop()
            if tag is None or node.tag == tag:
                yield node
            stack.extend(reversed(node.children))

    def findall(self, tag: str) -> list["XmlElement"]:
        """Direct children with this tag."""
        return [c for c in self.children if c.tag == tag]
