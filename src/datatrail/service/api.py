"""The HTTP API, versioned under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``).

Uploads are streamed to the store's files, sniffed before anything is queued, and deduplicated by
content: the same bytes twice give the same job unless ``?rescan=true``. Reports come back exactly
as ``datatrail scan --format json`` writes them (the input path is the uploaded file's name), or in
another renderer's format. Uploads need a bearer token once any token exists (or always, with
``require_token``); reads are public unless the service is ``private``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any, Final, Literal

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from datatrail.report.capture_json import captures_from_document
from datatrail.report.capture_renderers import CAPTURE_FORMATS
from datatrail.report.card import card_dict
from datatrail.report.load import report_from_dict
from datatrail.report.renderers import DOCUMENT_FORMATS
from datatrail.report.visible import visible
from datatrail.service.access import Access
from datatrail.service.config import ServiceConfig
from datatrail.service.errors import ApiError, error_response, install_handlers
from datatrail.service.intake import accept_stored, receive_form
from datatrail.service.models import AppDetail, AppPage, Card, ErrorResponse, Health, Ready, ScanStatus, Stats
from datatrail.service.pages import install_pages
from datatrail.service.pages.card import card_of
from datatrail.service.pages.reports import ReportCache, find_app
from datatrail.service.screen import ACCEPTED
from datatrail.service.watch import JobWatch
from datatrail.store import Store
from datatrail.store.blobs import BlobWriter, TooLarge
from datatrail.store.ended import EndedListener
from datatrail.store.queries import AppFilter, app_versions, capture_report, list_apps, stats, version_report
from datatrail.store.queue import CAPTURE, DONE, FAILED, Job, depth
from datatrail.version import __version__

__all__ = ["create_app", "MAX_WAIT"]

MAX_WAIT: Final = 60.0
"""The longest a status request may wait for its scan to end (``?wait=``): under common proxies'
read timeouts."""
_WAIT_STEP: Final = 0.025
"""How often the waiting requests' jobs are looked at again: one query for all of them (``watch.JobWatch``)."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": why}
    for code, why in {401: "a token is needed", 403: "the token is not valid", 404: "not found", 422: "the request or the file is not acceptable",
                      503: "the store is busy or unreachable; nothing was changed: try again (Retry-After)"}.items()
}
_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    400: {"model": ErrorResponse, "description": "the multipart body cannot be parsed"},
    413: {"model": ErrorResponse, "description": "the upload is too large"},
    429: {"model": ErrorResponse, "description": "too many uploads (a minute, or a token's day): see Retry-After"},
}
_UPLOAD_BODY: Final[dict[str, Any]] = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": {
            "type": "string", "format": "binary", "description": f"{ACCEPTED[0].upper()}{ACCEPTED[1:]}."}}}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary", "description": (
            f"The file itself ({ACCEPTED}); name it with ?filename=.")}},
    },
}
_MEDIA = {"json": "application/json", "sarif": "application/sarif+json", "cyclonedx": "application/vnd.cyclonedx+json",
          "html": "text/html; charset=utf-8", "label": "application/json"}
