"""Status requests that wait for their scans to end (``GET /api/v1/scans/{id}?wait=``).

However many requests wait, they share one look at the store: every ``step``, one query asks
which of the waited-for jobs have ended. Where the store has a channel for it (``store.ended``:
a SQLite store, whose workers all run on this machine), the process that ends a job says so and
the requests waiting on it return at once; the store is then looked at only every
``fallback_step``, for word that was lost. Before this module, each waiting request read its own
job every 25 ms: a hundred clients following their uploads made 4,000 queries a second.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Iterable

from starlette.concurrency import run_in_threadpool

from datatrail.store.ended import EndedListener

__all__ = ["JobWatch"]


class JobWatch:
    """``wait(job_id, seconds)`` returns once the job has ended or the time is up; ``ended`` is
    the store's query: of these job ids, the ones done or failed. Once it ``listen``s to the
    store's channel, the channel's ids wake their waiters, and the query runs every
    ``fallback_step`` instead of every ``step``."""

    RECENT = 4096
    """Ids heard on the channel that are remembered: a request that read its job just before the
    job ended, and starts waiting just after the word came, returns at once instead of at the
    next look at the store."""

    def __init__(self, ended: Callable[[list[int]], Iterable[int]], step: float, fallback_step: float = 1.0) -> None:
        self._ended = ended
        self._step = step
        self._listener: EndedListener | None = None
        self._fallback_step = fallback_step
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._waiting: dict[int, list[asyncio.Future[None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._poller: asyncio.Task[None] | None = None

    def listen(self, listener: EndedListener | None) -> None:
        """Take word of ended jobs from ``listener`` (None: keep polling), on the running loop."""
        self.close()
        self._listener = listener
        if listener is not None:
            self._attach(asyncio.get_running_loop())

    @property
    def listening(self) -> bool:
        return self._listener is not None

    @property
    def waiting(self) -> int:
        """Requests waiting now."""
        return sum(len(f) for f in self._waiting.values())

    async def wait(self, job_id: int, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # another server loop (a restart in-process, a test client): start afresh
            self._attach(loop)
        future: asyncio.Future[None] = loop.create_future()
        self._waiting.setdefault(job_id, []).append(future)
        if job_id in self._recent:  # it ended while this request was reading it
            future.set_result(None)
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

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not None and self._listener is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._listener.fileno())
        self._loop, self._waiting, self._poller = loop, {}, None
        if self._listener is not None:
            loop.add_reader(self._listener.fileno(), self._heard)

    def _heard(self) -> None:
        """Ids came over the channel: wake their waiters."""
        if self._listener is None:
            return
        ids = self._listener.read()
        for job_id in ids:
            self._recent[job_id] = None
        while len(self._recent) > self.RECENT:
            self._recent.popitem(last=False)
        self._wake(ids)

    def _wake(self, ended: Iterable[int]) -> None:
        for job_id in ended:
            for future in self._waiting.pop(job_id, []):
                if not future.done():
                    future.set_result(None)

    async def _poll(self) -> None:
        while self._waiting:
            await asyncio.sleep(self._fallback_step if self._listener is not None else self._step)
            ids = sorted(self._waiting)
            if not ids:
                break
            try:
                ended = await run_in_threadpool(lambda: set(self._ended(ids)))
            except Exception:  # noqa: BLE001 - the store away for a moment: the waiters' own time limits hold
                continue
            self._wake(ended)

    def close(self) -> None:
        """Stop listening (the API is shutting down); waiters fall back to the step."""
        if self._listener is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(self._listener.fileno())
            self._listener.close()
            self._listener = None
