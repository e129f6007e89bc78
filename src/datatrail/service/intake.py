"""An upload, from its bytes to a job: stored content-addressed, sniffed before anything is
queued (what is no app or capture is refused and not kept), deduplicated by content."""

from __future__ import annotations

from typing import BinaryIO

from datatrail.service.errors import ApiError
from datatrail.service.screen import ACCEPTED, acceptable
from datatrail.store import Store
from datatrail.store.blobs import StoredFile, TooLarge
from datatrail.store.queue import Job

__all__ = ["accept_upload", "accept_stored"]


def accept_upload(store: Store, stream: BinaryIO, filename: str | None, max_upload: int, *, rescan: bool = False,
                  token_id: int | None = None) -> tuple[Job, bool]:
    """The job for the uploaded bytes and whether it is new; 413 over ``max_upload``, 422 for
    what is not ``ACCEPTED``. The name is a label only, never a path."""
    try:
        stored = store.store_file(stream, filename or "upload", max_upload)
    except TooLarge as exc:
        raise ApiError(413, str(exc)) from None
    return accept_stored(store, stored, filename, rescan=rescan, token_id=token_id)


def accept_stored(store: Store, stored: StoredFile, filename: str | None, *, rescan: bool = False,
                  token_id: int | None = None) -> tuple[Job, bool]:
    """The job for a file just stored (an upload streamed in with :meth:`Store.file_writer`);
    422, and the file discarded, for what is not ``ACCEPTED``."""
    name = filename or "upload"
    if stored.size == 0 or not acceptable(stored.path):
        store.discard(stored)
        raise ApiError(422, f"{name}: not {ACCEPTED}; nothing queued")
    return store.submit(stored, name, rescan=rescan, token_id=token_id)
