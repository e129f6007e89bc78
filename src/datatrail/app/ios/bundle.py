"""The iOS artifact read into report values: identity, the bundle section, and per-binary facts.

Strings, class names and symbols of each binary are read once here
(:class:`BinaryFacts`) and shared by SDK detection, endpoint extraction and the
required-reason API comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from datatrail.app.ios.findings import profile_expired
from datatrail.app.ios.info_plist import (
    app_transport_security,
    background_modes,
    device_family,
    plist_str,
    plist_strs,
    url_schemes,
    usage_descriptions,
)
from datatrail.app.ios.load import IosArtifact, LoadedBinary
from datatrail.app.ios.privacy import read_privacy_manifest
from datatrail.formats.apple.objc import class_names as objc_class_names
from datatrail.formats.apple.plist import jsonable
from datatrail.model.ios import ENCRYPTED_NOTE, Binary, IosBundle, PrivacyManifest, Provisioning
from datatrail.model.report import AppIdentity

__all__ = ["BinaryFacts", "binary_facts", "build_bundle", "app_identity", "entitlements_of"]

_MAX_LINKED = 200
_MAX_SYMBOLS = 200_000
_CLASS_SYMBOL = "_OBJC_CLASS_$_"


@dataclass(frozen=True, slots=True)
class BinaryFacts:
    binary: LoadedBinary
    classes: tuple[str, ...]
    strings: tuple[str, ...]
    symbols: tuple[str, ...]
    """LC_SYMTAB names of the preferred slice (defined and undefined)."""


def binary_facts(b: LoadedBinary) -> BinaryFacts:
    sl = b.macho.preferred()
    if sl is None:
        return BinaryFacts(b, (), (), ())
    entries = list(sl.symbol_entries(_MAX_SYMBOLS))
    # Defined class symbols name exactly the classes the binary implements;
    # __objc_classname also holds adopted protocols, which may be another SDK's.
    classes = tuple(dict.fromkeys(s[len(_CLASS_SYMBOL):] for s, defined in entries if defined and s.startswith(_CLASS_SYMBOL)))
    if not classes:
        classes = tuple(dict.fromkeys(objc_class_names(sl)))
    return BinaryFacts(b, classes, tuple(b.macho.cstrings()), tuple(s for s, _ in entries))


def entitlements_of(b: LoadedBinary) -> dict[str, object]:
    sig = b.signature
    if sig is None:
        return {}
    # parse_code_signature already falls back to the DER entitlements when there is no usable XML.
    return jsonable(sig.entitlements) if sig.entitlements else {}


def _binary(f: BinaryFacts) -> Binary:
    b = f.binary
    sl = b.macho.preferred()
    return Binary(
        location=b.location,
        role=b.role,
        cpus=tuple(dict.fromkeys(s.cpu for s in b.macho.slices)),
        filetype=sl.filetype if sl else None,
        min_os=" ".join(sl.min_os) if sl and sl.min_os else None,
        encrypted=b.macho.encrypted,
        linked=tuple(dict.fromkeys(d for s in b.macho.slices for d in s.dylibs))[:_MAX_LINKED],
        uuid=sl.uuid if sl else None,
        signed=any(s.code_signature is not None for s in b.macho.slices),
        team_id=b.signature.team_id if b.signature else None,
        signing_id=b.signature.ident if b.signature else None,
        entitlements=entitlements_of(b),
        objc_classes=len(f.classes),
        strings=len(f.strings),
    )


def _provisioning(art: IosArtifact, now: datetime | None) -> tuple[Provisioning, ...]:
    return tuple(
        Provisioning(
            location=where,
            name=p.name,
            team_id=p.team_id,
            team_name=p.team_name,
            app_id_name=p.app_id_name,
            distribution=p.distribution,
            created=p.created,
            expires=p.expires,
            expired=profile_expired(p.expires, now),
            device_count=len(p.provisioned_devices),
            provisions_all_devices=p.provisions_all_devices,
            entitlements=p.entitlements,
        )
        for where, p in art.profiles
    )


def _main_entitlements(art: IosArtifact, binaries: tuple[Binary, ...], profiles: tuple[Provisioning, ...]) -> dict[str, object]:
    main = next((b for b in binaries if b.role == "main"), None)
    if main is not None and main.entitlements:
        return main.entitlements
    root_profile = art.root + "embedded.mobileprovision"
    for p in profiles:
        if p.location.endswith(root_profile):
            return p.entitlements
    return {}


def _associated_domains(entitlements: dict[str, object]) -> tuple[str, ...]:
    value = entitlements.get("com.apple.developer.associated-domains")
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def manifests_of(art: IosArtifact) -> tuple[PrivacyManifest, ...]:
    return tuple(read_privacy_manifest(doc, where, owner) for where, owner, doc in art.manifests)


def build_bundle(art: IosArtifact, facts: list[BinaryFacts], now: datetime | None = None) -> IosBundle:
    info = art.info
    binaries = tuple(_binary(f) for f in facts)
    profiles = _provisioning(art, now)
    entitlements = _main_entitlements(art, binaries, profiles)
    main = art.main
    encrypted = main.macho.encrypted if main is not None else None
    return IosBundle(
        bundle_kind=art.bundle_kind,
        bundle_id=plist_str(info, "CFBundleIdentifier"),
        short_version=plist_str(info, "CFBundleShortVersionString"),
        build_version=plist_str(info, "CFBundleVersion"),
        minimum_os=plist_str(info, "MinimumOSVersion") or plist_str(info, "LSMinimumSystemVersion"),
        display_name=plist_str(info, "CFBundleDisplayName") or plist_str(info, "CFBundleName"),
        executable=plist_str(info, "CFBundleExecutable"),
        supported_platforms=plist_strs(info, "CFBundleSupportedPlatforms"),
        device_family=device_family(info),
        usage_descriptions=usage_descriptions(info),
        ats=app_transport_security(info),
        url_schemes=url_schemes(info),
        queried_url_schemes=plist_strs(info, "LSApplicationQueriesSchemes"),
        associated_domains=_associated_domains(entitlements),
        background_modes=background_modes(info),
        encrypted=encrypted,
        encryption_note=ENCRYPTED_NOTE if encrypted else None,
        binaries=binaries,
        frameworks=tuple(path for role, path, _ in art.bundles if role in ("framework", "dylib")),
        extensions=tuple(path for role, path, _ in art.bundles if role == "extension"),
        provisioning=profiles,
        privacy_manifests=manifests_of(art),
        entitlements=entitlements,
    )


def app_identity(bundle: IosBundle, class_count: int) -> AppIdentity:
    """The platform-neutral identity (see ``datatrail.model.ios`` for the mapping)."""
    return AppIdentity(
        platform="ios",
        package=bundle.bundle_id,
        version_name=bundle.short_version,
        version_code=None,
        min_sdk=None,
        target_sdk=None,
        compile_sdk=None,
        label=bundle.display_name,
        dex_count=0,
        class_count=class_count,
        nested=bundle.frameworks + bundle.extensions,
    )
