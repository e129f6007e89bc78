"""Files and folders to iOS artifacts: IPA, zipped or unzipped .app bundles,
.framework / .xcframework folders (and SDK folders), static libraries and plain Mach-O.

The layout of an app bundle is fixed by Apple: ``Payload/<Name>.app/`` in an
IPA holds ``Info.plist``, the main executable it names (CFBundleExecutable),
``Frameworks/*.framework`` and ``*.dylib``, extensions under ``PlugIns/`` and
``Extensions/``, a ``Watch/`` app, ``embedded.mobileprovision`` and
``PrivacyInfo.xcprivacy`` files at the root of each bundle. Some tools wrap
``Payload/`` in one more folder; that is accepted too. Damaged parts become
diagnostics; only an input with nothing readable at all is an error.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from datatrail.app.ios.sniff import NotIosArchive, is_ios_folder, is_ios_input
from datatrail.app.shared.input_file import open_input
from datatrail.app.shared.sniff import Kind, sniff_archive, sniff_bytes
from datatrail.errors import CorruptInput, InputError, LimitExceeded, UnsupportedInput
from datatrail.formats.apple.ar import is_ar, iter_ar_members
from datatrail.formats.apple.codesign import CodeSignature, parse_code_signature
from datatrail.formats.apple.macho import MachOFile, is_macho, parse_macho, read_fat_archs
from datatrail.formats.apple.mobileprovision import Profile, parse_mobileprovision
from datatrail.formats.apple.plist import MAX_PLIST_SIZE, is_plist, parse_plist_dict
from datatrail.formats.common.regular import open_regular
from datatrail.formats.common.zip import InflationBudget, ZipArchive, has_end_record
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level
from datatrail.model.report import InputFile

__all__ = ["IosArtifact", "LoadedBinary", "NotIosArchive", "load_ios", "is_ios_folder", "is_ios_input", "IOS_KINDS"]

IOS_KINDS = frozenset({Kind.IPA, Kind.APP_BUNDLE, Kind.MACHO, Kind.AR, Kind.FRAMEWORK})

_SNIFF = 8
_MAX_FOLDER_FILES = 200_000
_MAX_TEXT_FILE = 4 << 20
_MAX_TEXT_TOTAL = 64 << 20
_MAX_MEMBERS = 20_000
_MAX_PLIST_VISITS = 100_000
_TEXT_SUFFIXES = (".plist", ".json", ".js", ".html", ".htm", ".txt", ".xml", ".strings", ".conf", ".cfg", ".ini", ".yaml", ".yml")
_NESTED_BUNDLES = re.compile(r"^(?:PlugIns|Extensions|Watch|AppClips)/[^/]+\.(?:appex|app)/$")
_FRAMEWORK = re.compile(r"^Frameworks/([^/]+)\.framework/$")
_DYLIB = re.compile(r"^Frameworks/[^/]+\.dylib$")
_PRIVACY = "PrivacyInfo.xcprivacy"


class _Tree(Protocol):
    """What the loader needs from a container: a zip or a folder."""

    name: str

    def names(self) -> list[str]: ...
    def read(self, name: str, max_size: int | None = None) -> bytes: ...


class _ZipTree:
    def __init__(self, z: ZipArchive) -> None:
        self.z = z
        self.name = z.name

    def names(self) -> list[str]:
        return [n for n in self.z.names() if not n.startswith("__MACOSX/")]

    def read(self, name: str, max_size: int | None = None) -> bytes:
        return self.z.read(name, max_size=max_size)


def _is_plain_file(path: str) -> bool:
    """A regular file, not a symbolic link (which may lead out of the folder), FIFO or device."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


class _DirTree:
    """A folder read like an archive: relative ``/`` names, bounded, no symlinks followed."""

    def __init__(self, root: Path, limits: Limits, log: DiagnosticLog) -> None:
        self.root = root
        self.name = root.name
        self.limits = limits
        self.used = 0
        self._names: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            rel = Path(dirpath).relative_to(root).as_posix()
            prefix = "" if rel == "." else rel + "/"
            if prefix:
                self._names.append(prefix)
            for fn in sorted(filenames):
                if len(self._names) >= _MAX_FOLDER_FILES:
                    log.add("folder.too-many-files", f"more than {_MAX_FOLDER_FILES} files; the rest are not read", root.name, Level.ERROR)
                    return
                if _is_plain_file(os.path.join(dirpath, fn)):  # not a link, FIFO or device
                    self._names.append(prefix + fn)

    def names(self) -> list[str]:
        return self._names

    def read(self, name: str, max_size: int | None = None) -> bytes:
        path = self.root / name
        try:
            size = path.stat().st_size
            cap = self.limits.max_entry_size if max_size is None else min(max_size, self.limits.max_entry_size)
            if max_size is None and size > cap:
                raise LimitExceeded(f"{self.name}/{name}: {size} bytes (limit {cap})")
            if max_size is None and self.used + size > self.limits.max_total_inflated:
                raise LimitExceeded(f"{self.name}: folder holds more than {self.limits.max_total_inflated} bytes to read")
            with open_regular(path) as fh:
                data = fh.read(cap)
        except OSError as exc:
            raise CorruptInput(f"{self.name}/{name}: cannot read ({exc.strerror or exc})") from exc
        if max_size is None:
            self.used += len(data)
        return data


