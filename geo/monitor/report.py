"""The 监测评估 report: the 年度发展报告 of one year, or the 终期评估 of the plan period (Word and PDF).

A plan typically asks for an annual development report (年度发展报告) and an
evaluation of how the plan went; this module writes both from the plan and the
actuals recorded in the workspace. :func:`build_report` makes one content model
(:class:`ReportContent`: a title, then numbered sections of paragraphs, tables
and the map), and two writers put the same content on paper:

- :func:`write_docx` (:mod:`geo.reports.docx`, python-docx): a Word file
  the office edits and hands in — East Asian fonts set on every style (宋体 for
  the text, 黑体 for headings: fonts every Chinese Windows/Office has; Word
  substitutes its own CJK font where they are missing), a real table of contents
  (a ``TOC`` field Word fills when the file is opened or on *更新域*), tables
  with repeated header rows, the map as a picture;
- :func:`write_pdf` (:mod:`geo.reports.pdf`, reportlab): a PDF with the
  Chinese font embedded (the Noto Sans CJK subset :mod:`geo.mapview.fonts` makes
  for the print map, as TrueType), text that stays text (search, copy), a
  table of contents with page numbers and bookmarks.

What the report holds: 1 总体情况 (statuses counted), 2 指标完成情况 (every
target: baseline, target, actual, status, source), 3 重点项目推进情况 (a table per
track: stage, land supplied of declared, progress, 营收 beside the tables'
预计产值 with the footnote's words: the two are not comparable before 入驻饱和),
4 空间布局 (the print map of the year, parcels coloured by stage), 5 存在问题
(what the rules call behind or missed, and why), 6 重点行动 (the eight actions
of section 四) and 附录 数据来源 (every actual used, with its source, who
recorded it and when). ``final`` writes the 终期评估: every year of the period up
to ``year`` side by side.

Statuses come from :mod:`geo.monitor.evaluate` (the rules of ``data/README.md``);
nothing here decides whether a target is reached. A value nobody recorded, or
"——" in the plan, is printed as ``—``, never 0. With no actuals every status is
无数据 and the report says how to fill the template.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from geo.errors import UsageError, said
from geo.i18n import t
from geo.monitor import evaluate
from geo.monitor.model import ACTION_STATES, STAGES, STATUSES, Actual, MonitorPlan, StatusRow
from geo.plan.notes import footnote
from geo.reports.model import Block, Fill, Image, ReportContent, Section, Table, Text, pick

if TYPE_CHECKING:
    import geopandas as gpd

#: The formats :func:`write_report` writes, by suffix.
FORMATS: Final = ("docx", "pdf")

#: What a missing value is printed as (never 0).
NONE: Final = "—"

#: Fill colours of the stages on the report's map (light → dark along :data:`~geo.monitor.model.STAGE_ORDER`;
#: 取消 red, 调整 purple; no record grey).
STAGE_COLOURS: Final[dict[str, str]] = {
    "planned": "#edf8b1",
    "preparation": "#c7e9b4",
    "construction": "#7fcdbb",
    "built": "#41b6c4",
    "operating": "#1d91c0",
    "saturated": "#225ea8",
    "cancelled": "#e34a33",
    "adjusted": "#9e9ac8",
    "no_data": "#d9d9d9",
}

# --- the content model: geo.reports.model (shared with the 核查报告) ----------------------------------------------

# --- formatting -------------------------------------------------------------------------------------------------

def _projects_intro(plan: MonitorPlan, lang: str) -> str:
    """Which projects the report follows: the rows of the plan's tables (``表2–表5``) and its text-only projects."""
    projects = plan.projects
    tables = sorted({int(float(t)) for t in projects.get("table", pd.Series(dtype=object)).dropna()})
    if not tables:
        span = t("monreport.tables_none", lang)
    elif len(tables) == 1:
        span = t("monreport.tables_one", lang, n=tables[0])
    else:
        span = t("monreport.tables_span", lang, first=tables[0], last=tables[-1])
    text_only = projects[projects["table"].isna()] if "table" in projects.columns else projects.iloc[0:0]
    names = t("monreport.list_names_sep", lang).join(
        _text(v) for v in text_only.get(f"name_{lang}", pd.Series(dtype=object)))
    return t("monreport.projects_intro", lang, span=span,
             text=t("monreport.text_projects", lang, names=names) if names else "")


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "——", "—", "-", "nan", "None")


def fmt_number(value: object, digits: int = 2) -> str:
    """``12.5``, ``300``, ``0``: up to ``digits`` decimals, trailing zeros dropped; None, NaN, "——": ``—`` (never 0)."""
    if _missing(value):
        return NONE
    if isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return value.strip()
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        return str(value)
    if not math.isfinite(number):
        return NONE
    text = f"{number:.{digits}f}".rstrip("0").rstrip(".") if digits > 0 else f"{number:.0f}"
    return "0" if text in ("-0", "") else text


