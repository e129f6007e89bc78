"""What every command shares: exit codes, the argument parser, one-line errors, safe output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from datatrail.model.report import Report

__all__ = [
    "EXIT_OK", "EXIT_FINDINGS", "EXIT_USAGE", "EXIT_INPUT", "EXIT_PARTIAL", "Parser", "Errors", "Command", "write_output", "report_for",
]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INPUT, EXIT_PARTIAL = 0, 1, 2, 3, 4


class Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line, as documented."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"datatrail: error: {message}\n")


class Errors:
    """One plain line per problem on stderr: people read it, scripts grep it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def print(self, message: str) -> None:
        self.stream.write(message.replace("\n", " ") + "\n")
        self.stream.flush()


class Command(Protocol):
    """A subcommand module: adds its parser, then runs with the parsed arguments."""

    NAME: str

    def register(self, sub: argparse._SubParsersAction[Parser]) -> None: ...
    def run(self, args: argparse.Namespace, err: Errors) -> int: ...


def write_output(text: str, out: Path | None) -> None:
    """Standard output, or a file replaced atomically: never a half-written report where a good one was."""
    if out is None:
        sys.stdout.write(text)
        return
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)


def _is_saved_report(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(64).lstrip().startswith(b"{")


def report_for(path: Path, viewer: str) -> Report:
    """A saved JSON report read back, or the app scanned now. Raises InputError when neither works.

    Commands that compare (diff, label, capture --app) take either, so an app
    released last month can be compared from its saved report.
    """
    from datatrail.app.options import ScanOptions
    from datatrail.app.pipeline import scan_file
    from datatrail.errors import InputError
    from datatrail.report.load import load_report

    try:
        saved = _is_saved_report(path)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from exc
    return load_report(path) if saved else scan_file(path, ScanOptions(viewer=viewer))
