"""API uses -> data access entries with the owners of the calling code."""

from __future__ import annotations

from datatrail.assess.ownership import Ownership
from datatrail.model.data_access import ApiUse
from datatrail.model.report import DataAccess, Permission

__all__ = ["attribute_data_access"]


def attribute_data_access(
    uses: tuple[ApiUse, ...], ownership: Ownership, permissions: tuple[Permission, ...]
) -> tuple[DataAccess, ...]:
    requested = {p.name for p in permissions}
    return tuple(
        DataAccess(
            api=use.api,
            data=use.data,
            data_categories=use.data_categories,
            permission=use.permission,
            permission_requested=None if use.permission is None else use.permission in requested,
            owners=ownership.owners(use.callers),
            locations=use.locations,
        )
        for use in uses
    )
