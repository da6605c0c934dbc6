"""The ``nanosinter`` command: a table of sub-commands, imported only when run.

Each command module in this package defines ``description`` (one line), ``add_arguments(parser)``
and ``run(args) -> int | None``. Heavy imports belong inside ``run`` so that
``nanosinter --help`` stays fast. Errors derived from :class:`nanosinter.errors.NanosinterError`
(and argument errors) print as one line on stderr with exit code 2; ``--traceback`` shows the
full traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# (command, module, one-line help), in the order of the workflow: physics, simulation, movies,
# measurement, kinetics, report, and the demo that runs them all.
COMMANDS: list[tuple[str, str, str]] = [
    ("beam", "nanosinter.cli.beam", "knock-on energy transfer, thresholds, cross sections, rates"),
    ("simulate", "nanosinter.cli.simulate", "atomistic KMC of nanocrystals sintering under a beam"),
    ("render", "nanosinter.cli.render", "render KMC snapshots as a bright-field movie + truth"),
    ("info", "nanosinter.cli.info", "format, shape and calibration of a microscope movie or image"),
    ("analyze", "nanosinter.cli.analyze", "measure sintering in a movie: drift, particles, dimer"),
    ("sizes", "nanosinter.cli.sizes", "particle size distribution of an overview image"),
    ("visibility", "nanosinter.cli.visibility",
     "could any analysis see a neck of this size at this dose? (ideal-observer d')"),
    ("fit", "nanosinter.cli.fit", "fit neck-growth laws, weigh the mechanisms, estimate D_s"),
    ("report", "nanosinter.cli.report", "one self-contained HTML report of an analysed movie"),
    ("demo", "nanosinter.cli.demo", "run the whole study on the tang2023 dimer and write a report"),
]


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from nanosinter import __version__

    parser = _Parser(
        prog="nanosinter",
        description="In-situ TEM sintering of nanocrystals: beam physics, kinetic Monte Carlo, "
        "movies, measurement and kinetics.",
        epilog="Run 'nanosinter COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"nanosinter {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the full traceback on errors"
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", parser_class=_Parser
    )
    for name, _module, help_ in COMMANDS:
        sub.add_parser(name, help=help_, description=help_, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # First pass: find the command without importing any command module.
    args, _rest = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    module_name = {n: m for n, m, _ in COMMANDS}[args.command]
    module = importlib.import_module(module_name)
    help_ = {n: h for n, _, h in COMMANDS}[args.command]
    cmd_parser = _Parser(
        prog=f"nanosinter {args.command}", description=getattr(module, "description", help_)
    )
    cmd_parser.add_argument(
        "--traceback", action="store_true", help="show the full traceback on errors"
    )
    module.add_arguments(cmd_parser)
    # Drop everything up to and including the command name (global flags may precede it).
    idx = argv.index(args.command)
    cmd_argv = argv[:idx] + argv[idx + 1 :]
    cmd_args = cmd_parser.parse_args(cmd_argv)
    cmd_args.command = args.command
    return _run(module, cmd_args, cmd_parser.prog)


def _run(module, args: argparse.Namespace, prog: str) -> int:
    from nanosinter.errors import NanosinterError

    try:
        code = module.run(args)
    except NanosinterError as exc:
        if args.traceback:
            raise
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


def _one_line(exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    return " ".join(msg.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