def fmt_ratio(value: float | None) -> str:
    """A progress ratio (1.0 = 100 %) as ``45.2%``; None: ``—``."""
    if _missing(value):
        return NONE
    assert value is not None
    return f"{fmt_number(value * 100, 1)}%"


def fmt_time(value: str) -> str:
    """An ISO timestamp as ``2024-03-05 10:12`` (with ``UTC`` or the offset when it has one); empty: ``—``."""
    if not value:
        return NONE
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    text = at.strftime("%Y-%m-%d %H:%M")
    offset = at.utcoffset()
    if offset is None:
        return text
    if offset == dt.timedelta(0):
        return f"{text} UTC"
    return f"{text} {at.strftime('%z')[:3]}:{at.strftime('%z')[3:]}"


def _text(value: object) -> str:
    return "" if _missing(value) else str(value).strip()


def _id_key(value: str) -> tuple[str, tuple[int, ...], str]:
    """Natural order of ids: ``P-2`` before ``P-10``."""
    numbers = tuple(int(n) for n in re.findall(r"\d+", value))
    return (re.sub(r"[\d.-]+", "", value), numbers, value)


# --- actuals ----------------------------------------------------------------------------------------------------

def in_force(actuals: Iterable[Actual]) -> list[Actual]:
    """The record in force of each ``(kind, subject_id, year)``: its latest version (a correction replaces it)."""
    return evaluate.latest_versions(actuals)


# --- evaluation -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evaluation:
    """What the rules say: the rows of ``year``, its problems, and (终期评估) the rows of each year up to it."""

    year: int
    rows: tuple[StatusRow, ...]
    problems: tuple[StatusRow, ...]
    by_year: Mapping[int, tuple[StatusRow, ...]] = field(default_factory=dict)


def evaluate_years(plan: MonitorPlan, actuals: Sequence[Actual], *, year: int, final: bool) -> Evaluation:
    """:func:`geo.monitor.evaluate.status_rows` of ``year`` (and, when ``final``, of every plan year up to it)."""
    rows = tuple(evaluate.status_rows(plan, list(actuals), year))
    by_year: dict[int, tuple[StatusRow, ...]] = {}
    if final:
        for y in range(plan.period[0], year + 1):
            by_year[y] = rows if y == year else tuple(evaluate.status_rows(plan, list(actuals), y))
    return Evaluation(year, rows, tuple(evaluate.problems(list(rows))), by_year)


def check_year(plan: MonitorPlan, year: int) -> None:
    """Refuse a report year outside the plan period (one line, the fix)."""
    first, last = plan.period
    if not first <= year <= last:
        raise UsageError(said("err.monitor.year_outside", year=year, first=first, last=last), source="--year",
                         fix=said("err.monitor.year_outside_fix", first=first, last=last,
                                  final=t("monreport.final_name", "zh")))


# --- the map ----------------------------------------------------------------------------------------------------

def stage_legend(lang: str) -> list[Any]:
    """Legend entries of :data:`STAGE_COLOURS` for :func:`geo.mapview.figure.plan_figure` (stages, then no record)."""
    from geo.mapview.figure import LegendEntry

    entries = [LegendEntry(k, t(f"monitor.stage.{k}", lang), STAGE_COLOURS[k]) for k in STAGES]
    return [*entries, LegendEntry("no_data", t("monreport.no_record", lang), STAGE_COLOURS["no_data"])]


def stage_map(plan: MonitorPlan, rows: Sequence[StatusRow], *, year: int, lang: str = "zh",
              parcels: gpd.GeoDataFrame | None = None, dpi: int = 200) -> bytes:
    """The print map (A4 landscape PNG) of ``year``: each project's parcel in the colour of its stage that year."""
    import layers
    from geo.mapview.figure import plan_figure
    from geo.mapview.paper import Paper

    stages = {r.id: (r.stage if r.stage in STAGE_COLOURS else "no_data") for r in rows if r.kind == "project"}
    drawn = layers.load_parcels() if parcels is None else parcels
    stages.update({str(p): "no_data" for p in drawn["project_id"] if str(p) not in stages})
    first, last = plan.period
    return bytes(plan_figure(
        drawn, tracks=layers.load_tracks(), title=plan.title_zh if lang == "zh" else plan.title_en,
        period=f"{first}–{last}", zones=layers.load_zones(), districts=layers.load_districts(),
        metro=layers.load_metro(), total=len(drawn), lang=lang, paper=Paper("A4", "landscape", dpi), fmt="png",
        stages=stages, stage_legend=stage_legend(lang), stage_label=t("monreport.map_stage_label", lang, year=year),
        notes=(t("monreport.map_stage_note", lang, year=year),),
    ))


