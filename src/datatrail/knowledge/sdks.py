"""Offline knowledge about SDKs: who wrote which code, and how to recognise it.

Two datasets under ``knowledge/data`` are read, once, into one list of
:class:`Signature`:

* ``sdk_signatures.json``: datatrail's own signatures (Apache-2.0), with vendor,
  vendor home country, our category taxonomy and, besides class prefixes, native
  library names, manifest components, meta-data keys, permissions and assets;
  for iOS, Objective-C class-name prefixes and exact names, and framework names.
* ``exodus_etip.json``: the Exodus Privacy ETIP tracker list, kept verbatim in its
  own file because it is licensed differently (ODbL 1.0 + DbCL 1.0, attribution
  "Exodus Privacy"). Its ``code_signature`` is a regex alternation of dotted
  package prefixes (``com.databerries.|com.geolocstation.``). Alternatives that are
  plain names become class prefixes, read with a literal dot as the package
  separator Exodus means. One without the trailing dot whose last part is lower
  case (``com.yandex.mobile.ads``, ``com.tune``) names a package and gets its dot
  back, so it no longer takes sibling packages (``com.tunein``) as Exodus's
  substring search does; one ending in a capitalised name
  (``com.facebook.CampaignTrackingReceiver``) stays a raw prefix of class names.
  The few that are real regular expressions (a leading ``.`` standing for "any
  package", e.g. ``.S4MAnalytic``) are kept as regexes. Following exodus-core, a
  whole signature of three characters or fewer is ignored.

Where one of our signatures lists an Exodus id in ``exodus_ids`` it describes the
same SDK; the matcher folds the Exodus patterns into our finding (see
``datatrail.app.shared.sdk_match``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from datatrail.errors import DatatrailError
from datatrail.knowledge.datafile import read_data_file
from datatrail.model.sdk import PRESENCE_CODE, SdkEvidence, SdkFinding, presence_of

__all__ = [
    "Signature",
    "SOURCE_DATATRAIL",
    "SOURCE_EXODUS",
    "signatures",
    "split_exodus_signature",
    "categories",
    "dataset_info",
]

SOURCE_DATATRAIL = "datatrail"
SOURCE_EXODUS = "exodus-etip"

_OURS_FILE = "sdk_signatures.json"
_EXODUS_FILE = "exodus_etip.json"
_SUPPORTED_FORMAT = 1

# exodus-core skips signatures this short (they were placeholders such as "." or "").
_EXODUS_MIN_SIGNATURE = 4
# An alternative made only of these characters is a dotted name, read as a prefix.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_$][A-Za-z0-9_$.]*")
_EXODUS_CATEGORIES = {
    "Analytics": "analytics",
    "Advertisement": "ads",
    "Location": "location",
    "Profiling": "profiling",
    "Identification": "identification",
    "Crash reporting": "crash-reporting",
}


class Signature(NamedTuple):
    """How to recognise one SDK, from either dataset."""

    id: str
    name: str
    vendor: str
    vendor_country: str | None
    categories: tuple[str, ...]
    website: str | None
    source: str
    """``SOURCE_DATATRAIL`` or ``SOURCE_EXODUS``."""
    class_prefixes: tuple[str, ...] = ()
    """Dotted prefixes; ending in "." = a package subtree, otherwise a raw string prefix."""
    class_packages: tuple[str, ...] = ()
    """Packages whose direct classes (not sub-packages) belong to the SDK."""
    class_regexes: tuple[str, ...] = ()
    """Exodus alternatives that are real regular expressions, searched in the dotted class name."""
    native_libs: tuple[str, ...] = ()
    """File-name globs of native libraries ("libBugly*.so")."""
    manifest_components: tuple[str, ...] = ()
    """Globs or prefixes of component class names beyond the class prefixes ("*.wxapi.WXEntryActivity")."""
    manifest_meta_data: tuple[str, ...] = ()
    """``<meta-data android:name>`` keys (globs allowed)."""
    manifest_permissions: tuple[str, ...] = ()
    """Permission name globs the SDK makes apps declare or request ("*.permission.JPUSH_MESSAGE")."""
    assets: tuple[str, ...] = ()
    """Path globs of files the SDK ships under assets/."""
    ios_class_prefixes: tuple[str, ...] = ()
    """Objective-C / Swift class-name prefixes of the SDK's iOS code ("JPUSH", "FIRMessaging")."""
    ios_classes: tuple[str, ...] = ()
    """Exact Objective-C class names, for names too generic to use as prefixes ("Adjust")."""
    ios_frameworks: tuple[str, ...] = ()
    """Globs of iOS framework, dylib or static-library names without extension ("FBSDKCoreKit", "libJPush*")."""
    aliases: tuple[str, ...] = ()
    """Ids of Exodus entries describing the same SDK ("exodus-190")."""
    code_anchors: tuple[str, ...] = ()
    """Class prefixes the SDK's code always has. When set, classes its other patterns match
    count as its code only beside one of these (or its native library): JCore's service
    components also shipped inside JPush 2.x, Firebase Analytics' connector interfaces inside
    every Firebase library."""
    parent: str | None = None
    parent_country: str | None = None
    provenance: str = ""
    """Where the signature's facts come from."""

    def finding(
        self,
        *,
        confidence: str,
        class_count: int,
        evidence: Sequence[SdkEvidence],
        obfuscated: bool = False,
        extra_aliases: Sequence[str] = (),
    ) -> SdkFinding:
        """This SDK found in an app (Android or iOS matcher), with the evidence that found it.

        Found by manifest entries alone, it is "declared" and its confidence at most "low"."""
        presence = presence_of(evidence)
        return SdkFinding(
            id=self.id,
            name=self.name,
            vendor=self.vendor,
            vendor_country=self.vendor_country,
            categories=self.categories,
            website=self.website,
            source=self.source,
            confidence=confidence if presence == PRESENCE_CODE else "low",
            obfuscated=obfuscated,
            class_count=class_count,
            evidence=tuple(evidence),
            aliases=tuple(a for a in dict.fromkeys((*self.aliases, *extra_aliases)) if a != self.id),
            parent=self.parent,
            parent_country=self.parent_country,
            presence=presence,
        )
    notes: str | None = None




