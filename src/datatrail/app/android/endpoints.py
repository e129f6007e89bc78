"""Where the data goes, as far as an Android package says: hosts and URLs named in
code, resources, assets, native libraries and the network security config, and
the app's own links. Strings are judged by ``datatrail.app.shared.strings``.
"""

from __future__ import annotations

import time
from typing import Callable, Final, Iterable, Iterator

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.app.android.manifest import as_bool
from datatrail.app.shared.hosts import CodeNames, host_syntax
from datatrail.app.shared.mention_role import role_of_resource_entry
from datatrail.app.shared.strings import MAX_CONTEXT, PartyJudge, StringScan
from datatrail.app.shared.text_files import scan_text_file
from datatrail.errors import CorruptInput
from datatrail.formats.android.aab_manifest import is_proto_xml, parse_proto_xml
from datatrail.formats.android.aab_resources import ProtoResourceTable
from datatrail.formats.android.arsc import ResourceTable
from datatrail.formats.android.axml import is_axml, parse_axml
from datatrail.formats.android.dex import descriptor_to_java
from datatrail.formats.android.elf import is_elf, string_runs
from datatrail.formats.common.xmltree import XmlElement
from datatrail.formats.common.zip import ZipArchive
from datatrail.model.diagnostic import DiagnosticLog
from datatrail.model.endpoint import AppLink, EndpointReport

__all__ = ["extract_endpoints", "Mentions"]

_TEXT_EXTENSIONS: Final = frozenset({
    "json", "js", "mjs", "html", "htm", "xml", "txt", "properties", "config", "conf", "cfg", "ini",
    "yaml", "yml", "plist", "csv", "toml", "env", "css", "md",
})
_MAX_TEXT_FILE: Final = 4 << 20
"""Bytes read from one asset or raw resource; URLs sit in configs, not in 100 MB blobs."""
_MAX_TEXT_TOTAL: Final = 64 << 20
_MAX_NATIVE_FILE: Final = 128 << 20
_MAX_NATIVE_SCAN: Final = 32 << 20
"""String-section bytes scanned per native library."""
_MAX_NATIVE_TOTAL: Final = 256 << 20
_MAX_XML_FILES: Final = 5000
_SNIFF: Final = 4096
_ABI_PREFERENCE: Final = ("arm64-v8a", "armeabi-v7a", "armeabi", "x86_64", "x86", "mips64", "mips")
"""One copy of each native library is read: the ABIs hold the same source, so the
same strings, and reading all of them only multiplies the cost."""


# ------------------------------------------------------------- app links

_PATH_ATTRS: Final = (("path", ""), ("pathPrefix", "*"), ("pathPattern", ""), ("pathAdvancedPattern", ""), ("pathSuffix", ""))
_MAX_LINKS_PER_FILTER: Final = 64


def _str_attr(art: AndroidArtifact, node: XmlElement, name: str) -> str | None:
    value = art.resolve(node.get(name))
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _app_links(art: AndroidArtifact, package: str | None) -> list[AppLink]:
    if art.manifest is None:
        return []
    out: list[AppLink] = []
    for app in art.manifest.findall("application"):
        for tag in ("activity", "activity-alias"):
            for comp in app.findall(tag):
                name = _str_attr(art, comp, "name") or "?"
                if package and name.startswith("."):
                    name = package + name
                elif package and "." not in name:
                    name = f"{package}.{name}"
                for flt in comp.findall("intent-filter"):
                    out.extend(_filter_links(art, flt, name))
    return out


def _filter_links(art: AndroidArtifact, flt: XmlElement, component: str) -> list[AppLink]:
    # Android merges every <data> of one filter: each scheme pairs with each
    # host and each path, whichever element they were written on.
    schemes: list[str] = []
    hosts: list[str] = []
    paths: list[str] = []
    for data in flt.findall("data"):
        scheme = _str_attr(art, data, "scheme")
        if scheme and scheme not in schemes:
            schemes.append(scheme)
        host = _str_attr(art, data, "host")
        if host:
            port = _str_attr(art, data, "port")
            full = f"{host}:{port}" if port else host
            if full not in hosts:
                hosts.append(full)
        for attr, suffix in _PATH_ATTRS:
            value = _str_attr(art, data, attr)
            if value and value + suffix not in paths:
                paths.append(value + suffix)
    verify = as_bool(art.resolve(flt.get("autoVerify"))) is True
    out: list[AppLink] = []
    no_value: list[str | None] = [None]
    for scheme in schemes:
        for host in hosts or no_value:
            for path in paths or no_value:
                if len(out) >= _MAX_LINKS_PER_FILTER:
                    return out
                out.append(AppLink(scheme, host, path, component, verify))
    return out