# --- building the content ---------------------------------------------------------------------------------------

def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    for name in names:
        if name in frame.columns:
            return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


_COMPARATORS: Final = {">": "＞", ">=": "≥", "<": "＜", "<=": "≤"}


def _target_value(row: StatusRow, targets: Mapping[str, Mapping[str, Any]]) -> str:
    """The target as the plan states it: ``＞14``, ``≥100``, ``2–3``, ``300``; none: ``—``."""
    spec = targets.get(row.id, {})
    value = fmt_number(row.target if not _missing(row.target) else spec.get("value"))
    if value == NONE:
        return NONE
    high = fmt_number(spec.get("value_max"))
    if high != NONE:
        value = f"{value}–{high}"
    return _COMPARATORS.get(_text(spec.get("comparator")), "") + value


def _baseline(row: StatusRow) -> str:
    value = fmt_number(row.baseline)
    if value != NONE and row.baseline_year is not None:
        return f"{value}（{row.baseline_year}）"
    return value


def _actual(row: StatusRow, lang: str) -> str:
    value = fmt_number(row.actual)
    evaluated = fmt_number(row.evaluated)
    if value != NONE and evaluated not in (NONE, value):
        return value + t("monreport.mean", lang, value=evaluated)
    return value


def _status(key: str, lang: str) -> str:
    return t(f"monitor.status.{key}", lang) if key in STATUSES else key


def _stage(key: str | None, lang: str) -> str:
    if not key:
        return NONE
    return t(f"monitor.stage.{key}", lang) if key in STAGES else key


def _counts_sentence(rows: Sequence[StatusRow], lang: str, *, projects: bool) -> str:
    counts = Counter(r.status for r in rows)
    item = "monreport.count_project" if projects else "monreport.count_item"
    keys = [*STATUSES, *sorted(set(counts) - set(STATUSES))]
    parts = [t(item, lang, status=_status(k, lang), n=counts[k]) for k in keys if counts[k]]
    return t("monreport.counted_projects" if projects else "monreport.counted_targets", lang,
              parts=t("monreport.list_sep", lang).join(parts) or NONE)


@dataclass
class _Numbers:
    """Running numbers of tables and figures."""

    table: int = 0
    figure: int = 0

    def t(self, caption: str, lang: str) -> str:
        self.table += 1
        return t("monreport.table_caption", lang, n=self.table, caption=caption)

    def f(self, caption: str, lang: str) -> str:
        self.figure += 1
        return t("monreport.figure_caption", lang, n=self.figure, caption=caption)


def _actual_summary(a: Actual, lang: str, units: Mapping[str, str]) -> str:
    """What one record says, in words: ``12.5%``; ``阶段：在建；已供地300亩``; ``进展：推进中`` (+ its note)."""
    parts: list[str] = []
    if a.kind == "target":
        unit = a.unit or units.get(a.subject_id, "")
        parts.append(t("monreport.f_value", lang, value=fmt_number(a.value),
                       unit=unit if fmt_number(a.value) != NONE else ""))
    elif a.kind == "project":
        if a.stage:
            parts.append(t("monreport.f_stage", lang, v=_stage(a.stage, lang)))
        for name, key in (("land_mu", "f_land"), ("floor_wan_m2", "f_floor"), ("firms", "f_firms"),
                          ("revenue_yi", "f_revenue")):
            value = getattr(a, name)
            if not _missing(value):
                parts.append(t(f"monreport.{key}", lang, v=fmt_number(value)))
    else:
        state = t(f"monitor.action_state.{a.state}", lang) if a.state in ACTION_STATES else (a.state or NONE)
        parts.append(t("monreport.f_state", lang, v=state))
    if a.note.strip():
        parts.append(t("monreport.f_note", lang, v=a.note.strip()))
    return t("monreport.sep", lang).join(parts) or NONE


def _why(row: StatusRow, lang: str, targets: Mapping[str, Mapping[str, Any]]) -> str:
    """Why a row is behind or missed, in its figures (and the rules' note on the row, when there is one)."""
    unit = row.unit
    fields = {
        "actual": fmt_number(row.evaluated if not _missing(row.evaluated) else row.actual),
        "actual_year": row.actual_year if row.actual_year is not None else NONE,
        "target": _target_value(row, targets), "target_year": row.target_year or NONE, "unit": unit,
    }
    if row.extra.get("years"):  # an annual-growth target: the mean of the rates entered is what is compared
        text = t("monreport.why_growth", lang, **fields)
    elif row.status == "missed":
        text = t("monreport.why_missed", lang, **fields)
    else:
        base = ""
        if not _missing(row.baseline):
            base = t("monreport.why_base", lang, baseline=fmt_number(row.baseline),
                      baseline_year=row.baseline_year if row.baseline_year is not None else NONE)
        expected = row.extra.get("expected_progress")
        pace = t("monreport.why_pace", lang, expected=fmt_ratio(expected)) if isinstance(expected, (int, float)) else ""
        text = t("monreport.why_progress", lang, base=base, progress=fmt_ratio(row.progress), pace=pace, **fields)
    note = (row.note_zh if lang == "zh" else row.note_en).strip()
    return text + (t("monreport.why_note", lang, note=note) if note else "")


