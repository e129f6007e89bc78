"""APK signature certificate extraction, checked against apksigner and keytool.

Oracles:

* ``apksigner verify --print-certs -v`` three ways: as is (scheme flags and the
  signers of the highest verified scheme), with ``--max-sdk-version 23`` (only
  v1 is considered) and with ``--min-sdk-version 24 --max-sdk-version 27``
  (v2, falling back to v1 when the APK has no v2 block);
* ``keytool -printcert -jarfile``: the v1 signers with their whole chains, in
  chain order; it also reads JARs apksigner refuses (no AndroidManifest.xml).

Synthetic and tampered inputs are built here from scratch or by patching
corpus bytes in memory; nothing is written to the repository.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import random
import re
import shutil
import struct
import subprocess
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from datatrail.errors import CorruptInput
from datatrail.formats.android.signing import (
    V2_BLOCK_ID,
    V3_BLOCK_ID,
    certificate_from_der,
    certificates_from_pkcs7,
    certificates_from_signing_block,
    find_signing_block,
    is_v1_signature_file,
    v1_signature_pairs,
)
from datatrail.model.certificate import Certificate
from datatrail.model.diagnostic import DiagnosticLog

# --------------------------------------------------------------------------
# Corpus and oracles
# --------------------------------------------------------------------------
from tests.support.corpus import CORPUS

APK_ROOT = CORPUS / "apk" if CORPUS else None
APKS = sorted(APK_ROOT.rglob("*.apk")) if APK_ROOT and APK_ROOT.is_dir() else []
APKSIGNER = shutil.which("apksigner")
KEYTOOL = shutil.which("keytool")

needs_corpus = pytest.mark.skipif(not APKS, reason="APK corpus not found (set DATATRAIL_CORPUS)")
needs_apksigner = pytest.mark.skipif(APKSIGNER is None, reason="apksigner not on PATH")

# Files apksigner refuses, and why. Each is still checked: against another
# apksigner run or keytool where one accepts it, else we must find no signer.
KNOWN_REJECTED = {
    # no signature of any kind
    "androguard/AndroidManifest_ShortName.apk": "Missing META-INF/MANIFEST.MF",
    "androguard/TestActivity_unsigned.apk": "Missing META-INF/MANIFEST.MF",
    "androguard/compact-entry.apk": "Missing META-INF/MANIFEST.MF",
    # v2 only, but its minSdkVersion < 24 requires v1 too; accepted with --min-sdk-version 24
    "uiautomator/app-uiautomator-androidx.apk": "Missing META-INF/MANIFEST.MF",
    "androguard/com.test.intent_filter.apk": "No JAR signatures",
    # a signed JAR that is not an app; keytool reads its v1 chain
    "androguard/CertChain.apk": "Missing AndroidManifest.xml",
    # unsigned (MANIFEST.MF only) and not an app
    "androguard/multidex.apk": "Missing AndroidManifest.xml",
}


def _rel(path: Path) -> str:
    assert APK_ROOT is not None
    return path.relative_to(APK_ROOT).as_posix()


def _apk(rel: str) -> Path:
    if APK_ROOT is None or not (APK_ROOT / rel).is_file():
        pytest.skip(f"corpus file {rel} not available")
    return APK_ROOT / rel


def _cd_offset(data: bytes) -> int:
    eocd = data.rfind(b"PK\x05\x06")
    assert eocd >= 0 and len(data) - eocd >= 22, "no End of Central Directory"
    return struct.unpack_from("<I", data, eocd + 16)[0]


@dataclass
class Extracted:
    certs: list[Certificate]
    log: DiagnosticLog
    pairs: dict[int, bytes] | None

    def of(self, scheme: str) -> list[Certificate]:
        return [c for c in self.certs if c.scheme == scheme]

    def chains(self, scheme: str) -> list[list[str]]:
        """SHA-256 of each signer's certificates, signer's own first."""
        out: dict[int, list[str]] = {}
        for c in self.of(scheme):
            out.setdefault(c.signer_index, []).append(c.sha256)
        return [out[k] for k in sorted(out)]

    def signers(self, scheme: str) -> list[str]:
        return [chain[0] for chain in self.chains(scheme)]


@lru_cache(maxsize=None)
def extract(path: Path) -> Extracted:
    data = path.read_bytes()
    log = DiagnosticLog()
    pairs = find_signing_block(data, _cd_offset(data), log)
    certs = certificates_from_signing_block(pairs, log) if pairs is not None else []
    with zipfile.ZipFile(path) as z:
        usable = [block for block, sf in v1_signature_pairs(z.namelist()) if sf is not None]
        for index, block in enumerate(usable):
            certs += certificates_from_pkcs7(z.read(block), block, log, signer_index=index)
    return Extracted(certs, log, pairs)


@dataclass
class Verdict:
    verifies: bool
    flags: dict[str, bool] = field(default_factory=dict)
    signers: list[dict[str, str]] = field(default_factory=list)
    text: str = ""

    @property
    def top_scheme(self) -> str | None:
        for scheme in ("v3", "v2", "v1"):
            if self.flags.get(scheme):
                return scheme
        return None


_FLAG = re.compile(r"^Verified using (v\d) scheme .*: (true|false)$")
_SIGNER = re.compile(r"^Signer #(\d+) (certificate DN|certificate SHA-256 digest|certificate SHA-1 digest|key algorithm|key size \(bits\)): (.*)$")


@lru_cache(maxsize=None)
def apksigner(path: Path, *extra: str) -> Verdict:
    assert APKSIGNER is not None
    proc = subprocess.run(
        [APKSIGNER, "verify", "--print-certs", "-v", *extra, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    text = proc.stdout + proc.stderr
    lines = text.splitlines()
    verdict = Verdict(verifies=proc.returncode == 0 and bool(lines) and lines[0] == "Verifies", text=text)
    signers: dict[int, dict[str, str]] = {}
    for line in lines:
        if m := _FLAG.match(line):
            verdict.flags[m.group(1)] = m.group(2) == "true"
        elif m := _SIGNER.match(line):
            signers.setdefault(int(m.group(1)), {})[m.group(2)] = m.group(3)
    verdict.signers = [signers[k] for k in sorted(signers)]
    return verdict


@lru_cache(maxsize=None)
def keytool_chains(path: Path) -> list[list[str]] | None:
    """Each v1 signer's chain (SHA-256, signer first) per keytool, or None if it reads no signer."""
    if KEYTOOL is None:
        return None
    proc = subprocess.run(
        [KEYTOOL, "-printcert", "-jarfile", str(path)], capture_output=True, text=True, timeout=120
    )
    chains: list[list[str]] = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if re.match(r"^Signer #\d+:$", line):
            chains.append([])
        elif line.startswith("SHA256:") and chains:
            chains[-1].append(line.split(":", 1)[1].replace(":", "").strip().lower())
    return chains or None


