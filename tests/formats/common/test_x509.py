"""datatrail.formats.common.x509 against two independent readers: ``cryptography`` and ``openssl``.

Every certificate in the corpus (APK v1 blocks, APK Signing Block v2/v3/v3.1
signers, iOS provisioning profiles) must be described exactly as the
``cryptography`` package describes it (the reader signing.py used before);
hand-built certificates cover what the corpus lacks (string types, escaping,
time forms, key types); mutated certificates must never crash the reader and,
when both readers accept one, must read the same. ``cryptography`` is imported
here only, as the oracle.
"""

from __future__ import annotations

import datetime
import hashlib
import plistlib
import random
import shutil
import struct
import subprocess
import sys
import warnings
import zipfile
from functools import lru_cache
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x25519
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from datatrail.errors import CorruptInput
from datatrail.formats.android.signing import (
    V2_BLOCK_ID,
    V3_BLOCK_ID,
    V31_BLOCK_ID,
    certificate_from_der,
    certificates_from_pkcs7,
    certificates_from_signing_block,
    find_signing_block,
    is_v1_signature_file,
)
from datatrail.formats.apple.mobileprovision import profile_plist
from datatrail.formats.common.x509 import (
    _CURVES,
    KEY_ALGORITHMS,
    SIGNATURE_ALGORITHMS,
    ParsedCertificate,
    escape_rfc4514,
    parse_certificate,
)
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_files

OPENSSL = shutil.which("openssl")

# --------------------------------------------------------------------------
# The oracle: how signing.py described a certificate with cryptography
# --------------------------------------------------------------------------

_NAMES = {NameOID.EMAIL_ADDRESS: "EMAILADDRESS"}


def _crypto_values(name: x509.Name, oid: x509.ObjectIdentifier) -> list[Any]:
    return [a.value for a in name if a.oid == oid and isinstance(a.value, str)]


def _crypto_country(name: x509.Name) -> str | None:
    for attr in name:
        if attr.oid == NameOID.COUNTRY_NAME:
            value = attr.value
            return value if isinstance(value, str) else value.decode("latin-1")
    return None


def _crypto_key(cert: x509.Certificate) -> tuple[str, int | None]:
    dotted = cert.public_key_algorithm_oid.dotted_string
    try:
        key = cert.public_key()
    except Exception:
        return KEY_ALGORITHMS.get(dotted, dotted), None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", None
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", None
    return KEY_ALGORITHMS.get(dotted, dotted), None


