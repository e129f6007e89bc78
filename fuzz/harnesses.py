"""One fuzz harness per parser family: bytes in, a result or one of the parser's documented errors out.

Each harness calls a parser the way the pipelines do and lets only the errors
that parser documents pass (``DatatrailError`` and, where a low-level reader
has its own, that one). Anything else (an IndexError, a RecursionError, a
struct.error, a MemoryError from an unbounded allocation) is a crash. Seeds
are cut from the shared corpus at run time, never copied into the repository.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from datatrail.errors import DatatrailError

__all__ = ["Harness", "HARNESSES", "seeds", "corpus_dir"]

MAX_SEED = 1 << 20
"""Seeds and inputs larger than this are cut: a fuzzer's time goes further on small inputs."""


@dataclass(frozen=True)
class Harness:
    name: str
    run: Callable[[bytes], object]
    allowed: tuple[type[BaseException], ...]
    seed_globs: tuple[str, ...] = ()
    """Corpus files (globs under the corpus) that are seeds as they are."""
    members: tuple[str, ...] = ()
    """Names (suffixes) of ZIP members of the seed files to use as seeds instead of the files."""
    max_len: int = 1 << 16
    """Largest input the fuzzer tries: small inputs run fast, and every limit worth reaching is reachable."""


def corpus_dir() -> Path | None:
    root = Path(os.environ.get("DATATRAIL_CORPUS", Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
    return root if root.is_dir() else None


def seeds(harness: Harness, limit: int = 40) -> Iterator[bytes]:
    """Up to ``limit`` seeds from the corpus: whole files, or the matching members of the ZIPs among them."""
    root = corpus_dir()
    if root is None:
        return
    count = 0
    for pattern in harness.seed_globs:
        for path in sorted((p for p in root.glob(pattern) if p.is_file()), key=lambda p: p.stat().st_size):  # small first
            if count >= limit:
                return
            if not path.is_file():
                continue
            if not harness.members:
                yield path.read_bytes()[:MAX_SEED]
                count += 1
                continue
            try:
                with zipfile.ZipFile(path) as z:
                    for name in z.namelist():
                        if count < limit and any(name.endswith(m) for m in harness.members):
                            info = z.getinfo(name)
                            if info.file_size <= 16 * MAX_SEED:
                                yield z.read(name)[:MAX_SEED]
                                count += 1
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
                continue


def _log() -> object:
    from datatrail.model.diagnostic import DiagnosticLog

    return DiagnosticLog()


def _zip(data: bytes) -> object:
    from datatrail.formats.common.zip import ZipArchive

    archive = ZipArchive(data, "fuzz.zip", _log())  # type: ignore[arg-type]
    for name in archive.names()[:64]:
        try:
            archive.read(name)
        except DatatrailError:
            pass  # one entry's damage is documented; the others are still read
    return archive


def _axml(data: bytes) -> object:
    from datatrail.formats.android.axml import parse_axml

    return parse_axml(data, "AndroidManifest.xml", _log())  # type: ignore[arg-type]


def _arsc(data: bytes) -> object:
    from datatrail.formats.android.arsc import ResourceTable

    return ResourceTable(memoryview(data), _log(), "resources.arsc")  # type: ignore[arg-type]


def _aab_manifest(data: bytes) -> object:
    from datatrail.formats.android.aab_manifest import parse_proto_xml

    return parse_proto_xml(data, _log())  # type: ignore[arg-type]


def _dex(data: bytes) -> object:
    from datatrail.formats.android.dex import DexFile
    from datatrail.formats.android.dex_code import CodeRefs

    dex = DexFile(data, "classes.dex", _log())  # type: ignore[arg-type]
    names = list(dex.class_names())
    strings = range(min(len(dex.strings()), 256)) if hasattr(dex, "strings") else ()
    refs = CodeRefs(dex)
    refs.scan(strings=strings)
    return names


def _dex_flow(data: bytes) -> object:
    """The bytecode flow walk over every string site of a file: the walk, the control-flow graph
    and try blocks it builds, and the questions of where an argument or a receiver came from."""
    from datatrail.formats.android.dex import DexFile
    from datatrail.formats.android.dex_code import CodeRefs
    from datatrail.formats.android.dex_flow import (
        MethodGraphs,
        constant_argument,
        loaded_register,
        receiver_constant,
        receiver_constants,
        try_blocks,
        walk_from,
    )

    dex = DexFile(data, "classes.dex", _log())  # type: ignore[arg-type]
    refs = CodeRefs(dex)
    graphs = MethodGraphs(refs, lambda m: 3 if m % 3 == 0 else (1 if m % 3 == 1 else 0))
    uses = 0
    for (_kind, _index), sites in refs.sites(strings=range(min(dex.string_count, 64))).items():
        for site in sites[:8]:
            try_blocks(dex.buffer, site.start, site.end)
            found = walk_from(refs, site.pos, site.start, site.end, frozenset([loaded_register(dex.buffer, site.pos)]),
                              graphs.carry, step_over=True, stop=lambda t, _p, _a: t % 5 == 0, graphs=graphs)
            for use in found:
                if use.at >= 0:
                    constant_argument(refs, site.start, site.end, use.at, 1, graphs)
                    receiver_constant(refs, site.start, site.end, use.at, lambda m: m % 2 == 0, graphs.carry, graphs)
                    receiver_constants(refs, site.start, site.end, use.at, lambda m: True, graphs.carry, graphs)
            uses += len(found)
    return uses


def _classfile(data: bytes) -> object:
    from datatrail.formats.android.classfile import parse_class

    return parse_class(data, "A.class", _log())  # type: ignore[arg-type]


def _elf(data: bytes) -> object:
    from datatrail.formats.android.elf import read_elf, string_runs

    info = read_elf(data)
    return info, sum(1 for _ in string_runs(data))


def _x509(data: bytes) -> object:
    from datatrail.formats.common.x509 import parse_certificate

    return parse_certificate(data)


def _der(data: bytes) -> object:
    from datatrail.formats.common.der import children, read_tlv

    top = read_tlv(data, 0, len(data))
    return children(data, top)


def _pkcs7(data: bytes) -> object:
    from datatrail.formats.android.signing import certificates_from_pkcs7

    return certificates_from_pkcs7(data, "META-INF/CERT.RSA", _log())  # type: ignore[arg-type]


def _macho(data: bytes) -> object:
    from datatrail.formats.apple.macho import macho_objects
    from datatrail.formats.apple.objc import class_names
    from datatrail.formats.common.buffer import as_buffer

    out = []
    for _, obj in macho_objects(as_buffer(data), "fuzz", _log()):  # type: ignore[arg-type]
        for sl in obj.slices:
            out.append(class_names(sl))
    return out


def _ar(data: bytes) -> object:
    from datatrail.formats.apple.ar import ar_symbol_index, iter_ar_members
    from datatrail.formats.common.buffer import as_buffer

    buf = as_buffer(data)
    return [n for n, _ in iter_ar_members(buf, "fuzz.a", _log())], ar_symbol_index(buf, "fuzz.a", _log())  # type: ignore[arg-type]


def _codesign(data: bytes) -> object:
    from datatrail.formats.apple.codesign import parse_code_signature

    return parse_code_signature(data)


def _plist(data: bytes) -> object:
    from datatrail.formats.apple.plist import parse_plist

    return parse_plist(data, "Info.plist")


def _mobileprovision(data: bytes) -> object:
    from datatrail.formats.apple.mobileprovision import parse_mobileprovision

    return parse_mobileprovision(data, "embedded.mobileprovision")


def _capture(data: bytes) -> object:
    """pcap and pcapng through the whole traffic pipeline: packets, IP fragments, TCP, TLS, QUIC, DNS, HTTP/1."""
    from datatrail.capture import analyse_capture_bytes

    return analyse_capture_bytes(data, "fuzz.pcap", attribute=False)


def _tls(data: bytes) -> object:
    from datatrail.formats.net.tls import parse_client_hello

    return parse_client_hello(data)


def _dns(data: bytes) -> object:
    from datatrail.formats.net.dns import parse_dns

    return parse_dns(data)


def _http1(data: bytes) -> object:
    from datatrail.formats.net.http1 import parse_request

    return parse_request(data)


def _har(data: bytes) -> object:
    from datatrail.formats.net.har import read_har

    return read_har(data, _log(), "fuzz.har")  # type: ignore[arg-type]


def _mitmproxy(data: bytes) -> object:
    from datatrail.formats.net.mitmproxy import read_mitmproxy

    return read_mitmproxy(data, _log(), "fuzz.mitm")  # type: ignore[arg-type]


def _mmdb(data: bytes) -> object:
    from datatrail.formats.common.mmdb import MmdbReader

    reader = MmdbReader(data)
    return [reader.get(ipaddress.ip_address(ip)) for ip in ("1.1.1.1", "8.8.8.8", "::1", "2001:db8::1")]


def _app(data: bytes) -> object:
    """A whole app file through the static scan: sniffing, ZIP, every Android and iOS reader behind it."""
    from datatrail.app.pipeline import scan_file

    with tempfile.NamedTemporaryFile(suffix=".bin") as fh:
        fh.write(data)
        fh.flush()
        return scan_file(Path(fh.name))


def _tnet_errors() -> tuple[type[BaseException], ...]:
    from datatrail.formats.net.tnetstring import TnetError

    return (TnetError,)


def _allowed(*extra: str) -> tuple[type[BaseException], ...]:
    """DatatrailError, plus the named low-level errors (``module:Class``) a reader documents."""
    import importlib

    out: list[type[BaseException]] = [DatatrailError]
    for spec in extra:
        module, name = spec.split(":")
        out.append(getattr(importlib.import_module(module), name))
    return tuple(out)


_APKS = ("apk/*/*.apk",)
HARNESSES: dict[str, Harness] = {h.name: h for h in (
    Harness("zip", _zip, _allowed(), _APKS + ("ipa/*/*.ipa",), max_len=1 << 18),
    Harness("axml", _axml, _allowed(), _APKS, ("AndroidManifest.xml",)),
    Harness("arsc", _arsc, _allowed(), _APKS, ("resources.arsc",)),
    Harness("aab-manifest", _aab_manifest, _allowed(), ("apk/*/*.aab",), ("AndroidManifest.xml",)),
    Harness("dex", _dex, _allowed(), ("apk/*/*.dex",) + _APKS, (".dex",), max_len=1 << 17),
    Harness("dexflow", _dex_flow, _allowed(), ("apk/*/*.dex",) + _APKS, (".dex",), max_len=1 << 16),
    Harness("classfile", _classfile, _allowed(), ("apk/*/*.jar", "sdk/*/*/*.jar", "sdk/*/*.jar"), (".class",)),
    Harness("elf", _elf, _allowed(), _APKS + ("sdk/*/*/*.aar",), (".so",)),
    Harness("x509", _x509, _allowed(), _APKS, (".RSA",)),
    Harness("der", _der, _allowed("datatrail.formats.common.der:DerError"), _APKS, (".RSA",)),
    Harness("pkcs7", _pkcs7, _allowed(), _APKS, (".RSA",)),
    Harness("macho", _macho, _allowed(), ("ipa/*/*.ipa",), ("Demo", "Factory")),
    Harness("ar", _ar, _allowed(), ("sdk/ios/*/*.a",)),
    Harness("codesign", _codesign, _allowed(), ()),
    Harness("plist", _plist, _allowed(), ("ipa/*/*.ipa",), ("Info.plist",)),
    Harness("mobileprovision", _mobileprovision, _allowed(), ("ipa/*/*.ipa",), (".mobileprovision",)),
    Harness("capture", _capture, _allowed(), ("net/ndpi/pcap/*.pcap", "net/pcapdroid/*.pcap*"), max_len=1 << 18),
    Harness("tls", _tls, _allowed(), ()),
    Harness("dns", _dns, _allowed("datatrail.formats.net.dns:DnsError"), ()),
    Harness("http1", _http1, _allowed(), ()),
    Harness("har", _har, _allowed(), ("net/har/*/*.har", "net/har/*/*/*.har", "net/mitmproxy/flows/*.har")),
    Harness("mitmproxy", _mitmproxy, _allowed("datatrail.formats.net.tnetstring:TnetError"),
            ("net/mitmproxy/flows/*.mitm", "net/mitmproxy/dumpfiles/*")),
    Harness("mmdb", _mmdb, _allowed("datatrail.formats.common.mmdb:MmdbError"), (), max_len=1 << 17),
    Harness("app", _app, _allowed(), _APKS[:1] + ("ipa/*/*.ipa",), max_len=1 << 20),
)}


def builtin_seeds(name: str) -> list[bytes]:
    """Small seeds made here for the readers whose inputs the corpus has no files of."""
    if name == "tls":
        hello = bytes.fromhex("010000") + b"\x00"
        return [b"\x16\x03\x01\x00\x05" + hello + b"\x00", b"\x16\x03\x01"]
    if name == "dns":
        return [bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001")]
    if name == "http1":
        return [b"POST /x?a=1 HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 3\r\n\r\nabc",
                b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"]
    if name == "mmdb":
        from importlib import resources

        data = resources.files("datatrail.knowledge").joinpath("data", "geo-dbip-country.mmdb").read_bytes()
        return [data[-(1 << 16):], data[: 1 << 16]]
    if name == "codesign":
        return [bytes.fromhex("fade0cc0000000140000000100000000000000140000")]
    return []


def all_seeds(harness: Harness) -> list[bytes]:
    return list(seeds(harness)) + builtin_seeds(harness.name)


def _selfcheck() -> None:  # pragma: no cover - python fuzz/harnesses.py: each harness on its seeds
    for h in HARNESSES.values():
        got = all_seeds(h)
        for data in got:
            try:
                h.run(data)
            except h.allowed:
                pass
        print(f"{h.name:16} {len(got)} seeds ok")


if __name__ == "__main__":  # pragma: no cover
    _selfcheck()