@dataclass(eq=False)
class LoadedBinary:
    location: str
    role: str
    """main, framework, dylib, extension, library-member or binary."""
    macho: MachOFile
    signature: CodeSignature | None = None


@dataclass(eq=False)
class IosArtifact:
    input: InputFile
    log: DiagnosticLog
    bundle_kind: str = "binary"
    """app, framework, static-library, binary or sdk-folder."""
    root: str = ""
    """Where the main bundle sits in the container (``Payload/X.app/``)."""
    info: dict[str, Any] | None = None
    info_where: str = "Info.plist"
    binaries: list[LoadedBinary] = field(default_factory=list)
    profiles: list[tuple[str, Profile]] = field(default_factory=list)
    manifests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    """(location, owner, document) of each PrivacyInfo.xcprivacy."""
    bundles: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    """(role, path, Info.plist) of each embedded framework and extension."""
    texts: list[tuple[str, list[str]]] = field(default_factory=list)
    """(location, lines or values) of plists and text resources, for endpoints."""
    file_names: list[str] = field(default_factory=list)

    @property
    def main(self) -> LoadedBinary | None:
        return next((b for b in self.binaries if b.role == "main"), None)


class _Loader:
    def __init__(self, art: IosArtifact, limits: Limits) -> None:
        self.art = art
        self.log = art.log
        self.limits = limits
        self.text_used = 0

    # -- reading ------------------------------------------------------------

    def read(self, tree: _Tree, name: str, max_size: int | None = None) -> bytes | None:
        where = self.where(tree, name)
        try:
            return tree.read(name, max_size)
        except LimitExceeded as exc:
            self.log.add("ios.entry-too-big", str(exc), where, Level.ERROR)
        except CorruptInput as exc:
            self.log.add("ios.unreadable-entry", str(exc), where, Level.ERROR)
        except KeyError:
            self.log.add("ios.missing-entry", "named but not present", where, Level.ERROR)
        return None

    @staticmethod
    def where(tree: _Tree, name: str) -> str:
        return name if isinstance(tree, _ZipTree) else f"{tree.name}/{name}"

    def plist(self, tree: _Tree, name: str) -> dict[str, Any] | None:
        raw = self.read(tree, name, MAX_PLIST_SIZE + 1)
        if raw is None:
            return None
        where = self.where(tree, name)
        try:
            doc = parse_plist_dict(raw, where)
        except CorruptInput as exc:
            self.log.add("plist.unreadable", str(exc), where, Level.ERROR)
            return None
        self.add_plist_text(doc, where)
        return doc

    def add_plist_text(self, doc: Any, where: str) -> None:
        values: list[str] = []
        _plist_strings(doc, values)
        if values:
            self.art.texts.append((where, values))

    # -- binaries -------------------------------------------------------------

    def binary(self, data: bytes, where: str, role: str) -> None:
        head = data[:_SNIFF]
        if is_ar(head):
            self.static_library(data, where)
            return
        if not is_macho(head):
            self.log.add("ios.not-macho", f"the {role} executable is not a Mach-O file", where, Level.ERROR)
            return
        try:
            macho = parse_macho(data, where, self.log)
        except InputError as exc:
            self.log.add("macho.unreadable", str(exc), where, Level.ERROR)
            return
        self.art.binaries.append(LoadedBinary(where, role, macho, self.signature(macho, where)))

    def signature(self, macho: MachOFile, where: str) -> CodeSignature | None:
        sl = macho.preferred()
        if sl is None or sl.code_signature is None:
            return None
        off, size = sl.code_signature
        blob = sl.read(off, size)
        if not blob:
            self.log.add("codesign.missing", "LC_CODE_SIGNATURE points outside the file", where)
            return None
        try:
            return parse_code_signature(blob)
        except InputError as exc:
            self.log.add("codesign.unreadable", str(exc), where)
            return None

    def static_library(self, data: bytes | memoryview, where: str) -> None:
        count = 0
        try:
            for member, content in iter_ar_members(data, where, self.log):
                if count >= _MAX_MEMBERS:
                    self.log.add("ar.too-many-members", f"more than {_MAX_MEMBERS} members; the rest are not read", where, Level.ERROR)
                    break
                if not is_macho(bytes(content[:_SNIFF])):
                    continue
                count += 1
                member_where = f"{where}({member})"
                try:
                    macho = parse_macho(content, member_where, self.log)
                except InputError as exc:
                    self.log.add("macho.unreadable", str(exc), member_where)
                    continue
                self.art.binaries.append(LoadedBinary(member_where, "library-member", macho))
        except InputError as exc:
            self.log.add("ar.unreadable", str(exc), where, Level.ERROR)

    def any_binary(self, data: bytes, where: str, role: str) -> None:
        """A plain Mach-O, a static library, or a fat file holding either."""
        head = data[:_SNIFF]
        if is_ar(head):
            self.static_library(data, where)
            return
        if is_macho(head) and head[:4] in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
            archs = read_fat_archs(data, where, self.log)
            view = memoryview(data)
            if archs and all(is_ar(bytes(view[a.offset : a.offset + _SNIFF])) for a in archs):
                # Each slice repeats the library for another CPU; one is enough for a privacy scan.
                arch = next((a for a in archs if a.cpu == "arm64"), archs[0])
                self.static_library(view[arch.offset : arch.offset + arch.size], f"{where}[{arch.cpu}]")
                return
        self.binary(data, where, role)

    # -- bundles ----------------------------------------------------------------

    def bundle(self, tree: _Tree, root: str, role: str, names: set[str]) -> dict[str, Any] | None:
        """One .app / .appex / .framework: its Info.plist, executable, profile and privacy manifest."""
        info = self.plist(tree, root + "Info.plist") if root + "Info.plist" in names else None
        exe = info.get("CFBundleExecutable") if info else None
        if not isinstance(exe, str) or not exe or "/" in exe:
            stem = root.rstrip("/").rpartition("/")[2].rpartition(".")[0]
            exe = stem if root + stem in names else None
        if exe is not None and root + exe in names:
            data = self.read(tree, root + exe)
            if data is not None:
                self.binary(data, self.where(tree, root + exe), role)
        elif role == "main":
            self.log.add("ios.no-executable", "the app bundle has no main executable (CFBundleExecutable)", self.where(tree, root), Level.ERROR)
        if root + "embedded.mobileprovision" in names:
            self.profile(tree, root + "embedded.mobileprovision")
        elif role == "main":
            self.log.add("ios.no-profile", "no embedded.mobileprovision (normal for App Store downloads)", self.where(tree, root), Level.INFO)
        return info

    def profile(self, tree: _Tree, name: str) -> None:
        raw = self.read(tree, name)
        if raw is None:
            return
        where = self.where(tree, name)
        try:
            self.art.profiles.append((where, parse_mobileprovision(raw, where)))
        except CorruptInput as exc:
            self.log.add("mobileprovision.unreadable", str(exc), where, Level.ERROR)

    def manifest(self, tree: _Tree, name: str, owner: str) -> None:
        doc = self.plist(tree, name)
        if doc is not None:
            self.art.manifests.append((self.where(tree, name), owner, doc))

    def text_files(self, tree: _Tree, names: list[str], skip: set[str]) -> None:
        for name in names:
            if name in skip or name.endswith("/") or not name.lower().endswith(_TEXT_SUFFIXES):
                continue
            if self.text_used >= _MAX_TEXT_TOTAL:
                self.log.add("ios.text-budget", "text resources past the budget are not searched for endpoints", tree.name, Level.INFO)
                return
            raw = self.read(tree, name, _MAX_TEXT_FILE)
            if raw is None:
                continue
            self.text_used += len(raw)
            where = self.where(tree, name)
            if is_plist(raw[:256]):
                try:
                    self.add_plist_text(parse_plist_dict(raw, where), where)
                except CorruptInput:
                    pass  # a binary nib or a plist-looking data file: nothing to search
                continue
            if b"\0" in raw[:1024]:
                continue
            lines = raw.decode("utf-8", "replace").splitlines()
            if lines:
                self.art.texts.append((where, lines))

    def app(self, tree: _Tree, root: str) -> None:
        """The main .app and everything embedded in it."""
        art = self.art
        names = [n for n in tree.names() if n.startswith(root)]
        present = set(names)
        rel = [n[len(root):] for n in names]
        art.root = root
        art.file_names.extend(names)
        art.info_where = self.where(tree, root + "Info.plist")
        if root + "Info.plist" not in present:
            alternatives = [n for n in rel if "/" not in n and n.lower().endswith(".plist")]
            self.log.add("ios.no-info-plist", "the app bundle has no Info.plist" + (f" (found {', '.join(alternatives[:3])})" if alternatives else ""), art.info_where, Level.ERROR)
        art.info = self.bundle(tree, root, "main", present)
        read = {root + "Info.plist"}
        for r in sorted(_with_folders(rel)):
            m = _FRAMEWORK.match(r)
            if m:
                sub = root + r
                art.bundles.append(("framework", sub, self.bundle(tree, sub, "framework", present)))
                read.add(sub + "Info.plist")
            elif _DYLIB.match(r):
                data = self.read(tree, root + r)
                if data is not None:
                    self.binary(data, self.where(tree, root + r), "dylib")
                art.bundles.append(("dylib", root + r, None))
            elif _NESTED_BUNDLES.match(r):
                sub = root + r
                art.bundles.append(("extension", sub, self.bundle(tree, sub, "extension", present)))
                read.add(sub + "Info.plist")
        for n in names:
            if n.endswith("/" + _PRIVACY) or n == root + _PRIVACY:
                parent = n[: -len(_PRIVACY) - 1]
                owner = "app" if parent + "/" == root else parent.rpartition("/")[2]
                self.manifest(tree, n, owner)
                read.add(n)
        self.text_files(tree, names, read)

    def loose(self, tree: _Tree, names: list[str]) -> None:
        """A framework, xcframework or SDK folder: every binary, plist and manifest in it."""
        art = self.art
        art.file_names.extend(names)
        read: set[str] = set()
        for n in names:
            if n.endswith("/"):
                continue
            base = n.rpartition("/")[2]
            if base.endswith(".xcprivacy"):
                # "X.framework/PrivacyInfo.xcprivacy" speaks for X; a renamed copy
                # ("JPush-PrivacyInfo.xcprivacy") for what its name says.
                parent = n.rpartition("/")[0]
                if base == _PRIVACY:
                    owner = parent.rpartition("/")[2] if parent else tree.name
                else:
                    owner = base.removesuffix(".xcprivacy")
                self.manifest(tree, n, owner)
                read.add(n)
                continue
            if base == "Info.plist" and art.info is None and n.count("/") <= 1:
                art.info = self.plist(tree, n)
                art.info_where = self.where(tree, n)
                read.add(n)
                continue
            if "." in base and not base.endswith((".a", ".dylib", ".o")):
                continue
            head = self.read(tree, n, _SNIFF)
            if head is None or not (is_macho(head) or is_ar(head)):
                continue
            data = self.read(tree, n)
            if data is not None:
                self.any_binary(data, self.where(tree, n), _loose_role(n))
            read.add(n)
        self.text_files(tree, [n for n in names if n.endswith(".plist") or n.endswith(".json")], read)


