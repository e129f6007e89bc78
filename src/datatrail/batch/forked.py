"""Run one function in a forked child while this process goes on: a second core for one big app.

The child starts as a copy-on-write image of this process, so it sees the
loaded, memory-mapped package without copying or pickling it; only the
result comes back, pickled through a pipe. Used by the scan pipeline for one
of its independent stages when a single large app is analysed; batch workers
never fork again (each already has a core).

If the child cannot deliver (killed, out of memory, an unpicklable result),
``result`` says so with :class:`ForkFailed` and the caller runs the stage
itself, so the report never depends on whether the fork worked.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ForkFailed", "ForkedCall", "can_fork"]

T = TypeVar("T")


class ForkFailed(Exception):
    """The child ended without a result; run the work in this process instead."""


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


class ForkedCall(Generic[T]):
    """``fn(*args)`` running in a child process; :meth:`result` waits for its value."""

    def __init__(self, fn: Callable[..., T], *args: object) -> None:
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave without running the parent's cleanup
            os.close(read_fd)
            code = 0
            try:
                payload = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:  # noqa: BLE001 - any failure means "no result"; the parent recomputes
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid = pid
        self._read_fd = read_fd
        self._done = False

    def result(self) -> T:
        """The child's return value; raises ForkFailed when it produced none."""
        if self._done:
            raise ForkFailed("result already taken")
        self._done = True
        try:
            with os.fdopen(self._read_fd, "rb") as pipe:
                payload = pipe.read()
        finally:
            _, status = os.waitpid(self._pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not payload:
            raise ForkFailed(f"child process ended with status {status}")
        value: T = pickle.loads(payload)
        return value

    def cancel(self) -> None:
        """Stop the child (after an error or interruption in the parent) and reap it."""
        if self._done:
            return
        self._done = True
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(self._read_fd)
        os.waitpid(self._pid, 0)