def _iso(when: datetime.datetime) -> str:
    # signing.py used strftime("%Y-..."), which drops the zero padding of years
    # before 1000 on glibc; the model documents YYYY, which the reader now keeps.
    return when.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def oracle(der: bytes) -> ParsedCertificate | None:
    """cryptography's reading, or None when it refuses the certificate."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cert = x509.load_der_x509_certificate(der)
            subject, issuer = cert.subject, cert.issuer
            key_algorithm, key_bits = _crypto_key(cert)
            sig = cert.signature_algorithm_oid.dotted_string
            return ParsedCertificate(
                subject=subject.rfc4514_string(_NAMES),
                issuer=issuer.rfc4514_string(_NAMES),
                subject_country=_crypto_country(subject),
                issuer_country=_crypto_country(issuer),
                serial=cert.serial_number,
                not_before=_iso(cert.not_valid_before_utc),
                not_after=_iso(cert.not_valid_after_utc),
                public_key_algorithm=key_algorithm,
                public_key_bits=key_bits,
                signature_algorithm=SIGNATURE_ALGORITHMS.get(sig, sig),
                is_debug=(
                    _crypto_values(subject, NameOID.COMMON_NAME) == ["Android Debug"]
                    and _crypto_values(subject, NameOID.ORGANIZATION_NAME) == ["Android"]
                    and _crypto_values(subject, NameOID.COUNTRY_NAME) == ["US"]
                ),
            )
    except Exception:
        return None


def ours(der: bytes) -> ParsedCertificate | None:
    try:
        return parse_certificate(der)
    except CorruptInput:
        return None


# --------------------------------------------------------------------------
# Corpus certificates
# --------------------------------------------------------------------------


def _lp_items(buf: bytes) -> list[bytes]:
    """The uint32-length-prefixed elements of buf (the APK Signing Block framing)."""
    out, pos = [], 0
    while pos < len(buf):
        (n,) = struct.unpack_from("<I", buf, pos)
        out.append(buf[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return out


def _lp(buf: bytes) -> bytes:
    (n,) = struct.unpack_from("<I", buf, 0)
    return buf[4 : 4 + n]


def _signing_block_certs(data: bytes) -> list[tuple[str, bytes]]:
    eocd = data.rfind(b"PK\x05\x06")
    cd = struct.unpack_from("<I", data, eocd + 16)[0]
    pairs = find_signing_block(data, cd, DiagnosticLog()) or {}
    out = []
    for block_id, scheme in ((V2_BLOCK_ID, "v2"), (V3_BLOCK_ID, "v3"), (V31_BLOCK_ID, "v3.1")):
        if block_id in pairs:
            for signer in _lp_items(_lp(pairs[block_id])):
                signed = _lp(signer)
                digests_len = struct.unpack_from("<I", signed, 0)[0]
                certs = _lp(signed[4 + digests_len :])
                out += [(scheme, der) for der in _lp_items(certs)]
    return out


def _pkcs7_certs(blob: bytes) -> list[bytes]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # provisioning profiles are BER
        return [c.public_bytes(serialization.Encoding.DER) for c in pkcs7.load_der_pkcs7_certificates(blob)]


def _profile_certs(blob: bytes) -> list[tuple[str, bytes]]:
    out = [("ios-pkcs7", der) for der in _pkcs7_certs(blob)]
    doc = plistlib.loads(profile_plist(blob, "profile"))
    out += [("ios-developer", bytes(der)) for der in doc.get("DeveloperCertificates", [])]
    return out


@lru_cache(maxsize=1)
def corpus_certificates() -> dict[str, tuple[str, bytes]]:
    """sha256 -> (where it was found, DER) for every certificate in the corpus."""
    found: list[tuple[str, bytes]] = []
    for apk in corpus_files("apk/**/*.apk"):
        data = apk.read_bytes()
        found += _signing_block_certs(data)
        with zipfile.ZipFile(apk) as z:
            for name in z.namelist():
                if is_v1_signature_file(name):
                    found += [("v1", der) for der in _pkcs7_certs(z.read(name))]
    for ipa in corpus_files("ipa/**/*.ipa"):
        try:
            with zipfile.ZipFile(ipa) as z:
                for name in z.namelist():
                    if name.endswith(".mobileprovision"):
                        found += _profile_certs(z.read(name))
        except zipfile.BadZipFile:
            continue
    for profile in corpus_files("ipa/**/*.mobileprovision"):
        found += _profile_certs(profile.read_bytes())
    return {hashlib.sha256(der).hexdigest(): (kind, der) for kind, der in found}


needs_corpus = pytest.mark.skipif(not corpus_files("apk/**/*.apk"), reason="APK corpus not found")


@needs_corpus
def test_every_corpus_certificate_reads_as_cryptography_reads_it() -> None:
    certs = corpus_certificates()
    kinds = {kind for kind, _ in certs.values()}
    assert {"v1", "v2", "v3", "ios-pkcs7", "ios-developer"} <= kinds
    assert len(certs) >= 30
    for sha, (kind, der) in certs.items():
        expected = oracle(der)
        assert expected is not None, f"{kind} {sha}: cryptography refuses a corpus certificate"
        assert parse_certificate(der) == expected, f"{kind} {sha}"
        # And through signing.py's public function, as a report shows it.
        cert = certificate_from_der(der, "v1", 0, "x")
        assert cert.serial == format(expected.serial, "x") and cert.sha256 == sha


@needs_corpus
def test_corpus_covers_the_interesting_cases() -> None:
    """The comparison above means something only if the corpus varies."""
    read = [parse_certificate(der) for _, der in corpus_certificates().values()]
    assert {c.public_key_algorithm for c in read} >= {"RSA", "EC"}
    assert any(c.is_debug for c in read)
    assert any("\\" in c.subject for c in read) or any("+" in c.subject for c in read)
    assert any(c.not_after[:4] >= "2050" for c in read)  # GeneralizedTime
    assert len({c.signature_algorithm for c in read}) >= 3


@needs_corpus
def test_v1_blocks_yield_the_certificates_cryptography_finds() -> None:
    """signing.py's own PKCS#7 walk finds the same certificates as cryptography's PKCS#7 reader."""
    blocks = 0
    for apk in corpus_files("apk/**/*.apk"):
        with zipfile.ZipFile(apk) as z:
            for name in (n for n in z.namelist() if is_v1_signature_file(n)):
                blob = z.read(name)
                log = DiagnosticLog()
                got = certificates_from_pkcs7(blob, name, log)
                expected = {hashlib.sha256(der).hexdigest() for der in _pkcs7_certs(blob)}
                assert {c.sha256 for c in got} == expected and len(got) == len(expected), f"{apk.name} {name}"
                assert not [d for d in log.items if d.code != "signing.pkcs7-many-signers"], f"{apk.name} {name}"
                blocks += 1
    assert blocks >= 20