def _dn_is_debug(dn: str) -> bool:
    return sorted(part.strip() for part in dn.split(",")) == ["C=US", "CN=Android Debug", "O=Android"]


def _compare(ours: Extracted, verdict: Verdict, what: str) -> None:
    """apksigner accepted: our signers of its top scheme must be its signers, field by field."""
    scheme = verdict.top_scheme
    assert scheme is not None, what
    expected = [s["certificate SHA-256 digest"] for s in verdict.signers]
    assert Counter(ours.signers(scheme)) == Counter(expected), f"{what}: {scheme} signers differ"
    firsts = {chain[0]: chain for chain in ours.chains(scheme)}
    by_sha = {c.sha256: c for c in ours.of(scheme)}
    for s in verdict.signers:
        cert = by_sha[s["certificate SHA-256 digest"]]
        assert cert.sha256 in firsts
        assert cert.sha1 == s["certificate SHA-1 digest"], what
        assert cert.public_key_algorithm == s["key algorithm"], what
        assert cert.public_key_bits == int(s["key size (bits)"]), what
        assert cert.is_debug == _dn_is_debug(s["certificate DN"]), what
        if "\\" not in cert.subject:  # no escaped characters: the formats line up
            assert cert.subject.replace(",", ", ") == s["certificate DN"], what


# --------------------------------------------------------------------------
# Whole-corpus oracle comparison
# --------------------------------------------------------------------------