def _link_domains(links: Iterable[AppLink]) -> dict[str, bool]:
    domains: dict[str, bool] = {}
    for link in links:
        if link.scheme not in ("http", "https") or not link.host:
            continue
        verdict = host_syntax(link.host.split(":", 1)[0].lstrip("*."))
        if verdict.registrable_domain:
            domains[verdict.registrable_domain] = domains.get(verdict.registrable_domain, False) or link.auto_verify
    return domains


# ------------------------------------------------------------- sources


_SKIP_RESOURCE_TYPES: Final = frozenset({
    "attr", "id", "style", "dimen", "color", "integer", "bool", "layout", "drawable", "mipmap",
    "anim", "animator", "interpolator", "transition", "menu", "font", "navigation", "styleable",
})
"""Types whose values are never free text (numbers, references, file paths)."""


def _code_names(art: AndroidArtifact) -> CodeNames:
    names: list[str] = list(art.class_names)
    for dex in art.dex_files:
        names.extend(descriptor_to_java(d) for d in dex.type_names() if d.startswith("L"))
    for cf in art.class_files:
        names.extend(r for r in cf.class_refs if not r.startswith("["))
        names.extend(owner for owner, _, _ in cf.method_refs if not owner.startswith("["))
        names.extend(owner for owner, _, _ in cf.field_refs if not owner.startswith("["))
        if cf.super_name:
            names.append(cf.super_name)
        names.extend(cf.interfaces)
    if art.manifest is not None:
        package = art.manifest.get("package")
        if isinstance(package, str):
            names.append(package)
    return CodeNames(names)


def _scan_dex(scan: StringScan, art: AndroidArtifact) -> None:
    for dex in art.dex_files:
        name = dex.name
        scan.strings(dex.strings_once(), lambda i: f"{name} string {i}")


def _scan_class_files(scan: StringScan, art: AndroidArtifact) -> None:
    strings: list[str] = []
    owners: list[str] = []
    for cf in art.class_files:
        strings.extend(cf.strings)
        owners.extend([cf.name] * len(cf.strings))
    scan.strings(strings, lambda i: owners[i].replace(".", "/") + ".class", owners.__getitem__)


def _proto_resource_strings(table: ProtoResourceTable) -> Iterator[tuple[int, str, str]]:
    """(res_id, config, text) for every string value of an App Bundle's resource table."""
    for res_id in table.resource_ids():
        if table.type_name(res_id) in _SKIP_RESOURCE_TYPES:
            continue
        for config, rendered in table.values(res_id):
            # references render as "@...", files as their "res/..." path
            if isinstance(rendered, str) and rendered and not rendered.startswith(("@", "res/")):
                yield res_id, config, rendered


def _scan_resources(scan: StringScan, art: AndroidArtifact) -> None:
    table = art.resources
    if not isinstance(table, (ResourceTable, ProtoResourceTable)):
        return
    where = art.res_root + ("resources.pb" if isinstance(table, ProtoResourceTable) else "resources.arsc")
    if isinstance(table, ResourceTable):
        found = table.texts(_SKIP_RESOURCE_TYPES)
    else:
        found = [(res_id, table.entry_name(res_id) or f"0x{res_id:08x}", config, text)
                 for res_id, config, text in _proto_resource_strings(table)]
    strings: list[str] = []
    labels: list[str] = []
    entries: list[str] = []
    seen: set[tuple[int, str]] = set()
    for res_id, entry, config, text in found:
        if (res_id, text) in seen:  # the same URL in every translation is one place
            continue
        seen.add((res_id, text))
        labels.append(f"{where}: {entry}" + ("" if config in ("", "default") else f" [{config}]"))
        strings.append(text)
        entries.append(entry)
    scan.strings(strings, labels.__getitem__, hint=lambda i: role_of_resource_entry(entries[i]))


def _resource_files(art: AndroidArtifact, base: ZipArchive) -> list[str]:
    """XML and raw resources: by directory, and through the resource table so that
    shrunk paths (``res/a1.xml``) are found too."""
    prefix = art.res_root
    names = set(base.names())
    wanted: dict[str, None] = {}
    dirs = tuple(f"{prefix}res/{d}" for d in ("xml/", "xml-", "raw/", "raw-"))
    for n in sorted(names):
        if n.startswith(dirs) and not n.endswith("/"):
            wanted[n] = None
        elif art.manifest_is_source and n.startswith(f"{prefix}res/values") and n.endswith(".xml"):
            wanted[n] = None  # an AAR's uncompiled string resources
    table = art.resources
    if isinstance(table, (ResourceTable, ProtoResourceTable)):
        for res_id in table.resource_ids():
            if table.type_name(res_id) in ("xml", "raw"):
                path = table.resolve(res_id)
                if isinstance(path, str) and prefix + path in names:
                    wanted[prefix + path] = None
    return list(wanted)[:_MAX_XML_FILES]


