"""The query-string values pages take (``platform``, version ids), checked as the API checks them:
a value the API would refuse is a 422 page."""

from __future__ import annotations

from collections.abc import Mapping

from datatrail.service.errors import ApiError

__all__ = ["platform_of", "version_id"]


def platform_of(params: Mapping[str, str]) -> str | None:
    platform = params.get("platform") or None
    if platform is not None and platform not in ("android", "ios"):
        raise ApiError(422, "platform must be android or ios")
    return platform


def version_id(params: Mapping[str, str], name: str = "version") -> int | None:
    raw = params.get(name) or ""
    if not raw:
        return None
    if not (raw.isdigit() and 1 <= int(raw) <= 2**53):
        raise ApiError(422, f"{name} must be a version id")
    return int(raw)