@pytest.mark.slow
@needs_corpus
@needs_apksigner
@pytest.mark.parametrize("apk", APKS, ids=[p.name for p in APKS])
def test_corpus_against_apksigner(apk: Path) -> None:
    rel = _rel(apk)
    # The oracle JVMs run side by side; results land in the lru_caches.
    with ThreadPoolExecutor(max_workers=4) as pool:
        for job in [
            pool.submit(apksigner, apk),
            pool.submit(apksigner, apk, "--max-sdk-version", "23"),
            pool.submit(apksigner, apk, "--min-sdk-version", "24", "--max-sdk-version", "27"),
            pool.submit(keytool_chains, apk),
        ]:
            job.result()
    ours = extract(apk)
    confirmed = False

    default = apksigner(apk)
    if default.verifies:
        assert rel not in KNOWN_REJECTED, f"{rel} now verifies; update KNOWN_REJECTED"
        for scheme in ("v1", "v2", "v3"):
            assert default.flags.get(scheme) == bool(ours.signers(scheme)), (
                f"{rel}: apksigner says {scheme}={default.flags.get(scheme)}, we found {ours.signers(scheme)}"
            )
        _compare(ours, default, rel)
        confirmed = True
    else:
        reason = KNOWN_REJECTED.get(rel)
        assert reason is not None, f"apksigner rejects {rel} for an unlisted reason:\n{default.text[:2000]}"
        assert reason in default.text, f"{rel}: expected rejection '{reason}', got:\n{default.text[:2000]}"

    only_v1 = apksigner(apk, "--max-sdk-version", "23")
    if only_v1.verifies:
        assert only_v1.flags.get("v1") and not only_v1.flags.get("v2")
        _compare(ours, only_v1, f"{rel} (v1 only)")
        confirmed = True

    v2_era = apksigner(apk, "--min-sdk-version", "24", "--max-sdk-version", "27")
    if v2_era.verifies:
        assert not v2_era.flags.get("v3")
        _compare(ours, v2_era, f"{rel} (SDK 24-27)")
        if ours.signers("v2"):
            assert v2_era.top_scheme == "v2"
        confirmed = True

    chains = keytool_chains(apk)
    if chains is not None:
        # Same signers, each with the same chain in the same order.
        assert sorted(ours.chains("v1")) == sorted(chains), f"{rel}: v1 chains differ from keytool"
        confirmed = True
    elif KEYTOOL is not None:
        assert not ours.signers("v1"), f"{rel}: keytool sees no v1 signer, we found {ours.signers('v1')}"

    if not confirmed:
        # Nothing accepts the file: it must really carry no signature we report.
        assert ours.certs == [], f"{rel}: no oracle confirms {[(c.scheme, c.sha256) for c in ours.certs]}"


# --------------------------------------------------------------------------
# Named corpus cases (expected values recorded from apksigner/keytool output)
# --------------------------------------------------------------------------

RSA_2048 = "fb5dbd3c669af9fc236c6991e6387b7f11ff0590997f22d0f5c74ff40e04fca8"
EC_P256 = "6a8b96e278e58f62cfe3584022cec1d0527fcb85a9e5d2e1694eb0405be5b599"
RSA_2048_2 = "681b0e56a796350c08647352a4db800cc44b2adc8f4c72fa350bd05d4d50264d"


def test_two_signers() -> None:
    ours = extract(_apk("androguard/apksig/two-signers.apk"))
    assert ours.signers("v2") == [RSA_2048, EC_P256]
    assert sorted(ours.signers("v1")) == sorted([RSA_2048, EC_P256])
    ec_cert = next(c for c in ours.of("v2") if c.signer_index == 1)
    assert (ec_cert.public_key_algorithm, ec_cert.public_key_bits) == ("EC", 256)
    assert ec_cert.signature_algorithm == "ecdsa-with-SHA256"
    assert ec_cert.subject == "CN=ec-p256" and ec_cert.source == "APK Signing Block"
    assert {c.source for c in ours.of("v1")} == {"META-INF/CERT0.RSA", "META-INF/CERT1.EC"}
    assert not ours.log.items


def test_v3_golden() -> None:
    ours = extract(_apk("androguard/apksig/golden-aligned-v1v2v3-out.apk"))
    assert ours.pairs is not None and V3_BLOCK_ID in ours.pairs
    assert ours.signers("v3") == [RSA_2048]
    assert ours.signers("v2") == [RSA_2048] and ours.signers("v1") == [RSA_2048]
    cert = ours.of("v3")[0]
    assert cert.not_before == "2016-03-31T14:57:49Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", cert.not_after)
    assert cert.serial and cert.serial == cert.serial.lower()


