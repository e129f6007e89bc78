"""What every command shares: exit codes, the argument parser, one-line errors, safe output."""

from __future__ import annotations

import argparse
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from datatrail.formats.common.regular import open_regular

if TYPE_CHECKING:
    from rich.console import Console

    from datatrail.model.report import Report

__all__ = [
    "EXIT_OK", "EXIT_FINDINGS", "EXIT_USAGE", "EXIT_INPUT", "EXIT_PARTIAL", "EXIT_OUTPUT", "OutputError", "Parser", "Errors",
    "Command", "write_output", "open_output", "report_for", "add_accept_partial", "partial_line", "partial_status", "terminal_text", "output_width", "VIEWER_HELP",
]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INPUT, EXIT_PARTIAL, EXIT_OUTPUT = 0, 1, 2, 3, 4, 5

VIEWER_HELP = "region of the people whose data it is: selects which transfer rules are flagged (default: eu)"
"""``--viewer``'s help, the same words in every command."""


class OutputError(Exception):
    """An output path the user gave cannot be written; the message names that path, never a temporary one."""


class Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line, as documented. Options are never abbreviated: a
    mistyped ``--fail-on`` must not silently become another option that starts the same way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"datatrail: error: {message}\n")


class Errors:
    """One plain line per problem on stderr: people read it, scripts grep it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def print(self, message: str) -> None:
        from datatrail.report.visible import visible  # paths and reasons may carry an input's own strings

        self.stream.write(visible(message.replace("\n", " ")) + "\n")
        self.stream.flush()


class Command(Protocol):
    """A subcommand module: adds its parser, then runs with the parsed arguments."""

    NAME: str

    def register(self, sub: argparse._SubParsersAction[Parser]) -> None: ...
    def run(self, args: argparse.Namespace, err: Errors) -> int: ...


def _cannot_write(out: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {out}: {exc.strerror or exc}")


def _special(out: Path) -> bool:
    """``out`` is a device, a pipe or a socket (``/dev/null``, ``/dev/stdout``): written in place, never replaced."""
    try:
        return not stat.S_ISREG(out.stat().st_mode) and not stat.S_ISDIR(out.stat().st_mode)
    except OSError:
        return False


def open_output(out: Path) -> tuple[TextIO, Path | None]:
    """A stream to ``out``'s temporary sibling (``out`` is replaced by it on success; the second
    value), its folders made first; for a device or a pipe, a stream to it and None. Raises
    OutputError naming ``out``."""
    if _special(out):
        try:
            return out.open("w", encoding="utf-8"), None
        except OSError as exc:
            raise _cannot_write(out, exc) from exc
    part = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # something on the way is a file
        blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), out.parent)
        raise OutputError(f"cannot write {out}: {blocking} is a file, not a folder") from exc
    except OSError as exc:
        raise _cannot_write(out, exc) from exc
    try:
        return part.open("w", encoding="utf-8"), part
    except OSError as exc:
        raise _cannot_write(out, exc) from exc


def write_output(text: str, out: Path | None) -> None:
    """Standard output, or a file replaced atomically: never a half-written report where a good one was.
    Missing folders on the way are made; raises OutputError naming ``out`` when it cannot be written."""
    if out is None:
        sys.stdout.write(text)
        return
    stream, part = open_output(out)
    try:
        with stream:
            stream.write(text)
        if part is not None:
            part.replace(out)
    except OSError as exc:
        if part is not None:
            part.unlink(missing_ok=True)
        raise _cannot_write(out, exc) from exc


def _is_saved_report(path: Path) -> bool:
    with open_regular(path) as fh:
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


def add_accept_partial(cmd: argparse.ArgumentParser) -> None:
    """The flag every command that analyses an app offers: exit 0, not 4, on a partial analysis."""
    cmd.add_argument(
        "--accept-partial", action="store_true",
        help="do not exit 4 when an input could be read only in part (its output still says so first)",
    )


def partial_line(path: Path | str, unread: Sequence[str], accept: bool) -> str:
    """The one line every command prints for an input read only in part."""
    first = f"; first: {unread[0]}" if unread else ""
    return (f"datatrail: {path}: analysed only in part ({len(unread)} part(s) could not be read{first})"
            + ("" if accept else "; --accept-partial to exit 0"))


def partial_status(reports: Iterable[tuple[Path, Report]], accept: bool, err: Errors) -> int:
    """EXIT_PARTIAL (or EXIT_OK with ``accept``) after saying which inputs were read only in part,
    as ``scan`` says it; EXIT_OK when all were read whole."""
    status = EXIT_OK
    for path, report in reports:
        if not report.completeness.complete:
            err.print(partial_line(path, report.completeness.unread, accept))
            if not accept:
                status = EXIT_PARTIAL
    return status


def output_width(out: Path | None) -> int:
    """Columns a text view is laid out in: the terminal's (or ``$COLUMNS``) on standard output, 120 in a file."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns if out is None else 120


def terminal_text(draw: Callable[[Console], None], out: Path | None) -> str:
    """What ``draw`` prints on a rich console, as text to write to ``out`` like any other format. On
    standard output (``out`` None) it is as wide as the terminal (or ``$COLUMNS``) and coloured only
    on a terminal without ``NO_COLOR``; for a file, 120 columns of plain text."""
    import io
    import os

    from rich.console import Console

    tty = out is None and sys.stdout.isatty()
    console = Console(record=True, file=io.StringIO(), width=output_width(out), force_terminal=tty, no_color=not tty)
    draw(console)
    return console.export_text(styles=tty and not os.environ.get("NO_COLOR"))