def _looks_textual(head: bytes) -> bool:
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed prefix is fine.
        return exc.start >= len(head) - 3
    return True


def _xml_tree_strings(root: XmlElement) -> tuple[list[str], list[str]]:
    strings: list[str] = []
    where: list[str] = []
    for node in root.iter():
        for key, value in node.attrs.items():
            if isinstance(value, str) and value:
                strings.append(value)
                where.append(f"<{node.tag} {key.rsplit('}', 1)[-1]}>")
        if node.text:
            strings.append(node.text)
            where.append(f"<{node.tag}>")
    return strings, where


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total

    def take(self, n: int) -> bool:
        if n > self.left:
            return False
        self.left -= n
        return True


def _read(art: AndroidArtifact, base: ZipArchive, name: str, cap: int) -> bytes | None:
    try:
        return base.read(name, max_size=cap)
    except (CorruptInput, KeyError) as exc:
        art.log.add("endpoints.unreadable", f"not scanned for endpoints: {exc}", name)
        return None


def _sniff(art: AndroidArtifact, base: ZipArchive, name: str, budget: _Budget, aab: bool) -> bytes | None:
    """The whole entry when it is binary XML, protobuf XML or text, else None.

    Only a prefix is inflated to decide, so raw media and fonts cost little.
    """
    entry = base.get(name)
    if entry is None or entry.is_dir:
        return None
    head = _read(art, base, name, _SNIFF)
    if not head:
        return None
    if not (is_axml(head[:8]) or (aab and name.endswith(".xml") and is_proto_xml(head[:2])) or _looks_textual(head)):
        return None
    if len(head) < _SNIFF:
        return head
    if not budget.take(min(entry.size, _MAX_TEXT_FILE)):
        return None
    return _read(art, base, name, _MAX_TEXT_FILE)


def _scan_xml_files(scan: StringScan, art: AndroidArtifact, skip: set[str], budget: _Budget) -> None:
    base = art.base
    if base is None:
        return
    aab = art.resource_format == "pb"
    quiet = DiagnosticLog()  # parse problems are the manifest and resource readers' to report
    for name in _resource_files(art, base):
        if name in skip:
            continue
        raw = _sniff(art, base, name, budget, aab)
        if not raw:
            continue
        root: XmlElement | None = None
        try:
            if is_axml(raw[:8]):
                root = parse_axml(raw, name, quiet)
            elif aab and name.endswith(".xml") and is_proto_xml(raw[:2]):
                root = parse_proto_xml(raw, quiet, name)
        except CorruptInput:
            continue
        if root is not None:
            strings, where = _xml_tree_strings(root)
            scan.strings(strings, lambda i: f"{name} {where[i]}")
        else:
            scan_text_file(scan, raw.decode("utf-8", "replace"), name)


def _scan_assets(scan: StringScan, art: AndroidArtifact, budget: _Budget) -> None:
    base = art.base
    if base is None:
        return
    prefix = art.res_root + "assets/"
    for name in base.names():
        if not name.startswith(prefix):
            continue
        ext = name.rsplit("/", 1)[-1].rpartition(".")[2].lower()
        if ext not in _TEXT_EXTENSIONS:
            continue
        raw = _sniff(art, base, name, budget, aab=False)
        if raw and _looks_textual(raw[:_SNIFF]):
            scan_text_file(scan, raw.decode("utf-8", "replace"), name)


def _native_libraries(archives: list[tuple[str, ZipArchive]]) -> list[tuple[str, ZipArchive, str]]:
    """One (prefix, archive, path) per library name, from the preferred ABI, across the base
    APK and its split APKs (a config split holds one ABI's libraries)."""
    chosen: dict[str, tuple[int, str, ZipArchive, str]] = {}
    for prefix, archive in archives:
        for name in archive.names():
            if not name.endswith(".so"):
                continue
            parts = name.split("/")
            abi = parts[-2] if len(parts) >= 2 else ""
            rank = _ABI_PREFERENCE.index(abi) if abi in _ABI_PREFERENCE else len(_ABI_PREFERENCE)
            key = parts[-1]
            if key not in chosen or rank < chosen[key][0]:
                chosen[key] = (rank, prefix, archive, name)
    return sorted(((prefix, archive, name) for _, prefix, archive, name in chosen.values()), key=lambda c: (c[0], c[2]))


