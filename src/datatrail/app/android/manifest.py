"""What the manifest says: identity, requested and declared permissions, components."""

from __future__ import annotations

from typing import NamedTuple

from datatrail.app.android.artifact import AndroidArtifact
from datatrail.formats.common.xmltree import XmlElement, XmlValue
from datatrail.knowledge.permissions import permission_info
from datatrail.model.report import AppIdentity, Component, CustomPermission, Permission

__all__ = ["ManifestFacts", "read_manifest", "as_bool", "as_int", "component_class_name"]

_COMPONENT_TAGS = ("activity", "activity-alias", "service", "receiver", "provider")
_USES_PERMISSION_TAGS = ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m")


def as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
    return None


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip(), 0)
        except ValueError:
            return None
    return None


def _as_str(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


class ManifestFacts(NamedTuple):
    identity: AppIdentity
    permissions: tuple[Permission, ...]
    custom_permissions: tuple[CustomPermission, ...]
    components: tuple[Component, ...]


def component_class_name(package: str | None, name: str) -> str:
    """A component's class as the platform resolves it: ".Foo" and "Foo" are under the package."""
    if name.startswith(".") and package:
        return package + name
    if "." not in name and package:
        return f"{package}.{name}"
    return name


def _sdk(manifest: XmlElement, attr: str) -> XmlValue:
    for node in manifest.findall("uses-sdk"):
        value = node.get(attr)
        if value is not None:
            return value
    return None


def read_manifest(art: AndroidArtifact) -> ManifestFacts:
    m = art.manifest if art.manifest is not None else XmlElement("manifest")
    package = _as_str(m.get("package"))
    app = next(iter(m.findall("application")), XmlElement("application"))
    min_sdk = as_int(art.resolve(_sdk(m, "minSdkVersion")))
    target_raw = art.resolve(_sdk(m, "targetSdkVersion"))
    target_sdk = as_int(target_raw)
    if target_sdk is None and isinstance(target_raw, str) and target_raw:
        target_sdk = None  # a codename (preview SDK); left unknown rather than guessed
    if target_sdk is None and _sdk(m, "targetSdkVersion") is None:
        target_sdk = min_sdk  # the platform's own default when the attribute is absent
    label = art.resolve(app.get("label"))
    if isinstance(label, str) and label.startswith("@"):
        art.log.add("manifest.label-unresolved", f"application label {label} could not be resolved", art.manifest_where)
        label = None
    version_code = as_int(m.get("versionCode"))
    version_code_major = as_int(m.get("versionCodeMajor"))
    if version_code is not None and version_code_major:
        version_code = (version_code_major << 32) | (version_code & 0xFFFFFFFF)
    identity = AppIdentity(
        platform="android",
        package=package,
        version_name=_as_str(art.resolve(m.get("versionName"))),
        version_code=version_code,
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        compile_sdk=as_int(m.get("compileSdkVersion")) or as_int(m.get("platformBuildVersionCode")),
        label=_as_str(label),
        dex_count=len(art.dex_files),
        class_count=len(art.class_names),
        splits=tuple(art.splits),
        nested=tuple(art.nested),
    )
    declared: dict[str, CustomPermission] = {}
    for node in m.findall("permission"):
        name = _as_str(node.get("name"))
        if name:
            declared[name] = CustomPermission(name, _protection_name(node.get("protectionLevel")))
    requested: dict[str, Permission] = {}
    for tag in _USES_PERMISSION_TAGS:
        for node in m.findall(tag):
            name = _as_str(node.get("name"))
            if not name or name in requested:
                continue
            info = permission_info(name, target_sdk)
            custom = declared.get(name)
            requested[name] = Permission(
                name=name,
                protection_level=custom.protection_level if custom and not info.known else info.protection_level,
                flags=info.flags,
                data_categories=info.data_categories,
                access=info.access,
                group=info.group,
                known=info.known,
                max_sdk=as_int(node.get("maxSdkVersion")),
                declared_by_app=custom is not None,
            )
    components = tuple(_components(app, package, target_sdk))
    return ManifestFacts(identity, tuple(requested.values()), tuple(declared.values()), components)


_PROTECTION_BASE = {0: "normal", 1: "dangerous", 2: "signature", 3: "signatureOrSystem", 4: "internal"}


def _protection_name(value: XmlValue) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return _PROTECTION_BASE.get(value & 0xF, "unknown")
    if isinstance(value, str) and value:
        return value.split("|")[0]
    return "normal"


def _components(app: XmlElement, package: str | None, target_sdk: int | None) -> list[Component]:
    out: list[Component] = []
    app_permission = _as_str(app.get("permission"))
    for tag in _COMPONENT_TAGS:
        for node in app.findall(tag):
            name = _as_str(node.get("name")) or ""
            actions = tuple(
                a for f in node.findall("intent-filter") for act in f.findall("action")
                if (a := _as_str(act.get("name")))
            )
            explicit = as_bool(node.get("exported"))
            has_filter = bool(node.findall("intent-filter"))
            if explicit is not None:
                exported, reason = explicit, "explicit"
            elif tag == "provider":
                # Providers were exported by default until API 17.
                exported = target_sdk is not None and target_sdk < 17
                reason = "default before API 17" if exported else "default"
            else:
                exported, reason = has_filter, "intent-filter" if has_filter else "default"
            permission = _as_str(node.get("permission")) or (_as_str(node.get("readPermission")) if tag == "provider" else None) or app_permission
            out.append(Component(tag, component_class_name(package, name), exported, reason, permission, actions))
    return out
