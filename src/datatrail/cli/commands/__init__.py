"""The subcommands of the ``datatrail`` command line, one module each."""