def test_v3_lineage_rotated_key() -> None:
    ours = extract(_apk("androguard/apksig/golden-aligned-v1v2v3-lineage-out.apk"))
    assert ours.signers("v3") == [RSA_2048_2]  # the rotated-to key, as apksigner prints
    assert ours.signers("v2") == [RSA_2048]
    assert any(d.code == "signing.lineage-present" for d in ours.log.items)


def test_v1_only_rsa_1024() -> None:
    path = _apk("androguard/apksig/v1-only-with-rsa-1024.apk")
    ours = extract(path)
    assert ours.pairs is None
    [cert] = ours.certs
    assert (cert.scheme, cert.public_key_algorithm, cert.public_key_bits) == ("v1", "RSA", 1024)
    assert cert.sha256 == "bc5e64eab1c4b5137c0fbc5ed05850b3a148d1c41775cffa4d96eea90bdd0eb8"
    assert cert.source == "META-INF/CERT.RSA"


def test_debug_certificates() -> None:
    [cert] = extract(_apk("androguard/Test-debug.apk")).certs
    assert cert.is_debug and cert.subject == "CN=Android Debug,O=Android,C=US"
    # Same identity with the RDNs in the other order (newer Android Gradle Plugin).
    [cert] = extract(_apk("androguard/app-debug-androidTest.apk")).certs
    assert cert.is_debug and cert.subject == "C=US,O=Android,CN=Android Debug"
    # The AOSP platform test key is CN=Android, O=Android, C=US: not the debug key.
    certs = extract(_apk("androguard/apksig/debuggable-boolean.apk")).certs
    assert certs and not any(c.is_debug for c in certs)
    assert certs[0].subject.startswith("EMAILADDRESS=android@android.com,CN=Android,")
    assert not any(c.is_debug for c in extract(_apk("androguard/apksig/two-signers.apk")).certs)


def test_countries() -> None:
    cert = extract(_apk("androguard/hello-world.apk")).of("v2")[0]
    assert (cert.subject_country, cert.issuer_country) == ("DE", "DE")
    cert = extract(_apk("androguard/TestActivity_signed_both.apk")).of("v1")[0]
    assert (cert.subject_country, cert.issuer_country) == ("AU", "AU")
    # Not an ISO code, kept verbatim (cryptography only warns about it).
    cert = extract(_apk("exodus-core/blooddonation.apk")).of("v2")[0]
    assert cert.subject_country == "69005"
    cert = extract(_apk("androguard/apksig/original.apk")).of("v2")[0]
    assert (cert.subject_country, cert.issuer_country) == (None, None)


def test_v1_chain_signer_first_then_issuers() -> None:
    ours = extract(_apk("androguard/CertChain.apk"))
    [chain] = ours.chains("v1")
    assert chain[0] == "01e1999710a82c2749b4d50c445dc85d670b6136089d0a766a73827c82a1eac9"  # keytool's signer
    certs = ours.of("v1")
    assert "Do Not Trust" in certs[0].subject
    for child, parent in zip(certs, certs[1:]):
        assert child.issuer == parent.subject
    assert certs[-1].subject == certs[-1].issuer  # the root


def test_partial_v1_signature_block_without_sf() -> None:
    path = _apk("androguard/partialsignature.apk")
    with zipfile.ZipFile(path) as z:
        pairs = dict(v1_signature_pairs(z.namelist()))
    assert pairs == {"META-INF/6AD89F48.RSA": "META-INF/6AD89F48.SF", "META-INF/CERT.RSA": None}


def test_unknown_v2_algorithm_is_reported() -> None:
    ours = extract(_apk("androguard/apksig/debuggable-boolean.apk"))
    assert any(d.code == "signing.unknown-algorithm" and "0x9901" in d.message for d in ours.log.items)


# --------------------------------------------------------------------------
# Tampered signing blocks (corpus bytes patched in memory)
# --------------------------------------------------------------------------


def _block_bounds(data: bytes) -> tuple[int, int]:
    cd = _cd_offset(data)
    assert data[cd - 16 : cd] == b"APK Sig Block 42"
    size = struct.unpack_from("<Q", data, cd - 24)[0]
    return cd - size - 8, cd


