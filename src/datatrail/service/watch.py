"""Status requests that wait for their scans to end (``GET /api/v1/scans/{id}?wait=``), served
by one look at the store for all of them: every ``step``, one query asks which of the waited-for
jobs have ended, however many requests wait. Before, each waiting request read its own job every
25 ms: a hundred clients following their uploads made 4,000 queries a second."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from starlette.concurrency import run_in_threadpool

__all__ = ["JobWatch"]


class JobWatch:
    """``wait(job_id, seconds)`` returns once the job has ended or the time is up; ``ended`` is
    the store's query: of these job ids, the ones done or failed."""

    def __init__(self, ended: Callable[[list[int]], Iterable[int]], step: float) -> None:
        self._ended = ended
        self._step = step
        self._waiting: dict[int, list[asyncio.Future[None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._poller: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Requests waiting now."""
        return sum(len(f) for f in self._waiting.values())

    async def wait(self, job_id: int, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # another server loop (a restart in-process, a test client): start afresh
            self._loop, self._waiting, self._poller = loop, {}, None
        future: asyncio.Future[None] = loop.create_future()
        self._waiting.setdefault(job_id, []).append(future)
        if self._poller is None or self._poller.done():
            self._poller = loop.create_task(self._poll())
        try:
            await asyncio.wait_for(future, seconds)
        except TimeoutError:
            pass
        finally:
            futures = self._waiting.get(job_id, [])
            if future in futures:
                futures.remove(future)
                if not futures:
                    del self._waiting[job_id]

    async def _poll(self) -> None:
        while self._waiting:
            await asyncio.sleep(self._step)
            ids = sorted(self._waiting)
            if not ids:
                break
            try:
                ended = await run_in_threadpool(lambda: set(self._ended(ids)))
            except Exception:  # noqa: BLE001 - the store away for a moment: the waiters' own time limits hold
                continue
            for job_id in ended:
                for future in self._waiting.pop(job_id, []):
                    if not future.done():
                        future.set_result(None)
