"""The command line: ``python -m geo <command> …``.

Commands are discovered from :mod:`geo.commands`. Every error a user can cause
is a :class:`geo.errors.GeoError`: it is printed as one line on stderr and the
exit code is 2 (argparse's own usage errors exit 2 too); with ``-o -`` the
command's output goes to stdout and its messages to stderr
(:mod:`geo.io.outpath`); ``--verbose`` adds one
line per underlying cause (wrapped errors are chained with ``raise … from``, so
GDAL's reason is kept). Success exits 0.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from types import ModuleType

import geo.commands
from geo import __version__
from geo.errors import GeoError
from geo.io import outpath

EXIT_OK = 0
EXIT_USER_ERROR = 2


def commands() -> dict[str, ModuleType]:
    """The command modules by name, in alphabetical order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(geo.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"geo.commands.{info.name}")
        found[module.NAME] = module
    return found


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (``prog: error: …``) without the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}. See `{self.prog} --help`.\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subparser per command."""
    parser = _Parser(prog="python -m geo", description="重庆高新区高技术服务业空间布局 — plan data, reconciliation, checks and export.")
    parser.add_argument("--version", action="version", version=f"geo {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="on an error, also print what caused it (e.g. GDAL's own message), one line each")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for name, module in commands().items():
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def causes(exc: BaseException) -> list[BaseException]:
    """The chain of exceptions behind ``exc`` (``raise … from cause``), nearest first."""
    chain: list[BaseException] = []
    cause = _cause(exc)
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = _cause(cause)
    return chain


def _cause(exc: BaseException) -> BaseException | None:
    return exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with outpath.stdout_reserved() if str(getattr(args, "output", "")) == outpath.STDOUT else nullcontext():
            code: int = commands()[args.command].run(args)
            return code
    except GeoError as exc:
        print(f"python -m geo {args.command}: {exc.message}", file=sys.stderr)
        if args.verbose:
            for cause in causes(exc):
                print(f"  caused by {type(cause).__name__}: {cause}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        return EXIT_OK
