"""Screening a file from the browser: the upload form (``/``), the form's target (``/upload``) and
the scan's own page (``/scans/{id}``), which follows the job until it ends and then leads to what
it made. Without JavaScript the form posts and the scan page refreshes itself; with it the upload
shows a real progress bar and the state updates in place (``upload.js``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from datatrail.report.html.markup import Markup, el, join
from datatrail.service.errors import ApiError
from datatrail.service.intake import accept_stored, receive_form
from datatrail.service.pages.context import Pages, as_page
from datatrail.service.pages.layout import app_url, document, html_response
from datatrail.service.screen import ACCEPTED
from datatrail.store.queries import version_app
from datatrail.store.queue import CAPTURE, DONE, FAILED, Job

__all__ = ["register", "scan_target"]

_STATES = {"queued": "Queued: waiting for a worker", "running": "Scanning", "done": "Done", "failed": "Failed"}


def scan_target(pages: Pages, job: Job) -> str | None:
    """Where a done scan leads: the app's page at that version, or the capture's report."""
    if job.status != DONE:
        return None
    if job.kind == CAPTURE:
        return f"/api/v1/scans/{job.id}/report?format=html"
    if job.version_id is None:
        return None
    with pages.store.begin() as conn:
        found = version_app(conn, job.version_id)
    if found is None:
        return None
    package, platform = found
    return app_url(package, platform=platform, version=job.version_id)


def _form(pages: Pages) -> Markup:
    token = pages.access.tokens_needed()
    limit = pages.config.max_upload
    return el(
        "form",
        el("div",
           el("label", "Choose a file, or drop it here",
              el("input", type="file", name="file", required=True, id="file", aria_describedby="accepted")),
           el("p", f"{ACCEPTED[0].upper()}{ACCEPTED[1:]}; up to {limit / (1 << 20):,.0f} MB.", id="accepted", class_="muted"),
           class_="drop", id="drop"),
        el("label", "Upload token (this service asks for one)", el("input", type="password", name="token", autocomplete="off"))
        if token else None,
        el("label", el("span", el("input", type="checkbox", name="rescan", value="true"), " Scan again even if this file was screened before")),
        el("div", el("button", "Screen it", type="submit")),
        el("div",
           el("label", "Upload", el("progress", max="100", value="0", id="upload-progress"), for_="upload-progress"),
           el("p", "", class_="state", id="upload-state", role="status", aria_live="polite"),
           class_="progress", id="progress", hidden=True),
        class_="upload", method="post", action="/upload", enctype="multipart/form-data", id="upload-form",
        data_token="1" if token else None,
    )


def _upload_page(pages: Pages) -> str:
    intro = el("p", "What can this app collect, whose code is inside it, and where can its data go? Upload an app "
                    "(or a capture of its traffic) and datatrail screens it offline: every claim with its evidence.", class_="lead")
    body = join([el("h1", "Screen an app before you install it"), intro, el("section", _form(pages), aria_label="Upload")])
    return document("Screen an app", body, active="/", scripts=("upload.js",))


def _scan_page(pages: Pages, job: Job) -> str:
    ended = job.status in (DONE, FAILED)
    facts = [el("dt", "File"), el("dd", job.filename), el("dt", "sha256"), el("dd", el("code", job.sha256)),
             el("dt", "State"), el("dd", _STATES.get(job.status, job.status), class_=f"state {job.status}", id="scan-state",
                                   role="status", aria_live="polite")]
    if job.attempts > 1:
        facts += [el("dt", "Attempts"), el("dd", str(job.attempts))]
    if job.error:
        facts += [el("dt", "Why"), el("dd", job.error, class_="error-message")]
    target = scan_target(pages, job)
    follow = el("p", el("a", "See the result", href=target, class_="button")) if target else None
    body = join([
        el("h1", f"Scan {job.id}"),
        el("section", el("dl", *facts, class_="facts"), follow,
           el("p", "This page follows the scan and shows the result when it is ready.", class_="muted") if not ended else None,
           el("p", el("a", "Screen another file", href="/")),
           id="scan", data_scan=str(job.id), data_ended="1" if ended else None),
    ])
    return document(f"Scan {job.id}", body, scripts=() if ended else ("scan.js",), refresh=None if ended else 2)


def register(router: APIRouter, pages: Pages) -> None:
    @router.get("/")
    @as_page
    def upload_page(request: Request) -> Response:
        return html_response(_upload_page(pages))

    @router.post("/upload")
    @as_page
    async def upload(request: Request) -> Response:
        received = await receive_form(pages.store, request, pages.config.max_upload, "the upload could not be read as a form")
        if received.writer is None:
            raise ApiError(422, "choose a file to screen")
        with received.writer as writer:  # left uncommitted (removed) unless the upload is accepted
            if not received.filename:
                raise ApiError(422, "choose a file to screen")
            secret = received.fields.get("token")
            token_id = await run_in_threadpool(pages.access.uploader, request, secret or None)
            stored = await run_in_threadpool(writer.commit)
        job, _ = await run_in_threadpool(lambda: accept_stored(pages.store, stored, received.filename, token_id=token_id,
                                                               rescan=received.fields.get("rescan") == "true"))
        return RedirectResponse(f"/scans/{job.id}", status_code=303)

    @router.get("/scans/{scan_id}")
    @as_page
    def scan_page(request: Request, scan_id: int) -> Response:
        pages.access.reader(request)
        job = pages.store.job(scan_id) if 1 <= scan_id <= 2**53 else None
        if job is None:
            raise ApiError(404, f"there is no scan {scan_id}")
        target = scan_target(pages, job)
        if target is not None:  # done: what it made is the answer
            return RedirectResponse(target, status_code=303)
        return html_response(_scan_page(pages, job))
