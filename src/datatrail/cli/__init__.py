"""The command line: ``main`` parses and runs one command; ``run`` is the ``datatrail`` program."""

from datatrail.cli.main import main, run

__all__ = ["main", "run"]
