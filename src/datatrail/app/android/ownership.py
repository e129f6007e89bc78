"""Whose code is this class? A detected SDK, the app itself, or an unidentified library."""

from __future__ import annotations

from collections.abc import Iterable

from datatrail.model.report import CodeOwner
from datatrail.model.sdk import SdkReport

__all__ = ["Ownership", "library_root"]

_MAX_EXAMPLES = 5
# Reverse-DNS roots whose organisation sits one level deeper (com.vendor.product).
_ORG_TLDS = frozenset({"com", "org", "net", "io", "cn", "de", "fr", "ru", "uk", "jp", "co", "me", "info", "edu", "gov"})


def library_root(class_name: str) -> str:
    """A package root that names a library: ``com.squareup.okhttp3`` for okhttp classes."""
    parts = class_name.split(".")[:-1]
    depth = 3 if parts and parts[0] in _ORG_TLDS else 2
    return ".".join(parts[:depth]) or class_name


class Ownership:
    """Maps classes to owners using the SDK detector's own attribution rules."""

    def __init__(self, sdks: SdkReport, app_package: str | None) -> None:
        self._sdks = sdks
        self._names = {s.id: s.name for s in sdks.sdks}
        self._app = app_package

    def key(self, class_name: str) -> tuple[str, str, str]:
        sdk_id = self._sdks.owner_of(class_name)
        if sdk_id is not None:
            return "sdk", sdk_id, self._names.get(sdk_id, sdk_id)
        app = self._app
        if app and (class_name == app or class_name.startswith(app + ".")):
            return "app", app, app
        root = library_root(class_name)
        if app and app.startswith(root + "."):
            # A shallow root that contains the app's package is the developer's own code.
            return "app", app, app
        return "library", root, root

    def owners(self, classes: Iterable[str]) -> tuple[CodeOwner, ...]:
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for cls in classes:
            grouped.setdefault(self.key(cls), []).append(cls)
        order = {"sdk": 0, "library": 1, "app": 2}
        return tuple(
            CodeOwner(kind, ident, name, tuple(sorted(members)[:_MAX_EXAMPLES]), len(set(members)))
            for (kind, ident, name), members in sorted(grouped.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))
        )
