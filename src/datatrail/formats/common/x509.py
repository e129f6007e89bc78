"""Read the descriptive fields of a DER-encoded X.509 certificate.

What an APK signer's certificate *says* — subject and issuer names, serial,
validity, public key type and size, signature algorithm — without any
cryptographic library: :func:`parse_certificate` walks the RFC 5280
structure with :mod:`datatrail.formats.common.der` in strict (DER) mode::

    Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
    TBSCertificate ::= SEQUENCE {
        [0] EXPLICIT version OPTIONAL, serialNumber INTEGER, signature AlgorithmIdentifier,
        issuer Name, validity SEQUENCE { notBefore Time, notAfter Time }, subject Name,
        subjectPublicKeyInfo, [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions (all optional) }
    Name ::= SEQUENCE OF SET OF SEQUENCE { type OBJECT IDENTIFIER, value ANY }

Names are rendered as RFC 4514 strings the way the ``cryptography`` package's
``Name.rfc4514_string`` does (its short attribute names, ``EMAILADDRESS`` for
PKCS#9 e-mail, dotted OIDs otherwise, most specific RDN first), so reports
stay comparable with earlier versions. Nothing is verified (signature, dates,
chain, extensions): this reports what the certificate claims. Anything
malformed raises :class:`~datatrail.errors.CorruptInput`.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from datatrail.errors import CorruptInput
from datatrail.formats.common.der import DerError, Tlv, children, read_tlv

__all__ = [
    "ATTRIBUTE_NAMES",
    "KEY_ALGORITHMS",
    "SIGNATURE_ALGORITHMS",
    "ParsedCertificate",
    "escape_rfc4514",
    "parse_certificate",
]

SIGNATURE_ALGORITHMS = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.10": "RSASSA-PSS",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "1.2.840.10040.4.3": "dsa-with-sha1",
    "2.16.840.1.101.3.4.3.1": "dsa-with-sha224",
    "2.16.840.1.101.3.4.3.2": "dsa-with-sha256",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
}
"""Signature algorithm OID -> name; other OIDs are reported dotted."""

KEY_ALGORITHMS = {
    "1.2.840.113549.1.1.1": "RSA",
    "1.2.840.113549.1.1.10": "RSA",
    "1.2.840.10045.2.1": "EC",
    "1.2.840.10040.4.1": "DSA",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
}
"""Public key algorithm OID -> name; other OIDs are reported dotted."""

ATTRIBUTE_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
    # RFC 4514 has no keyword for PKCS#9 emailAddress; apksigner and keytool print this one.
    "1.2.840.113549.1.9.1": "EMAILADDRESS",
}
"""Attribute type OID -> RFC 4514 keyword; other types are written as dotted OIDs."""

# Named prime curves y^2 = x^3 + ax + b (mod p) -> (p, a, b); the key size is p's bit length.
# Domain parameters from SEC 2 (Certicom, 2010) and RFC 5639 (brainpool), the curves
# OpenSSL-based readers accept in certificates.
_CURVES = {
    "1.2.840.10045.3.1.1": (0xfffffffffffffffffffffffffffffffeffffffffffffffff, 0xfffffffffffffffffffffffffffffffefffffffffffffffc, 0x64210519e59c80e70fa7e9ab72243049feb8deecc146b9b1),  # prime192v1, 192 bits
    "1.3.132.0.33": (0xffffffffffffffffffffffffffffffff000000000000000000000001, 0xfffffffffffffffffffffffffffffffefffffffffffffffffffffffe, 0xb4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4),  # secp224r1, 224 bits
    "1.2.840.10045.3.1.7": (0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff, 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffc, 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b),  # prime256v1, 256 bits
    "1.3.132.0.34": (0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff, 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc, 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef),  # secp384r1, 384 bits
    "1.3.132.0.35": (0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff, 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc, 0x51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00),  # secp521r1, 521 bits
    "1.3.132.0.10": (0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f, 0x0, 0x7),  # secp256k1, 256 bits
    "1.3.36.3.3.2.8.1.1.7": (0xa9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377, 0x7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9, 0x26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6),  # brainpoolP256r1, 256 bits
    "1.3.36.3.3.2.8.1.1.11": (0x8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53, 0x7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826, 0x4a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c11),  # brainpoolP384r1, 384 bits
    "1.3.36.3.3.2.8.1.1.13": (0xaadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3, 0x7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca, 0x3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723),  # brainpoolP512r1, 512 bits
}

_RSA = ("1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10")
_EC = "1.2.840.10045.2.1"
_DSA = "1.2.840.10040.4.1"

_COUNTRY = "2.5.4.6"
_COMMON_NAME = "2.5.4.3"
_ORGANIZATION = "2.5.4.10"
_UNIQUE_IDENTIFIER = "2.5.4.45"  # the one attribute whose value may be a BIT STRING

_MAX_OID_BYTES = 63

# Universal string-ish tags a name attribute value may carry, and how to decode each.
_BIT_STRING = 0x03
_T61_STRING = 0x14
_UNIVERSAL_STRING = 0x1C
_BMP_STRING = 0x1E
_UTF8_TAGS = frozenset(
    {
        0x04,  # OCTET STRING
        0x0C,  # UTF8String
        0x12,  # NumericString
        0x13,  # PrintableString
        0x16,  # IA5String
        0x17,  # UTCTime
        0x18,  # GeneralizedTime
        0x1A,  # VisibleString
    }
)

_SEQUENCE = 0x30
_SET = 0x31
_INTEGER = 0x02
_OID = 0x06
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18


class ParsedCertificate(NamedTuple):
    """The descriptive fields of one certificate (see ``model.certificate.Certificate``)."""

    subject: str
    issuer: str
    subject_country: str | None
    issuer_country: str | None
    serial: int
    not_before: str
    not_after: str
    public_key_algorithm: str
    public_key_bits: int | None
    signature_algorithm: str
    is_debug: bool


# One attribute: (type OID, value); BIT STRING values stay bytes.
_Attribute = tuple[str, "str | bytes"]


class _Bad(Exception):
    """A field has the wrong type or content (internal; becomes CorruptInput)."""


def parse_certificate(der: bytes) -> ParsedCertificate:
    """Describe one DER certificate; :class:`CorruptInput` if it is not one."""
    try:
        return _parse(der)
    except DerError as exc:
        raise CorruptInput(f"unreadable X.509 certificate: {exc}") from None
    except _Bad as exc:
        raise CorruptInput(f"unreadable X.509 certificate: {exc}") from None


def _parse(der: bytes) -> ParsedCertificate:
    top = read_tlv(der, 0, len(der), strict=True)
    _expect(top, _SEQUENCE, "Certificate")
    if top.end != len(der):
        raise _Bad(f"{len(der) - top.end} bytes after the certificate")
    parts = children(der, top, strict=True)
    if len(parts) != 3:
        raise _Bad(f"Certificate has {len(parts)} fields, expected 3")
    tbs, outer_alg, signature = parts
    _expect(tbs, _SEQUENCE, "tbsCertificate")
    signature_oid = _algorithm_oid(der, outer_alg, "signatureAlgorithm")
    _bit_string(der, signature, "signatureValue")

    fields = children(der, tbs, strict=True)
    if fields and fields[0].tag == 0xA0:
        _version(der, fields[0])
        fields = fields[1:]
    if len(fields) < 6:
        raise _Bad(f"tbsCertificate has {len(fields)} fields after the version, expected at least 6")
    serial_tlv, inner_alg, issuer_tlv, validity, subject_tlv, spki = fields[:6]
    _expect(serial_tlv, _INTEGER, "serialNumber")
    serial = _integer(der, serial_tlv, "serialNumber")
    _algorithm_oid(der, inner_alg, "signature")
    issuer = _name(der, issuer_tlv, "issuer")
    not_before, not_after = _validity(der, validity)
    subject = _name(der, subject_tlv, "subject")
    key_algorithm, key_bits = _public_key(der, spki)
    _optional_tail(fields[6:])

    return ParsedCertificate(
        subject=_rfc4514(subject),
        issuer=_rfc4514(issuer),
        subject_country=_first(subject, _COUNTRY),
        issuer_country=_first(issuer, _COUNTRY),
        serial=serial,
        not_before=not_before,
        not_after=not_after,
        public_key_algorithm=key_algorithm,
        public_key_bits=key_bits,
        signature_algorithm=SIGNATURE_ALGORITHMS.get(signature_oid, signature_oid),
        is_debug=_is_debug(subject),
    )


# --------------------------------------------------------------------------
# Primitive values
# --------------------------------------------------------------------------


def _expect(t: Tlv, tag: int, what: str) -> None:
    if t.tag != tag:
        raise _Bad(f"{what}: tag 0x{t.tag:02x}, expected 0x{tag:02x}")


def _integer(der: bytes, t: Tlv, what: str) -> int:
    body = der[t.body_start : t.body_end]
    if not body:
        raise _Bad(f"{what}: empty INTEGER")
    if len(body) > 1 and (
        (body[0] == 0x00 and body[1] < 0x80) or (body[0] == 0xFF and body[1] >= 0x80)
    ):
        raise _Bad(f"{what}: INTEGER is not minimally encoded")
    return int.from_bytes(body, "big", signed=True)


def _oid(der: bytes, t: Tlv, what: str) -> str:
    _expect(t, _OID, what)
    body = der[t.body_start : t.body_end]
    if not body or len(body) > _MAX_OID_BYTES:
        raise _Bad(f"{what}: OBJECT IDENTIFIER of {len(body)} bytes")
    if body[-1] & 0x80:
        raise _Bad(f"{what}: truncated OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    fresh = True
    for b in body:
        if fresh and b == 0x80:
            raise _Bad(f"{what}: OBJECT IDENTIFIER arc is not minimally encoded")
        value = (value << 7) | (b & 0x7F)
        fresh = not b & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


def _bit_string(der: bytes, t: Tlv, what: str) -> bytes:
    """The bits of a BIT STRING with no unused bits (keys and signatures are whole octets)."""
    _expect(t, 0x03, what)
    body = der[t.body_start : t.body_end]
    if not body:
        raise _Bad(f"{what}: empty BIT STRING")
    if body[0] > 7 or (body[0] and len(body) == 1):
        raise _Bad(f"{what}: bad unused-bit count {body[0]}")
    return body[1:] if body[0] == 0 else b""


def _algorithm_oid(der: bytes, t: Tlv, what: str) -> str:
    _expect(t, _SEQUENCE, what)
    parts = children(der, t, strict=True)
    if not 1 <= len(parts) <= 2:
        raise _Bad(f"{what}: AlgorithmIdentifier has {len(parts)} fields")
    return _oid(der, parts[0], what)


def _version(der: bytes, t: Tlv) -> None:
    inner = children(der, t, strict=True)
    if len(inner) != 1 or inner[0].tag != _INTEGER:
        raise _Bad("version: not an explicitly tagged INTEGER")
    version = _integer(der, inner[0], "version")
    if version not in (0, 1, 2):
        raise _Bad(f"version: unknown X.509 version {version}")


def _optional_tail(rest: list[Tlv]) -> None:
    """issuerUniqueID [1], subjectUniqueID [2], extensions [3]: each at most once, in order."""
    allowed = ((0x81, 0xA1), (0x82, 0xA2), (0xA3,))
    i = 0
    for t in rest:
        while i < len(allowed) and t.tag not in allowed[i]:
            i += 1
        if i == len(allowed):
            raise _Bad(f"unexpected tbsCertificate field with tag 0x{t.tag:02x}")
        i += 1


# --------------------------------------------------------------------------
# Validity
# --------------------------------------------------------------------------


def _validity(der: bytes, t: Tlv) -> tuple[str, str]:
    _expect(t, _SEQUENCE, "validity")
    times = children(der, t, strict=True)
    if len(times) != 2:
        raise _Bad(f"validity has {len(times)} fields, expected 2")
    return _time(der, times[0], "notBefore"), _time(der, times[1], "notAfter")


def _time(der: bytes, t: Tlv, what: str) -> str:
    text = der[t.body_start : t.body_end]
    if t.tag == _UTC_TIME and len(text) == 13:
        digits = text[:12]
        year = int(digits[:2]) if digits.isdigit() else -1
        year += 2000 if year < 50 else 1900
        rest = digits[2:]
    elif t.tag == _GENERALIZED_TIME and len(text) == 15:
        digits = text[:14]
        year = int(digits[:4]) if digits.isdigit() else -1
        rest = digits[4:]
    elif t.tag in (_UTC_TIME, _GENERALIZED_TIME):
        raise _Bad(f"{what}: time of unexpected length {len(text)}")
    else:
        raise _Bad(f"{what}: tag 0x{t.tag:02x} is not a UTCTime or GeneralizedTime")
    if not digits.isdigit() or text[-1:] != b"Z":
        raise _Bad(f"{what}: malformed time {text!r}")
    month, day, hour, minute, second = (int(rest[i : i + 2]) for i in range(0, 10, 2))
    try:
        when = datetime.datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise _Bad(f"{what}: impossible time {text!r} ({exc})") from None
    return f"{when.year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------


def _name(der: bytes, t: Tlv, what: str) -> list[list[_Attribute]]:
    """A Name as its RDNs in encoded order (least specific first), each a list of attributes."""
    _expect(t, _SEQUENCE, what)
    rdns: list[list[_Attribute]] = []
    for rdn_tlv in children(der, t, strict=True):
        _expect(rdn_tlv, _SET, f"{what} RDN")
        rdn: list[_Attribute] = []
        for atv in children(der, rdn_tlv, strict=True):
            _expect(atv, _SEQUENCE, f"{what} attribute")
            pair = children(der, atv, strict=True)
            if len(pair) != 2:
                raise _Bad(f"{what}: attribute has {len(pair)} fields, expected 2")
            oid = _oid(der, pair[0], f"{what} attribute type")
            attribute = (oid, _attribute_value(der, pair[1], oid, what))
            if attribute in rdn:
                raise _Bad(f"{what}: duplicate attribute {oid} in one RDN")
            rdn.append(attribute)
        if not rdn:
            raise _Bad(f"{what}: empty RDN")
        rdns.append(rdn)
    return rdns


def _attribute_value(der: bytes, t: Tlv, oid: str, what: str) -> str | bytes:
    body = der[t.body_start : t.body_end]
    tag = t.tag
    try:
        if tag in _UTF8_TAGS:
            return body.decode("utf-8")
        if tag == _BMP_STRING:
            return body.decode("utf-16-be")
        if tag == _UNIVERSAL_STRING:
            return body.decode("utf-32-be")
    except UnicodeDecodeError:
        raise _Bad(f"{what} {oid}: string value is not valid in its encoding (tag 0x{tag:02x})") from None
    if tag == _T61_STRING:
        # Teletex in theory; in practice UTF-8 or Latin-1 bytes.
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body.decode("latin-1")
    if tag == _BIT_STRING and oid == _UNIQUE_IDENTIFIER:
        return body
    raise _Bad(f"{what} {oid}: unsupported attribute value type (tag 0x{tag:02x})")


_ESCAPES = {ord(c): "\\" + c for c in '\\"+,;<>'}
_ESCAPES[0] = "\\00"


def escape_rfc4514(value: str | bytes) -> str:
    """An attribute value as RFC 4514 writes it: specials backslash-escaped,
    a leading ``#`` or space and a trailing space escaped; bytes as ``#`` + hex."""
    if isinstance(value, bytes):
        return "#" + value.hex() if value else ""
    out = value.translate(_ESCAPES)
    if out[:1] == "#" or (out[:1] == " " and len(out) > 1):
        out = "\\" + out
    if out[-1:] == " ":
        out = out[:-1] + "\\ "
    return out


