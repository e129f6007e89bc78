"""APK signatures: which certificates an APK claims to be signed with.

Two places hold them:

* the **APK Signing Block** (schemes v2, v3 and v3.1), a table of
  ``id -> value`` pairs that sits immediately before the ZIP central
  directory and ends with the magic ``APK Sig Block 42``;
* **v1 JAR signing**: ``META-INF/<NAME>.RSA|.DSA|.EC`` files, each a
  PKCS#7 / CMS ``SignedData`` whose certificates field holds the signer's
  certificate (and possibly its chain).

Nothing here verifies a signature cryptographically: we report what the file
*claims*, and check only that the v2/v3 structures are well formed and
self-consistent (lengths, algorithm lists, the signer's public key matching
its certificate, the v3 SDK range copies agreeing). Tampered input yields
diagnostics and whatever could still be read, never an exception.

Certificates are described by :mod:`datatrail.formats.common.x509` and PKCS#7 is
walked with :mod:`datatrail.formats.common.der`: no cryptography library is imported,
which keeps the start-up cost of an Android scan down.

Layouts follow the Android documentation (source.android.com, "APK Signature
Scheme v2/v3"); all integers are little-endian, "length-prefixed" means a
uint32 byte count followed by that many bytes.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
from typing import Iterable, Iterator, NamedTuple

from datatrail.errors import CorruptInput
from datatrail.formats.common.der import DerError, Tlv, children, raw, read_tlv
from datatrail.formats.common.x509 import parse_certificate
from datatrail.model.certificate import Certificate
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = [
    "SIGNING_BLOCK_MAGIC",
    "V2_BLOCK_ID",
    "V3_BLOCK_ID",
    "V31_BLOCK_ID",
    "find_signing_block",
    "certificates_from_signing_block",
    "certificates_from_pkcs7",
    "certificate_from_der",
    "is_v1_signature_file",
    "v1_signature_pairs",
]

SIGNING_BLOCK_MAGIC = b"APK Sig Block 42"
V2_BLOCK_ID = 0x7109871A
V3_BLOCK_ID = 0xF05368C0
V31_BLOCK_ID = 0x1B93AD61

SIGNING_BLOCK_SOURCE = "APK Signing Block"

# Other pair ids seen in the wild; named only so diagnostics can say what they are.
_OTHER_BLOCK_IDS = {
    0x42726577: "verity padding",
    0x6DFF800D: "source stamp v2",
    0x2B09189E: "source stamp v1",
    0x504B4453: "dependency info",
    0x71777777: "Google Play frosting",
}

_SCHEMES = ((V2_BLOCK_ID, "v2"), (V3_BLOCK_ID, "v3"), (V31_BLOCK_ID, "v3.1"))

# Signature algorithm ids used in v2/v3 signers.
_SIG_ALGORITHMS = {
    0x0101: "RSASSA-PSS with SHA2-256",
    0x0102: "RSASSA-PSS with SHA2-512",
    0x0103: "RSASSA-PKCS1-v1_5 with SHA2-256",
    0x0104: "RSASSA-PKCS1-v1_5 with SHA2-512",
    0x0201: "ECDSA with SHA2-256",
    0x0202: "ECDSA with SHA2-512",
    0x0301: "DSA with SHA2-256",
    0x0421: "RSASSA-PKCS1-v1_5 with SHA2-256 (verity)",
    0x0423: "ECDSA with SHA2-256 (verity)",
    0x0425: "DSA with SHA2-256 (verity)",
}

_ATTR_STRIPPING_PROTECTION = 0xBEEFF00D  # v2 signed data: "a v3 signature also exists"
_ATTR_PROOF_OF_ROTATION = 0x3BA06F8C  # v3 signed data: signing certificate lineage

# Sanity bounds for hostile blocks (each signer/certificate costs a parse).
_MAX_SIGNERS = 64
_MAX_CERTS_PER_SIGNER = 64
_MAX_PAIRS = 4096

_SIGNED_DATA_OID = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2

_V1_EXTENSIONS = (".RSA", ".DSA", ".EC")

# --------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------


def certificate_from_der(der: bytes, scheme: str, signer_index: int, source: str) -> Certificate:
    """Describe one DER-encoded X.509 certificate.

    Raises :class:`CorruptInput` when the bytes are not a certificate
    :mod:`datatrail.formats.common.x509` can read. Nothing about the certificate is
    validated (dates, chain, signature): this reports what it claims.
    """
    der = bytes(der)
    info = parse_certificate(der)
    return Certificate(
        scheme=scheme,
        signer_index=signer_index,
        subject=info.subject,
        issuer=info.issuer,
        subject_country=info.subject_country,
        issuer_country=info.issuer_country,
        serial=format(info.serial, "x"),
        not_before=info.not_before,
        not_after=info.not_after,
        sha256=hashlib.sha256(der).hexdigest(),
        sha1=hashlib.sha1(der).hexdigest(),
        public_key_algorithm=info.public_key_algorithm,
        public_key_bits=info.public_key_bits,
        signature_algorithm=info.signature_algorithm,
        is_debug=info.is_debug,
        source=source,
    )


def _unparsed_certificate(der: bytes, scheme: str, signer_index: int, source: str) -> Certificate:
    """Placeholder keeping the identity (fingerprints) of a certificate we could not parse."""
    return Certificate(
        scheme=scheme,
        signer_index=signer_index,
        subject="",
        issuer="",
        subject_country=None,
        issuer_country=None,
        serial="",
        not_before="",
        not_after="",
        sha256=hashlib.sha256(der).hexdigest(),
        sha1=hashlib.sha1(der).hexdigest(),
        public_key_algorithm="unknown",
        public_key_bits=None,
        signature_algorithm=None,
        is_debug=False,
        source=source,
    )


def _certificate_or_placeholder(
    der: bytes, scheme: str, signer_index: int, source: str, log: DiagnosticLog, location: str
) -> Certificate:
    try:
        return certificate_from_der(der, scheme, signer_index, source)
    except CorruptInput as exc:
        log.add(
            "signing.bad-certificate",
            f"{scheme} signer #{signer_index}: {exc}; kept only its fingerprint "
            f"(sha256 {hashlib.sha256(der).hexdigest()})",
            location,
            Level.ERROR,
        )
        return _unparsed_certificate(der, scheme, signer_index, source)


# --------------------------------------------------------------------------
# APK Signing Block
# --------------------------------------------------------------------------


def find_signing_block(
    data: bytes | bytearray | memoryview | mmap.mmap, central_directory_offset: int, log: DiagnosticLog
) -> dict[int, bytes] | None:
    """The id -> value pairs of the APK Signing Block just before the central directory.

    Layout (from its start)::

        uint64  size of the block, not counting this field
        pairs:  uint64 length, then uint32 id and (length - 4) value bytes, repeated
        uint64  size of the block (same as the first)
        16 B    "APK Sig Block 42"

    Returns ``None`` when there is no block (no magic right before the central
    directory). When the magic is there but the block cannot be located or
    parsed, returns the pairs read so far (possibly ``{}``) and logs why.
    Duplicate ids keep the first value, as Android does.
    """
    view = memoryview(data)
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    size = len(view)
    cd = central_directory_offset
    if not 0 <= cd <= size:
        log.add(
            "signing.bad-cd-offset",
            f"central directory offset {cd} is outside the file ({size} bytes)",
            SIGNING_BLOCK_SOURCE,
            Level.ERROR,
        )
        return None
    if cd < 24 or bytes(view[cd - 16 : cd]) != SIGNING_BLOCK_MAGIC:
        return None

    footer = cd - 24
    loc = f"{SIGNING_BLOCK_SOURCE}@0x{footer:x}"
    (block_size,) = struct.unpack_from("<Q", view, footer)
    # block_size counts the pairs, the trailing size field and the magic.
    if block_size < 24:
        log.add(
            "signing.block-too-small",
            f"APK Signing Block size {block_size} is smaller than its own footer",
            loc,
            Level.ERROR,
        )
        return {}
    if block_size > cd - 8:
        log.add(
            "signing.block-size-out-of-range",
            f"APK Signing Block claims {block_size} bytes but only {cd - 8} precede its footer",
            loc,
            Level.ERROR,
        )
        return {}
    start = cd - block_size - 8
    loc = f"{SIGNING_BLOCK_SOURCE}@0x{start:x}"
    (head_size,) = struct.unpack_from("<Q", view, start)
    if head_size != block_size:
        log.add(
            "signing.block-size-mismatch",
            f"APK Signing Block header size {head_size} differs from footer size {block_size}",
            loc,
            Level.ERROR,
        )

    pairs: dict[int, bytes] = {}
    pos = start + 8
    end = footer
    count = 0
    while pos < end:
        ploc = f"{SIGNING_BLOCK_SOURCE}@0x{pos:x}"
        if count >= _MAX_PAIRS:
            log.add("signing.too-many-pairs", f"stopped after {_MAX_PAIRS} pairs", ploc, Level.ERROR)
            break
        if end - pos < 8:
            log.add(
                "signing.pair-truncated",
                f"{end - pos} stray bytes where a pair length (8 bytes) was expected",
                ploc,
                Level.ERROR,
            )
            break
        (pair_len,) = struct.unpack_from("<Q", view, pos)
        if pair_len < 4:
            log.add(
                "signing.pair-too-short",
                f"pair length {pair_len} cannot hold its 4-byte id",
                ploc,
                Level.ERROR,
            )
            break
        if pair_len > end - pos - 8:
            log.add(
                "signing.pair-truncated",
                f"pair length {pair_len} exceeds the {end - pos - 8} bytes left in the block",
                ploc,
                Level.ERROR,
            )
            break
        (pair_id,) = struct.unpack_from("<I", view, pos + 8)
        value = bytes(view[pos + 12 : pos + 8 + pair_len])
        if pair_id in pairs:
            log.add(
                "signing.duplicate-pair",
                f"pair id 0x{pair_id:08x} appears more than once; the first is used",
                ploc,
                Level.WARNING,
            )
        else:
            pairs[pair_id] = value
        pos += 8 + pair_len
        count += 1
    return pairs


class _Truncated(Exception):
    """A length-prefixed field ran past what contains it (internal)."""


class _Reader:
    """Little-endian cursor over a bounded slice; every read is checked against what remains."""

    __slots__ = ("buf", "pos", "end")

    def __init__(self, buf: bytes, pos: int = 0, end: int | None = None) -> None:
        self.buf = buf
        self.pos = pos
        self.end = len(buf) if end is None else end

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def u32(self, what: str) -> int:
        if self.remaining < 4:
            raise _Truncated(f"{what}: need 4 bytes, {self.remaining} left")
        value: int = struct.unpack_from("<I", self.buf, self.pos)[0]
        self.pos += 4
        return value

    def prefixed(self, what: str) -> "_Reader":
        """A sub-reader over the next uint32-length-prefixed field."""
        length = self.u32(what + " length")
        if length > self.remaining:
            raise _Truncated(f"{what}: length {length} exceeds the {self.remaining} bytes left")
        sub = _Reader(self.buf, self.pos, self.pos + length)
        self.pos += length
        return sub

    def rest(self) -> bytes:
        value = self.buf[self.pos : self.end]
        self.pos = self.end
        return value

    def items(self, what: str, limit: int, log: DiagnosticLog, loc: str) -> Iterator["_Reader"]:
        """Each length-prefixed element of a length-prefixed sequence, stopping (with a
        diagnostic) at the first one that does not fit."""
        n = 0
        while self.remaining:
            if n >= limit:
                log.add("signing.too-many-items", f"{what}: stopped after {limit} entries", loc, Level.ERROR)
                return
            try:
                item = self.prefixed(f"{what} #{n}")
            except _Truncated as exc:
                log.add("signing.truncated", str(exc), loc, Level.ERROR)
                return
            yield item
            n += 1


def _algorithm_list(seq: _Reader, what: str, log: DiagnosticLog, loc: str) -> list[int]:
    """Algorithm ids of a sequence of (uint32 id, length-prefixed bytes) records."""
    ids: list[int] = []
    for item in seq.items(what, 64, log, loc):
        try:
            algo = item.u32(f"{what} algorithm id")
            item.prefixed(f"{what} value")
        except _Truncated as exc:
            log.add("signing.truncated", str(exc), loc, Level.ERROR)
            continue
        ids.append(algo)
    return ids


def _parse_signer(
    signer: _Reader,
    scheme: str,
    index: int,
    log: DiagnosticLog,
    out: list[Certificate],
) -> set[int]:
    """Read one v2/v3 signer, appending its certificates to ``out`` as soon as they are
    read (so a later truncation still leaves them). Returns scheme ids a v2 signer's
    stripping-protection attribute claims."""
    loc = f"{SIGNING_BLOCK_SOURCE} {scheme} signer #{index}"
    is_v3 = scheme != "v2"
    claimed: set[int] = set()
    signed = signer.prefixed("signed data")
    digests = signed.prefixed("digests")
    certs = signed.prefixed("certificates")

    cert_ders: list[bytes] = [bytes(c.rest()) for c in certs.items("certificates", _MAX_CERTS_PER_SIGNER, log, loc)]
    first_der = cert_ders[0] if cert_ders else None
    for der in cert_ders:
        out.append(_certificate_or_placeholder(der, scheme, index, SIGNING_BLOCK_SOURCE, log, loc))
    if not cert_ders:
        log.add("signing.no-certificates", f"{scheme} signer #{index} lists no certificate", loc, Level.ERROR)

    digest_algos = _algorithm_list(digests, "digests", log, loc)
    inner_sdk: tuple[int, int] | None = None
    if is_v3:
        inner_sdk = (signed.u32("signed data min SDK"), signed.u32("signed data max SDK"))
    attrs = signed.prefixed("additional attributes")
    for attr in attrs.items("additional attributes", 64, log, loc):
        try:
            attr_id = attr.u32("attribute id")
        except _Truncated as exc:
            log.add("signing.truncated", str(exc), loc, Level.ERROR)
            continue
        if attr_id == _ATTR_PROOF_OF_ROTATION:
            log.add(
                "signing.lineage-present",
                f"{scheme} signer #{index} carries a signing-certificate lineage "
                "(key rotation history); its older certificates are not reported",
                loc,
                Level.INFO,
            )
        elif attr_id == _ATTR_STRIPPING_PROTECTION and not is_v3:
            try:
                claimed.add(attr.u32("stripping-protection scheme id"))
            except _Truncated as exc:
                log.add("signing.truncated", str(exc), loc, Level.ERROR)
    # apksig-made v2 blocks end the signed data with an empty length-prefixed
    # element (four zero bytes); only other leftovers are odd.
    leftover = bytes(signed.rest())
    if leftover and leftover != b"\0\0\0\0":
        log.add(
            "signing.trailing-data",
            f"{len(leftover)} unexpected bytes after the signed data",
            loc,
            Level.WARNING,
        )

    if is_v3:
        outer_sdk = (signer.u32("min SDK"), signer.u32("max SDK"))
        if inner_sdk is not None and outer_sdk != inner_sdk:
            log.add(
                "signing.sdk-range-mismatch",
                f"{scheme} signer #{index}: SDK range {outer_sdk} differs from the signed copy {inner_sdk}",
                loc,
                Level.ERROR,
            )
        if outer_sdk[0] > outer_sdk[1]:
            log.add(
                "signing.sdk-range-empty",
                f"{scheme} signer #{index}: min SDK {outer_sdk[0]} > max SDK {outer_sdk[1]}",
                loc,
                Level.WARNING,
            )

    signature_algos = _algorithm_list(signer.prefixed("signatures"), "signatures", log, loc)
    if not signature_algos:
        log.add("signing.no-signatures", f"{scheme} signer #{index} has no signature", loc, Level.ERROR)
    if digest_algos != signature_algos:
        log.add(
            "signing.algorithm-mismatch",
            f"{scheme} signer #{index}: digest algorithms {[hex(a) for a in digest_algos]} "
            f"differ from signature algorithms {[hex(a) for a in signature_algos]}",
            loc,
            Level.ERROR,
        )
    for algo in sorted(set(signature_algos) - set(_SIG_ALGORITHMS)):
        log.add(
            "signing.unknown-algorithm",
            f"{scheme} signer #{index}: unknown signature algorithm 0x{algo:04x}",
            loc,
            Level.WARNING,
        )

    public_key = bytes(signer.prefixed("public key").rest())
    if not public_key:
        log.add("signing.no-public-key", f"{scheme} signer #{index} has an empty public key", loc, Level.ERROR)
    elif first_der is not None:
        spki = _certificate_spki(first_der)
        if spki is not None and spki != public_key:
            log.add(
                "signing.public-key-mismatch",
                f"{scheme} signer #{index}: public key differs from its first certificate's",
                loc,
                Level.ERROR,
            )
    if signer.remaining:
        log.add(
            "signing.trailing-data",
            f"{signer.remaining} unexpected bytes after the signer",
            loc,
            Level.WARNING,
        )
    return claimed


def certificates_from_signing_block(pairs: dict[int, bytes], log: DiagnosticLog) -> list[Certificate]:
    """Certificates named by the v2, v3 and v3.1 signers in an APK Signing Block.

    For each scheme present, each signer's signed data lists certificates; the
    first is the signer's own, the rest its chain. Results are ordered by
    scheme (v2, v3, v3.1), then signer, then position. Structure is checked
    (see the module docstring) but no signature or digest is verified: these
    are the certificates the APK claims. A v3 lineage (proof of rotation) is
    noted in a diagnostic, its certificates are not reported.
    """
    result: list[Certificate] = []
    claimed: set[int] = set()
    for block_id, scheme in _SCHEMES:
        value = pairs.get(block_id)
        if value is None:
            continue
        loc = f"{SIGNING_BLOCK_SOURCE} {scheme}"
        outer = _Reader(value)
        try:
            signers = outer.prefixed("signers")
        except _Truncated as exc:
            log.add("signing.truncated", f"{scheme} block: {exc}", loc, Level.ERROR)
            continue
        if outer.remaining:
            log.add(
                "signing.trailing-data",
                f"{outer.remaining} unexpected bytes after the {scheme} signer list",
                loc,
                Level.WARNING,
            )
        count = 0
        for signer in signers.items(f"{scheme} signers", _MAX_SIGNERS, log, loc):
            try:
                claimed |= _parse_signer(signer, scheme, count, log, result)
            except _Truncated as exc:
                log.add(
                    "signing.truncated",
                    f"{scheme} signer #{count}: {exc}",
                    f"{loc} signer #{count}",
                    Level.ERROR,
                )
            count += 1
        if count == 0:
            log.add("signing.no-signers", f"{scheme} block lists no signer", loc, Level.ERROR)

    if 3 in claimed and V3_BLOCK_ID not in pairs:
        log.add(
            "signing.v3-stripped",
            "v2 signed data says the APK was also signed with scheme v3, but there is no v3 block",
            SIGNING_BLOCK_SOURCE,
            Level.ERROR,
        )
    for block_id in pairs:
        if block_id in (V2_BLOCK_ID, V3_BLOCK_ID, V31_BLOCK_ID) or block_id in _OTHER_BLOCK_IDS:
            continue
        log.add(
            "signing.unknown-pair",
            f"unrecognised APK Signing Block pair id 0x{block_id:08x} ({len(pairs[block_id])} bytes)",
            SIGNING_BLOCK_SOURCE,
            Level.INFO,
        )
    return result


# --------------------------------------------------------------------------
# PKCS#7 and certificate fields by DER/BER walk (datatrail.formats.common.der)
# --------------------------------------------------------------------------


def _tbs_fields(cert_der: bytes) -> list[Tlv] | None:
    """The tbsCertificate fields after the optional version: serial, signature,
    issuer, validity, subject, subjectPublicKeyInfo, ..."""
    try:
        cert = read_tlv(cert_der, 0, len(cert_der))
        parts = children(cert_der, cert)
        if not parts or parts[0].tag != 0x30:
            return None
        fields = children(cert_der, parts[0])
    except DerError:
        return None
    if fields and fields[0].tag == 0xA0:
        fields = fields[1:]
    return fields if len(fields) >= 6 else None


def _certificate_spki(cert_der: bytes) -> bytes | None:
    fields = _tbs_fields(cert_der)
    return raw(cert_der, fields[5]) if fields else None


def _certificate_issuer_serial(cert_der: bytes) -> tuple[bytes, int] | None:
    fields = _tbs_fields(cert_der)
    if not fields or fields[0].tag != 0x02:
        return None
    serial = int.from_bytes(cert_der[fields[0].body_start : fields[0].body_end], "big", signed=True)
    return raw(cert_der, fields[2]), serial


class _SignedDataParts(NamedTuple):
    certificates: list[bytes]
    signer_ids: list[tuple[bytes, int]]  # (issuer Name DER, serial) of each SignerInfo
    signer_count: int
    problems: list[str]  # where the SignedData fields have the wrong types


def _signed_data_problems(fields: list[Tlv]) -> list[str]:
    """How SignedData's field types differ from RFC 5652: version INTEGER, digestAlgorithms
    SET, encapContentInfo SEQUENCE, [0] certificates and [1] crls (optional), signerInfos SET."""
    problems: list[str] = []
    for i, (tag, what) in enumerate(((0x02, "version"), (0x31, "digestAlgorithms"), (0x30, "encapContentInfo"))):
        if fields[i].tag != tag:
            problems.append(f"{what} has tag 0x{fields[i].tag:02x}, expected 0x{tag:02x}")
    if fields[-1].tag != 0x31:
        problems.append(f"signerInfos has tag 0x{fields[-1].tag:02x}, expected 0x31")
    middle = [f.tag for f in fields[3:-1]]
    if middle not in ([], [0xA0], [0xA1], [0xA0, 0xA1]):
        problems.append("unexpected fields between encapContentInfo and signerInfos: " + ", ".join(f"0x{t:02x}" for t in middle))
    return problems


def _walk_pkcs7(der: bytes, source: str, log: DiagnosticLog) -> _SignedDataParts:
    """Pull raw certificates and SignerInfo issuer/serial pairs out of a
    ContentInfo(SignedData), tolerating BER. Raises DerError."""
    top = read_tlv(der, 0, len(der))
    if top.tag != 0x30:
        raise DerError("not a SEQUENCE")
    if top.end != len(der):
        log.add(
            "signing.pkcs7-trailing-data",
            f"{len(der) - top.end} bytes after the PKCS#7 structure",
            source,
            Level.INFO,
        )
    info = children(der, top)
    if len(info) < 2 or info[0].tag != 0x06:
        raise DerError("ContentInfo without content type and content")
    if der[info[0].body_start : info[0].body_end] != _SIGNED_DATA_OID:
        raise DerError("content type is not signedData")
    if info[1].tag != 0xA0:
        raise DerError("ContentInfo content is not [0]")
    wrapped = children(der, info[1])
    if not wrapped or wrapped[0].tag != 0x30:
        raise DerError("SignedData is not a SEQUENCE")
    fields = children(der, wrapped[0])
    # version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
    if len(fields) < 4:
        raise DerError("SignedData has too few fields")
    certs: list[bytes] = []
    signer_ids: list[tuple[bytes, int]] = []
    signer_count = 0
    for field in fields[3:]:
        if field.tag == 0xA0:
            for c in children(der, field):
                if c.tag == 0x30:
                    certs.append(raw(der, c))
                else:
                    log.add(
                        "signing.pkcs7-odd-certificate",
                        f"certificates field holds a non-X.509 choice (tag 0x{c.tag:02x}); skipped",
                        source,
                        Level.WARNING,
                    )
        elif field.tag == 0x31:
            for info_tlv in children(der, field):
                signer_count += 1
                parts = children(der, info_tlv) if info_tlv.tag == 0x30 else []
                if len(parts) >= 2 and parts[1].tag == 0x30:
                    ias = children(der, parts[1])
                    if len(ias) == 2 and ias[1].tag == 0x02:
                        serial = int.from_bytes(der[ias[1].body_start : ias[1].body_end], "big", signed=True)
                        signer_ids.append((raw(der, ias[0]), serial))
    return _SignedDataParts(certs, signer_ids, signer_count, _signed_data_problems(fields))


# --------------------------------------------------------------------------
# v1 (JAR) signatures
# --------------------------------------------------------------------------


def is_v1_signature_file(name: str) -> bool:
    """Whether a ZIP entry name is a v1 signature block file.

    That is ``META-INF/<stem>.RSA``, ``.DSA`` or ``.EC``. Case is ignored
    (older Android upper-cased names before matching; current releases and
    apksigner are case-sensitive, so a lower-case name is *accepted by some*
    versions), and files in subdirectories of ``META-INF/`` count too, since
    the platform's JAR verifier picks up every ``META-INF/`` entry with those
    extensions. Android only uses a block file whose matching ``.SF`` exists:
    see :func:`v1_signature_pairs`.
    """
    upper = name.upper()
    if not upper.startswith("META-INF/"):
        return False
    base = upper.rsplit("/", 1)[-1]
    for ext in _V1_EXTENSIONS:
        if base.endswith(ext) and len(base) > len(ext):
            return True
    return False


def v1_signature_pairs(names: Iterable[str]) -> list[tuple[str, str | None]]:
    """Each v1 signature block file with its signature file (``<stem>.SF``).

    The second item is ``None`` when no ``.SF`` matches: Android ignores such
    a block (apksigner calls it a "partial JAR signature"). An exact-case
    match is preferred, then a case-insensitive one. Order follows ``names``.
    """
    names = list(names)
    exact = set(names)
    folded: dict[str, str] = {}
    for n in names:
        folded.setdefault(n.upper(), n)
    out: list[tuple[str, str | None]] = []
    for n in names:
        if not is_v1_signature_file(n):
            continue
        sf = n[: n.rfind(".")] + ".SF"
        if sf in exact:
            out.append((n, sf))
        else:
            out.append((n, folded.get(sf.upper())))
    return out


def _chain_order(certs: list[bytes], signers: list[int]) -> list[int]:
    """Signer certificates first, each followed by its issuers as far as the
    set links up (by issuer/subject name), then whatever is left in file order."""
    names: list[tuple[bytes, bytes] | None] = []
    for blob in certs:
        fields = _tbs_fields(blob)
        names.append((raw(blob, fields[2]), raw(blob, fields[4])) if fields else None)
    order: list[int] = []
    for start in signers:
        current: int | None = start
        while current is not None and current not in order:
            order.append(current)
            link = names[current]
            if link is None or link[0] == link[1]:  # unreadable or self-signed: chain ends
                break
            current = next(
                (j for j, n in enumerate(names) if j not in order and n is not None and n[1] == link[0]),
                None,
            )
    return order + [i for i in range(len(certs)) if i not in order]


def certificates_from_pkcs7(
    der: bytes, source: str, log: DiagnosticLog, signer_index: int = 0
) -> list[Certificate]:
    """Certificates in one v1 signature block file (PKCS#7 ``SignedData``).

    The signer's certificate (the one its SignerInfo names by issuer and
    serial) comes first, then its issuers as far as they link up by name,
    then any others in file order. A DER/BER walk (BER indefinite lengths
    are accepted, as old signers wrote them) pulls out the certificates and
    SignerInfo ids; when the ``SignedData`` fields around them have the
    wrong types, the certificates are still read and a diagnostic says so.
    Each certificate is described by :mod:`datatrail.formats.common.x509`. The
    signature over the ``.SF`` file is not verified: these are the
    certificates the APK claims.
    """
    der = bytes(der)
    try:
        walked = _walk_pkcs7(der, source, log)
    except DerError as exc:
        log.add(
            "signing.pkcs7-unreadable",
            f"not a readable PKCS#7 signature block ({exc})",
            source,
            Level.ERROR,
        )
        return []
    if walked.problems:
        log.add(
            "signing.pkcs7-rejected",
            f"malformed PKCS#7 SignedData ({'; '.join(walked.problems)}); "
            "certificates pulled out by a lenient DER walk",
            source,
            Level.WARNING,
        )
    certs = walked.certificates

    if len(certs) > _MAX_CERTS_PER_SIGNER:
        log.add(
            "signing.too-many-items",
            f"PKCS#7 block holds {len(certs)} certificates; only the first {_MAX_CERTS_PER_SIGNER} are read",
            source,
            Level.ERROR,
        )
        certs = certs[:_MAX_CERTS_PER_SIGNER]
    if not certs:
        log.add("signing.pkcs7-no-certificates", "PKCS#7 block holds no certificate", source, Level.ERROR)
        return []

    # Put the signer's certificate first.
    if walked.signer_count == 0:
        log.add("signing.pkcs7-no-signer", "PKCS#7 block has no SignerInfo", source, Level.WARNING)
    elif walked.signer_count > 1:
        log.add(
            "signing.pkcs7-many-signers",
            f"PKCS#7 block has {walked.signer_count} SignerInfos",
            source,
            Level.INFO,
        )
    ids = [_certificate_issuer_serial(blob) for blob in certs]
    signer_positions: list[int] = []
    for issuer, serial in walked.signer_ids:
        match = next((i for i, v in enumerate(ids) if v == (issuer, serial)), None)
        if match is None:  # tolerate a differently encoded issuer name
            match = next((i for i, v in enumerate(ids) if v is not None and v[1] == serial), None)
        if match is None:
            log.add(
                "signing.pkcs7-signer-cert-missing",
                f"no certificate matches the SignerInfo (serial {serial:x})",
                source,
                Level.WARNING,
            )
        elif match not in signer_positions:
            signer_positions.append(match)
    order = _chain_order(certs, signer_positions)

    return [_certificate_or_placeholder(certs[i], "v1", signer_index, source, log, source) for i in order]
