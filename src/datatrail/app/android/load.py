"""Files to Android artifacts: APK, split sets, AAB, JAR, AAR, DEX, class files.

Formats are told apart by content (``sniff``). Archives nested in a package
(an APK or DEX hidden in assets/, a JAR inside an AAR) are opened too, down to
``Limits.max_nesting`` levels.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.shared.input_file import input_digest, map_input
from datatrail.app.shared.sniff import Kind, sniff_archive, sniff_bytes
from datatrail.errors import CorruptInput, InputError, LimitExceeded, UnsupportedInput
from datatrail.formats.android.aab_manifest import parse_proto_xml
from datatrail.formats.android.axml import parse_axml
from datatrail.formats.android.classfile import parse_class
from datatrail.formats.android.dex import DexFile
from datatrail.formats.android.signing import (
    certificates_from_pkcs7,
    certificates_from_signing_block,
    find_signing_block,
    v1_signature_pairs,
)
from datatrail.formats.common.buffer import Buffer
from datatrail.formats.common.xmltree import XmlElement
from datatrail.formats.common.zip import InflationBudget, ZipArchive, has_end_record
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level
from datatrail.model.report import InputFile

__all__ = ["load_android"]

_DEX_NAME = re.compile(r"^classes(\d*)\.dex$")
_AAB_DEX = re.compile(r"^[^/]+/dex/classes(\d*)\.dex$")
# Where apps hide extra code; everything there is sniffed by content.
_NESTED_DIRS = ("assets/", "res/raw/", "lib/", "libs/", "jni/")
_SNIFF_BYTES = 8


def _dex_order(name: str, pattern: re.Pattern[str]) -> int:
    m = pattern.match(name)
    assert m is not None
    return int(m.group(1) or 1)


class _Loader:
    def __init__(self, art: AndroidArtifact, limits: Limits, threads: int = 1) -> None:
        self.art = art
        self.log = art.log
        self.limits = limits
        self.threads = threads
        """Threads that may inflate DEX files at once."""
        self.budget = InflationBudget()
        """One inflation budget for the input and every archive nested in it."""
        self.nested_depth = 0
        """How many nested archives (opened by ``archive``) enclose the current work."""

    # -- code ------------------------------------------------------------

    def add_dex(self, data: Buffer | memoryview, where: str) -> None:
        try:
            self.art.dex_files.append(DexFile(data, where, self.log, self.limits))
        except LimitExceeded as exc:
            self.log.add("dex.limit", str(exc), where, Level.ERROR)
        except CorruptInput as exc:
            self.log.add("dex.unreadable", str(exc), where, Level.ERROR)

    def add_class(self, data: bytes, where: str) -> None:
        try:
            self.art.class_files.append(parse_class(data, where, self.log))
        except CorruptInput as exc:
            self.log.add("class.unreadable", str(exc), where, Level.ERROR)

    def read_entry(self, z: ZipArchive, name: str, where: str) -> bytes | None:
        try:
            return z.read(name)
        except (LimitExceeded, CorruptInput) as exc:
            self._unreadable(exc, where)
            return None

    def read_entries(self, z: ZipArchive, names: list[str], prefix: str) -> list[bytes | None]:
        """``read_entry`` for each name, on ``self.threads`` threads when there are several.

        Inside a nested archive they are read one by one: the first bomb must stop the rest.
        """
        if self.threads <= 1 or len(names) < 2 or self.nested_depth:
            return [self.read_entry(z, n, prefix + n) for n in names]
        out: list[bytes | None] = []
        for n, result in zip(names, z.read_many(names, self.threads)):
            if isinstance(result, bytes):
                out.append(result)
            else:
                self._unreadable(result, prefix + n)
                out.append(None)
        return out

    def _unreadable(self, exc: InputError, where: str) -> None:
        if isinstance(exc, LimitExceeded) and self.nested_depth:
            # A bomb inside a nested archive: ``archive`` abandons the outermost
            # one, or a 42.zip-style tree would trip the limit thousands of times.
            raise exc
        self.log.add("zip.unreadable-entry", str(exc), where, Level.ERROR)  # one damaged entry spoils only itself

    # -- containers --------------------------------------------------------

    def apk(self, z: ZipArchive, prefix: str, depth: int, is_base: bool = True) -> XmlElement | None:
        """Load one APK's code and signatures; return its manifest."""
        names = z.names()
        self.art.file_names.extend(prefix + n for n in names)
        manifest: XmlElement | None = None
        raw = self.read_entry(z, "AndroidManifest.xml", prefix + "AndroidManifest.xml") if "AndroidManifest.xml" in z else None
        if raw is not None:
            try:
                manifest = parse_axml(raw, prefix + "AndroidManifest.xml", self.log, self.limits)
            except CorruptInput as exc:
                self.log.add("axml.unreadable", str(exc), prefix + "AndroidManifest.xml", Level.ERROR)
        elif is_base:
            self.log.add("apk.no-manifest", "the package has no AndroidManifest.xml", prefix or z.name, Level.ERROR)
        if is_base and "resources.arsc" in z:
            self.art.resource_data = self.read_entry(z, "resources.arsc", prefix + "resources.arsc")
        dex_names = sorted((n for n in names if _DEX_NAME.match(n)), key=lambda n: _dex_order(n, _DEX_NAME))
        for n, data in zip(dex_names, self.read_entries(z, dex_names, prefix)):
            if data is not None:
                self.add_dex(data, prefix + n)
        self.signatures(z, prefix)
        self.nested(z, prefix, depth, skip=set(dex_names))
        return manifest

    def signatures(self, z: ZipArchive, prefix: str) -> None:
        certs = self.art.certificates
        if z.central_directory_offset is not None:
            pairs = find_signing_block(z.data, z.central_directory_offset, self.log)
            if pairs:
                certs.extend(certificates_from_signing_block(pairs, self.log))
        for index, (block, sf) in enumerate(v1_signature_pairs(z.names())):
            if sf is None:
                # Android ignores a signature block without its .SF file.
                self.log.add("signing.v1-unpaired", "v1 signature block has no matching .SF file; ignored as Android does", prefix + block)
                continue
            der = self.read_entry(z, block, prefix + block)
            if der is not None:
                certs.extend(certificates_from_pkcs7(der, prefix + block, self.log, signer_index=index))

    def nested(self, z: ZipArchive, prefix: str, depth: int, skip: set[str], dirs: tuple[str, ...] = _NESTED_DIRS) -> None:
        for entry in z:
            n = entry.name
            if n in skip or entry.is_dir or not n.startswith(dirs) or entry.size < 0x70:
                continue
            try:
                head = z.read(entry, max_size=_SNIFF_BYTES)
            except CorruptInput as exc:
                self.log.add("zip.unreadable-entry", str(exc), prefix + n, Level.ERROR)
                continue
            kind = sniff_bytes(head)
            if kind not in (Kind.DEX, Kind.ZIP):
                continue
            where = prefix + n
            if depth >= self.limits.max_nesting:
                self.log.add("nesting.too-deep", f"archive nested deeper than {self.limits.max_nesting} levels not opened", where)
                continue
            data = self.read_entry(z, n, where)
            if data is None:
                continue
            self.art.nested.append(where)
            if kind is Kind.DEX:
                self.add_dex(data, where)
            else:
                self.archive(data, where + "!", depth + 1)

    def archive(self, data: bytes | memoryview, prefix: str, depth: int) -> None:
        """A ZIP found inside the input: open it for whatever code it holds."""
        where = prefix.rstrip("!")
        self.nested_depth += 1
        try:
            try:
                inner = ZipArchive(data, where, self.log, self.limits, self.budget)
            except LimitExceeded:
                raise
            except CorruptInput as exc:
                self.log.add("nested.unreadable", str(exc), where)
                return
            kind = sniff_archive(inner)
            if kind is Kind.APK:
                self.apk(inner, prefix, depth, is_base=False)
            elif kind in (Kind.JAR, Kind.ZIP, Kind.AAR):
                self.jar(inner, prefix, depth)
        except LimitExceeded as exc:
            if self.nested_depth > 1:
                raise
            self.log.add("nested.bomb", f"{exc}; nothing more is read from {where}", where, Level.ERROR)
        finally:
            self.nested_depth -= 1

    def jar(self, z: ZipArchive, prefix: str, depth: int) -> None:
        self.art.file_names.extend(prefix + n for n in z.names())
        dex_names: set[str] = set()
        for entry in z:
            n = entry.name
            if n.endswith(".class") and not entry.is_dir:
                data = self.read_entry(z, n, prefix + n)
                if data is not None:
                    self.add_class(data, prefix + n)
            elif _DEX_NAME.match(n.rsplit("/", 1)[-1]):
                dex_names.add(n)
                data = self.read_entry(z, n, prefix + n)
                if data is not None:
                    self.add_dex(data, prefix + n)
        self.signatures(z, prefix)
        self.nested(z, prefix, depth, skip=dex_names, dirs=("",))

    def aar(self, z: ZipArchive, depth: int) -> XmlElement | None:
        self.art.file_names.extend(z.names())
        manifest: XmlElement | None = None
        raw = self.read_entry(z, "AndroidManifest.xml", "AndroidManifest.xml")
        if raw is not None:
            try:
                from datatrail.formats.common.textxml import parse_text_xml  # plain-text manifests are rare

                manifest = parse_text_xml(raw, "AndroidManifest.xml")
                self.art.manifest_is_source = True
            except CorruptInput as exc:
                self.log.add("manifest.unreadable", str(exc), "AndroidManifest.xml", Level.ERROR)
        for entry in z:
            n = entry.name
            if n == "classes.jar" or (n.startswith("libs/") and n.endswith(".jar")):
                data = self.read_entry(z, n, n)
                if data is not None:
                    self.art.nested.append(n)
                    self.archive(data, n + "!", depth + 1)
        return manifest

    def aab(self, z: ZipArchive, depth: int) -> XmlElement | None:
        self.art.file_names.extend(z.names())
        manifest: XmlElement | None = None
        where = "base/manifest/AndroidManifest.xml"
        raw = self.read_entry(z, where, where) if where in z else None
        if raw is not None:
            try:
                manifest = parse_proto_xml(raw, self.log, where)
            except CorruptInput as exc:
                self.log.add("aab.manifest-unreadable", str(exc), where, Level.ERROR)
        else:
            self.log.add("aab.no-manifest", "no base/manifest/AndroidManifest.xml", z.name, Level.ERROR)
        dex_names = sorted((n for n in z.names() if _AAB_DEX.match(n)), key=lambda n: (not n.startswith("base/"), n.split("/")[0], _dex_order(n, _AAB_DEX)))
        for n in dex_names:
            data = self.read_entry(z, n, n)
            if data is not None:
                self.add_dex(data, n)
        if "base/resources.pb" in z:
            self.art.resource_data = self.read_entry(z, "base/resources.pb", "base/resources.pb")
            self.art.resource_format = "pb"
            self.art.res_root = "base/"
        self.nested(z, "", depth, skip=set(dex_names), dirs=tuple(f"{m}/{d}" for m in {n.split('/')[0] for n in z.names()} for d in ("assets/", "root/")))
        return manifest

    def split_set(self, z: ZipArchive, depth: int) -> XmlElement | None:
        """APKS / XAPK / APKM: base and split APKs merged into one artifact."""
        apk_names = [n for n in z.names() if n.lower().endswith(".apk")]
        loaded: list[tuple[str, ZipArchive, XmlElement | None]] = []
        for n in apk_names:
            data = self.read_entry(z, n, n)
            if data is None:
                continue
            try:
                inner = ZipArchive(data, n, self.log, self.limits, self.budget)
            except CorruptInput as exc:
                self.log.add("split.unreadable", str(exc), n, Level.ERROR)
                continue
            loaded.append((n, inner, None))
        if not loaded:
            raise CorruptInput(f"{z.name}: split set holds no readable APK")
        # The base is the APK whose manifest names no split; look before loading code.
        base_idx = 0
        for i, (n, inner, _) in enumerate(loaded):
            if "AndroidManifest.xml" not in inner:
                continue
            try:
                probe = parse_axml(inner.read("AndroidManifest.xml"), n + "!AndroidManifest.xml", DiagnosticLog(), self.limits)
            except CorruptInput:
                continue
            if probe.get("split") is None:
                base_idx = i
                break
        order = [loaded[base_idx]] + [x for i, x in enumerate(loaded) if i != base_idx]
        manifest: XmlElement | None = None
        for i, (n, inner, _) in enumerate(order):
            self.art.splits.append(n)
            m = self.apk(inner, n + "!", depth + 1, is_base=i == 0)
            if i == 0:
                manifest = m
                self.art.base = inner
            else:
                self.art.split_archives.append((n, inner))
        return manifest