def _scan_native(scan: StringScan, art: AndroidArtifact, budget: _Budget) -> None:
    if art.base is None:
        return
    archives = [("", art.base), *((f"{name}!", archive) for name, archive in art.split_archives)]
    for prefix, archive, name in _native_libraries(archives):
        entry = archive.get(name)
        if entry is None or entry.size < 16 or not budget.take(min(entry.size, _MAX_NATIVE_FILE)):
            continue
        head = _read(art, archive, name, 16)
        if head is None or not is_elf(head):
            continue
        data = _read(art, archive, name, _MAX_NATIVE_FILE)
        if data is None:
            continue
        # Only runs that could hold a candidate are kept: a big library has
        # hundreds of thousands of runs, nearly all symbol-like.
        runs = [r for r in string_runs(data, 6, _MAX_NATIVE_SCAN) if "." in r.text or ":" in r.text]
        texts = [r.text for r in runs]
        where = prefix + name
        scan.strings(texts, lambda i: f"{where} {runs[i].section or 'file'}@0x{runs[i].offset:x}")


def _network_security_config(scan: StringScan, art: AndroidArtifact) -> str | None:
    """Scan the config's domains as declared hosts; return its path in the package."""
    nsc = art.network_security_config
    if nsc is None:
        return None
    resource_path, root = nsc
    path = art.res_root + resource_path
    for config in root.iter("domain-config"):
        notes = []
        pins = [p for ps in config.findall("pin-set") for p in ps.findall("pin")]
        if pins:
            expiry = next((str(ps.get("expiration")) for ps in config.findall("pin-set") if ps.get("expiration")), None)
            notes.append(f"pinned ({len(pins)} pin{'s' if len(pins) != 1 else ''}" + (f", expires {expiry})" if expiry else ")"))
        cleartext = as_bool(config.get("cleartextTrafficPermitted"))
        if cleartext is not None:
            notes.append(f"cleartextTrafficPermitted={str(cleartext).lower()}")
        for domain in config.findall("domain"):
            if not domain.text:
                continue
            subs = " includeSubdomains" if as_bool(domain.get("includeSubdomains")) else ""
            context = f"domain-config <domain{subs}>{domain.text}</domain>" + ("; " + "; ".join(notes) if notes else "")
            scan.declared(domain.text, path, context[:MAX_CONTEXT], "a network security config domain")
    return path


# ------------------------------------------------------------------ entry


def _app_identity(art: AndroidArtifact) -> tuple[str | None, str | None]:
    if art.manifest is None:
        return None, None
    package = art.manifest.get("package")
    app = next(iter(art.manifest.findall("application")), None)
    label = art.resolve(app.get("label")) if app is not None else None
    return (package if isinstance(package, str) and package else None,
            label if isinstance(label, str) and label and not label.startswith("@") else None)


class Mentions:
    """Every host-shaped string the package holds, before judgement, with the app's identity
    and links: what :func:`extract_endpoints` judges, and what a labelling tool lists."""

    def __init__(self, art: AndroidArtifact) -> None:
        self.scan = StringScan()
        self.timings: list[tuple[str, float]] = []
        self.package, self.label = _app_identity(art)
        scan = self.scan
        text_budget = _Budget(_MAX_TEXT_TOTAL)
        nsc_paths: set[str] = set()

        def nsc() -> None:
            path = _network_security_config(scan, art)
            if path:
                nsc_paths.add(path)

        self._timed("dex", lambda: _scan_dex(scan, art))
        self._timed("class_files", lambda: _scan_class_files(scan, art))
        self._timed("resources", lambda: _scan_resources(scan, art))
        self._timed("network_security_config", nsc)
        self._timed("xml", lambda: _scan_xml_files(scan, art, nsc_paths, text_budget))
        self._timed("assets", lambda: _scan_assets(scan, art, text_budget))
        self._timed("native", lambda: _scan_native(scan, art, _Budget(_MAX_NATIVE_TOTAL)))
        self.links = _app_links(art, self.package)

    def _timed(self, label: str, step: Callable[[], object]) -> None:
        t0 = time.perf_counter()
        step()
        self.timings.append((label, round(time.perf_counter() - t0, 4)))


def extract_endpoints(art: AndroidArtifact) -> EndpointReport:
    """Every host the package names, with where, grouped per host."""
    mentions = Mentions(art)
    scan = mentions.scan
    judge = PartyJudge(mentions.package, mentions.label, _link_domains(mentions.links))
    t0 = time.perf_counter()
    endpoints = scan.finish(lambda: _code_names(art), judge)
    timings = [*mentions.timings, ("judge", round(time.perf_counter() - t0, 4))]
    return EndpointReport(
        endpoints=endpoints,
        app_links=tuple(mentions.links),
        emails=tuple(sorted(scan.emails)),
        rejected=scan.rejected.result(),
        timings=tuple(timings),
    )
