"""The command line: ``python -m geo <command> …``.

Commands are discovered from :mod:`geo.commands`. Every error a user can cause
is a :class:`geo.errors.GeoError`: it is printed as one line on stderr and the
exit code is 2 (argparse's own usage errors exit 2 too); with ``-o -`` the
command's output goes to stdout and its messages to stderr
(:mod:`geo.atomic`); ``--verbose`` adds one
line per underlying cause (wrapped errors are chained with ``raise … from``, so
GDAL's reason is kept). Success exits 0.

``--plan DIR`` (before or after the command) runs every command on the plan package in ``DIR``
instead of ``data/``, exactly as ``GEO_PLAN=DIR`` does (:mod:`geo.plan.current`); the package is
checked before the command starts, so a bad one gives one line and nothing of it is used.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import NoReturn, Protocol, cast

import geo.commands
from geo import __version__, atomic
from geo.commands import h, help_in
from geo.errors import GeoError, UsageError, said
from geo.i18n import LANGS

#: The environment variable naming the plan package (:data:`geo.plan.current.ENV`; not imported here, so that
#: ``python -m geo check`` does not import the plan engine before it needs it).
PLAN_ENV = "GEO_PLAN"

EXIT_OK = 0
EXIT_USER_ERROR = 2


class Command(Protocol):
    """What a module of :mod:`geo.commands` exposes (see its docstring); its one-line help is the catalogue's
    ``help.<NAME>``, given the values of the module's ``HELP_VALUES`` if it has them."""

    NAME: str

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


def build_parser(only: str | None = None, *, lang: str = "en") -> argparse.ArgumentParser:
    """The top-level parser with one subparser per command (or only for the command ``only``).

    Its help texts are in ``lang`` (:func:`help_lang`: the command line's ``--lang``, else English): the catalogue's
    ``help.<command>…`` messages (:func:`geo.commands.h`).
    """
    with help_in(lang):
        parser = _Parser(prog="python -m geo", description=h("cmd.description"))
        parser.add_argument("--version", action="version", version=f"geo {__version__}")
        parser.add_argument("-v", "--verbose", action="store_true", help=h("help.cli.verbose"))
        parser.add_argument("--plan", metavar="DIR", default=None, help=h("help.cli.plan", env=PLAN_ENV))
        sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
        for name, module in commands(only).items():
            line = h(f"help.{name}", **getattr(module, "HELP_VALUES", {}))
            module.add_arguments(sub.add_parser(name, help=line, description=line))
    return parser


def help_lang(argv: Sequence[str]) -> str:
    """The language of the command line's own lines — help, errors, warnings, notes, "wrote …": the command
    line's ``--lang X`` / ``--lang=X`` (the last one, as argparse reads it; one of :data:`~geo.i18n.LANGS`), else
    English, as scripts and logs have always read them."""
    lang = "en"
    items = iter(argv)
    for arg in items:
        if arg == "--":
            break
        if arg == "--lang":
            lang = next(items, lang)
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    return lang if lang in LANGS else "en"


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


def split_plan(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """``--plan DIR`` / ``--plan=DIR`` taken out of ``argv`` (anywhere in it): (DIR or None, the rest).

    It is read before the parser is built because the parser's choices (``--crs``: the plan's own
    Gauss–Krüger zone) depend on the plan. Given twice, the last one counts, as argparse would.
    """
    rest: list[str] = []
    plan: str | None = None
    items = iter(argv)
    for arg in items:
        if arg == "--":
            rest += [arg, *items]
            break
        if arg == "--plan":
            value = next(items, None)
            if value is None or value.startswith("-"):
                raise UsageError(said("err.cli.plan_argument"), source="--plan", fix=said("err.cli.plan_argument_fix"))
            plan = value
        elif arg.startswith("--plan="):
            plan = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return plan, rest


@contextmanager
def plan_selected(folder: str | None) -> Iterator[None]:
    """``GEO_PLAN`` set to the checked ``folder`` for the block (unchanged when ``folder`` is None), then restored.

    Raises :class:`geo.plan.current.PlanSelectionError` (one line) before anything runs if the folder is not a
    loadable package.
    """
    if folder is None:
        yield
        return
    if not folder.strip():
        raise UsageError(said("err.cli.plan_empty"), source="--plan", fix=said("err.cli.plan_empty_fix"))
    from geo.plan.current import check_plan

    resolved = check_plan(folder, source="--plan")
    before = os.environ.get(PLAN_ENV)
    os.environ[PLAN_ENV] = str(resolved)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PLAN_ENV, None)
        else:
            os.environ[PLAN_ENV] = before


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        plan, argv = split_plan(argv)
        if next((a for a in argv if not a.startswith("-")), None) == "plan":
            return _run_plan_command(argv, plan)
        with plan_selected(plan):
            if plan is None and os.environ.get(PLAN_ENV, "").strip():
                from geo.plan.current import check_plan

                check_plan(os.environ[PLAN_ENV], source=PLAN_ENV)
            return _run(argv)
    except GeoError as exc:
        print(f"python -m geo: {exc.message}", file=sys.stderr)
        return EXIT_USER_ERROR


def _run_plan_command(argv: list[str], plan: str | None) -> int:
    """``python -m geo plan …``: the plan in use is named, not checked first (``plan validate`` lists a broken
    package's problems instead of refusing it)."""
    before = os.environ.get(PLAN_ENV)
    if plan is not None:
        os.environ[PLAN_ENV] = plan
    try:
        return _run(argv)
    finally:
        if before is None:
            os.environ.pop(PLAN_ENV, None)
        else:
            os.environ[PLAN_ENV] = before


def _run(argv: list[str]) -> int:
    """Parse ``argv`` (without ``--plan``) and run its command on the plan package in use."""
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(only=first if first and not {"-h", "--help", "--version"} & set(argv[:argv.index(first)])
                          else None, lang=help_lang(argv))
    args = parser.parse_args(argv)
    args.said_lang = help_lang(argv)  # its errors, warnings, notes and result lines: as its help
    try:
        with atomic.stdout_reserved() if str(getattr(args, "output", "")) == atomic.STDOUT else nullcontext():
            return int(commands(args.command)[args.command].run(args))
    except GeoError as exc:
        print(f"python -m geo {args.command}: {exc.text(args.said_lang)}", file=sys.stderr)
        if args.verbose:
            for cause in causes(exc):
                print(f"  caused by {type(cause).__name__}: {cause}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        return EXIT_OK