def _with_folders(names: list[str]) -> set[str]:
    """The names plus every folder they imply: ZIPs need not store folder entries."""
    out = set(names)
    for n in names:
        end = n.find("/")
        while end != -1:
            out.add(n[: end + 1])
            end = n.find("/", end + 1)
    return out


def _loose_role(name: str) -> str:
    if ".appex/" in name:
        return "extension"
    if name.endswith(".dylib"):
        return "dylib"
    if ".framework/" in name:
        return "framework"
    return "binary"


def _plist_strings(value: Any, out: list[str]) -> None:
    """String values of a plist, breadth first. Binary plists may share or even
    contain themselves (plistlib returns the cycle), so visits are bounded, not depth."""
    queue = [value]
    visits = 0
    while queue and visits < _MAX_PLIST_VISITS:
        item = queue.pop()
        visits += 1
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)


def _app_roots(names: list[str]) -> list[str]:
    """``[prefix]Payload/X.app/`` folders, shallowest first; else top-level ``[prefix]X.app/``."""
    found: dict[str, int] = {}
    for n in names:
        parts = n.split("/")
        for i, part in enumerate(parts[:-1]):
            if part.endswith(".app") and (i == 0 or parts[i - 1] == "Payload") and i <= 2:
                found.setdefault("/".join(parts[: i + 1]) + "/", i)
                break
    return sorted(found, key=lambda r: (found[r], "Payload/" not in r, r))