def _apk_behind_dex(data: bytes | mmap.mmap, name: str, limits: Limits) -> ZipArchive | None:
    """The APK a DEX file was prepended to, if it is one.

    Code often holds the end-record signature as a constant, so only a
    directory that reads cleanly and describes an APK counts.
    """
    if not has_end_record(data):
        return None
    try:
        z = ZipArchive(data, name, DiagnosticLog(), limits)
    except CorruptInput:
        return None
    return z if not z.recovered and sniff_archive(z) is Kind.APK else None


def load_android(path: Path, limits: Limits = DEFAULT_LIMITS, threads: int = 1) -> AndroidArtifact:
    """Open one input file and build its artifact.

    ``threads`` > 1 hashes the input and inflates an APK's DEX files on that
    many threads; the artifact is the same. Raises UnsupportedInput for files
    that are not Android packages or code, CorruptInput when nothing can be analysed.
    """
    data, size = map_input(path)
    digest = input_digest(data, threads > 1)
    try:
        art = _load(path, data, limits, threads)
    finally:
        sha256 = digest()
    art.input = InputFile(str(path), sha256, size, art.input.kind)
    return art


def _load(path: Path, data: bytes | mmap.mmap, limits: Limits, threads: int) -> AndroidArtifact:
    info = InputFile(str(path), "", len(data), Kind.UNKNOWN.value)
    log = DiagnosticLog()
    kind = sniff_bytes(bytes(data[:_SNIFF_BYTES]))
    if kind is Kind.UNKNOWN and has_end_record(data):
        kind = Kind.ZIP  # data prepended to an archive (a self-extractor stub, junk)
    art = AndroidArtifact(input=info, log=log)
    loader = _Loader(art, limits, threads)
    if kind is Kind.DEX:
        loader.add_dex(data, path.name)
        behind = _apk_behind_dex(data, path.name, limits)
        if behind is not None:
            log.add(
                "apk.dex-prepended",
                "a DEX file precedes the APK (Janus, CVE-2017-13156): the installer reads the APK, "
                "the runtime may execute the DEX; both are analysed",
                path.name,
                Level.ERROR,
            )
            art.base = ZipArchive(data, path.name, log, limits, loader.budget)
            art.manifest = loader.apk(art.base, "", 0)
            kind = Kind.APK
        elif not art.dex_files:
            raise CorruptInput(f"{path}: DEX file is unreadable: {log.items[-1].message if log.items else ''}")
    elif kind is Kind.CLASS:
        loader.add_class(bytes(data), path.name)
        if not art.class_files:
            raise CorruptInput(f"{path}: class file is unreadable")
    elif kind is Kind.ZIP:
        z = ZipArchive(data, path.name, log, limits, loader.budget)
        kind = sniff_archive(z)
        if kind is Kind.APK:
            art.base = z
            art.manifest = loader.apk(z, "", 0)
        elif kind in (Kind.APKS, Kind.XAPK, Kind.APKM):
            art.manifest = loader.split_set(z, 0)
        elif kind is Kind.AAB:
            art.base = z
            art.manifest = loader.aab(z, 0)
            art.manifest_where = "base/manifest/AndroidManifest.xml"
        elif kind is Kind.AAR:
            art.base = z
            art.manifest = loader.aar(z, 0)
        elif kind is Kind.JAR:
            loader.jar(z, "", 0)
        else:
            raise UnsupportedInput(f"{path}: a ZIP archive, but not an app package (APK, AAB, APKS, JAR, AAR, IPA, zipped .app)")
    else:
        raise UnsupportedInput(f"{path}: {_unsupported_hint(path, bytes(data[:4096]))}")
    art.input = InputFile(info.path, info.sha256, info.size, kind.value)
    if art.manifest is None and not art.dex_files and not art.class_files and not art.certificates:
        raise CorruptInput(f"{path}: nothing analysable inside (no readable manifest, code or signature)")
    return art


def _unsupported_hint(path: Path, head: bytes) -> str:
    """Why the file is refused, and what to do when it is one of datatrail's own reports or a capture."""
    what = "not a format datatrail reads (APK, APKS/XAPK/APKM, AAB, JAR, AAR, DEX; IPA, .app, framework, static library, Mach-O)"
    head = head.lstrip()
    if head.startswith(b"{") and (b'"schema_version"' in head or b'"captures"' in head):
        return "a saved datatrail report, not an app — show it with: datatrail render " + str(path)
    if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a") or (head.startswith(b"{") and b'"log"' in head):
        return "a network capture, not an app — read it with: datatrail capture " + str(path)
    return what
