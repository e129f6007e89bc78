"""An upload, from its bytes to a job: stored content-addressed, sniffed before anything is
queued (what is no app or capture is refused and not kept), deduplicated by content."""

from __future__ import annotations

from typing import BinaryIO

from datatrail.service.errors import ApiError
from datatrail.service.screen import ACCEPTED, acceptable
from datatrail.store import Store
from datatrail.store.blobs import TooLarge
from datatrail.store.queue import Job

__all__ = ["accept_upload"]


def accept_upload(store: Store, stream: BinaryIO, filename: str | None, max_upload: int, *, rescan: bool = False,
                  token_id: int | None = None) -> tuple[Job, bool]:
    """The job for the uploaded bytes and whether it is new; 413 over ``max_upload``, 422 for
    what is not ``ACCEPTED``. The name is a label only, never a path."""
    name = filename or "upload"
    try:
        stored = store.store_file(stream, name, max_upload)
    except TooLarge as exc:
        raise ApiError(413, str(exc)) from None
    if stored.size == 0 or not acceptable(stored.path):
        store.discard(stored)
        raise ApiError(422, f"{name}: not {ACCEPTED}; nothing queued")
    return store.submit(stored, name, rescan=rescan, token_id=token_id)
