"""The iOS section of a report: what an IPA, .app bundle, framework or static library says about itself.

Common facts go where the Android ones do (``AppIdentity``, ``Permission``,
``SdkFinding``, ``Destination``, ``Finding``); this section holds what only
iOS has. How Info.plist maps onto ``AppIdentity``:

* ``package`` = CFBundleIdentifier, ``version_name`` = CFBundleShortVersionString,
  ``label`` = CFBundleDisplayName (else CFBundleName), ``platform`` = "ios";
* ``version_code``, ``min_sdk``, ``target_sdk``, ``compile_sdk`` and ``dex_count``
  stay None / 0: CFBundleVersion (``build_version``) is free text and
  MinimumOSVersion (``minimum_os``) a dotted version, so both live here;
* ``class_count`` counts the Objective-C classes the binaries define;
  ``nested`` lists the embedded frameworks, dylibs and extensions analysed.

Usage-description keys (NSCameraUsageDescription...) also appear in the
report's ``permissions`` with protection level ``usage-description``, so that
data categories read the same for both platforms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "UsageDescription",
    "AtsException",
    "AppTransportSecurity",
    "Provisioning",
    "Binary",
    "CollectedDataType",
    "AccessedApi",
    "PrivacyManifest",
    "IosBundle",
    "ENCRYPTED_NOTE",
]

ENCRYPTED_NOTE = (
    "The main executable is App Store-encrypted (FairPlay, LC_ENCRYPTION_INFO cryptid=1): its code strings "
    "(C strings, Objective-C and Swift names in __TEXT) are unavailable, so SDKs and endpoints come only from "
    "its load commands and symbol table, the plists, frameworks, extensions, provisioning profile and resources."
)


@dataclass(frozen=True, slots=True)
class UsageDescription:
    key: str
    """The Info.plist key, e.g. ``NSLocationWhenInUseUsageDescription``."""
    text: str
    """The purpose string the app shows when it asks."""
    data_categories: tuple[str, ...]
    access: str | None
    """What granting it gives access to, in plain English (None for keys datatrail does not know)."""
    known: bool


@dataclass(frozen=True, slots=True)
class AtsException:
    domain: str
    allows_insecure_http: bool
    includes_subdomains: bool
    minimum_tls: str | None


@dataclass(frozen=True, slots=True)
class AppTransportSecurity:
    """NSAppTransportSecurity: where the app lets itself use plain HTTP or weak TLS."""

    allows_arbitrary_loads: bool
    allows_arbitrary_loads_in_web_content: bool
    allows_arbitrary_loads_for_media: bool
    allows_local_networking: bool
    exception_domains: tuple[AtsException, ...]


@dataclass(frozen=True, slots=True)
class Provisioning:
    """An embedded.mobileprovision (the app's or an extension's)."""

    location: str
    name: str | None
    team_id: str | None
    team_name: str | None
    app_id_name: str | None
    distribution: str
    """development, ad-hoc, enterprise or app-store (inferred from devices and get-task-allow)."""
    created: str | None
    expires: str | None
    expired: bool
    """The profile had expired when the scan ran."""
    device_count: int
    provisions_all_devices: bool
    entitlements: dict[str, object]


@dataclass(frozen=True, slots=True)
class Binary:
    """One Mach-O file (or a member of a static library) that was read."""

    location: str
    role: str
    """main, framework, dylib, extension, library-member or binary."""
    cpus: tuple[str, ...]
    filetype: str | None
    min_os: str | None
    """``"ios 12.0"``, from LC_BUILD_VERSION or LC_VERSION_MIN_*."""
    encrypted: bool
    linked: tuple[str, ...]
    """Dylibs and frameworks it loads (at most 200)."""
    uuid: str | None
    signed: bool
    team_id: str | None
    signing_id: str | None
    entitlements: dict[str, object]
    objc_classes: int
    strings: int
    """C strings read (0 when encrypted or unreadable)."""


@dataclass(frozen=True, slots=True)
class CollectedDataType:
    type: str
    """``NSPrivacyCollectedDataTypeEmailAddress``... as written."""
    category: str | None
    """The datatrail data category it falls under, when known."""
    linked: bool | None
    tracking: bool | None
    purposes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccessedApi:
    type: str
    """``NSPrivacyAccessedAPICategoryUserDefaults``..."""
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PrivacyManifest:
    """A PrivacyInfo.xcprivacy: what the app or one SDK declares to Apple."""

    location: str
    owner: str
    """"app" for the app's own manifest, else the framework or folder it ships in."""
    tracking: bool | None
    tracking_domains: tuple[str, ...]
    collected_data: tuple[CollectedDataType, ...]
    accessed_apis: tuple[AccessedApi, ...]


@dataclass(frozen=True, slots=True)
class IosBundle:
    bundle_kind: str
    """app, framework, static-library, binary or sdk-folder."""
    bundle_id: str | None
    short_version: str | None
    build_version: str | None
    minimum_os: str | None
    display_name: str | None
    executable: str | None
    supported_platforms: tuple[str, ...] = ()
    device_family: tuple[int, ...] = ()
    usage_descriptions: tuple[UsageDescription, ...] = ()
    ats: AppTransportSecurity | None = None
    url_schemes: tuple[str, ...] = ()
    queried_url_schemes: tuple[str, ...] = ()
    """LSApplicationQueriesSchemes: other apps this one checks for."""
    associated_domains: tuple[str, ...] = ()
    """From the entitlements (``applinks:``, ``webcredentials:``...)."""
    background_modes: tuple[str, ...] = ()
    encrypted: bool | None = None
    """The main executable is App Store-encrypted; None when there is no main executable."""
    encryption_note: str | None = None
    binaries: tuple[Binary, ...] = ()
    frameworks: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    provisioning: tuple[Provisioning, ...] = ()
    privacy_manifests: tuple[PrivacyManifest, ...] = ()
    entitlements: dict[str, object] = field(default_factory=dict)
    """The main executable's entitlements (code signature, else the provisioning profile)."""
