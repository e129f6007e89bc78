"""The batch scan's progress bar on stderr: count, elapsed, eta and apps per minute (rich).

Imported only when a scan runs, so other commands don't load rich's progress machinery.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

__all__ = ["progress_bar", "print_above"]


def progress_bar(wanted: bool | None, several: bool, terminal_on_stdout: bool, total: int) -> Progress | None:
    """A bar on stderr: asked for, or by default for a batch when stderr is a terminal.

    Not by default when terminal reports go to stdout, which is then usually the same screen.
    """
    if wanted is None:
        wanted = several and sys.stderr.isatty() and not (terminal_on_stdout and sys.stdout.isatty())
    if not wanted:
        return None
    progress = Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        _RateColumn(),
        console=Console(file=sys.stderr),
        redirect_stdout=False,  # stdout carries the reports; rich must not re-route it to the terminal
        redirect_stderr=False,
    )
    progress.add_task("scan", total=total)
    return progress


class _RateColumn(ProgressColumn):
    """Apps per minute over rich's recent window: the figure people compare corpus runs by, and
    how many inputs failed so far when the caller counts them (``failed`` field of the task)."""

    def render(self, task: Task) -> Text:
        failed = int(task.fields.get("failed", 0))
        parts = ([] if task.speed is None else [f"{task.speed * 60:.0f} apps/min"]) + ([f"{failed} failed"] if failed else [])
        return Text(", ".join(parts), style="progress.data.speed")


def print_above(progress: Progress, message: str) -> None:
    progress.console.print(message.replace("\n", " "), markup=False, highlight=False, soft_wrap=True)
