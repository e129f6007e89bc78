"""API uses -> data access entries with the owners of the calling code."""

from __future__ import annotations

from datatrail.app.android.ownership import Ownership
from datatrail.knowledge.permissions import first_api_level
from datatrail.model.data_access import ApiUse
from datatrail.model.report import DataAccess, Permission

__all__ = ["attribute_data_access", "effective_permission"]

# Permissions that split an older one: apps targeting below their API level still use the old one.
_SUCCEEDS = {
    "android.permission.READ_MEDIA_IMAGES": "android.permission.READ_EXTERNAL_STORAGE",
    "android.permission.READ_MEDIA_VIDEO": "android.permission.READ_EXTERNAL_STORAGE",
    "android.permission.READ_MEDIA_AUDIO": "android.permission.READ_EXTERNAL_STORAGE",
}


def effective_permission(permission: str | None, target_sdk: int | None) -> str | None:
    """The permission that gates the API for an app with this target SDK.

    A permission added in API N is enforced only for apps targeting N or later
    (QUERY_ALL_PACKAGES from 30, READ_MEDIA_* from 33); older targets need the
    permission it replaced, or none.
    """
    if permission is None or target_sdk is None:
        return permission
    since = first_api_level(permission)
    if since is not None and target_sdk < since:
        return _SUCCEEDS.get(permission)
    return permission


def attribute_data_access(
    uses: tuple[ApiUse, ...], ownership: Ownership, permissions: tuple[Permission, ...], target_sdk: int | None
) -> tuple[DataAccess, ...]:
    requested = {p.name for p in permissions}
    out: list[DataAccess] = []
    for use in uses:
        permission = effective_permission(use.permission, target_sdk)
        out.append(DataAccess(
            api=use.api,
            data=use.data,
            data_categories=use.data_categories,
            permission=permission,
            permission_requested=None if permission is None else permission in requested,
            owners=ownership.owners(use.callers),
            locations=use.locations,
        ))
    return tuple(out)
