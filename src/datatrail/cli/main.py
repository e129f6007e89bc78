"""Command line: ``datatrail scan``, ``datatrail lookup``, ``datatrail data``, ``datatrail diff``, ``datatrail label``...

Exit codes (stable, documented in the README):
  0  analysed, nothing at or above --fail-on
  1  findings at or above --fail-on
  2  usage error
  3  at least one input could not be analysed (takes precedence over 4 and 1)
  4  scan, diff, label: an input was analysed only in part (takes precedence over 1; --accept-partial turns it off)
  5  an output (-o, --write-baseline, --summary-json) could not be written
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import NoReturn, Sequence

from datatrail import __version__
from datatrail.cli.commands.common import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, Errors, OutputError, Parser
from datatrail.errors import DatatrailError

__all__ = ["main", "run", "EXIT_OK", "EXIT_FINDINGS", "EXIT_USAGE", "EXIT_INPUT", "COMMANDS"]

COMMANDS: tuple[str, ...] = ("scan", "lookup", "data", "render", "capture", "diff", "label", "corpus", "serve", "worker", "token")
"""Subcommands, in ``--help`` order; each is the module ``datatrail.cli.commands.<name>``."""


def _build_parser(argv: Sequence[str]) -> tuple[Parser, dict[str, ModuleType]]:
    """The parser, with every subcommand, or only the one ``argv`` names.

    A run of one command imports that command's module alone: ``datatrail
    scan`` does not pay for capture's or label's imports. ``--help``, a typo
    or no command at all get the whole list.
    """
    parser = Parser(prog="datatrail", description="What a mobile app can collect, whose code is inside it, and where its data goes.")
    parser.add_argument("--version", action="version", version=f"datatrail {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    names = [argv[0]] if argv and argv[0] in COMMANDS else COMMANDS
    modules = {name: importlib.import_module(f"datatrail.cli.commands.{name}") for name in names}
    for module in modules.values():
        module.register(sub)
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser, commands = _build_parser(argv)
    args = parser.parse_args(argv)
    err = Errors(sys.stderr)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command != "data" and not _packs_readable(err):
            return EXIT_INPUT
        result: int = commands[args.command].run(args, err)
        return result
    except KeyboardInterrupt:
        err.print("datatrail: interrupted")
        return 130
    except OutputError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_OUTPUT
    except OSError as exc:  # a file a command opens itself; the message names it, as the others do
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"datatrail: error: {where}{exc.strerror or exc}")
        return EXIT_INPUT


def _packs_readable(err: Errors) -> bool:
    """The user's data packs load (a damaged one is said once, here, with how to remove it,
    rather than failing every app of a scan)."""
    from datatrail.knowledge import packs

    try:
        packs.installed_packs()
    except DatatrailError as exc:
        err.print(f"datatrail: error: {exc}")
        return False
    return True


def run() -> NoReturn:
    """The ``datatrail`` program: ``main`` with the process's arguments, then exit.

    Every output file is closed and the worker pools are stopped when ``main``
    returns; what is left is freeing the heap object by object, which for a
    large app takes longer than some scans (~30 ms). The standard streams are
    flushed and the process ends without it.
    """
    try:
        code = main()
    except SystemExit as exc:  # argparse's --help, --version and usage errors (int codes)
        code = exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it
            code = code or EXIT_INPUT
    os._exit(code)

