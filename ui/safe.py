"""User text shown as text: never as Markdown, HTML, links or images.

``st.info``, ``st.warning``, ``st.error``, ``st.caption`` and ``st.markdown``
render Markdown. Any text that comes from a user or a user's file — file,
layer and field names, CRS names from a ``.prj``, CSV headers, values in the
URL, messages of errors that quote them — goes through :func:`md` before it
is put into such a message (or is shown with ``st.text`` / in a table, which
render nothing). :func:`md` backslash-escapes every ASCII punctuation
character (CommonMark: an escaped character is always literal, so no link,
image, emphasis, heading, HTML tag, LaTeX or colour directive can form),
turns line breaks into spaces, and puts an invisible word joiner into
``http://``, ``www.`` and ``@`` so GitHub-style bare-URL and e-mail autolinks
(recognised after escapes are resolved) cannot form either.
"""

from __future__ import annotations

import re
from typing import Final

from geo.errors import GeoError

_PUNCTUATION: Final = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_AUTOLINK: Final = re.compile(r"(?i)(https?|ftp|www)(?=[:.])")
JOINER: Final = "\u2060"  # WORD JOINER: invisible, not a word character, keeps the text on one line


def md(value: object) -> str:
    """``value`` as Markdown source that renders exactly as its text (on one line); an error of ours in the
    chosen language."""
    if isinstance(value, GeoError):
        from ui.i18n import error_text

        value = error_text(value)
    text = " ".join(str(value).split())
    text = _AUTOLINK.sub(lambda m: m.group(1) + JOINER, text).replace("@", JOINER + "@")
    return _PUNCTUATION.sub(r"\\\1", text)


_ESCAPED: Final = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(source: str) -> str:
    """The text Markdown ``source`` made by :func:`md` displays (escapes resolved, joiners dropped; for tests)."""
    return _ESCAPED.sub(r"\1", source).replace(JOINER, "")
