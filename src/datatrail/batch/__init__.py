"""Many inputs, every core, bounded memory and time: discovery, the worker pool, timeouts,
baselines and the forked stage, for any pipeline that turns a path into a report."""

from datatrail.batch.analyse import Renderer, Scanner
from datatrail.batch.inputs import BatchInput, Discovery, discover
from datatrail.batch.outcome import BatchSummary, Outcome, Status
from datatrail.batch.run import TASKS_PER_CHILD, More, ResidentRunner, run_batch, run_stream

__all__ = [
    "BatchInput",
    "BatchSummary",
    "Discovery",
    "Outcome",
    "Renderer",
    "Scanner",
    "Status",
    "TASKS_PER_CHILD",
    "More",
    "discover",
    "ResidentRunner",
    "run_batch",
    "run_stream",
]
