"""A wall-time bound on one input: an interval timer, and in workers a CPU-time limit for C code."""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["TimedOut", "deadline"]

_CPU_GRACE = 1.5
"""A worker's CPU-time limit is the timeout times this, rounded up to a whole
second: the interval timer should always win, the limit only ends a worker
stuck in C."""


class TimedOut(BaseException):
    """Raised by the interval timer; a BaseException so no ``except Exception`` in a scan swallows it."""


def _expire(signum: int, frame: object) -> None:
    raise TimedOut


@contextmanager
def _cpu_limit(seconds: float) -> Iterator[None]:
    """The process dies (SIGXCPU) if the block uses more than ``seconds`` of CPU time.

    Only for worker processes: the parent sees the death and isolates the input.
    """
    import resource  # POSIX only, like the workers that use it

    previous = resource.getrlimit(resource.RLIMIT_CPU)
    hard = previous[1]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(usage.ru_utime + usage.ru_stime + seconds)  # whole seconds only
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, previous)


@contextmanager
def deadline(seconds: float | None, in_worker: bool) -> Iterator[None]:
    """Raise TimedOut in the block after ``seconds`` of wall time (main thread, POSIX only).

    Elsewhere (a caller's thread, Windows) the block runs unbounded. In a
    worker, a CPU-time limit also ends a scan stuck in one C call.
    """
    if seconds is None or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        if in_worker:
            with _cpu_limit(seconds * _CPU_GRACE):
                yield
        else:
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
