"""``python -m datatrail.cli``: the same program as the ``datatrail`` command."""

from datatrail.cli.main import run

run()