def _stale(value: str, row: StatusRow, year: int, lang: str) -> str:
    """``value`` marked with the year of its record when that is before ``year`` (rule 1: the latest record)."""
    if value == NONE or row.actual_year is None or row.actual_year >= year:
        return value
    return value + t("monreport.of_year", lang, year=row.actual_year)


def _track_summary(plan: MonitorPlan, rows: Sequence[StatusRow], scope: str, names: Mapping[str, str],
                   lang: str) -> list[tuple[str, ...]]:
    """Rows of the roll-up table (rule 11, :func:`geo.monitor.evaluate.rollups`) of one ``scope``."""
    table = evaluate.rollups(plan, rows)
    attr = {"track": "track_id", "zone": "zone_id"}.get(scope)
    with_land = {(getattr(r, attr) or evaluate.NO_ZONE) if attr else "plan" for r in rows
                 if r.kind == "project" and r.actual is not None}
    out: list[tuple[str, ...]] = []
    for r in table[table["scope"] == scope].to_dict("records"):
        counts = [(_stage(k, lang), int(r[k])) for k in STAGES if int(r[k])]
        if int(r["no_data"]):
            counts.append((t("monreport.no_record", lang), int(r["no_data"])))
        stages = t("monreport.list_sep", lang).join(t("monreport.stage_count", lang, name=name, n=n)
                                                    for name, n in counts) or NONE
        declared = fmt_number(r["declared_mu"]) if r["projects"] > int(r["declared_unknown"]) else NONE
        if int(r["declared_unknown"]):
            declared += t("monreport.unknown_area", lang, n=int(r["declared_unknown"]))
        supplied = fmt_number(r["land_supplied_mu"]) if str(r["key"]) in with_land else NONE
        out.append((names.get(str(r["key"]), str(r["key"])), str(int(r["projects"])), stages, supplied, declared,
                    fmt_ratio(r["share"]) if supplied != NONE else NONE))
    return out


def _used(actuals: Sequence[Actual], evaluation: Evaluation, actions: Mapping[int, Sequence[Mapping[str, Any]]]
          ) -> list[Actual]:
    """The records the report's figures come from: the record of each row's ``actual_year`` (growth targets: of
    every year averaged), and of each action's, in every year the report evaluates."""
    keys: set[tuple[str, str, int]] = set()
    years = evaluation.by_year or {evaluation.year: evaluation.rows}
    for rows in years.values():
        for r in rows:
            if r.actual_year is not None:
                keys.add((r.kind, r.id, r.actual_year))
            for y in r.extra.get("years") or ():
                keys.add((r.kind, r.id, int(y)))
    for listed in actions.values():
        for a in listed:
            if a.get("actual_year") is not None:
                keys.add(("action", str(a["id"]), int(a["actual_year"])))
    order: dict[tuple[str, str], int] = {(r.kind, r.id): i for i, r in enumerate(evaluation.rows)}
    for listed in actions.values():
        order.update({("action", str(a["id"])): len(order) + i for i, a in enumerate(listed)})
    return sorted((a for a in in_force(actuals) if a.key in keys),
                  key=lambda a: (order.get((a.kind, a.subject_id), len(order)), _id_key(a.subject_id), a.year))


