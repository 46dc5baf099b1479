"""Subcommands of ``python -m geo``, one module each.

Each module exposes ``NAME``, ``add_arguments(parser)`` and ``run(args) -> int``;
:mod:`geo.cli` discovers them. These modules are the CLI's shell: like
``pages/`` they compose ``layers`` (the plan's data) with the engine; the
engine modules of ``geo`` import neither.

Their help texts are catalogue messages ``help.<command>[.<action>].<option>``
(the command's one line: ``help.<command>``; a longer description:
``…description``), read with :func:`h` in the help language :func:`geo.cli.build_parser`
sets: the command line's ``--lang``, else English (:data:`HELP_LANG`). argparse's
own ``%(default)s`` sequences stay in the messages as they are.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final, TextIO

from geo.errors import say
from geo.i18n import DEFAULT_LANG, LANGS, t

#: The language the parser being built writes its help in (English unless :func:`help_in` says otherwise).
HELP_LANG: Final[ContextVar[str]] = ContextVar("geo_help_lang", default="en")


def h(key: str, **values: object) -> str:
    """The help text ``key`` in the help language (:data:`HELP_LANG`), ``str.format``-ed with ``values``."""
    return t(key, HELP_LANG.get(), **values)


@contextmanager
def help_in(lang: str) -> Iterator[None]:
    """Help texts (:func:`h`) in ``lang`` for the block, then the language before it."""
    token = HELP_LANG.set(lang)
    try:
        yield
    finally:
        HELP_LANG.reset(token)


def add_lang(parser: argparse.ArgumentParser) -> None:
    """The ``--lang`` every command takes: the language of what it prints (and of what it makes, where it makes
    words: reports, tables, maps). Without ``--lang`` on the command line, messages are English
    (:func:`geo.cli.help_lang`); what a command makes is in :data:`~geo.i18n.DEFAULT_LANG`."""
    parser.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help=h("help.common.lang"))


def said_lang(args: argparse.Namespace) -> str:
    """The language of the command's messages: ``--lang`` when the command line gives it, else English."""
    return str(getattr(args, "said_lang", "en"))


def out(args: argparse.Namespace, text: str, *, file: TextIO | None = None) -> None:
    """Print a line of the command's output (catalogue words, :func:`geo.errors.said`) in :func:`said_lang`."""
    print(say(text, said_lang(args)), file=file or sys.stdout)


def warn(args: argparse.Namespace, text: str, *, kind: str = "warning") -> None:
    """Print ``warning: …`` (or ``note: …``, ``kind="note"``) on stderr, in :func:`said_lang`."""
    lang = said_lang(args)
    print(t(f"cli.{kind}", lang, text=say(text, lang)), file=sys.stderr)
