"""The message catalogue: every word a user reads, one Babel ``.po`` file per language.

``geo/locale/<lang>/LC_MESSAGES/geo.po`` maps a key (the ``msgid``, such as
``nav_map`` or ``formal.unmatched``) to its text in that language (the
``msgstr``). The app, the command line, the reports and the print map all ask
:func:`t` — there is no second table of words in the code, and
``tests/test_catalogue.py`` fails on a Chinese literal outside this catalogue
and on a key missing from a language.

A text names the plan's own words by placeholder (:data:`PLAN_FIELDS`), filled
from the plan in use when the caller does not give them (:func:`plan_values`):
no message holds one plan's names. A ``term_<key>`` is the plan's glossary
term ``<key>``, read from the package in use.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Final

#: The languages of the catalogue, Chinese first (each names itself: its message ``language_name``).
LANGS: Final = ("zh", "en")
#: The language of every command's ``--lang`` and of the app when none is chosen.
DEFAULT_LANG: Final = "zh"
#: The folder of the catalogues (``<lang>/LC_MESSAGES/geo.po``).
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
#: The catalogue's gettext domain (its file name).
DOMAIN: Final = "geo"
#: Placeholders a message may use for the plan in use's words, filled by :func:`t` (see :func:`plan_values`).
PLAN_FIELDS: Final = frozenset({"title", "period", "structure", "Structure", "area", "local_crs", "local_cm",
                                "tables", "footnote", "footnote_table"})


class CatalogueError(KeyError):
    """A key no catalogue defines, or a language that has no catalogue (a fault of the code, not of input)."""


def catalogue_path(lang: str) -> Path:
    """The ``.po`` file of ``lang``."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGS))
def catalogue(lang: str) -> dict[str, str]:
    """Every message of ``lang`` by key, read once per process with Babel's ``.po`` reader."""
    from babel.messages.pofile import read_po

    if lang not in LANGS:
        raise CatalogueError(f"no catalogue for language {lang!r} (one of {', '.join(LANGS)})")
    with catalogue_path(lang).open("rb") as f:
        parsed = read_po(f, locale=lang, domain=DOMAIN, abort_invalid=True)
    return {str(m.id): str(m.string) for m in parsed if m.id}


def language_name(lang: str) -> str:
    """The language's own name (``中文``, ``English``), as a language picker shows it."""
    return catalogue(lang)["language_name"]


def keys() -> frozenset[str]:
    """The keys of the default language's catalogue (every language has the same: see the tests)."""
    return frozenset(catalogue(DEFAULT_LANG))


def has(key: str) -> bool:
    """Whether ``key`` is a message of the catalogue (or a glossary term of the plan in use)."""
    return key in catalogue(DEFAULT_LANG) or _term(key, DEFAULT_LANG) is not None


def pair(key: str, **values: object) -> tuple[str, str]:
    """The message ``key`` as ``(zh, en)``, for the places that show or write both languages."""
    return t(key, "zh", **values), t(key, "en", **values)


def fields(text: str) -> set[str]:
    """The named ``{fields}`` of a message (none when a stray brace makes it no format string)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return set()


def plan_values(lang: str) -> dict[str, str]:
    """The plan in use's words for :data:`PLAN_FIELDS`, in ``lang``, from its ``geo:plan`` metadata.

    ``structure``: its spatial structure (English: ``structure.short_en``, else ``structure.en``);
    ``Structure``: the same as a heading (English: ``structure.heading_en``, else the former capitalised);
    ``area``: how it names its area (``geo:plan.area``, else the catalogue's ``plan_area_default``);
    ``local_crs`` and ``local_cm``: its Gauss–Krüger zone (``EPSG:…``) and central meridian (degrees E);
    ``tables``: its project tables (``表2–表5`` / ``Tables 2–5``, words from the catalogue);
    ``footnote`` and ``footnote_table``: its footnote and the table it stands under.
    """
    from geo.crs import local_crs
    from geo.plan.current import plan_meta

    meta = plan_meta()
    zh = lang == "zh"
    structure = meta.get("structure") or {}
    words = str(structure.get("zh", "")) if zh else str(structure.get("short_en") or structure.get("en", ""))
    area = meta.get("area") or {}
    period = meta.get("period") or {}
    note = meta.get("footnote") or {}
    cm = (meta.get("crs") or {}).get("central_meridian")
    return {
        "title": str(meta.get("title_zh" if zh else "title_en", "")),
        "period": f"{period.get('start', '')}–{period.get('end', '')}" if period else "",
        "structure": words,
        "Structure": words if zh else str(structure.get("heading_en") or words[:1].upper() + words[1:]),
        "area": str(area.get("zh" if zh else "en") or catalogue(lang)["plan_area_default"]),
        "local_crs": local_crs(),
        "local_cm": f"{float(cm):g}" if cm is not None else "",
        "tables": table_span(sorted(int(n) for n in (meta.get("tables") or {}).get("numbers") or []), lang),
        "footnote": str(note.get("zh", "")),
        "footnote_table": str(note.get("table", "")),
    }


def table_span(numbers: list[int], lang: str) -> str:
    """Tables by number as the plan writes them: ``表2–表5`` / ``Tables 2–5``, ``表3`` / ``Table 3``."""
    if not numbers:
        return ""
    if len(numbers) == 1 or numbers[0] == numbers[-1]:
        return t("table_one", lang, n=numbers[0])
    return t("table_span", lang, first=numbers[0], last=numbers[-1])


def _term(key: str, lang: str) -> str | None:
    """A ``term_<key>`` message: the glossary term ``<key>`` of the plan in use, in ``lang``."""
    if not key.startswith("term_"):
        return None
    import layers

    glossary = layers.load_glossary()
    hit = glossary[glossary["key"] == key.removeprefix("term_")]
    return str(hit.iloc[0][lang]) if len(hit) else None


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The message ``key`` in ``lang``, ``str.format``-ed with ``values`` and the plan's words.

    Placeholders of :data:`PLAN_FIELDS` the caller does not give are the plan in use's (:func:`plan_values`).
    A key no catalogue defines raises :class:`CatalogueError`. A message is formatted only when it has values (given
    or the plan's), so a message with none shows its braces as written; one with values writes a literal brace
    doubled (``{{``).
    """
    text = _term(key, lang)
    if text is None:
        try:
            text = catalogue(lang)[key]
        except KeyError:
            raise CatalogueError(f"no message {key!r} in {catalogue_path(lang)}") from None
    wanted = (fields(text) & PLAN_FIELDS) - set(values) if "{" in text else set()
    if wanted:
        words = plan_values(lang)
        values = {**{k: words[k] for k in wanted}, **values}
    return text.format(**values) if values else text


__all__ = ["DEFAULT_LANG", "LANGS", "PLAN_FIELDS", "CatalogueError", "catalogue", "catalogue_path", "fields",
           "has", "keys", "language_name", "pair", "plan_values", "t", "table_span"]