def compose_report(
    plan: MonitorPlan,
    actuals: Sequence[Actual],
    evaluation: Evaluation,
    *,
    final: bool,
    lang: str = "zh",
    tracks: pd.DataFrame | None = None,
    zones: pd.DataFrame | None = None,
    map_png: bytes | None = None,
    made: dt.date | None = None,
) -> ReportContent:
    """The report's content from the rows the rules gave (:class:`Evaluation`) and the actuals behind them.

    :func:`build_report` evaluates, draws the map and calls this. ``tracks`` (``track_id, name_zh,
    name_en, table``) and ``zones`` (``zone_id, name_zh, name_en``) name the roll-ups' groups (default:
    the plan's, from :mod:`layers`); ``map_png`` is section 4's picture (None: a sentence instead).
    The 重点行动 and the roll-ups come from :func:`geo.monitor.evaluate.action_rows` and
    :func:`~geo.monitor.evaluate.rollups`.
    """
    if lang not in ("zh", "en"):
        raise UsageError(said("err.monitor.unknown_lang", code=lang), source="--lang", fix=said("err.monitor.lang_fix"))
    if tracks is None or zones is None:
        import layers

        tracks = layers.load_tracks() if tracks is None else tracks
        zones = layers.load_zone_table() if zones is None else zones
    year = evaluation.year
    first, end = plan.period
    years = sorted(evaluation.by_year) if final and evaluation.by_year else [year]
    rows = list(evaluation.rows)
    target_rows = [r for r in rows if r.kind == "target"]
    project_rows = [r for r in rows if r.kind == "project"]
    targets: dict[str, dict[str, Any]] = {
        str(r.get("target_id")): {str(k): v for k, v in r.items()} for r in plan.targets.to_dict("records")
    }
    units = {k: _text(v.get("unit")) for k, v in targets.items()}
    name = "name_zh" if lang == "zh" else "name_en"
    plan_title = plan.title_zh if lang == "zh" else plan.title_en
    actions = {y: evaluate.action_rows(plan, list(actuals), y) for y in years}
    used = _used(actuals, evaluation, actions)
    n = _Numbers()
    widths: tuple[float, ...]
    year_cols = tuple(t("monreport.year_col", lang, year=y) for y in years)

    # cover
    title = (t("monreport.title_final", lang, plan=plan_title, first=first, last=year) if final
             else t("monreport.title_annual", lang, plan=plan_title, year=year))
    subtitle = t("monreport.subtitle_final" if final else "monreport.subtitle_annual", lang, first=first, end=end)
    latest = max((a.recorded_at for a in used if a.recorded_at), default="")
    cover = (
        t("monreport.made", lang, date=(made or dt.date.today()).isoformat()),
        t("monreport.scope_final", lang, first=first, last=year, end=end) if final
        else t("monreport.scope_annual", lang, year=year, first=first, end=end),
        t("monreport.records", lang, n=len(used), at=fmt_time(latest)) if used else t("monreport.records_none", lang),
        t("monreport.rules", lang,
          statuses=t("monreport.list_sep", lang).join(t(f"monitor.status.{k}", lang) for k in STATUSES)),
        t("monreport.editable", lang),
    )
    sections: list[Section] = []

    # 1 总体情况
    counts = {"n_t": len(target_rows), "n_p": len(project_rows), "n_a": len(plan.actions), "plan": plan_title}
    blocks: list[Block] = [Text(t("monreport.overview_final", lang, first=first, last=year, **counts) if final
                                else t("monreport.overview", lang, year=year, **counts))]
    if not used:
        blocks.append(Text(t("monreport.no_actuals", lang, year=year)))
    blocks += [Text(_counts_sentence(target_rows, lang, projects=False)),
               Text(_counts_sentence(project_rows, lang, projects=True))]
    t_counts = Counter(r.status for r in target_rows)
    p_counts = Counter(r.status for r in project_rows)
    statuses = [*STATUSES, *sorted((set(t_counts) | set(p_counts)) - set(STATUSES))]
    blocks.append(Table(
        "counts", n.t(t("monreport.t_counts", lang), lang),
        (t("monreport.h_status", lang), t("monreport.h_targets_n", lang), t("monreport.h_projects_n", lang)),
        tuple((_status(s, lang), str(t_counts.get(s, 0)), str(p_counts.get(s, 0))) for s in statuses),
        (2.0, 1.0, 1.0), (False, True, True),
    ))
    blocks.append(Text(t("monreport.see_appendix", lang)))
    sections.append(Section(t("monreport.s1", lang), 1, tuple(blocks)))

    # 2 指标完成情况
    head = (t("monreport.h_id", lang), t("monreport.h_target_name", lang), t("monreport.h_unit", lang),
            t("monreport.h_baseline", lang), t("monreport.h_target", lang), t("monreport.h_target_year", lang))
    notes = [t("monreport.targets_notes", lang)]
    if final:
        per_year = {y: {r.id: r for r in evaluation.by_year[y] if r.kind == "target"} for y in years}
        body = []
        for r in target_rows:
            cells = []
            for y in years:
                of_year = per_year[y].get(r.id)
                cells.append(_actual(of_year, lang) if of_year is not None and of_year.actual_year == y else NONE)
            body.append((r.id, r.name_zh if lang == "zh" else r.name_en, r.unit or NONE, _baseline(r),
                         _target_value(r, targets), r.target_year or NONE, *cells, _status(r.status, lang),
                         r.source or NONE))
        table = Table("targets", n.t(t("monreport.t_targets_final", lang, first=first, last=year), lang),
                      (*head, *year_cols, t("monreport.h_status_year", lang, year=year),
                       t("monreport.h_source", lang)), tuple(body),
                      (0.8, 2.4, 0.7, 1.0, 0.9, 1.1, *(1.0 for _ in years), 1.0, 2.2),
                      (False, False, False, True, True, False, *(True for _ in years), False, False),
                      (*notes, t("monreport.years_note", lang)))
    else:
        body = [(r.id, r.name_zh if lang == "zh" else r.name_en, r.unit or NONE, _baseline(r),
                 _target_value(r, targets), r.target_year or NONE, _stale(_actual(r, lang), r, year, lang),
                 _status(r.status, lang), r.source or NONE) for r in target_rows]
        table = Table("targets", n.t(t("monreport.t_targets", lang, year=year), lang),
                      (*head, t("monreport.h_actual", lang), t("monreport.h_status", lang),
                       t("monreport.h_source", lang)), tuple(body),
                      (0.7, 2.2, 0.6, 1.1, 0.9, 1.1, 1.8, 1.0, 1.9),
                      (False, False, False, True, True, False, True, False, False),
                      (*notes, *((t("monreport.stale_note", lang),)
                                 if any(_stale("x", r, year, lang) != "x" for r in rows) else ())))
    sections.append(Section(t("monreport.s2", lang), 1, (table,), landscape=final))

    # 3 重点项目推进情况
    track_names = {str(t["track_id"]): (_text(t.get("name_zh")), _text(t.get("name_en")), _text(t.get("table")))
                   for t in tracks.to_dict("records")}
    zone_names = {str(z["zone_id"]): _text(z.get(name)) for z in zones.to_dict("records")}
    zone_names[evaluate.NO_ZONE] = t("monreport.no_zone", lang)
    sum_head = (t("monreport.h_n_projects", lang), t("monreport.h_stages", lang), t("monreport.h_supplied", lang),
                t("monreport.h_declared", lang), t("monreport.h_share", lang))
    blocks = [
        Text(_projects_intro(plan, lang)),
        Table("tracks", n.t(t("monreport.t_tracks", lang, year=year), lang), (t("monreport.h_track", lang), *sum_head),
              tuple(_track_summary(plan, rows, "track", {k: pick(v[:2], lang) for k, v in track_names.items()},
                                   lang)),
              (1.3, 0.8, 3.0, 1.1, 1.2, 0.9), (False, True, False, True, True, True)),
        Table("zones", n.t(t("monreport.t_zones", lang, year=year), lang), (t("monreport.h_zone", lang), *sum_head),
              tuple(_track_summary(plan, rows, "zone", zone_names, lang)),
              (1.6, 0.8, 2.8, 1.1, 1.2, 0.9), (False, True, False, True, True, True),
              (t("monreport.land_sum_note", lang),)),
    ]
    sections.append(Section(t("monreport.s3", lang), 1, tuple(blocks), landscape=final))
    by_track: dict[str, list[StatusRow]] = {}
    for r in project_rows:
        by_track.setdefault(r.track_id or "", []).append(r)
    order = [t for t in track_names if t in by_track] + sorted(t for t in by_track if t not in track_names)
    per_year_p = {y: {r.id: r for r in evaluation.by_year[y] if r.kind == "project"} for y in years} if final else {}
    output_note = t("monreport.output_note", lang, quote=footnote().full_zh)
    for i, track in enumerate(order, start=1):
        zh, en, table_name = track_names.get(track, (track, track, ""))
        shown = pick((zh, en), lang)
        label = t("monreport.track_with_table", lang, name=shown, table=table_name) if table_name else shown
        body = []
        for r in by_track[track]:
            land = f"{fmt_number(r.actual)}/{fmt_number(r.target)}"
            revenue = fmt_number(r.extra.get("revenue_yi"))
            output = r.extra.get("output_yi") if "output_yi" in r.extra else None
            tail = (_stale(land, r, year, lang) if land != f"{NONE}/{fmt_number(r.target)}" else land,
                    fmt_ratio(r.progress), _stale(revenue, r, year, lang), fmt_number(output))
            project = r.name_zh if lang == "zh" else r.name_en
            if final:
                stages = []
                for y in years:
                    of_year = per_year_p[y].get(r.id)
                    stages.append(_stage(of_year.stage, lang) if of_year is not None and of_year.actual_year == y
                                  else NONE)
                body.append((r.id, project, *stages, *tail))
            else:
                body.append((r.id, project, _stale(_stage(r.stage, lang), r, year, lang), *tail))
        if final:
            header: tuple[str, ...] = (t("monreport.h_id", lang), t("monreport.h_project", lang), *year_cols)
            widths = (0.8, 2.6, *(0.9 for _ in years))
            numeric: tuple[bool, ...] = (False, False, *(False for _ in years))
            caption = t("monreport.track_table_final", lang, name=shown, first=first, last=year)
            notes = [output_note, t("monreport.years_note", lang)]
        else:
            header = (t("monreport.h_id", lang), t("monreport.h_project", lang), t("monreport.h_stage", lang))
            widths, numeric = (0.8, 2.8, 1.1), (False, False, False)
            caption = t("monreport.track_table", lang, name=shown, year=year)
            notes = [output_note]
        table = Table(f"projects:{track}", n.t(caption, lang),
                      (*header, t("monreport.h_land", lang), t("monreport.h_progress", lang),
                       t("monreport.h_revenue", lang), t("monreport.h_output", lang)), tuple(body),
                      (*widths, 1.6, 0.9, 1.1, 1.1),
                      (*numeric, True, True, True, True), tuple(notes))
        sections.append(Section(t("monreport.track_heading", lang, n=i, name=label), 2, (table,), landscape=final))

    # 4 空间布局
    if map_png:
        blocks = [Text(t("monreport.map_intro", lang, year=year)),
                  Image(map_png, n.f(t("monreport.map_caption", lang, year=year), lang), 250.0)]
    else:
        blocks = [Text(t("monreport.map_none", lang))]
    sections.append(Section(t("monreport.s4", lang), 1, tuple(blocks), landscape=bool(map_png)))

    # 5 存在问题
    problems = list(evaluation.problems)
    if problems:
        blocks = [Text(t("monreport.problems_intro", lang, year=year))]
        blocks += [Text(t("monreport.problem_item", lang, status=_status(r.status, lang), id=r.id,
                           name=r.name_zh if lang == "zh" else r.name_en, why=_why(r, lang, targets)), "item")
                   for r in problems]
    else:
        blocks = [Text(t("monreport.problems_none", lang, year=year))]
    no_data_t = sum(r.status == "no_data" for r in target_rows)
    no_data_p = sum(r.status == "no_data" for r in project_rows)
    if no_data_t or no_data_p:
        blocks.append(Text(t("monreport.problems_no_data", lang, n_t=no_data_t, n_p=no_data_p, year=year)))
    sections.append(Section(t("monreport.s5", lang), 1, tuple(blocks)))

    # 6 重点行动
    listed = actions[year]
    if listed:
        def where(a: Mapping[str, Any]) -> str:
            section = _text(a.get("section")) or NONE
            line = a.get("line")
            return section if line is None else t("monreport.at_line", lang, section=section, line=line)

        def state(a: Mapping[str, Any] | None, y: int) -> str:
            if a is None or (final and a.get("actual_year") != y):
                return NONE if final else _status("no_data", lang)
            return _text(a.get("state_zh" if lang == "zh" else "state_en")) or NONE

        if final:
            by_id = {y: {str(a["id"]): a for a in actions[y]} for y in years}
            body = [(str(a["id"]), _text(a.get(name)), where(a), *(state(by_id[y].get(str(a["id"])), y)
                                                                  for y in years)) for a in listed]
            table = Table("actions", n.t(t("monreport.t_actions_final", lang, first=first, last=year), lang),
                          (t("monreport.h_id", lang), t("monreport.h_action", lang), t("monreport.h_section", lang),
                           *year_cols), tuple(body),
                          (0.8, 2.6, 1.6, *(1.0 for _ in years)), (), (t("monreport.years_note", lang),))
        else:
            body = [(str(a["id"]), _text(a.get(name)), where(a), _stale_action(state(a, year), a, year, lang),
                     _text(a.get("source")) or NONE, _text(a.get("note")).strip() or NONE) for a in listed]
            table = Table("actions", n.t(t("monreport.t_actions", lang, year=year), lang),
                          (t("monreport.h_id", lang), t("monreport.h_action", lang), t("monreport.h_section", lang),
                           t("monreport.h_state", lang), t("monreport.h_source", lang), t("monreport.h_note", lang)),
                          tuple(body), (0.7, 2.4, 1.5, 1.1, 2.0, 1.6))
        blocks = [Text(t("monreport.actions_intro", lang)), table]
    else:
        blocks = [Text(t("monreport.no_actions", lang))]
    sections.append(Section(t("monreport.s6", lang), 1, tuple(blocks)))

    # 附录 数据来源
    names_of: dict[tuple[str, str], str] = {(r.kind, r.id): (r.name_zh if lang == "zh" else r.name_en) for r in rows}
    names_of.update({("action", str(a["id"])): _text(a.get(name)) for a in listed})
    if used:
        body = [(t(f"monreport.kind_{a.kind}", lang), a.subject_id, names_of.get((a.kind, a.subject_id)) or NONE,
                 str(a.year), _actual_summary(a, lang, units), a.source or NONE,
                 a.recorded_by or t("monreport.single_user", lang), fmt_time(a.recorded_at), str(a.version or NONE))
                for a in used]
        blocks = [Text(t("monreport.sources_intro", lang)), Table(
            "sources", n.t(t("monreport.t_sources", lang), lang),
            (t("monreport.h_kind", lang), t("monreport.h_id", lang), t("monreport.h_name", lang),
             t("monreport.h_year", lang), t("monreport.h_content", lang), t("monreport.h_source", lang),
             t("monreport.h_by", lang), t("monreport.h_at", lang), t("monreport.h_version", lang)),
            tuple(body), (0.6, 0.6, 1.8, 0.5, 2.4, 3.0, 0.9, 1.4, 0.5),
            (False, False, False, True, False, False, False, False, True),
        )]
    else:
        blocks = [Text(t("monreport.records_none", lang)), Text(t("monreport.no_actuals", lang, year=year))]
    sections.append(Section(t("monreport.appendix", lang), 1, tuple(blocks), landscape=bool(used)))

    return ReportContent(title, subtitle, cover, t("monreport.toc", lang), t("monreport.toc_note", lang),
                         tuple(sections), lang, year, final, page_label=t("monreport.page", lang, n="{n}"),
                         toc_placeholder=t("monreport.toc_placeholder", lang))


