"""An upload, from its bytes to a job: stored content-addressed, sniffed before anything is
queued (what is no app or capture is refused and not kept), deduplicated by content."""

from __future__ import annotations

from starlette.requests import Request

from datatrail.service.errors import ApiError
from datatrail.service.multipart import FormError, Received, receive_file
from datatrail.service.screen import ACCEPTED, acceptable
from datatrail.store import Store
from datatrail.store.blobs import StoredFile, TooLarge
from datatrail.store.queue import Job

__all__ = ["accept_stored", "receive_form"]


def accept_stored(store: Store, stored: StoredFile, filename: str | None, *, rescan: bool = False,
                  token_id: int | None = None) -> tuple[Job, bool]:
    """The job for a file just stored (an upload streamed in with :meth:`Store.file_writer`);
    422, and the file discarded, for what is not ``ACCEPTED``."""
    name = filename or "upload"
    if stored.size == 0 or not acceptable(stored.path):
        store.discard(stored)
        raise ApiError(422, f"{name}: not {ACCEPTED}; nothing queued")
    return store.submit(stored, name, rescan=rescan, token_id=token_id)


async def receive_form(store: Store, request: Request, max_upload: int, problem: str) -> Received:
    """The request's form, its file written to the store's next file but not committed (the caller
    does, in a ``with`` block, once it accepts the upload); 400 ``problem: why`` for a body that is
    no form, 413 over ``max_upload``."""
    try:
        return await receive_file(request, lambda name: store.file_writer(name, max_upload))
    except FormError as exc:
        raise ApiError(400, f"{problem}: {exc}") from None
    except TooLarge as exc:
        raise ApiError(413, str(exc)) from None