def _folder_kind(path: Path) -> Kind:
    return Kind.APP_BUNDLE if path.suffix == ".app" else Kind.FRAMEWORK


def load_ios(path: Path, limits: Limits = DEFAULT_LIMITS) -> IosArtifact:
    """Open one iOS input (file or folder) and build its artifact.

    Raises UnsupportedInput for inputs that are not iOS apps or code, CorruptInput
    when nothing can be analysed (no app bundle in an IPA, no readable binary).
    """
    log = DiagnosticLog()
    if path.is_dir():
        return _load_folder(path, limits, log)
    data, info = open_input(path)
    head = bytes(data[:_SNIFF])
    kind = sniff_bytes(head)
    if kind is Kind.UNKNOWN and has_end_record(data):
        kind = Kind.ZIP
    art = IosArtifact(input=info, log=log)
    loader = _Loader(art, limits)
    if kind is Kind.ZIP:
        z = ZipArchive(data, path.name, log, limits, InflationBudget())
        kind = sniff_archive(z)
        if kind not in (Kind.IPA, Kind.APP_BUNDLE, Kind.FRAMEWORK):
            raise NotIosArchive(f"{path}: a ZIP archive, but not an IPA or a zipped .app or framework")
        tree = _ZipTree(z)
        names = tree.names()
        roots = _app_roots(names)
        if kind is Kind.FRAMEWORK or (kind is Kind.APP_BUNDLE and not roots):
            art.bundle_kind = "framework"
            loader.loose(tree, names)
        elif not roots:
            raise CorruptInput(f"{path}: the IPA holds no app bundle (no Payload/<name>.app/)")
        else:
            art.bundle_kind = "app"
            if len(roots) > 1:
                log.add("ios.several-apps", f"{len(roots)} app bundles; the first, {roots[0]}, is analysed", path.name)
            loader.app(tree, roots[0])
    elif kind in (Kind.MACHO, Kind.AR):
        art.bundle_kind = "static-library" if kind is Kind.AR else "binary"
        loader.any_binary(bytes(data), path.name, "binary")
        if art.binaries and all(b.role == "library-member" for b in art.binaries):
            art.bundle_kind = "static-library"
            kind = Kind.AR
    else:
        raise UnsupportedInput(f"{path}: not an iOS app or binary (IPA, .app, framework, static library, Mach-O)")
    art.input = InputFile(info.path, info.sha256, info.size, kind.value)
    _require_something(art, path)
    return art