def _stale_action(value: str, action: Mapping[str, Any], year: int, lang: str) -> str:
    got = action.get("actual_year")
    if value == NONE or got is None or int(got) >= year:
        return value
    return value + t("monreport.of_year", lang, year=got)


def build_report(
    plan: MonitorPlan,
    actuals: Sequence[Actual],
    *,
    year: int,
    final: bool,
    lang: str = "zh",
    with_map: bool = True,
    parcels: gpd.GeoDataFrame | None = None,
    made: dt.date | None = None,
) -> ReportContent:
    """The report of ``year`` (``final``: the 终期评估, every year of the period up to ``year``).

    ``actuals`` are the records (every version or only those in force: the
    latest version of each fact is used); the rules of
    :mod:`geo.monitor.evaluate` give each target and project its status. The
    map is drawn from ``parcels`` (default: the plan's indicative parcels) unless
    ``with_map`` is False.

    Raises
    ------
    UsageError
        ``year`` outside the plan period, or an unknown ``lang``.
    """
    check_year(plan, year)
    if lang not in ("zh", "en"):
        raise UsageError(said("err.monitor.unknown_lang", code=lang), source="--lang", fix=said("err.monitor.lang_fix"))
    evaluation = evaluate_years(plan, actuals, year=year, final=final)
    png = stage_map(plan, evaluation.rows, year=year, lang=lang, parcels=parcels) if with_map else None
    return compose_report(plan, actuals, evaluation, final=final, lang=lang, map_png=png, made=made)


