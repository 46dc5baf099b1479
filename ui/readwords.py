"""A reader's warnings in the page's language.

The readers (``geo.io``) say their warnings and notes in the catalogue's words (:func:`geo.errors.said`), with
the file's own Chinese column names among their values: as text they are the English the command line prints,
and a page says them in the chosen language. A warning that is not catalogue words (a library's) is shown as
written.
"""

from __future__ import annotations

from geo.errors import say
from ui.i18n import lang


def warning(text: str) -> str:
    """``text`` in the chosen language when it is catalogue words, else as written."""
    return say(text, lang())
