"""The Android artifact: read-only views over whatever the input held.

A loader fills one of these; extractors only read it. Heavy parts (resource
table, DEX string tables) are parsed on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from datatrail.errors import CorruptInput
from datatrail.formats.arsc import ResourceTable
from datatrail.formats.classfile import ClassFile
from datatrail.formats.dex import DexFile
from datatrail.formats.xmltree import XmlElement
from datatrail.formats.zip import ZipArchive
from datatrail.model.certificate import Certificate
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.report import InputFile

__all__ = ["AndroidArtifact"]


@dataclass(eq=False)
class AndroidArtifact:
    input: InputFile
    log: DiagnosticLog
    manifest: XmlElement | None = None
    manifest_where: str = "AndroidManifest.xml"
    manifest_is_source: bool = False
    """True for AAR text manifests, whose values are unresolved source strings."""
    base: ZipArchive | None = None
    """The archive holding the base APK's files (resources, res/xml)."""
    resources_arsc: bytes | None = None
    dex_files: list[DexFile] = field(default_factory=list)
    class_files: list[ClassFile] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    splits: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)
    file_names: list[str] = field(default_factory=list)
    """Every entry name in the package (and splits), for native libs and assets."""

    @cached_property
    def resources(self) -> ResourceTable | None:
        if self.resources_arsc is None:
            return None
        try:
            return ResourceTable.parse(self.resources_arsc, self.log)
        except CorruptInput as exc:
            self.log.add("arsc.unreadable", str(exc), "resources.arsc")
            return None

    def read_file(self, name: str) -> bytes | None:
        """A file of the base package by path (e.g. a res/xml resource), or None."""
        if self.base is None or name not in self.base:
            return None
        return self.base.read(name)

    @cached_property
    def class_names(self) -> list[str]:
        """Dotted names of every class defined in the code, DEX and class files."""
        names: list[str] = []
        for dex in self.dex_files:
            names.extend(dex.class_names())
        names.extend(cf.name for cf in self.class_files)
        return names

    def resolve(self, value: object) -> object:
        """Follow an ``@0x7f...`` reference through resources.arsc, if it is one."""
        if isinstance(value, str) and value.startswith("@0x") and self.resources is not None:
            try:
                res_id = int(value[1:], 16)
            except ValueError:
                return value
            resolved = self.resources.resolve(res_id)
            return value if resolved is None else resolved
        return value
