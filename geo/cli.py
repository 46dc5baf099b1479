"""The command line: ``python -m geo <command> …``.

Commands are discovered from :mod:`geo.commands`. Every error a user can cause
is a :class:`geo.errors.GeoError`: it is printed as one line on stderr and the
exit code is 2 (argparse's own usage errors exit 2 too); with ``-o -`` the
command's output goes to stdout and its messages to stderr
(:mod:`geo.atomic`); ``--verbose`` adds one
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
from typing import NoReturn, Protocol, cast

import geo.commands
from geo import __version__, atomic
from geo.errors import GeoError

EXIT_OK = 0
EXIT_USER_ERROR = 2


class Command(Protocol):
    """What a module of :mod:`geo.commands` exposes (see its docstring)."""

    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def commands(only: str | None = None) -> dict[str, Command]:
    """The command modules by name, in alphabetical order; ``only``: just that one, if a module has its name.

    (A command imports what it needs, rasterio or the check engine: ``python -m geo check`` need not
    import the other commands' libraries.)
    """
    names = sorted(m.name for m in pkgutil.iter_modules(geo.commands.__path__) if not m.name.startswith("_"))
    if only is not None and only in names:
        names = [only]
    found: dict[str, Command] = {}
    for name in names:
        module = cast(Command, importlib.import_module(f"geo.commands.{name}"))
        found[module.NAME] = module
    return found


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (``prog: error: …``) without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}. See `{self.prog} --help`.\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser with one subparser per command (or only for the command ``only``)."""
    parser = _Parser(prog="python -m geo",
                     description="重庆高新区高技术服务业空间布局 — plan data, reconciliation, checks and export.")
    parser.add_argument("--version", action="version", version=f"geo {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="on an error, also print what caused it (e.g. GDAL's own message), one line each")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for name, module in commands(only).items():
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
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(only=first if first and not {"-h", "--help", "--version"} & set(argv[:argv.index(first)])
                          else None)
    args = parser.parse_args(argv)
    try:
        with atomic.stdout_reserved() if str(getattr(args, "output", "")) == atomic.STDOUT else nullcontext():
            return int(commands(args.command)[args.command].run(args))
    except GeoError as exc:
        print(f"python -m geo {args.command}: {exc.message}", file=sys.stderr)
        if args.verbose:
            for cause in causes(exc):
                print(f"  caused by {type(cause).__name__}: {cause}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        return EXIT_OK