def _codes(log: DiagnosticLog) -> set[str]:
    return {d.code for d in log.items}


def test_block_size_larger_than_file() -> None:
    data = bytearray(_apk("androguard/apksig/two-signers.apk").read_bytes())
    _, cd = _block_bounds(bytes(data))
    struct.pack_into("<Q", data, cd - 24, len(data) * 4)
    log = DiagnosticLog()
    assert find_signing_block(bytes(data), cd, log) == {}
    assert "signing.block-size-out-of-range" in _codes(log)
    struct.pack_into("<Q", data, cd - 24, 2**64 - 1)
    log = DiagnosticLog()
    assert find_signing_block(bytes(data), cd, log) == {}
    assert "signing.block-size-out-of-range" in _codes(log)


def test_block_header_footer_size_mismatch() -> None:
    data = bytearray(_apk("androguard/apksig/two-signers.apk").read_bytes())
    start, cd = _block_bounds(bytes(data))
    struct.pack_into("<Q", data, start, 12345)
    log = DiagnosticLog()
    pairs = find_signing_block(bytes(data), cd, log)
    assert pairs is not None and V2_BLOCK_ID in pairs
    assert "signing.block-size-mismatch" in _codes(log)


def test_truncated_pair_lengths_keep_earlier_pairs() -> None:
    data = bytearray(_apk("androguard/apksig/golden-aligned-v1v2v3-out.apk").read_bytes())
    start, cd = _block_bounds(bytes(data))
    first_len = struct.unpack_from("<Q", data, start + 8)[0]
    second = start + 8 + 8 + first_len
    struct.pack_into("<Q", data, second, cd - second + 100)  # runs past the block
    log = DiagnosticLog()
    pairs = find_signing_block(bytes(data), cd, log)
    assert pairs is not None and list(pairs) == [V2_BLOCK_ID]
    assert "signing.pair-truncated" in _codes(log)
    assert [c.sha256 for c in certificates_from_signing_block(pairs, log)] == [RSA_2048]

    struct.pack_into("<Q", data, start + 8, 3)  # shorter than the id it must hold
    log = DiagnosticLog()
    assert find_signing_block(bytes(data), cd, log) == {}
    assert "signing.pair-too-short" in _codes(log)


def test_no_block_and_bad_offsets() -> None:
    data = _apk("androguard/apksig/v1-only-with-rsa-1024.apk").read_bytes()
    log = DiagnosticLog()
    assert find_signing_block(data, _cd_offset(data), log) is None
    assert not log.items
    assert find_signing_block(data, 10, log) is None
    assert find_signing_block(b"", 0, log) is None
    assert find_signing_block(data, len(data) + 1, log) is None
    assert find_signing_block(data, -1, log) is None
    assert "signing.bad-cd-offset" in _codes(log)


def test_memoryview_input() -> None:
    data = _apk("androguard/apksig/two-signers.apk").read_bytes()
    cd = _cd_offset(data)
    assert find_signing_block(memoryview(data), cd, DiagnosticLog()) == find_signing_block(data, cd, DiagnosticLog())


def test_every_truncation_of_v2_value() -> None:
    data = _apk("androguard/apksig/two-signers.apk").read_bytes()
    pairs = find_signing_block(data, _cd_offset(data), DiagnosticLog())
    assert pairs is not None
    value = pairs[V2_BLOCK_ID]
    full = {c.sha256 for c in certificates_from_signing_block(pairs, DiagnosticLog())}
    for cut in range(len(value)):
        log = DiagnosticLog()
        got = certificates_from_signing_block({V2_BLOCK_ID: value[:cut]}, log)
        assert log.items, f"truncation at {cut} went unnoticed"
        # Only whole certificates come out, and none that was not there.
        assert {c.sha256 for c in got} <= full


def test_random_corruption_of_signing_blocks() -> None:
    rng = random.Random(20240611)
    for rel in ("androguard/apksig/two-signers.apk", "androguard/apksig/golden-aligned-v1v2v3-lineage-out.apk"):
        data = _apk(rel).read_bytes()
        start, cd = _block_bounds(data)
        for _ in range(300):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(start, cd)
                mutated[pos] = rng.randrange(256)
            log = DiagnosticLog()
            pairs = find_signing_block(bytes(mutated), cd, log)
            if pairs:
                for cert in certificates_from_signing_block(pairs, log):
                    assert len(cert.sha256) == 64