def _rfc4514(rdns: list[list[_Attribute]]) -> str:
    return ",".join(
        "+".join(f"{ATTRIBUTE_NAMES.get(oid, oid)}={escape_rfc4514(value)}" for oid, value in rdn)
        for rdn in reversed(rdns)
    )


def _values(rdns: list[list[_Attribute]], oid: str) -> list[str | bytes]:
    return [value for rdn in rdns for o, value in rdn if o == oid]


def _first(rdns: list[list[_Attribute]], oid: str) -> str | None:
    for value in _values(rdns, oid):
        return value if isinstance(value, str) else value.decode("latin-1")
    return None


def _is_debug(subject: list[list[_Attribute]]) -> bool:
    """The Android SDK debug identity: exactly CN=Android Debug, O=Android, C=US."""
    return (
        _values(subject, _COMMON_NAME) == ["Android Debug"]
        and _values(subject, _ORGANIZATION) == ["Android"]
        and _values(subject, _COUNTRY) == ["US"]
    )


# --------------------------------------------------------------------------
# Public key
# --------------------------------------------------------------------------


def _public_key(der: bytes, t: Tlv) -> tuple[str, int | None]:
    """Key algorithm name and size; the size is ``None`` when the key itself is unreadable."""
    _expect(t, _SEQUENCE, "subjectPublicKeyInfo")
    parts = children(der, t, strict=True)
    if len(parts) != 2:
        raise _Bad(f"subjectPublicKeyInfo has {len(parts)} fields, expected 2")
    _expect(parts[0], _SEQUENCE, "subjectPublicKeyInfo algorithm")
    alg = children(der, parts[0], strict=True)
    if not 1 <= len(alg) <= 2:
        raise _Bad(f"subjectPublicKeyInfo algorithm has {len(alg)} fields")
    oid = _oid(der, alg[0], "public key algorithm")
    params = alg[1] if len(alg) == 2 else None
    key = _bit_string(der, parts[1], "subjectPublicKey")
    name = KEY_ALGORITHMS.get(oid, oid)
    try:
        if oid in _RSA:
            return name, _rsa_bits(key)
        if oid == _EC:
            return name, _ec_bits(der, params, key)
        if oid == _DSA:
            return name, _dsa_bits(der, params, key)
    except (DerError, _Bad):
        pass
    return name, None


