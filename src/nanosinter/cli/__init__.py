"""Command-line interface: ``nanosinter <command> ...`` (see :mod:`nanosinter.cli.main`)."""
