"""A signing certificate found in an APK, as the APK claims it.

datatrail does not verify signatures: a :class:`Certificate` says which
certificate a signature scheme *names*, not that the signature over the APK
holds. Use ``apksigner verify`` when that matters.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Certificate"]


@dataclass(frozen=True, slots=True)
class Certificate:
    scheme: str
    """Signature scheme that carried the certificate: ``v1``, ``v2``, ``v3`` or ``v3.1``."""
    signer_index: int
    """Which signer of that scheme (0-based). Within one ``(scheme, signer_index)``
    the first certificate listed is the signer's own; any others are its chain."""
    subject: str
    """Subject distinguished name as an RFC 4514 string (most specific RDN first)."""
    issuer: str
    """Issuer distinguished name as an RFC 4514 string."""
    subject_country: str | None
    """First ``C=`` value of the subject, verbatim (not always a valid ISO code)."""
    issuer_country: str | None
    """First ``C=`` value of the issuer, verbatim."""
    serial: str
    """Serial number in lowercase hex without leading zeros (``-`` prefix if negative)."""
    not_before: str
    """Start of validity, ISO 8601 UTC (``YYYY-MM-DDTHH:MM:SSZ``)."""
    not_after: str
    """End of validity, ISO 8601 UTC."""
    sha256: str
    """Lowercase hex SHA-256 of the certificate's DER encoding (apksigner's "certificate SHA-256 digest")."""
    sha1: str
    """Lowercase hex SHA-1 of the DER encoding."""
    public_key_algorithm: str
    """``RSA``, ``EC``, ``DSA``, ``Ed25519``, ``Ed448``, or the key's OID when unknown."""
    public_key_bits: int | None
    """Modulus size (RSA, DSA) or curve size (EC); ``None`` when not meaningful or unreadable."""
    signature_algorithm: str | None
    """Algorithm the issuer used to sign this certificate, e.g. ``sha256WithRSAEncryption``."""
    is_debug: bool
    """Subject is the Android SDK debug identity: CN=Android Debug, O=Android, C=US."""
    source: str
    """Where it came from: the v1 signature block entry name (``META-INF/CERT.RSA``)
    or ``APK Signing Block``."""
