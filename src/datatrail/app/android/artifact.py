"""The Android artifact: read-only views over whatever the input held.

A loader fills one of these; extractors only read it. Heavy parts (resource
table, DEX string tables) are parsed on first use.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal, Protocol

from datatrail.errors import CorruptInput
from datatrail.formats.android.aab_manifest import parse_proto_xml
from datatrail.formats.android.aab_resources import ProtoResourceTable
from datatrail.formats.android.arsc import ResourceTable
from datatrail.formats.android.axml import is_axml, parse_axml
from datatrail.formats.android.classfile import ClassFile
from datatrail.formats.android.dex import DexFile
from datatrail.formats.android.dex_code import CodeRefs
from datatrail.formats.common.xmltree import XmlElement
from datatrail.formats.common.zip import ZipArchive
from datatrail.model.certificate import Certificate
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.report import InputFile

__all__ = ["AndroidArtifact", "Resources"]

Rendered = str | int | bool | float | None


class Resources(Protocol):
    """What both resource tables (APK resources.arsc, AAB resources.pb) answer."""

    def resolve(self, res_id: int, max_depth: int = 8) -> Rendered: ...
    def entry_name(self, res_id: int) -> str | None: ...
    def resource_ids(self) -> list[int]: ...


class AndroidArtifact:
    """Created empty for one input; the loader then fills in what the input holds.

    A plain class, not a dataclass: it is made once per scan and its cached
    properties need an instance ``__dict__`` anyway.
    """

    def __init__(self, input: InputFile, log: DiagnosticLog) -> None:
        self.input = input
        self.log = log
        self.manifest: XmlElement | None = None
        self.manifest_where = "AndroidManifest.xml"
        self.manifest_is_source = False
        """True for AAR text manifests, whose values are unresolved source strings."""
        self.base: ZipArchive | None = None
        """The archive holding the base APK's files (resources, res/xml)."""
        self.resource_data: bytes | None = None
        self.resource_format: Literal["arsc", "pb"] = "arsc"
        """resources.arsc in APKs, aapt2's protobuf table (base/resources.pb) in bundles."""
        self.res_root = ""
        """Where the base module's files sit inside ``base``: "" in an APK, "base/" in an AAB."""
        self.dex_files: list[DexFile] = []
        self.class_files: list[ClassFile] = []
        self.certificates: list[Certificate] = []
        self.splits: list[str] = []
        self.split_archives: list[tuple[str, ZipArchive]] = []
        """The split APKs other than the base, as (name in the set, archive): config splits
        carry the native libraries of one ABI."""
        self.nested: list[str] = []
        self.file_names: list[str] = []
        """Every entry name in the package (and splits), for native libs and assets."""
        self._code_refs: dict[int, CodeRefs] = {}

    @cached_property
    def resources(self) -> Resources | None:
        if self.resource_data is None:
            return None
        where = self.res_root + ("resources.pb" if self.resource_format == "pb" else "resources.arsc")
        try:
            if self.resource_format == "pb":
                return ProtoResourceTable.parse(self.resource_data, self.log, where=where)
            return ResourceTable.parse(self.resource_data, self.log, where=where)
        except CorruptInput as exc:
            code = "aab.resources-unreadable" if self.resource_format == "pb" else "arsc.unreadable"
            self.log.add(code, str(exc), where)
            return None

    @cached_property
    def network_security_config(self) -> tuple[str, XmlElement] | None:
        """The file ``android:networkSecurityConfig`` names (as a resource path) and its tree, read once."""
        if self.manifest is None:
            return None
        app = next(iter(self.manifest.findall("application")), None)
        ref = app.get("networkSecurityConfig") if app is not None else None
        if ref is None:
            return None
        path = self.resolve(ref)
        if isinstance(path, str) and path.startswith("@xml/"):
            # Source manifests (AARs) and name-only references keep the file name.
            path = f"res/xml/{path[5:]}.xml"
        if not isinstance(path, str) or path.startswith("@"):
            self.log.add("nsc.unresolved", f"networkSecurityConfig {ref!r} could not be resolved to a file", self.manifest_where)
            return None
        if not self.has_file(path):
            self.log.add("nsc.missing", f"network security config {path} is not in the package", path)
            return None
        tree = self.read_xml(path)
        return None if tree is None else (path, tree)

    def code_refs(self, dex: DexFile) -> CodeRefs:
        """The bytecode reference scanner of one of this artifact's DEX files, built once."""
        key = id(dex)
        refs = self._code_refs.get(key)
        if refs is None:
            refs = self._code_refs[key] = CodeRefs(dex)
        return refs

    def has_file(self, name: str) -> bool:
        return self.base is not None and (self.res_root + name) in self.base

    def read_file(self, name: str) -> bytes | None:
        """A file of the base module by its resource path (e.g. res/xml/x.xml), or None."""
        path = self.res_root + name
        if self.base is None or path not in self.base:
            return None
        try:
            return self.base.read(path)
        except CorruptInput as exc:
            self.log.add("zip.unreadable-entry", str(exc), path)
            return None

    def read_xml(self, name: str) -> XmlElement | None:
        """A compiled XML resource (binary XML in APKs, proto XML in bundles), or None."""
        raw = self.read_file(name)
        if raw is None:
            return None
        where = self.res_root + name
        try:
            if is_axml(raw[:8]) or self.resource_format == "arsc":
                return parse_axml(raw, where, self.log)
            return parse_proto_xml(raw, self.log, where)
        except CorruptInput as exc:
            self.log.add("xml.unreadable", str(exc), where)
            return None

    @cached_property
    def class_names(self) -> list[str]:
        """Dotted names of every class defined in the code, DEX and class files."""
        names: list[str] = []
        for dex in self.dex_files:
            names.extend(dex.class_names())
        names.extend(cf.name for cf in self.class_files)
        return names

    @cached_property
    def defined_classes(self) -> frozenset[str]:
        """``class_names`` as a set, for membership tests."""
        return frozenset(self.class_names)

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
