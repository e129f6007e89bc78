"""Command line: ``datatrail scan``, ``datatrail lookup``, ``datatrail data``, ``datatrail diff``, ``datatrail label``...

Exit codes (stable, documented in the README):
  0  analysed, nothing at or above --fail-on
  1  findings at or above --fail-on
  2  usage error
  3  at least one input could not be analysed (takes precedence over 1)
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Sequence

from datatrail import __version__
from datatrail.commands import capture, data, diff, label, lookup, render, scan
from datatrail.commands.common import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_USAGE, Errors, Parser

__all__ = ["main", "EXIT_OK", "EXIT_FINDINGS", "EXIT_USAGE", "EXIT_INPUT"]

COMMANDS: tuple[ModuleType, ...] = (scan, lookup, data, render, capture, diff, label)


def _build_parser() -> tuple[Parser, dict[str, ModuleType]]:
    parser = Parser(prog="datatrail", description="What a mobile app can collect, whose code is inside it, and where its data goes.")
    parser.add_argument("--version", action="version", version=f"datatrail {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser, {command.NAME: command for command in COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = _build_parser()
    args = parser.parse_args(argv)
    err = Errors(sys.stderr)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        result: int = commands[args.command].run(args, err)
        return result
    except KeyboardInterrupt:
        err.print("datatrail: interrupted")
        return 130
    except OSError as exc:
        err.print(f"datatrail: error: {exc}")
        return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
