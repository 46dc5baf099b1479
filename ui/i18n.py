"""The app's words: ``t(key)`` in the language the user chose, from the one catalogue (:mod:`geo.i18n`).

Messages live in ``geo/locale/<lang>/LC_MESSAGES/geo.po``, shared with the
command line, the reports and the print map; this module only knows which
language the session chose. Chinese first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, cast

import pandas as pd
import streamlit as st

from geo import i18n
from geo.errors import GeoError

if TYPE_CHECKING:  # pandas >= 3 only; used in a cast's string, never evaluated
    from pandas.api.typing.aliases import Scalar

LANGS: Final = i18n.LANGS
LANG_KEY: Final = "w_lang"
#: Prefix of the session keys holding the language each widget's options were last labelled in.
LABELLED_KEY: Final = "_labelled_lang"
#: Whether a key is a message of the catalogue (or a glossary term of the plan in use).
has = i18n.has


def lang() -> str:
    """The chosen language, ``zh`` (default) or ``en``."""
    value = st.session_state.get(LANG_KEY, i18n.DEFAULT_LANG)
    return value if value in LANGS else i18n.DEFAULT_LANG


def error_text(exc: GeoError) -> str:
    """An error's line in the chosen language (:meth:`geo.errors.GeoError.text`)."""
    return exc.text(lang())


def t(key: str, **fmt: object) -> str:
    """The message ``key`` in the chosen language (:func:`geo.i18n.t`: ``fmt`` and the plan's words filled in)."""
    return i18n.t(key, lang(), **fmt)


def is_missing(value: object) -> bool:
    """Whether one table cell is missing: None, NaN, ``pd.NA`` or ``NaT`` (``pd.isna`` of a scalar)."""
    # cast: pandas-stubs types pd.isna per container; a cell, of any dtype, is a scalar.
    return value is None or bool(pd.isna(cast("Scalar", value)))


def pair(zh: object, en: object) -> str:
    """A name in the chosen language with the other beside it: ``名称 (name)``."""
    zh_s = "" if is_missing(zh) else str(zh)
    en_s = "" if is_missing(en) else str(en)
    first, second = (zh_s, en_s) if lang() == "zh" else (en_s, zh_s)
    if not first:
        return second
    return f"{first} ({second})" if second and second != first else first


def pick(zh: object, en: object) -> str:
    """Only the name in the chosen language (falls back to the other)."""
    zh_s = "" if is_missing(zh) else str(zh)
    en_s = "" if is_missing(en) else str(en)
    return (zh_s or en_s) if lang() == "zh" else (en_s or zh_s)


def bind(options: Iterable[Any], label: Callable[[Any], str]) -> Callable[[Any], str]:
    """A ``format_func`` whose labels are computed now, in this run's language.

    Streamlit may format options outside the script run (``AppTest`` does, to
    serialise widget state), where the language in session state is unknown; a
    bound lookup gives the same label there. Unknown options show as themselves.
    """
    labels_now = {option: label(option) for option in options}
    return lambda option: labels_now.get(option, str(option))


def relabel(keys: Iterable[str]) -> None:
    """After a change of language, set each widget's value again so Streamlit shows its option in the new language.

    A keyed selectbox or multiselect keeps the label of its chosen option on
    the page (Streamlit sends a value only when it changes); setting the value
    from session state before the widget is drawn makes it send the value, now
    formatted in the chosen language. Call before drawing the widgets; only for
    widgets drawn without an explicit default (``index``/``default``), which
    Streamlit would otherwise warn about.
    """
    current = lang()
    for key in keys:
        mark = f"{LABELLED_KEY}:{key}"
        if st.session_state.get(mark) == current:
            continue
        if key in st.session_state:
            value = st.session_state[key]
            st.session_state[key] = list(value) if isinstance(value, (list, tuple)) else value
        st.session_state[mark] = current