def _strings(entry: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key, ())
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(f"{key} must be a list")
    return tuple(str(v) for v in value)


def _optional(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return None if value is None else str(value)


def _ours(entry: Mapping[str, Any]) -> Signature:
    return Signature(
        id=str(entry["id"]),
        name=str(entry["name"]),
        vendor=str(entry["vendor"]),
        vendor_country=_optional(entry, "vendor_country"),
        categories=_strings(entry, "categories"),
        website=_optional(entry, "website"),
        source=SOURCE_DATATRAIL,
        class_prefixes=_strings(entry, "class_prefixes"),
        class_packages=_strings(entry, "class_packages"),
        code_anchors=_strings(entry, "code_anchors"),
        native_libs=_strings(entry, "native_libs"),
        manifest_components=_strings(entry, "manifest_components"),
        manifest_meta_data=_strings(entry, "manifest_meta_data"),
        manifest_permissions=_strings(entry, "manifest_permissions"),
        assets=_strings(entry, "assets"),
        ios_class_prefixes=_strings(entry, "ios_class_prefixes"),
        ios_classes=_strings(entry, "ios_classes"),
        ios_frameworks=_strings(entry, "ios_frameworks"),
        aliases=tuple(f"exodus-{int(i)}" for i in entry.get("exodus_ids", ())),
        parent=_optional(entry, "parent"),
        parent_country=_optional(entry, "parent_country"),
        provenance=str(entry["source"]),
        notes=_optional(entry, "notes"),
    )


def split_exodus_signature(code_signature: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(plain prefixes, real regexes) of one Exodus ``code_signature``."""
    if len(code_signature) < _EXODUS_MIN_SIGNATURE:
        return (), ()
    prefixes: list[str] = []
    regexes: list[str] = []
    for alternative in code_signature.split("|"):
        alternative = alternative.strip()
        if not alternative:
            continue
        if _PLAIN_NAME.fullmatch(alternative):
            last = alternative.rpartition(".")[2]
            if last and not last[0].isupper():
                # "com.yandex.mobile.ads" names a package: read it up to the package
                # boundary, or it would also take "com.yandex.mobile.adsx" ("com.tune"
                # would take "com.tunein"). A capitalised last part names a class.
                alternative += "."
            prefixes.append(alternative)
        else:
            regexes.append(alternative)
    return tuple(dict.fromkeys(prefixes)), tuple(dict.fromkeys(regexes))


def _exodus(entry: Mapping[str, Any]) -> Signature:
    prefixes, regexes = split_exodus_signature(str(entry.get("code_signature") or ""))
    categories = tuple(
        dict.fromkeys(_EXODUS_CATEGORIES.get(str(c), str(c).lower()) for c in entry.get("categories", ()))
    )
    return Signature(
        id=f"exodus-{int(entry['id'])}",
        name=str(entry["name"]),
        vendor="unknown",
        vendor_country=None,
        categories=categories,
        website=_optional(entry, "website") or None,
        source=SOURCE_EXODUS,
        class_prefixes=prefixes,
        class_regexes=regexes,
        provenance="Exodus Privacy ETIP tracker list (ODbL 1.0 + DbCL 1.0)",
    )


@functools.cache
def _load() -> tuple[tuple[Signature, ...], tuple[dict[str, str], ...], Mapping[str, str]]:
    ours_file = read_data_file(_OURS_FILE, "SDK knowledge", _SUPPORTED_FORMAT)
    exodus_file = read_data_file(_EXODUS_FILE, "SDK knowledge", _SUPPORTED_FORMAT)
    ours_doc, exodus_doc = ours_file.doc, exodus_file.doc
    try:
        ours = [_ours(entry) for entry in ours_doc["signatures"]]
        exodus = [_exodus(entry) for entry in exodus_doc["trackers"]]
        taxonomy = {str(k): str(v) for k, v in ours_doc["categories"].items()}
        metas = (ours_file.meta(), exodus_file.meta())
    except (KeyError, TypeError, ValueError) as exc:
        raise DatatrailError("SDK knowledge files are malformed") from exc
    seen: set[str] = set()
    for sig in (*ours, *exodus):
        if sig.id in seen:
            raise DatatrailError(f"SDK signature id {sig.id} appears twice")
        seen.add(sig.id)
    return tuple(ours + exodus), metas, taxonomy


def signatures() -> tuple[Signature, ...]:
    """Every signature: datatrail's own first, then the Exodus entries (read once, cached)."""
    return _load()[0]


def categories() -> Mapping[str, str]:
    """datatrail's SDK category taxonomy: name -> description."""
    return _load()[2]


def dataset_info() -> list[dict[str, str]]:
    """Name, version, source, license, sha256 and date of each dataset this module reads."""
    return [dict(m) for m in _load()[1]]
