"""The words of the reconciliation's notes, in English and in Chinese, from the message catalogue.

Every note a user reads is built here from the catalogue's ``notes.*`` messages
(:func:`say`, one message per sentence, see :mod:`geo.i18n`) and from the plan's
own terms (its glossary, its project and place names, its sections), never from internal ids: a table row is
"Table 5 row 7, <name_en>" / "表5第7行<name_zh>" (the plan's own row numbering),
a passage of the text is cited by its section and line, and the Chinese note
quotes it verbatim. Numbers are written as each language's readers expect:
``7,620 mu`` in English, ``7620亩`` in Chinese (as the plan writes them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple

import pandas as pd

from geo.i18n import has, t, table_span
from geo.plan.current import meta_value, plan_meta


class Words(NamedTuple):
    """One text in English and in Chinese."""

    en: str
    zh: str


class Footnote(NamedTuple):
    """The plan's footnote on outputs (``geo:plan.footnote``): its table, line, defining words and full text."""

    table: int
    line: int
    zh: str
    full_zh: str


def footnote() -> Footnote:
    """The footnote of the plan in use, from its package's ``geo:plan.footnote``.

    Typically the note under the first project table saying that its output figures are values at full
    build-out, not the plan year's revenue.
    """
    note = meta_value("footnote")
    return Footnote(int(note["table"]), int(note["line"]), str(note["zh"]), str(note["full_zh"]))


#: Old names of the footnote's parts, read from the plan in use when asked for (PEP 562).
_FOOTNOTE_NAMES: Final = {"FOOTNOTE_ZH": "zh", "FOOTNOTE_FULL_ZH": "full_zh", "FOOTNOTE_LINE": "line"}