def _openssl_fields(der: bytes) -> dict[str, str]:
    assert OPENSSL is not None
    proc = subprocess.run(
        [OPENSSL, "x509", "-inform", "DER", "-noout", "-subject", "-issuer", "-serial", "-dates",
         "-nameopt", "RFC2253"],
        input=der,
        capture_output=True,
        check=True,
        timeout=30,
    )
    out = {}
    for line in proc.stdout.decode().splitlines():
        key, _, value = line.partition("=")
        out[key] = value
    return out


def _openssl_time(text: str) -> str:
    when = datetime.datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT")
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@needs_corpus
@pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")
def test_corpus_sample_against_openssl() -> None:
    certs = sorted(corpus_certificates().items())
    sample = [der for _, (_, der) in certs[:: max(1, len(certs) // 10)]]
    compared_names = 0
    for der in sample:
        got = parse_certificate(der)
        fields = _openssl_fields(der)
        assert int(fields["serial"], 16) == got.serial
        assert _openssl_time(fields["notBefore"]) == got.not_before
        assert _openssl_time(fields["notAfter"]) == got.not_after
        # RFC 2253 and cryptography's RFC 4514 agree on plain ASCII names.
        for ours_name, theirs in ((got.subject, fields["subject"]), (got.issuer, fields["issuer"])):
            if ours_name.isascii() and "\\" not in ours_name and "\\" not in theirs:
                assert ours_name.replace("EMAILADDRESS=", "emailAddress=") == theirs
                compared_names += 1
    assert len(sample) >= 8 and compared_names >= 8


# --------------------------------------------------------------------------
# Hand-built certificates
# --------------------------------------------------------------------------


def tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def integer(value: int) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def name(*rdns: list[tuple[str, int, bytes]]) -> bytes:
    """A Name from RDNs in encoded order, each a list of (type OID, value tag, value bytes)."""
    return seq(*(tlv(0x31, b"".join(seq(oid(o), tlv(t, v)) for o, t, v in rdn)) for rdn in rdns))


def cn(value: str) -> bytes:
    return name([("2.5.4.3", 0x0C, value.encode())])


@lru_cache(maxsize=None)
def spki(kind: str) -> bytes:
    """A fixed public key (so every run builds the same certificates)."""
    key: Any
    if kind == "rsa":  # the reader does not factor moduli: any large odd number will do
        modulus = int.from_bytes(hashlib.shake_256(b"rsa").digest(128), "big") | (1 << 1023) | 1
        return seq(seq(oid("1.2.840.113549.1.1.1"), tlv(0x05, b"")), tlv(0x03, b"\x00" + seq(integer(modulus), integer(65537))))
    if kind == "dsa":
        p = int.from_bytes(hashlib.shake_256(b"dsa").digest(128), "big") | (1 << 1023) | 1
        q = int.from_bytes(hashlib.shake_256(b"q").digest(20), "big") | (1 << 159) | 1
        params = seq(integer(p), integer(q), integer(2))
        return seq(seq(oid("1.2.840.10040.4.1"), params), tlv(0x03, b"\x00" + integer(p // 3)))
    if kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.from_private_bytes(b"\x01" * 32).public_key()
    elif kind == "ed448":
        key = ed448.Ed448PrivateKey.from_private_bytes(b"\x01" * 57).public_key()
    elif kind == "x25519":
        key = x25519.X25519PrivateKey.from_private_bytes(b"\x01" * 32).public_key()
    else:
        key = ec.derive_private_key(0x1234567, getattr(ec, kind)()).public_key()
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


UTC = 0x17
GEN = 0x18


def cert(
    *,
    subject: bytes | None = None,
    issuer: bytes | None = None,
    serial: bytes | None = None,
    not_before: tuple[int, bytes] = (UTC, b"200102030405Z"),
    not_after: tuple[int, bytes] = (GEN, b"20991231235959Z"),
    key: bytes | None = None,
    sig_oid: str = "1.2.840.10045.4.3.2",
    version: bytes | None = tlv(0xA0, integer(2)),
    tail: bytes = b"",
) -> bytes:
    tbs = seq(
        version or b"",
        serial if serial is not None else integer(0x1A2B),
        seq(oid(sig_oid)),
        issuer if issuer is not None else cn("issuer"),
        seq(tlv(not_before[0], not_before[1]), tlv(not_after[0], not_after[1])),
        subject if subject is not None else cn("subject"),
        key if key is not None else spki("SECP256R1"),
        tail,
    )
    return seq(tbs, seq(oid(sig_oid)), tlv(0x03, b"\x00" + b"\x5a" * 16))


SYNTHETIC = {
    "plain": cert(),
    "v1": cert(version=None),
    "escaping": cert(subject=cn(' #a,b+c;d<e>f"g\\h\x00 ')),
    "leading-hash": cert(subject=cn("#x")),
    "single-space": cert(subject=cn(" ")),
    "empty-value": cert(subject=cn("")),
    "empty-name": cert(subject=seq(), issuer=seq()),
    "multi-valued-rdn": cert(subject=name([("2.5.4.3", 0x0C, b"a"), ("2.5.4.11", 0x0C, b"b")], [("2.5.4.6", 0x13, b"DE")])),
    "many-rdns": cert(
        subject=name(
            [("2.5.4.6", 0x13, b"US")],
            [("2.5.4.8", 0x0C, b"California")],
            [("2.5.4.7", 0x0C, b"Mountain View")],
            [("2.5.4.9", 0x0C, b"1 Main St")],
            [("2.5.4.10", 0x0C, b"Android")],
            [("2.5.4.11", 0x0C, b"Android")],
            [("0.9.2342.19200300.100.1.25", 0x16, b"example")],
            [("0.9.2342.19200300.100.1.1", 0x0C, b"uid1")],
            [("1.2.840.113549.1.9.1", 0x16, b"a@example.com")],
            [("2.5.4.5", 0x13, b"12345")],
            [("1.2.3.4.5.6.7.8.9.100000", 0x0C, b"unknown type")],
            [("2.5.4.3", 0x0C, b"Android Debug")],
        )
    ),
    "debug": cert(subject=name([("2.5.4.3", 0x0C, b"Android Debug")], [("2.5.4.10", 0x0C, b"Android")], [("2.5.4.6", 0x13, b"US")])),
    "debug-printable": cert(subject=name([("2.5.4.6", 0x13, b"US")], [("2.5.4.10", 0x13, b"Android")], [("2.5.4.3", 0x13, b"Android Debug")])),
    "not-debug-two-cns": cert(
        subject=name([("2.5.4.6", 0x13, b"US")], [("2.5.4.10", 0x0C, b"Android")], [("2.5.4.3", 0x0C, b"Android Debug")], [("2.5.4.3", 0x0C, b"x")])
    ),
    "two-countries": cert(subject=name([("2.5.4.6", 0x13, b"FR")], [("2.5.4.6", 0x13, b"DE")]), issuer=name([("2.5.4.6", 0x13, b"ABCDE")])),
    "bmp": cert(subject=name([("2.5.4.3", 0x1E, "Grüße 漢字".encode("utf-16-be"))], [("2.5.4.6", 0x1E, "JP".encode("utf-16-be"))])),
    "bmp-surrogate-pair": cert(subject=name([("2.5.4.3", 0x1E, "a😀".encode("utf-16-be"))])),
    "universal": cert(subject=name([("2.5.4.3", 0x1C, "Straße 😀".encode("utf-32-be"))])),
    "t61-utf8": cert(subject=name([("2.5.4.3", 0x14, "café".encode())])),
    "ia5-visible-numeric": cert(subject=name([("2.5.4.3", 0x16, b"ia5")], [("2.5.4.10", 0x1A, b"visible")], [("2.5.4.5", 0x12, b"123")])),
    "octet-string-value": cert(subject=name([("2.5.4.3", 0x04, b"octets")])),
    "unique-identifier-bits": cert(subject=name([("2.5.4.45", 0x03, b"\x00\xab\xcd")], [("2.5.4.3", 0x0C, b"x")])),
    "utf8-non-ascii": cert(subject=cn("Ünïcödé – 中文 ✓")),
    "serial-negative": cert(serial=integer(-0x1234)),
    "serial-zero": cert(serial=integer(0)),
    "serial-minus-one": cert(serial=integer(-1)),
    "serial-big": cert(serial=integer(2**159 + 12345)),
    "serial-high-bit": cert(serial=integer(0x80)),
    "utc-1950": cert(not_before=(UTC, b"500101000000Z"), not_after=(UTC, b"491231235959Z")),
    "generalized-both": cert(not_before=(GEN, b"19700101000000Z"), not_after=(GEN, b"99991231235959Z")),
    "leap-day": cert(not_before=(UTC, b"200229120000Z")),
    "rsa": cert(key=spki("rsa"), sig_oid="1.2.840.113549.1.1.11"),
    "rsa-md5": cert(key=spki("rsa"), sig_oid="1.2.840.113549.1.1.4"),
    "dsa": cert(key=spki("dsa"), sig_oid="2.16.840.1.101.3.4.3.2"),
    "p384": cert(key=spki("SECP384R1"), sig_oid="1.2.840.10045.4.3.3"),
    "p521": cert(key=spki("SECP521R1"), sig_oid="1.2.840.10045.4.3.4"),
    "p224": cert(key=spki("SECP224R1")),
    "k256": cert(key=spki("SECP256K1")),
    "brainpool": cert(key=spki("BrainpoolP384R1")),
    "ed25519": cert(key=spki("ed25519"), sig_oid="1.3.101.112"),
    "ed448": cert(key=spki("ed448"), sig_oid="1.3.101.113"),
    "x25519-key": cert(key=spki("x25519")),
    "unknown-key": cert(key=seq(seq(oid("1.2.3.4.5")), tlv(0x03, b"\x00\x01\x02"))),
    "unknown-curve": cert(key=seq(seq(oid("1.2.840.10045.2.1"), oid("1.2.3.4")), tlv(0x03, b"\x00\x04" + b"\x01" * 64))),
    "unknown-signature": cert(sig_oid="1.2.3.4.5.6"),
    "extensions": cert(tail=tlv(0xA3, seq(seq(oid("2.5.29.19"), tlv(0x04, seq()))))),
    "unique-ids": cert(tail=tlv(0x81, b"\x00\x01") + tlv(0x82, b"\x00\x02")),
}


@pytest.mark.parametrize("label", sorted(SYNTHETIC))
def test_synthetic_certificate_reads_as_cryptography_reads_it(label: str) -> None:
    der = SYNTHETIC[label]
    expected = oracle(der)
    assert expected is not None, f"{label}: cryptography refuses it, fix the test's builder"
    assert parse_certificate(der) == expected


def test_synthetic_values_by_hand() -> None:
    """Values checked by eye, not only against the oracle."""
    got = parse_certificate(SYNTHETIC["escaping"])
    assert got.subject == 'CN=\\ #a\\,b\\+c\\;d\\<e\\>f\\"g\\\\h\\00\\ '
    assert parse_certificate(SYNTHETIC["many-rdns"]).subject == (
        "CN=Android Debug,1.2.3.4.5.6.7.8.9.100000=unknown type,2.5.4.5=12345,EMAILADDRESS=a@example.com,"
        "UID=uid1,DC=example,OU=Android,O=Android,STREET=1 Main St,L=Mountain View,ST=California,C=US"
    )
    assert parse_certificate(SYNTHETIC["multi-valued-rdn"]).subject == "C=DE,CN=a+OU=b"
    assert parse_certificate(SYNTHETIC["unique-identifier-bits"]).subject == "CN=x,2.5.4.45=#00abcd"
    two = parse_certificate(SYNTHETIC["two-countries"])
    assert (two.subject_country, two.issuer_country) == ("FR", "ABCDE")
    assert parse_certificate(SYNTHETIC["bmp"]).subject == "C=JP,CN=Grüße 漢字"
    assert parse_certificate(SYNTHETIC["universal"]).subject == "CN=Straße 😀"
    assert parse_certificate(SYNTHETIC["serial-negative"]).serial == -0x1234
    assert certificate_from_der(SYNTHETIC["serial-negative"], "v2", 0, "x").serial == "-1234"
    times = parse_certificate(SYNTHETIC["utc-1950"])
    assert (times.not_before, times.not_after) == ("1950-01-01T00:00:00Z", "2049-12-31T23:59:59Z")
    assert parse_certificate(SYNTHETIC["plain"]).not_after == "2099-12-31T23:59:59Z"
    assert parse_certificate(cert(not_after=(GEN, b"00990101000000Z"))).not_after == "0099-01-01T00:00:00Z"
    assert [parse_certificate(SYNTHETIC[k]).is_debug for k in ("debug", "debug-printable", "not-debug-two-cns")] == [True, True, False]
    assert parse_certificate(SYNTHETIC["unknown-key"])[7:9] == ("1.2.3.4.5", None)
    assert parse_certificate(SYNTHETIC["unknown-curve"])[7:9] == ("EC", None)
    assert parse_certificate(SYNTHETIC["rsa"])[7:10] == ("RSA", 1024, "sha256WithRSAEncryption")
    assert parse_certificate(SYNTHETIC["unknown-signature"]).signature_algorithm == "1.2.3.4.5.6"
    keys = {k: parse_certificate(SYNTHETIC[k])[7:9] for k in ("dsa", "p384", "p521", "ed25519", "ed448", "x25519-key")}
    assert keys == {
        "dsa": ("DSA", 1024),
        "p384": ("EC", 384),
        "p521": ("EC", 521),
        "ed25519": ("Ed25519", None),
        "ed448": ("Ed448", None),
        "x25519-key": ("1.3.101.110", None),
    }


def test_t61_string_latin1_fallback() -> None:
    """cryptography refuses a T61String that is not UTF-8; Latin-1 is what such bytes mean in practice."""
    der = cert(subject=name([("2.5.4.3", 0x14, "café".encode("latin-1"))]))
    assert oracle(der) is None
    assert parse_certificate(der).subject == "CN=café"


def test_escape_rfc4514_by_hand() -> None:
    cases = {
        "": "",
        "plain": "plain",
        " ": "\\ ",
        "  ": "\\ \\ ",
        "#": "\\#",
        "a#": "a#",
        " lead": "\\ lead",
        "trail ": "trail\\ ",
        'a,b+c;d<e>f"g\\h': 'a\\,b\\+c\\;d\\<e\\>f\\"g\\\\h',
        "nul\x00": "nul\\00",
        "=": "=",
        "ü": "ü",
    }
    assert {k: escape_rfc4514(k) for k in cases} == cases
    assert escape_rfc4514(b"\x00\xff") == "#00ff"


def test_curve_sizes_match_cryptography() -> None:
    for dotted, (p, _, _) in _CURVES.items():
        assert ec.get_curve_for_oid(x509.ObjectIdentifier(dotted)).key_size == p.bit_length(), dotted


@pytest.mark.parametrize("curve", ["SECP192R1", "SECP224R1", "SECP256R1", "SECP384R1", "SECP521R1", "SECP256K1",
                                   "BrainpoolP256R1", "BrainpoolP384R1", "BrainpoolP512R1"])
def test_curve_points_on_and_off_the_curve(curve: str) -> None:
    """Real keys (uncompressed and compressed) are on their curve; nudged points agree with cryptography."""
    key = ec.derive_private_key(0x7654321, getattr(ec, curve)()).public_key()
    algorithm = seq(oid("1.2.840.10045.2.1"), oid(_curve_oid(curve)))
    off_curve = 0
    for fmt in (serialization.PublicFormat.UncompressedPoint, serialization.PublicFormat.CompressedPoint):
        point = key.public_bytes(serialization.Encoding.X962, fmt)
        good = oracle(cert(key=seq(algorithm, tlv(0x03, b"\x00" + point))))
        assert good is not None and good.public_key_bits == key.curve.key_size
        assert parse_certificate(cert(key=seq(algorithm, tlv(0x03, b"\x00" + point)))) == good
        nudges = [point[:-1] + bytes([point[-1] ^ bit]) for bit in (1, 2, 4, 8, 16, 32)]
        nudges += [point[:1] + b"\xff" * (len(point) - 1), b"\x05" + point[1:], b"\x06" + point[1:], b"\x07" + point[1:]]
        for nudged in nudges:
            bad = cert(key=seq(algorithm, tlv(0x03, b"\x00" + nudged)))
            expected = oracle(bad)
            assert expected is not None and parse_certificate(bad) == expected
            off_curve += expected.public_key_bits is None
    assert off_curve >= 8  # the uncompressed y nudges and the out-of-range points at least


def _curve_oid(curve: str) -> str:
    return {getattr(ec, name)().name: dotted for dotted, name in _CURVE_NAMES.items()}[getattr(ec, curve)().name]


_CURVE_NAMES = {
    "1.2.840.10045.3.1.1": "SECP192R1",
    "1.3.132.0.33": "SECP224R1",
    "1.2.840.10045.3.1.7": "SECP256R1",
    "1.3.132.0.34": "SECP384R1",
    "1.3.132.0.35": "SECP521R1",
    "1.3.132.0.10": "SECP256K1",
    "1.3.36.3.3.2.8.1.1.7": "BrainpoolP256R1",
    "1.3.36.3.3.2.8.1.1.11": "BrainpoolP384R1",
    "1.3.36.3.3.2.8.1.1.13": "BrainpoolP512R1",
}


# --------------------------------------------------------------------------
# Damaged certificates
# --------------------------------------------------------------------------


def _mutants(der: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        m = bytearray(der)
        for _ in range(rng.randint(1, 4)):
            action = rng.random()
            at = rng.randrange(len(m))
            if action < 0.6:
                m[at] = rng.randrange(256)
            elif action < 0.8:
                m[at] ^= 1 << rng.randrange(8)
            else:
                del m[at : at + rng.randint(1, 8)]
        out.append(bytes(m))
    return out


def test_mutated_certificates_never_crash_and_agree_when_both_read() -> None:
    rng = random.Random(509)
    seeds = list(SYNTHETIC.values())
    corpus = corpus_certificates() if corpus_files("apk/**/*.apk") else {}
    seeds += [der for _, der in list(corpus.values())[:20]]
    both = 0
    for seed in seeds:
        for mutant in _mutants(seed, rng, 200):
            mine = ours(mutant)  # CorruptInput or a result, nothing else
            theirs = oracle(mutant)
            if mine is not None and theirs is not None:
                both += 1
                assert mine == theirs, mutant.hex()
    assert both > 1000  # enough mutants survive both readers for the agreement to mean something


MALFORMED = {
    "empty": b"",
    "not-a-sequence": b"\x04\x03abc",
    "garbage": b"\x30\x03\x02\x01\x05not a certificate",
    "huge-length": b"\x30\x84\xff\xff\xff\xff" + b"\x00" * 32,
    "nine-byte-length": b"\x30\x89" + b"\x01" * 9 + b"\x00" * 16,
    "indefinite-length": b"\x30\x80" + SYNTHETIC["plain"][4:] + b"\x00\x00",
    "non-minimal-length": b"\x30\x82\x00\x05\x02\x01\x01\x05\x00",
    "depth-bomb-definite": b"".join(b"\x30\x82" + struct.pack(">H", 4 * (9999 - i)) for i in range(10000)),
    "depth-bomb-indefinite": b"\x30\x80" * 100_000,
    "trailing-data": SYNTHETIC["plain"] + b"\x00",
    "two-fields": seq(seq(), seq()),
    "high-tag": b"\x3f\x81\x01\x00",
    "non-utf8-utf8string": cert(subject=name([("2.5.4.3", 0x0C, b"\xff\xfe")])),
    "surrogate-in-utf8string": cert(subject=name([("2.5.4.3", 0x0C, b"\xed\xa0\x80")])),
    "odd-bmp": cert(subject=name([("2.5.4.3", 0x1E, b"\x00a\x00")])),
    "lone-surrogate-bmp": cert(subject=name([("2.5.4.3", 0x1E, b"\xd8\x00")])),
    "bad-universal": cert(subject=name([("2.5.4.3", 0x1C, b"\x00\x11\x00\x00")])),
    "integer-value": cert(subject=name([("2.5.4.3", 0x02, b"\x01")])),
    "sequence-value": cert(subject=name([("2.5.4.3", 0x30, b"")])),
    "bit-string-cn": cert(subject=name([("2.5.4.3", 0x03, b"\x00\x01")])),
    "empty-rdn": cert(subject=seq(tlv(0x31, b""))),
    "duplicate-in-rdn": cert(subject=name([("2.5.4.3", 0x0C, b"a"), ("2.5.4.3", 0x13, b"a")])),
    "attribute-three-fields": cert(subject=seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0C, b"a"), tlv(0x0C, b"b"))))),
    "rdn-not-set": cert(subject=seq(seq(seq(oid("2.5.4.3"), tlv(0x0C, b"a"))))),
    "empty-oid": cert(subject=seq(tlv(0x31, seq(tlv(0x06, b""), tlv(0x0C, b"a"))))),
    "truncated-oid": cert(subject=seq(tlv(0x31, seq(tlv(0x06, b"\x55\x84"), tlv(0x0C, b"a"))))),
    "padded-oid": cert(subject=seq(tlv(0x31, seq(tlv(0x06, b"\x55\x80\x03"), tlv(0x0C, b"a"))))),
    "zero-length-serial": cert(serial=tlv(0x02, b"")),
    "padded-serial": cert(serial=tlv(0x02, b"\x00\x01")),
    "padded-negative-serial": cert(serial=tlv(0x02, b"\xff\x80")),
    "serial-not-integer": cert(serial=tlv(0x04, b"\x01")),
    "month-13": cert(not_before=(UTC, b"201301000000Z")),
    "feb-30": cert(not_before=(UTC, b"200230000000Z")),
    "hour-24": cert(not_after=(GEN, b"20200101240000Z")),
    "non-digit-time": cert(not_before=(UTC, b"20010203040aZ")),
    "signed-digit-time": cert(not_before=(UTC, b"20+102030405Z")),
    "no-z": cert(not_before=(UTC, b"2001020304050")),
    "offset-time": cert(not_before=(UTC, b"2001020304+0100")),
    "short-time": cert(not_before=(UTC, b"2001020304Z")),
    "fractional-time": cert(not_after=(GEN, b"20200101000000.5Z")),
    "year-zero": cert(not_after=(GEN, b"00000101000000Z")),
    "time-wrong-tag": cert(not_before=(0x13, b"200102030405Z")),
    "version-7": cert(version=tlv(0xA0, integer(7))),
    "version-not-integer": cert(version=tlv(0xA0, tlv(0x04, b"\x02"))),
    "unknown-tbs-field": cert(tail=tlv(0xA5, b"")),
    "extensions-twice": cert(tail=tlv(0xA3, seq()) + tlv(0xA3, seq())),
    "spki-not-sequence": cert(key=tlv(0x04, b"")),
    "key-not-bit-string": cert(key=seq(seq(oid("1.2.840.10045.2.1")), tlv(0x04, b"\x00"))),
    "bad-unused-bits": cert(key=seq(seq(oid("1.2.840.10045.2.1")), tlv(0x03, b"\x09\x00"))),
}


@pytest.mark.parametrize("label", sorted(MALFORMED))
def test_malformed_certificate_is_corrupt_input(label: str) -> None:
    with pytest.raises(CorruptInput, match="unreadable X.509 certificate"):
        parse_certificate(MALFORMED[label])


def test_every_truncation_is_corrupt_input() -> None:
    der = SYNTHETIC["many-rdns"]
    for cut in range(len(der)):
        with pytest.raises(CorruptInput):
            parse_certificate(der[:cut])


def test_unreadable_key_keeps_the_algorithm() -> None:
    """A damaged key is not a damaged certificate: the algorithm stays, its size is unknown."""
    rsa_junk = seq(seq(oid("1.2.840.113549.1.1.1"), tlv(0x05, b"")), tlv(0x03, b"\x00junk"))
    ec_short = seq(seq(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")), tlv(0x03, b"\x00\x04\x01\x02"))
    dsa_no_params = seq(seq(oid("1.2.840.10040.4.1")), tlv(0x03, b"\x00" + integer(5)))
    dsa_negative_y = seq(seq(oid("1.2.840.10040.4.1"), seq(integer(23), integer(11), integer(4))), tlv(0x03, b"\x00" + integer(-5)))
    rsa_even_exponent = seq(seq(oid("1.2.840.113549.1.1.1")), tlv(0x03, b"\x00" + seq(integer(2**1024 + 1), integer(65538))))
    cases = ((rsa_junk, "RSA"), (ec_short, "EC"), (dsa_no_params, "DSA"), (dsa_negative_y, "DSA"), (rsa_even_exponent, "RSA"))
    for key, algorithm in cases:
        got = parse_certificate(cert(key=key))
        assert (got.public_key_algorithm, got.public_key_bits) == (algorithm, None)
        assert oracle(cert(key=key)) in (None, got)


def test_bad_certificate_in_signing_block_becomes_diagnostic_and_placeholder() -> None:
    der = MALFORMED["non-utf8-utf8string"]
    signed = (
        struct.pack("<I", 0)  # digests
        + struct.pack("<I", len(der) + 4) + struct.pack("<I", len(der)) + der
        + struct.pack("<I", 0)  # additional attributes
    )
    signer = struct.pack("<I", len(signed)) + signed + struct.pack("<I", 0) + struct.pack("<I", 0)
    value = struct.pack("<I", len(signer) + 4) + struct.pack("<I", len(signer)) + signer
    log = DiagnosticLog()
    [placeholder] = certificates_from_signing_block({V2_BLOCK_ID: value}, log)
    assert placeholder.subject == "" and placeholder.sha256 == hashlib.sha256(der).hexdigest()
    assert "signing.bad-certificate" in {d.code for d in log.items}


def test_signing_does_not_import_cryptography() -> None:
    code = "import sys, datatrail.formats.android.signing, datatrail.app.android.pipeline; print(sorted(m for m in sys.modules if m.startswith('cryptography')))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert proc.stdout.strip() == "[]"


def test_reading_is_fast() -> None:
    """The point of owning the reader: describing a certificate costs well under a millisecond."""
    der = SYNTHETIC["many-rdns"]
    start = datetime.datetime.now()
    for _ in range(500):
        parse_certificate(der)
    assert (datetime.datetime.now() - start).total_seconds() < 2.0


@pytest.mark.parametrize(
    "blob",
    [b"\x30\x80" * 100_000, b"\x30\x84\xff\xff\xff\xff" + b"\x00" * 64, b"\x30\x82\x00\x03\x06\x01\x2a"],
)
def test_hostile_pkcs7_framing_is_a_diagnostic(blob: bytes) -> None:
    """The lenient (BER) walk signing.py now relies on alone stays bounded."""
    log = DiagnosticLog()
    assert certificates_from_pkcs7(blob, "META-INF/CERT.RSA", log) == []
    assert "signing.pkcs7-unreadable" in {d.code for d in log.items}