_MULTIPART_OVERHEAD = 64 << 10
Severity = Literal["info", "low", "medium", "high", "critical"]
_SCAN_ID = PathParam(ge=1, le=2**53, description="The id the upload answered with.")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class _UploadLimit:
    """Refuse an upload whose declared length is over the limit before reading a byte of it."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            length = dict(scope.get("headers") or ()).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.limit + _MULTIPART_OVERHEAD:
                response = error_response(413, f"the upload is larger than {self.limit:,} bytes")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _status(job: Job) -> ScanStatus:
    return ScanStatus(
        id=job.id, status=job.status, sha256=job.sha256, filename=job.filename,  # type: ignore[arg-type]
        submitted_at=job.submitted_at, started_at=job.started_at, finished_at=job.finished_at, seconds=job.seconds,
        attempts=job.attempts, error=job.error, kind=job.kind,  # type: ignore[arg-type]
        report=f"/api/v1/scans/{job.id}/report" if job.status == DONE else None,
    )


def create_app(config: ServiceConfig, store: Store) -> FastAPI:
    watch = JobWatch(store.ended, _WAIT_STEP)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Word of ended jobs straight from the workers, where the store has a channel for it.
        watch.listen(EndedListener.open(store.channel))
        try:
            yield
        finally:
            watch.close()

    app = FastAPI(
        lifespan=lifespan,
        title="datatrail",
        version=__version__,
        description="What a mobile app can collect, whose code is inside it, and where its data goes: screened on upload.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    install_handlers(app)
    app.add_middleware(_UploadLimit, limit=config.max_upload)
    access = Access(config, store)
    _reader = access.reader
    reports = ReportCache(store)
    pages = install_pages(app, config, store, access, reports)

    def _job(job_id: int) -> Job:
        job = store.job(job_id)
        if job is None:
            raise ApiError(404, f"no scan {job_id}")
        return job

    @app.post("/api/v1/scans", status_code=202, response_model=ScanStatus, tags=["scans"],
              responses={**_UPLOAD_ERRORS, 200: {"model": ScanStatus, "description": "the same file was already submitted"}},
              openapi_extra={"requestBody": _UPLOAD_BODY})
    async def submit_scan(request: Request,
                          rescan: bool = Query(False, description="Scan again even if this file was scanned before."),
                          filename: str | None = Query(None, max_length=255, description=(
                              "The file's name when the body is the file itself (a multipart upload carries its "
                              "own): a label only, never a path."))) -> Any:
        """Upload a file to screen, as the multipart field ``file`` or as the whole body
        (``application/octet-stream``, streamed into the store once); 202 with the new job, or
        200 with the existing one for the same bytes."""
        kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind == "multipart/form-data":
            token_id = await run_in_threadpool(access.uploader, request)
            job, created = await _multipart_upload(request, rescan, token_id)
        else:
            # One trip to the thread pool: may this request upload, and the file to write it to.
            token_id, writer = await run_in_threadpool(
                lambda: (access.uploader(request), store.file_writer(filename or "upload", config.max_upload)))
            job, created = await _raw_upload(request, writer, filename, rescan, token_id)
        return JSONResponse(_status(job).model_dump(), status_code=202 if created else 200)

    async def _multipart_upload(request: Request, rescan: bool, token_id: int | None) -> tuple[Job, bool]:
        received = await receive_form(store, request, config.max_upload, "the multipart body cannot be parsed")
        if received.writer is None:
            raise ApiError(422, "a multipart upload carries the file in the field 'file'")
        with received.writer as writer:
            return await run_in_threadpool(lambda: accept_stored(store, writer.commit(), received.filename, rescan=rescan,
                                                                 token_id=token_id))

    async def _raw_upload(request: Request, writer: BlobWriter, filename: str | None, rescan: bool,
                          token_id: int | None) -> tuple[Job, bool]:
        with writer:
            try:
                async for chunk in request.stream():
                    writer.write(chunk)
            except TooLarge as exc:
                raise ApiError(413, str(exc)) from None
            except ClientDisconnect:
                raise ApiError(400, "the client went away before the end of the body") from None
            # Made durable, then sniffed and queued (or refused and removed), in one trip.
            return await run_in_threadpool(lambda: accept_stored(store, writer.commit(), filename, rescan=rescan,
                                                                 token_id=token_id))

    @app.get("/api/v1/scans/{scan_id}", response_model=ScanStatus, tags=["scans"], responses=_ERRORS)
    async def scan_status(request: Request, scan_id: int = _SCAN_ID,
                          wait: float = Query(0, ge=0, le=MAX_WAIT, description=(
                              f"Answer when the scan has ended (done or failed), or after this many seconds "
                              f"(at most {MAX_WAIT:g}), whichever comes first; 0 answers at once."))) -> ScanStatus:
        """Where a scan is: queued, running, done (with its report) or failed (with the reason).
        With ``wait``, one request follows a scan to its end instead of polling."""
        if config.private:  # only then does reading need the store (the token's row)
            await run_in_threadpool(_reader, request)
        job = await run_in_threadpool(_job, scan_id)
        if wait > 0 and job.status not in (DONE, FAILED):
            await watch.wait(scan_id, wait)
            job = await run_in_threadpool(_job, scan_id)
        return _status(job)

    @app.get("/api/v1/scans/{scan_id}/report", tags=["scans"],
             responses={**_ERRORS, 200: {"description": "the report", "content": {m: {} for m in set(_MEDIA.values())}},
                        409: {"model": ErrorResponse, "description": "the scan has not finished"}})
    def scan_report(request: Request, scan_id: int = _SCAN_ID,
                    format: Literal["json", "html", "sarif", "cyclonedx", "label"] = Query("json")) -> Response:
        """The report, exactly what ``datatrail scan --format json`` writes (``datatrail capture
        --format json`` for a capture), or another renderer's format (a capture has no CycloneDX)."""
        _reader(request)
        job = _job(scan_id)
        if job.status != DONE:
            raise ApiError(409, f"scan {scan_id} is {job.status}" + (f": {job.error}" if job.error else ""))
        with store.begin() as conn:
            body = capture_report(conn, job.sha256) if job.kind == CAPTURE else (
                version_report(conn, job.version_id) if job.version_id is not None else None)
        if body is None:
            raise ApiError(404, f"scan {scan_id} has no report")
        if format == "json":
            return Response(body, media_type=_MEDIA["json"])
        if job.kind == CAPTURE:
            if format not in CAPTURE_FORMATS:
                raise ApiError(422, f"a capture has no {format} document (json, html, sarif or label)")
            viewer, captures = captures_from_document(json.loads(body))
            return Response(CAPTURE_FORMATS[format](captures, viewer), media_type=_MEDIA[format])
        return Response(DOCUMENT_FORMATS[format](report_from_dict(json.loads(body))), media_type=_MEDIA[format])

    @app.get("/api/v1/apps", response_model=AppPage, tags=["apps"], responses=_ERRORS)
    def apps(
        request: Request,
        q: str | None = Query(None, max_length=200, description="Text in the package name or label."),
        sdk: str | None = Query(None, max_length=128, description="An SDK id whose code is inside (tencent-bugly)."),
        sdk_vendor_country: str | None = Query(None, pattern="^[A-Za-z]{2}$"),
        destination_country: str | None = Query(None, pattern="^[A-Za-z]{2}$", description="A server country of a named host."),
        org_country: str | None = Query(None, pattern="^[A-Za-z]{2}$", description="Home country of an organisation behind a host."),
        jurisdiction_flag: str | None = Query(None, max_length=64, description="compelled-access, eu-third-country, ..."),
        permission: str | None = Query(None, max_length=255, description="READ_PHONE_STATE or its full name."),
        rule: str | None = Query(None, max_length=32, description="A rule id with a finding (DST001)."),
        min_severity: Severity | None = Query(None),
        platform: Literal["android", "ios"] | None = Query(None),
        sort: Literal["package", "label", "newest", "severity"] = Query("package", description="Order of the page."),
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0, le=10_000_000),
    ) -> AppPage:
        """Apps whose latest version matches every filter given, by platform and package."""
        _reader(request)
        f = AppFilter(q=q, sdk=sdk, sdk_vendor_country=sdk_vendor_country, destination_country=destination_country,
                      org_country=org_country, jurisdiction_flag=jurisdiction_flag, permission=permission, rule=rule,
                      min_severity=min_severity, platform=platform)
        with store.begin() as conn:
            total, items = list_apps(conn, f, limit, offset, sort)
        return AppPage.model_validate({"total": total, "limit": limit, "offset": offset, "items": items})

    @app.get("/api/v1/apps/{package}", response_model=AppDetail, tags=["apps"], responses=_ERRORS)
    def app_detail(request: Request, package: str) -> AppDetail:
        """One package's versions, newest first (per platform)."""
        _reader(request)
        with store.begin() as conn:
            found = app_versions(conn, package)
        if not found:
            raise ApiError(404, f"no app {package}")
        return AppDetail.model_validate({"package": package, "apps": found})

    @app.get("/api/v1/apps/{package}/card", response_model=Card, tags=["apps"], responses=_ERRORS)
    def app_card(request: Request, package: str, platform: Literal["android", "ios"] | None = Query(None),
                 version: int | None = Query(None, ge=1, le=2**53, description="A version id (default: the newest).")) -> Any:
        """The risk card of the newest version (or ``version``): the few lines a store shows next to
        its Install button, each with the section of the app page that proves it."""
        _reader(request)
        card, evidence = card_of(pages, package, platform, version)
        return Card.model_validate(card_dict(card, evidence))

    @app.get("/api/v1/apps/{package}/diff", tags=["apps"],
             responses={**_ERRORS, 200: {"description": "what `datatrail diff` says",
                                         "content": {"application/json": {}, "text/plain": {}}},
                        409: {"model": ErrorResponse, "description": "no version before the one compared"}})
    def app_diff(
        request: Request,
        package: str,
        from_: int | None = Query(None, alias="from", ge=1, le=2**53, description="A version id (default: the one before `to`)."),
        to: int | None = Query(None, ge=1, le=2**53, description="A version id (default: the newest)."),
        platform: Literal["android", "ios"] | None = Query(None),
        format: Literal["json", "text"] = Query("json"),
    ) -> Response:
        """What changed between two versions of a package: SDKs, permissions, destinations and
        their countries, data the code can read, findings; exactly what ``datatrail diff`` says."""
        from datatrail.changes.diff import diff_reports
        from datatrail.changes.render import diff_json, diff_text

        _reader(request)
        old, new = find_app(store, package, platform).pair(from_, to)  # the pages' diff compares the same two
        diff = diff_reports(reports.report(old), reports.report(new))
        if format == "text":
            return Response(visible(diff_text(diff)), media_type="text/plain; charset=utf-8")
        return Response(diff_json(diff), media_type="application/json")

    @app.get("/api/v1/stats", response_model=Stats, tags=["apps"], responses=_ERRORS)
    def store_stats(request: Request) -> Stats:
        """What the store holds: apps and versions, and apps by SDK vendor country, organisation
        home country, server country and jurisdiction flag (latest versions)."""
        _reader(request)
        with store.begin() as conn:
            return Stats.model_validate(stats(conn))

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        """The process answers."""
        return Health(status="ok", version=__version__)

    @app.get("/readyz", response_model=Ready, tags=["operations"], responses={503: {"model": Ready, "description": "not ready"}})
    def readyz() -> Any:
        """Ready when the store answers and, if jobs wait, a worker is alive."""
        ok = store.ping()
        queue: dict[str, int] = {}
        alive = 0
        if ok:
            with store.begin() as conn:
                queue = depth(conn)
            alive = store.live_workers(config.worker_timeout)
        reason = None if ok else "the database does not answer"
        if ok and queue.get("queued", 0) and not alive:
            reason = f"{queue['queued']} jobs wait and no worker is alive"
        body = Ready(ready=reason is None, database=ok, workers_alive=alive, queue=queue, reason=reason)
        return JSONResponse(body.model_dump(), status_code=200 if reason is None else 503)

    return app
