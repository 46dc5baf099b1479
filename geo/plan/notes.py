"""The words of the reconciliation's notes, in English and in Chinese, from one table of templates.

Every note a user reads is built here from :data:`TEMPLATES` (one ``(English,
Chinese)`` pair per sentence) and from the plan's own terms (its glossary,
its project and place names), never from internal ids: a table row is
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

from geo.plan.current import meta_value


class Words(NamedTuple):
    """One text in English and in Chinese."""

    en: str
    zh: str


#: Per sentence, ``(English, Chinese)`` templates; ``{name}`` marks a field (a :class:`Words` or a plain value).
TEMPLATES: Final[dict[str, tuple[str, str]]] = {
    "unknown_cell": ("No table gives this figure: its cell is printed “——” (unknown), and the text gives none.",
                     "表中此数为“——”（未知），正文也未给出。"),
    "unknown_none": ("No table row and no sentence of the text gives this figure.",
                     "没有表格行给出此数，正文也未给出。"),
    "text_only": ("Only the text gives this figure: {cite}. No table has a row for it.",
                  "只有正文给出此数：{cite}。没有表格行。"),
    "not_stated": ("The text gives no figure for this; only the tables do.", "正文未给出此数，只有表中数。"),
    "match": ("The table rows add up to the text's {stated} ({cite}).", "表中各行之和等于文本数{stated}（{cite}）。"),
    "differs": (("The table rows add up to {table}; the text gives {stated} ({cite}): "
                 "the tables have {diff} {more_less}."),
                "表中各行合计{table}，文本为{stated}（{cite}），表中{more_less}{diff}。"),
    "within_range": ("The table rows add up to {table}, within the range the text gives, {stated} ({cite}).",
                     "表中各行合计{table}，在文本所给范围{stated}之内（{cite}）。"),
    "outside_range": (("The table rows add up to {table}, outside the range the text gives, {stated} ({cite}): "
                       "the tables have {diff} {more_less} than its nearest bound."),
                      "表中各行合计{table}，超出文本所给范围{stated}（{cite}），比最近的界限{more_less}{diff}。"),
    "not_comparable": (
        ("Not comparable, so no difference is given: the table figure is output value, which the footnote to "
        "Table 2 (line {footnote_line}) defines as the output expected once the platform is fully developed and "
        "occupied; the text's figure is {kind} ({cite}), another measure."),
        ("不可比，不计差值：表中数是产值，表2脚注（原文第{footnote_line}行）称其为“{footnote}”；"
        "文本数是{kind}（{cite}），口径不同。"),
    ),
    "unknown_cells_one": ("One cell printed “——” (unknown) is left out of the sum: {rows}.",
                          "1个表格单元为“——”（未知），未计入合计：{rows}。"),
    "unknown_cells": ("{n} cells printed “——” (unknown) are left out of the sum: {rows}.",
                      "{n}个表格单元为“——”（未知），未计入合计：{rows}。"),
    "reading_only": ("A possible reading: {stated} is exactly {rows}. It is the only subset of the rows that fits.",
                     "一种可能的解读：{stated}恰为{rows}之和。这是唯一相符的行组合。"),
    "reading_others": ("A possible reading: {stated} is exactly {rows}. {k} other subsets also fit: {others}.",
                       "一种可能的解读：{stated}恰为{rows}之和。另有{k}种行组合也相符：{others}。"),
    "reading_counts_outside": (
        "Against it: it counts {rows}, which the tables place outside {place}, the place the sentence names.",
        "与之不合的是：它计入了{rows}，而表中这些项目的所属区域不在该句所说的{place}。",
    ),
    "reading_leaves_out": ("Against it: it leaves out {rows}.", "与之不合的是：它未计入{rows}。"),
    "reading_unknown": ("Against it: the area of {rows} is printed “——”; if it has land, the sum is not {stated}.",
                        "与之不合的是：{rows}的面积为“——”，若有用地，合计就不是{stated}。"),
    "reading_no_conflict": ("The tables show nothing against this reading.", "表中没有与这种解读不合之处。"),
    "reading_none": ("No subset of the rows adds up to {stated} exactly.", "表中没有任何行组合之和恰为{stated}。"),
    "reading_nearest": ("The nearest subset is {rows}: {total}, {diff} {more_less} than the text.",
                        "最接近的组合是{rows}：合计{total}，比文本{more_less}{diff}。"),
    "part_rest": (
        ("The other rows, {rows}, add up to {total} against the text's {name}, {stated} ({cite}): "
        "the tables have {diff} {more_less}."),
        "其余各行（{rows}）合计{total}，文本的{name}为{stated}（{cite}），表中{more_less}{diff}。",
    ),
    "part_available": ("Of these, {rows} is “available” land, another measure.", "其中{rows}为“可用”面积，口径不同。"),
    "text_available": ("The text calls its figure available industrial land; the tables give each project's land.",
                       "文本称此数为“可用产业用地”，表中给出的是各项目的用地。"),
    "zone_no_figure": ("Section 2(4) gives no land figure for the spatial units.", "二（四）未给出各空间单元的用地。"),
    "zone_split": (("Its projects have {table}: {stated} stated ({stated_rows}) and {inferred} inferred by place "
                   "({inferred_rows})."),
                   "其项目合计{table}，其中明示{stated}（{stated_rows}），按地点推定{inferred}（{inferred_rows}）。"),
    "zone_inferred_figure": (
        ("The text gives no land figure for {zone}. The {stated} here is that of {project} ({cite}), put in {zone} "
        "by its place, {place}: an inference, not the plan's words."),
        ("正文未给出{zone}的用地。此处的{stated}是{project}的面积（{cite}），按其所在地点“{place}”推定属于{zone}"
        "——这是推定，不是规划原文。"),
    ),
    "zone_none": (("These rows are in no spatial unit: no unit's description in section 2(4) names their place "
                   "({places})."),
                  "这些行不属于任何空间单元：二（四）各单元的描述均未提及其所在地点（{places}）。"),
    "plan_land": (
        ("The text gives no total. Like for like: its land figures for the four tracks that have tables "
        "(sections 3(1)–3(4)) add up to {text} ({parts}); the rows of Tables 2–5 to {table}: "
        "the tables have {diff} {more_less}."),
        ("正文未给出用地合计。同口径比较：三（一）至三（四）为有表格的四个赛道给出的用地合计{text}（{parts}），"
        "表2–表5各行合计{table}，表中{more_less}{diff}。"),
    ),
    "plan_land_available": ("Of the text's figures, {value} is available industrial land.",
                            "文本各数中{value}为“可用产业用地”。"),
    "plan_land_text_only": (("{project}, {value} ({cite}), has no table row and is in neither sum; the map's {mapped} "
                            "includes it."),
                            "{project}{value}（{cite}）没有表格行，两边都不计入；图上量算的{mapped}包括它。"),
    "plan_output_kinds": (("The four tracks' own 2025 figures in section 3 are not added up, as they are not all one "
                          "measure: {groups}."),
                          "三中四个赛道各自的2025年目标口径不一，不相加：{groups}。"),
    "kind_group": ("{kind}: {items}", "{kind}——{items}"),
    "footnote_missing": ("(The footnote also names {tables_en}, which the plan does not contain.)",
                         "（脚注提及的{tables_zh}在规划中并不存在。）"),
    "basis_stated": ("stated: the description of {zone} (section 2(4), line {line}) names {carrier}",
                     "明示：二（四）原文第{line}行对{zone}的描述点名了“{carrier}”"),
    "basis_inferred": ("inferred by place: its region, {place}, {reason}; so {zone} (source: {source})",
                       "推定：所属区域“{place}”——{reason}，故归入{zone}（依据：{source}）"),
    "basis_none": ("in no spatial unit: {reason} (source: {source})", "未归属：{reason}（依据：{source}）"),
}



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

MU: Final = Words("mu", "亩")
YI: Final = Words("× 100m CNY", "亿元")
MORE: Final = Words("more", "多")
LESS: Final = Words("less", "少")
NONE: Final = Words("none", "无")
UNITS: Final[dict[str, Words]] = {"亩": MU, "亿元": YI}

_NUMERALS: Final = dict(zip("一二三四五六七八九", "123456789", strict=True))
_SECTION = re.compile(r"^([一二三四五六七八九])（([一二三四五六七八九])）\s*(.*)$")
_TOP = re.compile(r"^([一二三四五六七八九])（([一二三四五六七八九])）")


def say(key: str, **fields: object) -> Words:
    """The sentence ``key`` of :data:`TEMPLATES` with its fields filled, in both languages."""
    en, zh = TEMPLATES[key]
    return Words(en.format(**{k: v.en if isinstance(v, Words) else v for k, v in fields.items()}),
                 zh.format(**{k: v.zh if isinstance(v, Words) else v for k, v in fields.items()}))


def join(parts: Iterable[Words]) -> Words:
    """Sentences one after the other: spaced in English, run on in Chinese."""
    items = list(parts)
    return Words(" ".join(p.en for p in items), "".join(p.zh for p in items))


def listing(items: Iterable[Words]) -> Words:
    """``a, b and c`` / ``a、b、c``; :data:`NONE` when empty."""
    xs = list(items)
    if not xs:
        return NONE
    en = xs[0].en if len(xs) == 1 else ", ".join(x.en for x in xs[:-1]) + " and " + xs[-1].en
    return Words(en, "、".join(x.zh for x in xs))


def number(x: float) -> Words:
    """``7,620`` / ``7620``; decimals kept as the plan writes them (``13,207.3`` / ``13207.3``)."""
    v = float(x)
    if v.is_integer():
        return Words(f"{v:,.0f}", f"{v:.0f}")
    return Words(f"{v:,.2f}".rstrip("0").rstrip("."), f"{v:.2f}".rstrip("0").rstrip("."))


def amount(x: float, unit: Words = MU) -> Words:
    """``7,620 mu`` / ``7620亩``."""
    n = number(x)
    return Words(f"{n.en} {unit.en}", f"{n.zh}{unit.zh}")


def amount_range(low: float, high: float, unit: Words = MU) -> Words:
    """``240–260 mu`` / ``240–260亩``: a figure the text states as a range."""
    a, b = number(low), number(high)
    return Words(f"{a.en}–{b.en} {unit.en}", f"{a.zh}–{b.zh}{unit.zh}")


def difference(diff: float, unit: Words = MU) -> tuple[Words, Words]:
    """The size of a difference and whether the tables have more or less: ``(60 mu, less)``."""
    return amount(abs(diff), unit), (MORE if diff > 0 else LESS)


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
        m = _SECTION.match(s)
        if m is None:
            word = self.of_zh(s)
            return word if word is not None else Words(s, s)
        top, sub, title = m.groups()
        en = f"section {_NUMERALS[top]}({_NUMERALS[sub]})"
        title_words = self.of_zh(title.strip()) if title.strip() else None
        if title_words is not None:
            en = f"{en}, {title_words.en}"
        return Words(en, f"{top}（{sub}）{title.strip()}")


def cite(terms: Terms, section: str, line: object, quote: str | None = None,
         what: Words | None = None) -> Words:
    """Where the text says it: ``section 3(4), spatial layout, line 291`` / ``三（四）空间布局，原文第291行``.

    With ``quote`` the Chinese cites the words verbatim (``…第291行：“…”``); with
    ``what`` (the figure in words) the English says what the sentence gives.
    """
    sec = terms.section(section)
    where = Words(f"{sec.en}, line {line}", f"{sec.zh}，原文第{line}行")
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
        return Words(f"{p['name_en']} (text only)", f"{p['name_zh']}（仅见于正文）")
    words = numbering()
    return Words(words["row_en"].format(table=p["table"], row=p["row"]) + f", {p['name_en']}",
                 words["row_zh"].format(table=p["table"], row=p["row"]) + str(p["name_zh"]))


def project_with(p: Mapping[str, object], value: object, unit: Words = MU, extra: Words | None = None) -> Words:
    """A project with a figure: ``…, <name_en> (300 mu)`` / ``…<name_zh>（300亩）``."""
    text_only = _missing(p["table"])
    name = Words(str(p["name_en"]), str(p["name_zh"])) if text_only else project_name(p)
    bits = [amount(float(str(value)), unit)] if not _missing(value) else []
    if extra is not None:
        bits.append(extra)
    if text_only:
        bits.append(Words("text only", "仅见于正文"))
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
    zone_words = Words(str(zone["name_en"].iloc[0]), str(zone["name_zh"].iloc[0])) if len(zone) else NONE
    if basis == "stated" and len(zone):
        carriers = dict(zip(str(zone["carriers_zh"].iloc[0]).split(";"),
                            str(zone["carriers_en"].iloc[0]).split(";"), strict=True))
        carrier = str(project.get("zone_carrier_zh") or "")
        return say("basis_stated", zone=zone_words, line=zone["line"].iloc[0],
                   carrier=Words(f"the {carriers.get(carrier, carrier)}", carrier))
    place = zone_places[zone_places["place_zh"] == project.get("region_zh")]
    if not len(place):
        return Words(basis, basis)
    p = place.iloc[0]
    reason = Words(str(p["reason_en"]), str(p["reason_zh"]))
    source = Words(str(p["source_en"]), str(p["source_zh"]))
    if basis == "inferred":
        place_words = Words(str(p["place_en"]), str(p["place_zh"]))
        return say("basis_inferred", place=place_words, reason=reason, zone=zone_words, source=source)
    return say("basis_none", reason=reason, source=source)
