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

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

from geo.i18n import t

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