def _rsa_bits(key: bytes) -> int | None:
    top = read_tlv(key, 0, len(key), strict=True)
    _expect(top, _SEQUENCE, "RSAPublicKey")
    parts = children(key, top, strict=True)
    if top.end != len(key) or len(parts) != 2 or any(p.tag != _INTEGER for p in parts):
        return None
    modulus = _integer(key, parts[0], "modulus")
    exponent = _integer(key, parts[1], "publicExponent")
    # The checks OpenSSL-based readers make before accepting a public key.
    return modulus.bit_length() if 3 <= exponent < modulus and exponent % 2 else None


def _ec_bits(der: bytes, params: Tlv | None, key: bytes) -> int | None:
    if params is None or params.tag != _OID:
        return None  # implicit or explicitly specified curves are not read
    curve = _CURVES.get(_oid(der, params, "namedCurve"))
    if curve is None:
        return None
    p, a, b = curve
    size = (p.bit_length() + 7) // 8
    form = key[:1]
    if form in (b"\x04", b"\x06", b"\x07") and len(key) == 1 + 2 * size:  # uncompressed or hybrid: x, y
        x, y = int.from_bytes(key[1 : 1 + size], "big"), int.from_bytes(key[1 + size :], "big")
        on_curve = x < p and y < p and (y * y - (x * x * x + a * x + b)) % p == 0
        if form != b"\x04":  # hybrid also states y's parity
            on_curve = on_curve and y % 2 == form[0] % 2
    elif form in (b"\x02", b"\x03") and len(key) == 1 + size:  # compressed: x and y's parity
        x = int.from_bytes(key[1:], "big")
        rhs = (x * x * x + a * x + b) % p
        # Some y solves y^2 = rhs (Euler's criterion); y = 0 is even, so it needs prefix 02.
        on_curve = x < p and (pow(rhs, (p - 1) // 2, p) == 1 or (rhs == 0 and form == b"\x02"))
    else:
        on_curve = False
    return p.bit_length() if on_curve else None


def _dsa_bits(der: bytes, params: Tlv | None, key: bytes) -> int | None:
    if params is None or params.tag != _SEQUENCE:
        return None
    pqg = children(der, params, strict=True)
    if len(pqg) != 3 or any(p.tag != _INTEGER for p in pqg):
        return None
    top = read_tlv(key, 0, len(key), strict=True)
    if top.tag != _INTEGER or top.end != len(key):
        return None
    p, q, g = (_integer(der, t, "DSA parameter") for t in pqg)
    y = _integer(key, top, "DSA public key")
    return p.bit_length() if p > 0 and min(q, g, y) >= 0 else None
