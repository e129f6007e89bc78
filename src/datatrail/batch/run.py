"""Corpus-scale scanning: many inputs, every core, bounded memory.

``discover`` (in ``inputs``) turns the command line's paths into inputs
(directories walked recursively, in a deterministic order); ``run_batch``
analyses them with the caller's scanner, in this process or in a pool of worker
processes, and yields one ``Outcome`` per input as soon as it is ready, so a
caller can stream each report out and forget it. The batch knows nothing of
what a scan is: the static scan and the traffic pipeline bring their own.

Memory stays bounded whatever the corpus size because:

- at most ``2 x jobs`` inputs are in flight, so finished results never pile up
  behind a slow consumer (and, in ordered mode, the reorder buffer holds at
  most that many);
- workers render reports to text themselves, so the parent only sees strings;
- each worker is replaced after ``tasks_per_child`` inputs, which returns
  whatever a long-lived interpreter accumulates (fragmented arenas, caches)
  to the system.

Only the list of input paths grows with the corpus (a path each; a million
apps is ~100 MB), which buys an exact progress total.

With a ``timeout``, an input that takes longer fails alone ("timed out") and
the batch goes on: an interval timer interrupts the scan between two Python
steps, and in worker processes a CPU-time limit a little past it ends a
worker stuck inside one long C call (a regular expression, a decompressor),
which the timer cannot interrupt; that input is then reported like a worker
that died.

A worker that dies (killed, out of memory in C code, a crash) breaks the whole
``ProcessPoolExecutor`` (``datatrail.batch.pool``): every input in flight fails with ``BrokenProcessPool``
and nobody can tell which one did it. The inputs in flight are then re-run one
at a time, each in a fresh single-worker pool, so only the culprit is reported
as failed; the batch continues with a new pool.
"""


from __future__ import annotations

import atexit
import math
from collections.abc import Callable, Generator, Sequence

from datatrail.batch.analyse import Renderer, Scanner, analyse
from datatrail.batch.inputs import BatchInput
from datatrail.batch.outcome import Outcome

More = Callable[[list[BatchInput], int, bool], bool]
"""A stream's source (see ``run_stream``)."""

__all__ = ["TASKS_PER_CHILD", "run_batch", "run_stream", "ResidentRunner", "More"]


TASKS_PER_CHILD = 50
"""Inputs a worker analyses before it is replaced. A fresh worker forked from
the forkserver still loads the knowledge tables (~0.2 s); a small test app
takes ~0.07 s and a real one 0.5-5 s, so restarts cost a few percent at most
while memory creep is capped."""



def run_batch(
    inputs: Sequence[BatchInput],
    scanner: Scanner,
    *,
    jobs: int = 1,
    render: Renderer | None = None,
    ordered: bool = False,
    tasks_per_child: int = TASKS_PER_CHILD,
    timeout: float | None = None,
    preload: Sequence[str] = (),
) -> Generator[Outcome, None, None]:
    """Analyse every input with ``scanner`` and yield one outcome each.

    ``jobs`` <= 1 (or a single input) analyses in this process. Otherwise
    outcomes come in completion order, or in input order with ``ordered``
    (at the cost of idle workers behind a slow input). ``render`` and
    ``scanner`` must be picklable when ``jobs`` > 1; ``preload`` names modules
    the workers' forkserver imports once (the scanner's pipeline). ``timeout``:
    seconds of wall time per input (scan and render), after which it fails alone.
    """
    if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be positive and finite, not {timeout}")
    if jobs <= 1 or len(inputs) <= 1:
        for index, item in enumerate(inputs):
            yield analyse(index, item, render, scanner, timeout)
        return
    from datatrail.batch.pool import Parallel  # the pool machinery loads only when there are workers

    yield from Parallel(inputs, min(jobs, len(inputs)), render, ordered, scanner, tasks_per_child, timeout, preload).run()


def run_stream(
    more: More,
    scanner: Scanner,
    *,
    jobs: int = 1,
    render: Renderer | None = None,
    tasks_per_child: int = TASKS_PER_CHILD,
    timeout: float | None = None,
    preload: Sequence[str] = (),
    poll: float = 0.5,
) -> Generator[Outcome, None, None]:
    """``run_batch`` over inputs that arrive while it runs (a queue), with one pool throughout.

    ``more(inputs, n, block)`` appends up to ``n`` new inputs to the list ``inputs`` (an outcome's
    ``index`` is its position there); with ``block`` it may wait up to about ``poll`` seconds for
    them, and it returns False when the stream has ended: the inputs in flight finish, then the
    generator does. Outcomes come in completion order. With ``jobs`` <= 1 inputs are analysed in
    this process, one at a time.
    """
    if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be positive and finite, not {timeout}")
    inputs: list[BatchInput] = []
    if jobs <= 1:
        done = 0
        alive = True
        while alive or done < len(inputs):
            if done >= len(inputs):
                alive = more(inputs, 1, True)
                continue
            yield analyse(done, inputs[done], render, scanner, timeout)
            done += 1
        return
    from datatrail.batch.pool import Parallel

    yield from Parallel(inputs, jobs, render, False, scanner, tasks_per_child, timeout, preload, more=more, poll=poll).run()


class ResidentRunner:
    """Analyses each batch it is given in one worker process kept between calls (isolated like
    ``run_batch``'s workers; outcomes in completion order, ``index`` the position in that batch).
    For callers that get inputs a few at a time from elsewhere: a cluster's worker. ``close``
    stops the process (so does this one's normal exit); if this one is killed, the worker notices
    and ends by itself."""

    def __init__(self, scanner: Scanner, *, render: Renderer | None = None, timeout: float | None = None,
                 preload: Sequence[str] = (), tasks_per_child: int = TASKS_PER_CHILD) -> None:
        if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
            raise ValueError(f"timeout must be positive and finite, not {timeout}")
        from datatrail.batch.pool import Resident

        self._resident = Resident(scanner, render, timeout, preload, tasks_per_child)
        atexit.register(self.close)

    def __call__(self, inputs: Sequence[BatchInput]) -> Generator[Outcome, None, None]:
        yield from self._resident.analyse(inputs)

    def close(self) -> None:
        self._resident.close()
