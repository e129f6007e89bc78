"""The API's response bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "ErrorBody", "ErrorResponse", "ScanStatus", "SdkRow", "VersionRow", "AppRow", "AppPage", "AppVersions", "AppDetail", "Stats",
    "Health", "Ready",
]


class ErrorBody(BaseModel):
    status: int
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class ScanStatus(BaseModel):
    id: int
    status: Literal["queued", "running", "done", "failed"]
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    filename: str
    submitted_at: float
    started_at: float | None
    finished_at: float | None
    seconds: float | None = Field(description="Seconds the scan took, once it ended.")
    attempts: int = Field(description="Times a worker claimed the job (more than 1 after a worker stopped mid-scan).")
    error: str | None = Field(description="Why the scan failed, for people.")
    report: str | None = Field(description="Where the report is, once done.")
    kind: Literal["app", "capture"] | None = Field(
        None, description="What the done scan made: an app version's report or a capture's (null until done).")


class SdkRow(BaseModel):
    id: str
    name: str
    vendor: str
    vendor_country: str | None


class VersionRow(BaseModel):
    id: int
    sha256: str
    size: int
    kind: str
    version_name: str | None
    version_code: str | None
    signer_sha256: str | None
    scanned_at: float
    worst_severity: str | None
    complete: bool
    sdks: list[SdkRow]


class AppRow(BaseModel):
    package: str
    platform: str
    label: str | None
    latest: VersionRow


class AppPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AppRow]


class AppVersions(BaseModel):
    package: str
    platform: str
    label: str | None
    versions: list[VersionRow]


class AppDetail(BaseModel):
    package: str
    apps: list[AppVersions] = Field(description="One per platform the package name is known on.")


class Stats(BaseModel):
    apps: int
    versions: int
    apps_by_sdk_vendor_country: dict[str, int]
    apps_by_org_country: dict[str, int]
    apps_by_server_country: dict[str, int]
    apps_by_jurisdiction_flag: dict[str, int]
    apps_by_destination_country: dict[str, int] = Field(
        description="Apps naming hosts with servers or an organisation's home in each country (latest versions).")
    apps_by_sdk: dict[str, int] = Field(description="The most common SDKs (by name) in the latest versions.")
    apps_by_organisation: dict[str, int] = Field(description="The most common organisations behind named hosts.")


class CardClaim(BaseModel):
    kind: Literal["companies", "data", "servers"]
    text: str = Field(description="The claim, worded for what static analysis shows (never 'sends').")
    evidence: str = Field(description="The app page's section that proves it.")
    level: Literal["state-access", "no-adequacy", "conditional", "no-flag"]
    countries: list[str]
    items: list[str] = Field(description="The companies, data or hosts behind the claim (at most 20).")


class Card(BaseModel):
    package: str | None
    label: str | None
    version: str | None
    level: Literal["state-access", "no-adequacy", "conditional", "no-flag"]
    claims: list[CardClaim]
    caveat: str


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Ready(BaseModel):
    ready: bool
    database: bool
    workers_alive: int
    queue: dict[str, int]
    reason: str | None