# --------------------------------------------------------------------------
# Synthetic v2/v3 blocks
# --------------------------------------------------------------------------


def _make_cert(**names: str) -> tuple[bytes, bytes]:
    """A fresh self-signed EC certificate; returns (DER, SubjectPublicKeyInfo DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    oids = {"C": NameOID.COUNTRY_NAME, "O": NameOID.ORGANIZATION_NAME, "CN": NameOID.COMMON_NAME}
    name = x509.Name([x509.NameAttribute(oids[k], v) for k, v in names.items()])
    now = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1A2B)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return cert.public_bytes(serialization.Encoding.DER), spki


def _lp(b: bytes) -> bytes:
    return struct.pack("<I", len(b)) + b


def _seq(*items: bytes) -> bytes:
    return b"".join(_lp(i) for i in items)


def _signer(
    certs: list[bytes],
    public_key: bytes,
    digest_algos: tuple[int, ...] = (0x0201,),
    sig_algos: tuple[int, ...] = (0x0201,),
    sdk: tuple[int, int] | None = None,
    outer_sdk: tuple[int, int] | None = None,
    attrs: tuple[bytes, ...] = (),
) -> bytes:
    digests = _seq(*(struct.pack("<I", a) + _lp(b"\x11" * 32) for a in digest_algos))
    signed = _lp(digests) + _lp(_seq(*certs))
    if sdk is not None:
        signed += struct.pack("<II", *sdk)
    signed += _lp(_seq(*attrs))
    signatures = _seq(*(struct.pack("<I", a) + _lp(b"\x22" * 64) for a in sig_algos))
    body = _lp(signed)
    if sdk is not None:
        body += struct.pack("<II", *(outer_sdk or sdk))
    return body + _lp(signatures) + _lp(public_key)


def _scheme_value(*signers: bytes) -> bytes:
    return _lp(_seq(*signers))


def test_synthetic_v2_fields_and_country() -> None:
    der, spki = _make_cert(C="FR", O="Acme", CN="Test")
    log = DiagnosticLog()
    [cert] = certificates_from_signing_block({V2_BLOCK_ID: _scheme_value(_signer([der], spki))}, log)
    assert not log.items
    assert cert == certificate_from_der(der, "v2", 0, "APK Signing Block")
    assert (cert.subject, cert.issuer) == ("CN=Test,O=Acme,C=FR", "CN=Test,O=Acme,C=FR")
    assert (cert.subject_country, cert.issuer_country) == ("FR", "FR")
    assert (cert.serial, cert.not_before, cert.not_after) == ("1a2b", "2020-01-02T03:04:05Z", "2020-01-03T03:04:05Z")
    assert (cert.public_key_algorithm, cert.public_key_bits, cert.signature_algorithm) == ("EC", 256, "ecdsa-with-SHA256")
    assert not cert.is_debug


def test_synthetic_debug_identity() -> None:
    der, _ = _make_cert(C="US", O="Android", CN="Android Debug")
    assert certificate_from_der(der, "v1", 0, "META-INF/CERT.RSA").is_debug
    der, _ = _make_cert(C="US", O="Example", CN="Android Debug")
    assert not certificate_from_der(der, "v1", 0, "META-INF/CERT.RSA").is_debug


def test_synthetic_structure_problems() -> None:
    der, spki = _make_cert(CN="a")
    other_der, other_spki = _make_cert(CN="b")

    log = DiagnosticLog()
    certs = certificates_from_signing_block({V2_BLOCK_ID: _scheme_value(_signer([der], other_spki))}, log)
    assert len(certs) == 1 and "signing.public-key-mismatch" in _codes(log)

    log = DiagnosticLog()
    value = _scheme_value(_signer([der], spki, digest_algos=(0x0103,), sig_algos=(0x0201,)))
    certificates_from_signing_block({V2_BLOCK_ID: value}, log)
    assert "signing.algorithm-mismatch" in _codes(log)

    log = DiagnosticLog()
    value = _scheme_value(_signer([der], spki, sig_algos=()))
    certificates_from_signing_block({V2_BLOCK_ID: value}, log)
    assert "signing.no-signatures" in _codes(log)

    log = DiagnosticLog()
    assert certificates_from_signing_block({V2_BLOCK_ID: _scheme_value()}, log) == []
    assert "signing.no-signers" in _codes(log)

    log = DiagnosticLog()
    assert certificates_from_signing_block({V2_BLOCK_ID: _scheme_value(_signer([], spki))}, log) == []
    assert "signing.no-certificates" in _codes(log)

    # v3: the unsigned SDK range must repeat the signed one.
    log = DiagnosticLog()
    value = _scheme_value(_signer([der], spki, sdk=(28, 0x7FFFFFFF), outer_sdk=(24, 0x7FFFFFFF)))
    [cert] = certificates_from_signing_block({V3_BLOCK_ID: value}, log)
    assert cert.scheme == "v3" and "signing.sdk-range-mismatch" in _codes(log)

    # Two signers, chain certificates after the signer's own.
    log = DiagnosticLog()
    value = _scheme_value(_signer([der, other_der], spki), _signer([other_der], other_spki))
    certs = certificates_from_signing_block({V2_BLOCK_ID: value}, log)
    assert [(c.signer_index, c.sha256) for c in certs] == [
        (0, certificate_from_der(der, "v2", 0, "x").sha256),
        (0, certificate_from_der(other_der, "v2", 0, "x").sha256),
        (1, certificate_from_der(other_der, "v2", 0, "x").sha256),
    ]
    assert not log.items


def test_synthetic_v3_stripped() -> None:
    der, spki = _make_cert(CN="a")
    claim = struct.pack("<II", 0xBEEFF00D, 3)
    value = _scheme_value(_signer([der], spki, attrs=(claim,)))
    log = DiagnosticLog()
    certificates_from_signing_block({V2_BLOCK_ID: value}, log)
    assert "signing.v3-stripped" in _codes(log)
    log = DiagnosticLog()
    v3 = _scheme_value(_signer([der], spki, sdk=(28, 0x7FFFFFFF)))
    certificates_from_signing_block({V2_BLOCK_ID: value, V3_BLOCK_ID: v3}, log)
    assert "signing.v3-stripped" not in _codes(log)


def test_garbage_certificate_keeps_fingerprint() -> None:
    _, spki = _make_cert(CN="a")
    junk = b"\x30\x03\x02\x01\x05not a certificate"
    log = DiagnosticLog()
    [cert] = certificates_from_signing_block({V2_BLOCK_ID: _scheme_value(_signer([junk], spki))}, log)
    assert cert.sha256 == hashlib.sha256(junk).hexdigest()
    assert cert.subject == "" and cert.public_key_bits is None
    assert "signing.bad-certificate" in _codes(log)
    with pytest.raises(CorruptInput):
        certificate_from_der(junk, "v2", 0, "APK Signing Block")


def test_signer_length_overruns() -> None:
    der, spki = _make_cert(CN="a")
    good = _signer([der], spki)
    log = DiagnosticLog()
    # The signer list claims more bytes than the value holds.
    value = struct.pack("<I", 10_000) + _lp(good)
    assert certificates_from_signing_block({V2_BLOCK_ID: value}, log) == []
    assert "signing.truncated" in _codes(log)
    # A huge certificate length inside an otherwise fine signer.
    bad = bytearray(good)
    cert_len_at = 4 + 4 + len(_seq(struct.pack("<I", 0x0201) + _lp(b"\x11" * 32))) + 4
    struct.pack_into("<I", bad, cert_len_at, 0xFFFFFFF0)
    log = DiagnosticLog()
    assert certificates_from_signing_block({V2_BLOCK_ID: _scheme_value(bytes(bad))}, log) == []
    assert "signing.truncated" in _codes(log)


# --------------------------------------------------------------------------
# v1 PKCS#7
# --------------------------------------------------------------------------


def _v1_block(rel: str, name: str) -> bytes:
    with zipfile.ZipFile(_apk(rel)) as z:
        return z.read(name)


@pytest.mark.parametrize("blob", [b"", b"garbage" * 20, b"\x30\x80", b"\x30\x82\xff\xff\x06", b"\x00" * 64])
def test_garbage_pkcs7(blob: bytes) -> None:
    log = DiagnosticLog()
    assert certificates_from_pkcs7(blob, "META-INF/CERT.RSA", log) == []
    assert "signing.pkcs7-unreadable" in _codes(log)


def test_truncated_pkcs7_never_raises() -> None:
    der = _v1_block("androguard/CertChain.apk", "META-INF/MSFTSIG.RSA")
    full = {c.sha256 for c in certificates_from_pkcs7(der, "x", DiagnosticLog())}
    for cut in range(0, len(der), 7):
        log = DiagnosticLog()
        got = certificates_from_pkcs7(der[:cut], "x", log)
        assert log.items
        assert {c.sha256 for c in got} <= full


def test_random_corruption_of_pkcs7() -> None:
    rng = random.Random(7)
    der = _v1_block("androguard/apksig/two-signers.apk", "META-INF/CERT1.EC")
    for _ in range(500):
        mutated = bytearray(der)
        for _ in range(rng.randint(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        for cert in certificates_from_pkcs7(bytes(mutated), "META-INF/CERT1.EC", DiagnosticLog()):
            assert cert.scheme == "v1" and len(cert.sha1) == 40


def _to_indefinite(der: bytes) -> bytes:
    """Re-encode the outer SEQUENCE with a BER indefinite length."""
    assert der[0] == 0x30 and der[1] & 0x80
    n = der[1] & 0x7F
    body = der[2 + n :]
    return b"\x30\x80" + body + b"\x00\x00"


def test_ber_pkcs7_indefinite_length() -> None:
    der = _v1_block("androguard/CertChain.apk", "META-INF/MSFTSIG.RSA")
    expected = certificates_from_pkcs7(der, "META-INF/MSFTSIG.RSA", DiagnosticLog())
    got = certificates_from_pkcs7(_to_indefinite(der), "META-INF/MSFTSIG.RSA", DiagnosticLog())
    assert got == expected and len(got) == 3


def test_rejected_pkcs7_falls_back_to_der_walk() -> None:
    der = _v1_block("androguard/CertChain.apk", "META-INF/MSFTSIG.RSA")
    expected = certificates_from_pkcs7(der, "META-INF/MSFTSIG.RSA", DiagnosticLog())
    # SignedData.version INTEGER retagged as OCTET STRING: cryptography refuses
    # the structure, the certificates themselves are intact.
    at = der.index(b"\x02\x01\x01", der.index(bytes.fromhex("06092a864886f70d010702")))
    assert at < 32
    tampered = bytearray(der)
    tampered[at] = 0x04
    log = DiagnosticLog()
    got = certificates_from_pkcs7(bytes(tampered), "META-INF/MSFTSIG.RSA", log)
    assert "signing.pkcs7-rejected" in _codes(log)
    assert got == expected and len(got) == 3
    # Same again with the outer SEQUENCE in BER indefinite form.
    log = DiagnosticLog()
    assert certificates_from_pkcs7(_to_indefinite(bytes(tampered)), "x", log) == [
        dataclasses.replace(c, source="x") for c in expected
    ]


def test_is_v1_signature_file() -> None:
    accepted = [
        "META-INF/CERT.RSA",
        "META-INF/CERT.DSA",
        "META-INF/CERT1.EC",
        "META-INF/cert.rsa",
        "meta-inf/ANDROID.Rsa",
        "META-INF/keys/RELEASE.RSA",
    ]
    refused = [
        "META-INF/CERT.SF",
        "META-INF/MANIFEST.MF",
        "META-INF/.RSA",
        "META-INF/",
        "CERT.RSA",
        "assets/META-INF/CERT.RSA",
        "META-INF/CERT.RSA.bak",
        "META-INFO/CERT.RSA",
    ]
    assert [n for n in accepted if not is_v1_signature_file(n)] == []
    assert [n for n in refused if is_v1_signature_file(n)] == []


def test_v1_signature_pairs_case() -> None:
    names = ["META-INF/MANIFEST.MF", "META-INF/a.sf", "META-INF/A.RSA", "META-INF/B.EC", "META-INF/B.SF"]
    assert v1_signature_pairs(names) == [("META-INF/A.RSA", "META-INF/a.sf"), ("META-INF/B.EC", "META-INF/B.SF")]