def __getattr__(name: str) -> Any:
    """``FOOTNOTE_ZH``, ``FOOTNOTE_FULL_ZH``, ``FOOTNOTE_LINE``: the plan's footnote (:func:`footnote`)."""
    if name in _FOOTNOTE_NAMES:
        return getattr(footnote(), _FOOTNOTE_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def numbering() -> dict[str, str]:
    """How the plan in use names rows (``geo:plan.tables``): ``row_zh``, ``row_en``, ``rows_zh``, ``rows_en`` …

    The built-in plan's: ``表{table}第{row}行`` / ``Table {table} row {row}``.
    """
    return {str(k): str(v) for k, v in meta_value("tables").items() if isinstance(v, str)}


#: Units of a figure: the catalogue's message that writes an amount in it (``{n}``): land in mu, output in 亿元.
MU: Final = "notes.mu"
YI: Final = "notes.yi"

#: The numerals of the plan's section numbers (``三（四）``): tokens of its text's numbering (:func:`section_number`).
SECTION_NUMERALS: Final = dict(zip("一二三四五六七八九", "123456789", strict=True))
#: A section as the plan numbers it: ``三（四） 空间布局`` (chapter, section, title), or a chapter alone (``三``).
SECTION_FORMAT: Final = re.compile(r"^([一二三四五六七八九])(?:（([一二三四五六七八九])）)?\s*(.*)$")


def say(key: str, **fields: object) -> Words:
    """The catalogue's message ``key`` with its fields filled (a :class:`Words` field per language), in both."""
    return Words(t(key, "en", **{k: v.en if isinstance(v, Words) else v for k, v in fields.items()}),
                 t(key, "zh", **{k: v.zh if isinstance(v, Words) else v for k, v in fields.items()}))


def join(parts: Iterable[Words]) -> Words:
    """Sentences one after the other: spaced in English, run on in Chinese."""
    items = list(parts)
    return Words(" ".join(p.en for p in items), "".join(p.zh for p in items))


def listing(items: Iterable[Words]) -> Words:
    """``a, b and c`` / ``a、b、c``; ``none`` / ``无`` when empty."""
    xs = list(items)
    if not xs:
        return say("notes.none")
    en = xs[0].en if len(xs) == 1 else ", ".join(x.en for x in xs[:-1]) + " and " + xs[-1].en
    return Words(en, "、".join(x.zh for x in xs))


def number(x: float) -> Words:
    """``7,620`` / ``7620``; decimals kept as the plan writes them (``13,207.3`` / ``13207.3``)."""
    v = float(x)
    if v.is_integer():
        return Words(f"{v:,.0f}", f"{v:.0f}")
    return Words(f"{v:,.2f}".rstrip("0").rstrip("."), f"{v:.2f}".rstrip("0").rstrip("."))


def amount(x: float, unit: str = MU) -> Words:
    """``7,620 mu`` / ``7620亩`` (``unit``: :data:`MU` or :data:`YI`)."""
    return say(unit, n=number(x))


def amount_range(low: float, high: float, unit: str = MU) -> Words:
    """``240–260 mu`` / ``240–260亩``: a figure the text states as a range."""
    a, b = number(low), number(high)
    return say(unit, n=Words(f"{a.en}–{b.en}", f"{a.zh}–{b.zh}"))


def difference(diff: float, unit: str = MU) -> tuple[Words, Words]:
    """The size of a difference and whether the tables have more or less: ``(60 mu, less)``."""
    return amount(abs(diff), unit), say("notes.more" if diff > 0 else "notes.less")


def count(n: int) -> Words:
    """A count in words, as the notes say it: ``four`` / ``四`` (``四个赛道``); beyond nine, the number."""
    return say(f"notes.count_{n}") if has(f"notes.count_{n}") else Words(str(n), str(n))


def section_number(section: str, *, chapter: bool = False) -> Words | None:
    """A section's number: ``三（四） 空间布局`` → ``3(4)`` / ``三（四）``; ``三`` → ``3`` / ``三``; None if unnumbered.

    With ``chapter``, the number of the chapter it is in (``三（四）`` → ``3`` / ``三``).
    """
    m = SECTION_FORMAT.match(section.strip())
    if m is None:
        return None
    top, sub, _title = m.groups()
    if sub is None or chapter:
        return Words(SECTION_NUMERALS[top], top)
    return Words(f"{SECTION_NUMERALS[top]}({SECTION_NUMERALS[sub]})", f"{top}（{sub}）")


def layout_section(zones: pd.DataFrame | None = None) -> Words:
    """The number of the plan's section on its spatial layout (``2(4)`` / ``二（四）``), where its zones are described.

    From the package's ``geo:plan.layout_section.section``; a package without it: the section its zones' ``source``
    cites first (``zones`` as :mod:`layers` loads them), else empty.
    """
    given = (plan_meta().get("layout_section") or {}).get("section")
    sources = zones["source"] if zones is not None and "source" in zones else pd.Series(dtype=object)
    cited = [str(given)] if given else [str(s) for s in sources if isinstance(s, str)]
    for text in cited:
        number = section_number(text)
        if number is not None:
            return number
    return Words("", "")


class TabledTracks(NamedTuple):
    """The tracks that have project tables, as the notes name them (:func:`tracks_with_tables`)."""

    how_many: Words  # ``four`` / ``四``
    first: Words  # the first of their sections: ``3(1)`` / ``三（一）``
    last: Words  # the last: ``3(4)`` / ``三（四）``
    chapter: Words  # the chapter of the first: ``3`` / ``三``
    tables: Words  # ``Tables 2–5`` / ``表2–表5``


def tracks_with_tables(tracks: pd.DataFrame) -> TabledTracks:
    """The tracks that have project tables: how many, their sections and their tables, from the tracks table.

    ``tracks`` as :mod:`layers` loads them (``table`` such as ``表2``, ``section`` such as ``三（一）``, in order).
    """
    tabled = tracks[tracks["table"].notna() & (tracks["table"].astype(str).str.strip() != "")]
    numbers = sorted(int(n) for n in tabled["table"].astype(str).str.extract(r"(\d+)", expand=False).dropna())
    sections = [str(s) for s in tabled.get("section", pd.Series(dtype=object)) if isinstance(s, str)]
    numbered = [n for n in (section_number(s) for s in sections) if n is not None]
    none = Words("", "")
    chapter = section_number(sections[0], chapter=True) if sections else None
    return TabledTracks(count(len(tabled)), numbered[0] if numbered else none, numbered[-1] if numbered else none,
                        chapter or none, Words(table_span(numbers, "en"), table_span(numbers, "zh")))


class Terms:
    """The plan's glossary: ``term(key)`` and ``of_zh(word)``, both as :class:`Words`."""

    def __init__(self, glossary: pd.DataFrame) -> None:
        rows = glossary.itertuples() if len(glossary) else ()
        self._by_key = {str(r.key): Words(str(r.en), str(r.zh)) for r in rows}
        self._by_zh = {w.zh: w for w in self._by_key.values()}

    def term(self, key: str) -> Words:
        """The term ``key``; the key itself in both languages if the glossary lacks it."""
        return self._by_key.get(key, Words(key, key))

    def of_zh(self, word: str) -> Words | None:
        return self._by_zh.get(word)

    def section(self, section: str) -> Words:
        """``三（四） 空间布局`` → ``section 3(4), spatial layout`` / ``三（四）空间布局``."""
        s = section.strip()
        m = SECTION_FORMAT.match(s)
        number = section_number(s)
        if m is None or m.group(2) is None or number is None:
            word = self.of_zh(s)
            return word if word is not None else Words(s, s)
        title = m.group(3).strip()
        en = f"section {number.en}"
        title_words = self.of_zh(title) if title else None
        if title_words is not None:
            en = f"{en}, {title_words.en}"
        return Words(en, f"{number.zh}{title}")


def cite(terms: Terms, section: str, line: object, quote: str | None = None,
         what: Words | None = None) -> Words:
    """Where the text says it: ``section 3(4), spatial layout, line 291`` / ``三（四）空间布局，原文第291行``.

    With ``quote`` the Chinese cites the words verbatim (``…第291行：“…”``); with
    ``what`` (the figure in words) the English says what the sentence gives.
    """
    where = say("notes.cite_where", section=terms.section(section), line=line)
    en = f"{what.en}, {where.en}" if what is not None else where.en
    zh = f"{where.zh}：“{quote}”" if quote else where.zh
    return Words(en, zh)


def row_numbers(numbers: Iterable[int]) -> Words:
    """``1–3, 5 and 7`` / ``1–3、5、7``: runs of consecutive rows joined."""
    ns = sorted(set(numbers))
    runs: list[list[int]] = []
    for n in ns:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [Words(f"{r[0]}–{r[-1]}" if len(r) > 2 else str(r[0]), f"{r[0]}–{r[-1]}" if len(r) > 2 else str(r[0]))
             for r in runs]
    flat = []
    for part, run in zip(parts, runs, strict=True):
        flat.append(part)
        if len(run) == 2:
            flat.append(Words(str(run[1]), str(run[1])))
    return listing(flat)


def _missing(value: object) -> bool:
    """``None``, NaN or NA: a cell the plan prints "——" or leaves empty."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def project_name(p: Mapping[str, object]) -> Words:
    """``Table 5 row 7, <name_en>`` / ``表5第7行<name_zh>`` (:func:`numbering`); text-only rows by name."""
    if _missing(p["table"]):
        return say("notes.text_only_name", name=Words(str(p["name_en"]), str(p["name_zh"])))
    words = numbering()
    return Words(words["row_en"].format(table=p["table"], row=p["row"]) + f", {p['name_en']}",
                 words["row_zh"].format(table=p["table"], row=p["row"]) + str(p["name_zh"]))


def project_with(p: Mapping[str, object], value: object, unit: str = MU, extra: Words | None = None) -> Words:
    """A project with a figure: ``…, <name_en> (300 mu)`` / ``…<name_zh>（300亩）``."""
    text_only = _missing(p["table"])
    name = Words(str(p["name_en"]), str(p["name_zh"])) if text_only else project_name(p)
    bits = [amount(float(str(value)), unit)] if not _missing(value) else []
    if extra is not None:
        bits.append(extra)
    if text_only:
        bits.append(say("notes.text_only_mark"))
    if not bits:
        return name
    return Words(f"{name.en} ({', '.join(b.en for b in bits)})", f"{name.zh}（{'，'.join(b.zh for b in bits)}）")


def table_rows(projects: pd.DataFrame) -> Words:
    """Rows of one or more tables: ``Table 2 rows 1–7`` / ``表2第1–7行``; text-only rows by name."""
    parts = []
    words = numbering()
    tabled = projects[projects["table"].notna()]
    for table, group in tabled.groupby("table", sort=True):
        nums = row_numbers(int(r) for r in group["row"])
        en = (words["rows_en"].format(table=table, rows=nums.en) if len(group) > 1
              else words["row_en"].format(table=table, row=nums.en))
        parts.append(Words(en, words["rows_zh"].format(table=table, rows=nums.zh)))
    for r in projects[projects["table"].isna()].to_dict("records"):
        parts.append(project_name({str(k): v for k, v in r.items()}))
    return listing(parts)


def zone_basis(project: Mapping[str, object], zones: pd.DataFrame, zone_places: pd.DataFrame) -> Words:
    """Why a project is in its spatial unit (or in none), by the zone rule of ``data/README.md``, in both languages."""
    basis = str(project.get("zone_basis") or "")
    zone = zones[zones["zone_id"] == project.get("zone_id")]
    zone_words = Words(str(zone["name_en"].iloc[0]), str(zone["name_zh"].iloc[0])) if len(zone) else say("notes.none")
    if basis == "stated" and len(zone):
        carriers = dict(zip(str(zone["carriers_zh"].iloc[0]).split(";"),
                            str(zone["carriers_en"].iloc[0]).split(";"), strict=True))
        carrier = str(project.get("zone_carrier_zh") or "")
        return say("notes.basis_stated", zone=zone_words, line=zone["line"].iloc[0], section=layout_section(zones),
                   carrier=Words(f"the {carriers.get(carrier, carrier)}", carrier))
    place = zone_places[zone_places["place_zh"] == project.get("region_zh")]
    if not len(place):
        return Words(basis, basis)
    p = place.iloc[0]
    reason = Words(str(p["reason_en"]), str(p["reason_zh"]))
    source = Words(str(p["source_en"]), str(p["source_zh"]))
    if basis == "inferred":
        place_words = Words(str(p["place_en"]), str(p["place_zh"]))
        return say("notes.basis_inferred", place=place_words, reason=reason, zone=zone_words, source=source)
    return say("notes.basis_none", reason=reason, source=source)