def _load_folder(path: Path, limits: Limits, log: DiagnosticLog) -> IosArtifact:
    tree = _DirTree(path, limits, log)
    names = tree.names()
    kind = _folder_kind(path)
    art = IosArtifact(input=InputFile(str(path), _folder_digest(path, names), _folder_size(path, names), kind.value), log=log)
    loader = _Loader(art, limits)
    if path.suffix == ".app":
        art.bundle_kind = "app"
        loader.app(tree, "")
    else:
        roots = _app_roots(names)
        if roots:
            art.bundle_kind = "app"
            art.input = InputFile(art.input.path, art.input.sha256, art.input.size, Kind.APP_BUNDLE.value)
            loader.app(tree, roots[0])
        else:
            art.bundle_kind = "framework" if path.suffix in (".framework", ".xcframework") else "sdk-folder"
            loader.loose(tree, names)
    _require_something(art, path)
    return art


def _folder_size(root: Path, names: list[str]) -> int:
    total = 0
    for n in names:
        if not n.endswith("/"):
            try:
                total += (root / n).stat().st_size
            except OSError:
                pass
    return total


def _folder_digest(root: Path, names: list[str]) -> str:
    """A digest of the folder's file names and sizes (content is hashed per file nowhere else)."""
    import hashlib

    h = hashlib.sha256()
    for n in names:
        size = 0
        if not n.endswith("/"):
            try:
                size = (root / n).stat().st_size
            except OSError:
                size = -1
        h.update(f"{n}\0{size}\n".encode())
    return h.hexdigest()


def _require_something(art: IosArtifact, path: Path) -> None:
    if art.info is None and not art.binaries and not art.manifests and not art.profiles:
        detail = "; ".join(d.message for d in art.log.items if d.severity is Level.ERROR)[:300]
        raise CorruptInput(f"{path}: nothing analysable inside (no readable Info.plist, binary, profile or privacy manifest)"
                           + (f": {detail}" if detail else ""))
