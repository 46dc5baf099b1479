"""Bilingual labels: ``t(key)`` in the language the user chose.

Labels live in modules ``ui/labels_*.py``, each with
``LABELS: dict[str, tuple[zh, en]]``; they are merged here once, so a page
(or another helper's page) adds its labels by adding a module. Chinese first.

A label names the plan's own words by placeholder, filled from the plan in use when the caller does not
give them (:data:`PLAN_FIELDS`, :func:`plan_values`): ``{structure}``, ``{title}``, ``{local_crs}`` … —
no label holds one plan's names.
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, cast

import pandas as pd
import streamlit as st

import ui

if TYPE_CHECKING:  # pandas >= 3 only; used in a cast's string, never evaluated
    from pandas.api.typing.aliases import Scalar

LANGS: Final[dict[str, str]] = {"zh": "中文", "en": "English"}
LANG_KEY: Final = "w_lang"
#: Prefix of the session keys holding the language each widget's options were last labelled in.
LABELLED_KEY: Final = "_labelled_lang"


@lru_cache(maxsize=1)
def labels() -> dict[str, tuple[str, str]]:
    """All labels of every ``ui.labels_*`` module; a key defined twice is an error."""
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(ui.__path__), key=lambda i: i.name):
        if not info.name.startswith("labels_"):
            continue
        module = importlib.import_module(f"ui.{info.name}")
        clash = set(merged) & set(module.LABELS)
        if clash:
            raise KeyError(f"ui/{info.name}.py redefines labels {sorted(clash)}")
        merged.update(module.LABELS)
    return merged


def lang() -> str:
    """The chosen language, ``zh`` (default) or ``en``."""
    value = st.session_state.get(LANG_KEY, "zh")
    return value if value in LANGS else "zh"


#: Placeholders a label may use for the plan in use's words, filled by :func:`t` (see :func:`plan_values`).
PLAN_FIELDS: Final = frozenset({"title", "period", "structure", "Structure", "area", "local_crs", "local_cm",
                                "tables", "footnote", "footnote_table"})


def plan_values(language: str) -> dict[str, str]:
    """The plan in use's words for :data:`PLAN_FIELDS`, in ``language``, from its ``geo:plan`` metadata.

    ``structure``: its spatial structure (English: ``structure.short_en``, else ``structure.en``);
    ``Structure``: the same as a heading (English: ``structure.heading_en``, else the former capitalised);
    ``area``: how it names its area (``geo:plan.area``, else the plan's area); ``local_crs`` and ``local_cm``:
    its Gauss–Krüger zone (``EPSG:…``) and central meridian (degrees E); ``tables``: its project tables
    (``表2–表5`` / ``Tables 2–5``); ``footnote`` and ``footnote_table``: its footnote and the table it stands
    under.
    """
    from geo.crs import local_crs
    from geo.plan.current import plan_meta

    meta = plan_meta()
    zh = language == "zh"
    structure = meta.get("structure") or {}
    words = str(structure.get("zh", "")) if zh else str(structure.get("short_en") or structure.get("en", ""))
    area = meta.get("area") or {}
    period = meta.get("period") or {}
    numbers = sorted(int(n) for n in (meta.get("tables") or {}).get("numbers") or [])
    span = [numbers[0], numbers[-1]] if len(numbers) > 1 else numbers
    tables = ("–".join(f"表{n}" for n in span) if zh
              else ("Tables " if len(span) > 1 else "Table ") + "–".join(str(n) for n in span) if span else "")
    note = meta.get("footnote") or {}
    cm = (meta.get("crs") or {}).get("central_meridian")
    return {
        "title": str(meta.get("title_zh" if zh else "title_en", "")),
        "period": f"{period.get('start', '')}–{period.get('end', '')}" if period else "",
        "structure": words,
        "Structure": words if zh else str(structure.get("heading_en") or words[:1].upper() + words[1:]),
        "area": str(area.get("zh" if zh else "en") or ("规划范围" if zh else "the plan's area")),
        "local_crs": local_crs(),
        "local_cm": f"{float(cm):g}" if cm is not None else "",
        "tables": tables,
        "footnote": str(note.get("zh", "")),
        "footnote_table": str(note.get("table", "")),
    }


def _fields(text: str) -> set[str]:
    """The named ``{fields}`` of a label."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:  # a stray brace: no fields
        return set()


def _term(key: str) -> tuple[str, str] | None:
    """A ``term_<key>`` label from the glossary of the plan in use (not the one :mod:`ui.labels_glossary` read)."""
    if not key.startswith("term_"):
        return None
    import layers

    glossary = layers.load_glossary()
    hit = glossary[glossary["key"] == key.removeprefix("term_")]
    return (str(hit.iloc[0]["zh"]), str(hit.iloc[0]["en"])) if len(hit) else None


def t(key: str, **fmt: object) -> str:
    """The label ``key`` in the chosen language (``str.format``-ed with ``fmt`` and the plan's words).

    Placeholders of :data:`PLAN_FIELDS` the caller does not give are the plan in use's (:func:`plan_values`).
    """
    zh, en = _term(key) or labels()[key]
    language = lang()
    text = zh if language == "zh" else en
    wanted = (_fields(text) & PLAN_FIELDS) - set(fmt) if "{" in text else set()
    if wanted:
        values = plan_values(language)
        fmt = {**{k: values[k] for k in wanted}, **fmt}
    return text.format(**fmt) if fmt else text


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