def write_docx(content: ReportContent, out: str | Path) -> Path:
    """Write ``content`` as a Word document to ``out`` (atomically; through a symlink, FIFO or device)."""
    from geo.reports.docx import write_docx as write

    return write(content, out)


def write_pdf(content: ReportContent, out: str | Path) -> Path:
    """Write ``content`` as a PDF (Chinese font embedded) to ``out`` (atomically; through a symlink, FIFO or device)."""
    from geo.reports.pdf import write_pdf as write

    return write(content, out)


def report_bytes(content: ReportContent, fmt: str) -> bytes:
    """The file of ``content`` as bytes, ``docx`` or ``pdf`` (for a download button: nothing is written)."""
    if fmt == "docx":
        from geo.reports.docx import build_docx

        return build_docx(content)
    if fmt == "pdf":
        from geo.reports.pdf import build_pdf

        return build_pdf(content)
    raise UsageError(said("err.monitor.unknown_format", fmt=fmt), source="format", fix=said("err.monitor.format_fix"))


def report_format(out: str | Path, fmt: str | None = None) -> str:
    """``docx`` or ``pdf``: ``fmt`` if given, else the suffix of ``out`` (one line naming the fix otherwise)."""
    if fmt:
        if fmt not in FORMATS:
            raise UsageError(said("err.monitor.unknown_format", fmt=fmt), source="--format",
                             fix=said("err.monitor.format_fix"))
        return fmt
    suffix = Path(str(out)).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError(said("err.monitor.no_format", out=str(out)), source="-o",
                         fix=said("err.monitor.no_format_fix"))
    return suffix


def write_report(content: ReportContent, out: str | Path, fmt: str | None = None) -> Path:
    """Write ``content`` to ``out`` in the format of its suffix (or ``fmt``)."""
    return write_docx(content, out) if report_format(out, fmt) == "docx" else write_pdf(content, out)


__all__ = [
    "FORMATS", "NONE", "STAGE_COLOURS", "Block", "Evaluation", "Fill", "Image", "ReportContent", "Section", "Table",
    "Text",
    "build_report", "check_year", "compose_report", "evaluate_years", "fmt_number", "fmt_ratio", "fmt_time",
    "in_force", "report_bytes", "report_format", "stage_legend", "stage_map", "write_docx", "write_pdf", "write_report",
]
