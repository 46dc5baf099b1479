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

from geo.errors import UsageError
from geo.monitor import evaluate
from geo.monitor.model import ACTION_STATES, STAGES, STATUSES, Actual, MonitorPlan, StatusRow
from geo.plan.notes import footnote
from geo.reports.model import Block, Fill, Image, ReportContent, Section, Table, Text, pick, say

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

#: The report's words, ``key: (zh, en)``.
TEXT: Final[dict[str, tuple[str, str]]] = {
    "title_annual": ("《{plan}》\n{year}年度发展报告", "{plan}\nAnnual Development Report {year}"),
    "title_final": ("《{plan}》\n终期评估报告（{first}–{last}年）", "{plan}\nFinal Evaluation ({first}–{last})"),
    "subtitle_annual": ("年度发展报告（规划期{first}–{end}年）",
                        "Annual development report (plan period {first}–{end})"),
    "subtitle_final": ("规划期{first}–{end}年发展状况评估", "Evaluation of the plan period {first}–{end}"),
    "made": ("编制日期：{date}", "Prepared {date}"),
    "scope_annual": ("评估年份：{year}年（规划期{first}–{end}年）",
                     "Year evaluated: {year} (plan period {first}–{end})"),
    "scope_final": ("评估范围：{first}–{last}年逐年情况（规划期{first}–{end}年）",
                    "Years evaluated: {first}–{last}, year by year (plan period {first}–{end})"),
    "records": ("数据：工作区记录的实际值{n}条，最近一次填报于{at}。",
                "Data: {n} actuals recorded in the workspace, the latest on {at}."),
    "records_none": ("数据：工作区尚无实际值记录。", "Data: no actuals are recorded in the workspace yet."),
    "rules": ("状态按 data/README.md 写明的评估规则计算：{statuses}。“—”表示无数据（不是 0）。",
              "Statuses follow the rules written in data/README.md: {statuses}. “—” means no data (not 0)."),
    "editable": ("本报告由 python -m geo report 生成，可在 Word 中修改后报送。",
                 "Written by python -m geo report; edit it in Word before handing it in."),
    "toc": ("目录", "Contents"),
    "toc_note": (
        "（目录为 Word 域：打开文件时 Word 会询问是否更新；也可右键单击目录选择“更新域”，或全选后按 F9。）",
        ("(The contents are a Word field: Word offers to update it when the file opens; or right-click it and "
         "choose Update Field, or select all and press F9.)"),
    ),
    "s1": ("1 总体情况", "1 Overview"),
    "s2": ("2 指标完成情况", "2 Targets"),
    "s3": ("3 重点项目推进情况", "3 Key projects"),
    "s4": ("4 空间布局", "4 Spatial layout"),
    "s5": ("5 存在问题", "5 Problems"),
    "s6": ("6 重点行动", "6 Key actions"),
    "appendix": ("附录 数据来源", "Appendix: sources of the data"),
    "overview": (
        "本报告对照《{plan}》，评估{n_t}项指标、{n_p}个重点项目和{n_a}项重点行动在{year}年的情况。",
        ("This report compares {n_t} targets, {n_p} key projects and {n_a} key actions of the {plan} with what "
         "happened by {year}."),
    ),
    "overview_final": (
        ("本报告对照《{plan}》，逐年评估{n_t}项指标、{n_p}个重点项目和{n_a}项重点行动在{first}–{last}年的情况，状态"
         "为{last}年的评估结果。"),
        ("This report compares {n_t} targets, {n_p} key projects and {n_a} key actions of the {plan} with what "
         "happened in each year {first}–{last}; statuses are those of {last}."),
    ),
    "counted_targets": ("指标：{parts}。", "Targets: {parts}."),
    "counted_projects": ("重点项目：{parts}。", "Key projects: {parts}."),
    "count_item": ("{status}{n}项", "{status} {n}"),
    "count_project": ("{status}{n}个", "{status} {n}"),
    "no_actuals": (
        ("尚无实际值记录，各项指标和项目的状态均为“无数据”。填报方法：运行 python -m geo monitor template --year "
         "{year} -o 填报表.xlsx 生成填报表，在“目标”“项目”“行动”三张表中填写实际值、来源和备注，再运行 python -m "
         "geo monitor import 填报表.xlsx --year {year} --user 姓名 导入（或在“监测评估”页面上传），然后重新生成本报"
         "告。"),
        ("No actuals are recorded, so every status is “no data”. To fill them in: run python -m geo monitor "
         "template --year {year} -o template.xlsx, fill in the actual values, sources and notes on its sheets 目标, "
         "项目 and 行动, import it with python -m geo monitor import template.xlsx --year {year} --user NAME (or "
         "upload it on the Monitor page), then write this report again."),
    ),
    "see_appendix": ("每个实际值的来源、填报人和填报时间见附录。",
                     "The appendix lists each actual's source, who recorded it and when."),
    "t_counts": ("各状态的指标和项目数", "Targets and projects by status"),
    "h_status": ("状态", "Status"),
    "h_targets_n": ("指标（项）", "Targets"),
    "h_projects_n": ("重点项目（个）", "Key projects"),
    "t_targets": ("指标完成情况（{year}年）", "Targets in {year}"),
    "t_targets_final": ("指标逐年完成情况（{first}–{last}年）", "Targets year by year ({first}–{last})"),
    "h_id": ("编号", "ID"),
    "h_target_name": ("指标", "Target"),
    "h_unit": ("单位", "Unit"),
    "h_baseline": ("基期值", "Baseline"),
    "h_target": ("目标值", "Target value"),
    "h_target_year": ("目标年", "Target year"),
    "h_actual": ("实际值", "Actual"),
    "h_source": ("来源", "Source"),
    "h_status_year": ("状态（{year}年）", "Status ({year})"),
    "year_col": ("{year}年", "{year}"),
    "targets_notes": (
        ("基期值后括号内为其年份；目标值前的“＞”“≥”“≤”“＜”为规划原文的“超过”“以上”等；年均增速类指标的实际值为当年增"
         "速，括号内为已填各年增速的几何平均（评估所用的值）。"),
        ("A baseline's year is in brackets; “>”, “≥”, “≤”, “<” before a target are the plan's own words (超过, 以上 "
         "…); for annual-growth targets the actual is the year's rate and the bracket the geometric mean of the "
         "years entered (the value evaluated)."),
    ),
    "mean": ("（年均{value}）", " (mean {value})"),
    "projects_intro": (
        ("重点项目为规划{tables_zh}所列平台项目{text_zh}。阶段、已供地和营收为工作区记录的当年实际值；进度为"
         "已供地占规划面积的比例。"),
        ("Key projects are the platform projects of {tables_en}{text_en}. Stage, "
         "land supplied and revenue are the actuals recorded for the year; progress is land supplied over declared "
         "land."),
    ),
    "t_tracks": ("各赛道项目阶段与供地（{year}年）", "Stages and land by track ({year})"),
    "h_track": ("赛道", "Track"),
    "h_n_projects": ("项目（个）", "Projects"),
    "h_stages": ("阶段", "Stages"),
    "land_sum_note": (
        ("已供地为有记录项目的已供地之和；规划面积为已知面积之和（“——”不计）；供地比例为规划面积已知的项目的已供地÷"
         "其规划面积（评估规则11）。没有记录的项目计入“无记录”，其已供地不作 0 计。"),
        ("Land supplied sums the projects with a record; declared sums the known areas (“——” left out); the share "
         "is the land supplied of the projects whose declared area is known ÷ their declared area (rule 11). "
         "Projects without a record count as “no record”; their land is not taken as 0."),
    ),
    "track_heading": ("3.{n} {name}", "3.{n} {name}"),
    "track_table": ("{name}重点项目（{year}年）", "{name}: key projects ({year})"),
    "track_table_final": ("{name}重点项目逐年阶段（{first}–{last}年）",
                          "{name}: key projects by year ({first}–{last})"),
    "h_project": ("项目", "Project"),
    "h_stage": ("阶段", "Stage"),
    "h_land": ("已供地/规划面积（亩）", "Land supplied / declared (mu)"),
    "h_progress": ("进度", "Progress"),
    "h_revenue": ("营收（亿元）", "Revenue (100 M CNY)"),
    "h_output": ("预计产值（亿元）", "Expected output (100 M CNY)"),
    "output_note": (
        ("注：表中产值为全部完成开发、入驻饱和后的预计产值，入驻饱和前不可比。规划表2脚注：“{quote}”营收为当年实际"
         "值，与预计产值并列列示，不作比较。"),
        ("Note: the tables' output is the expected output after full build-out and occupancy, not comparable before "
         "入驻饱和 (footnote to table 2: “{quote}”). Revenue is the year's actual, shown beside it, not compared."),
    ),
    "map_caption": ("{year}年重点项目阶段分布", "Key projects by stage, {year}"),
    "map_intro": (
        "下图为{year}年各重点项目所处阶段（工作区记录的实际值；无记录的项目为灰色）。地块几何为示意，非测绘成果。",
        ("The map shows each key project's stage in {year} (the recorded actuals; projects without a record in "
         "grey). Parcel geometry is indicative, not surveyed."),
    ),
    "map_stage_label": ("{year}年项目阶段", "project stages in {year}"),
    "map_stage_note": ("阶段：工作区记录的{year}年实际值（无记录：灰色）",
                       "Stages: actuals recorded for {year} (none: grey)"),
    "map_none": ("（本报告未附地图。）", "(No map in this report.)"),
    "no_record": ("无记录", "no record"),
    "problems_intro": ("按评估规则，{year}年进度滞后或未完成的指标和项目如下，并说明原因。",
                       "By the rules, these targets and projects were behind or missed in {year}, and why."),
    "problems_none": ("按评估规则，{year}年没有进度滞后或未完成的指标和项目。",
                      "By the rules, nothing was behind or missed in {year}."),
    "problems_no_data": ("另有{n_t}项指标、{n_p}个项目{year}年无数据，无法评估。",
                         "{n_t} targets and {n_p} projects have no data for {year} and cannot be evaluated."),
    "problem_item": ("【{status}】{id} {name}：{why}", "[{status}] {id} {name}: {why}"),
    "why_progress": (
        ("实际值{actual}{unit}（{actual_year}年），目标值{target}{unit}（{target_year}年）{base}，完成进度"
         "{progress}{pace}"),
        ("actual {actual} {unit} ({actual_year}), target {target} {unit} ({target_year}){base}, progress "
         "{progress}{pace}"),
    ),
    "why_base": ("，基期值{baseline}（{baseline_year}年）", ", baseline {baseline} ({baseline_year})"),
    "why_missed": (
        "目标年{target_year}已到，实际值{actual}{unit}（{actual_year}年）未达到目标值{target}{unit}",
        ("the target year {target_year} has come and the actual {actual} {unit} ({actual_year}) did not reach "
         "{target} {unit}"),
    ),
    "t_actions": ("重点行动进展（{year}年）", "Key actions in {year}"),
    "t_actions_final": ("重点行动逐年进展（{first}–{last}年）", "Key actions year by year ({first}–{last})"),
    "actions_intro": (
        "规划第四部分的八项重点行动，按五（四）纳入工作目标责任考核。进展为工作区记录的实际值。",
        ("The eight key actions of section 四, which 五（四） puts into the responsibility assessment. Progress is "
         "the recorded actual."),
    ),
    "h_action": ("行动", "Action"),
    "h_section": ("规划章节", "Section"),
    "h_state": ("进展", "Progress"),
    "h_note": ("备注", "Note"),
    "no_actions": ("（规划数据中没有重点行动。）", "(The plan data has no key actions.)"),
    "t_sources": ("报告所用实际值及其来源", "The actuals used and their sources"),
    "sources_intro": (
        "以下为本报告所用的每个实际值（每项取最新版本；更正前的版本可用 python -m geo monitor history 编号 查看）。",
        ("Every actual this report uses (the latest version of each; earlier versions: python -m geo monitor "
         "history ID)."),
    ),
    "h_kind": ("类别", "Kind"),
    "h_name": ("名称", "Name"),
    "h_year": ("年份", "Year"),
    "h_content": ("填报内容", "Recorded"),
    "h_by": ("填报人", "Recorded by"),
    "h_at": ("填报时间", "Recorded at"),
    "h_version": ("版本", "Version"),
    "kind_target": ("指标", "target"),
    "kind_project": ("项目", "project"),
    "kind_action": ("行动", "action"),
    "single_user": ("（单用户）", "(single user)"),
    "f_value": ("{value}{unit}", "{value} {unit}"),
    "f_stage": ("阶段：{v}", "stage: {v}"),
    "f_land": ("已供地{v}亩", "land supplied {v} mu"),
    "f_floor": ("建成面积{v}万平方米", "floor area {v} 10k m²"),
    "f_firms": ("入驻企业{v}家", "firms {v}"),
    "f_revenue": ("营收{v}亿元", "revenue {v} 100 M CNY"),
    "f_state": ("进展：{v}", "progress: {v}"),
    "f_note": ("备注：{v}", "note: {v}"),
    "sep": ("；", "; "),
    "list_sep": ("，", ", "),
    "page": ("第 {n} 页", "Page {n}"),
    "why_growth": (
        "已填各年增速的几何平均为{actual}{unit}（至{actual_year}年），目标为{target}{unit}（{target_year}年）",
        ("the geometric mean of the rates entered is {actual} {unit} (to {actual_year}), the target {target} {unit} "
         "({target_year})"),
    ),
    "why_pace": ("，按期应达{expected}", ", {expected} expected by now"),
    "why_note": ("。说明：{note}", ". Note: {note}"),
    "of_year": ("（{year}年）", " ({year})"),
    "stale_note": (
        "实际值后括号内的年份表示该年没有记录，所列为此前最近一年的记录（评估规则1）。",
        ("A year in brackets after an actual: no record for the year evaluated; the latest earlier record is shown "
         "(rule 1)."),
    ),
    "years_note": ("逐年各列只列出当年的记录，当年没有记录的为“—”。",
                   "The yearly columns show each year's own record; “—” where a year has none."),
    "t_zones": ("各空间单元项目阶段与供地（{year}年）", "Stages and land by spatial unit ({year})"),
    "h_zone": ("空间单元", "Spatial unit"),
    "no_zone": ("不属任何空间单元", "in no spatial unit"),
    "h_supplied": ("已供地（亩）", "Land supplied (mu)"),
    "h_declared": ("规划面积（亩）", "Declared (mu)"),
    "h_share": ("供地比例", "Share supplied"),
    "unknown_area": ("（另{n}个未知）", " (+{n} unknown)"),
    "at_line": ("{section}（第{line}行）", "{section} (line {line})"),
    "toc_placeholder": ("（目录：在 Word 中更新域后显示）", "(The contents appear when Word updates the field.)"),
}


def _t(key: str, lang: str, **values: object) -> str:
    return say(TEXT, key, lang, **values)


_pair = pick


# --- the content model: geo.reports.model (shared with the 核查报告) ----------------------------------------------

# --- formatting -------------------------------------------------------------------------------------------------

def _projects_intro(plan: MonitorPlan, lang: str) -> str:
    """Which projects the report follows: the rows of the plan's tables (``表2–表5``) and its text-only projects."""
    projects = plan.projects
    tables = sorted({int(float(t)) for t in projects.get("table", pd.Series(dtype=object)).dropna()})
    span = [] if not tables else [tables[0]] if len(tables) == 1 else [tables[0], tables[-1]]
    tables_zh = "–".join(f"表{t}" for t in span) or "各表"
    tables_en = ("table " if len(span) == 1 else "tables ") + "–".join(str(t) for t in span) if span else "its tables"
    text_only = projects[projects["table"].isna()] if "table" in projects.columns else projects.iloc[0:0]
    names_zh = "、".join(_text(v) for v in text_only.get("name_zh", pd.Series(dtype=object)))
    names_en = ", ".join(_text(v) for v in text_only.get("name_en", pd.Series(dtype=object)))
    return _t("projects_intro", lang, tables_zh=tables_zh, tables_en=tables_en,
              text_zh=f"及正文所列{names_zh}" if names_zh else "",
              text_en=f" and the text's {names_en}" if names_en else "")


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
        raise UsageError(f"{year} is outside the plan period {first}–{last}", source="--year",
                         fix=f"Give a year {first}–{last}; the 终期评估 is --year {last} --final")


# --- the map ----------------------------------------------------------------------------------------------------

def stage_legend(lang: str) -> list[Any]:
    """Legend entries of :data:`STAGE_COLOURS` for :func:`geo.mapview.figure.plan_figure` (stages, then no record)."""
    from geo.mapview.figure import LegendEntry

    entries = [LegendEntry(k, _pair(STAGES[k], lang), STAGE_COLOURS[k]) for k in STAGES]
    return [*entries, LegendEntry("no_data", _t("no_record", lang), STAGE_COLOURS["no_data"])]


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
        stages=stages, stage_legend=stage_legend(lang), stage_label=_t("map_stage_label", lang, year=year),
        notes=(_t("map_stage_note", lang, year=year),),
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
        return value + _t("mean", lang, value=evaluated)
    return value


def _status(key: str, lang: str) -> str:
    return _pair(STATUSES[key], lang) if key in STATUSES else key


def _stage(key: str | None, lang: str) -> str:
    if not key:
        return NONE
    return _pair(STAGES[key], lang) if key in STAGES else key


def _counts_sentence(rows: Sequence[StatusRow], lang: str, *, projects: bool) -> str:
    counts = Counter(r.status for r in rows)
    item = "count_project" if projects else "count_item"
    keys = [*STATUSES, *sorted(set(counts) - set(STATUSES))]
    parts = [_t(item, lang, status=_status(k, lang), n=counts[k]) for k in keys if counts[k]]
    return _t("counted_projects" if projects else "counted_targets", lang,
              parts=_t("list_sep", lang).join(parts) or NONE)


@dataclass
class _Numbers:
    """Running numbers of tables and figures."""

    table: int = 0
    figure: int = 0

    def t(self, caption: str, lang: str) -> str:
        self.table += 1
        return f"表{self.table} {caption}" if lang == "zh" else f"Table {self.table}. {caption}"

    def f(self, caption: str, lang: str) -> str:
        self.figure += 1
        return f"图{self.figure} {caption}" if lang == "zh" else f"Figure {self.figure}. {caption}"


def _actual_summary(a: Actual, lang: str, units: Mapping[str, str]) -> str:
    """What one record says, in words: ``12.5%``; ``阶段：在建；已供地300亩``; ``进展：推进中`` (+ its note)."""
    parts: list[str] = []
    if a.kind == "target":
        unit = a.unit or units.get(a.subject_id, "")
        parts.append(_t("f_value", lang, value=fmt_number(a.value), unit=unit if fmt_number(a.value) != NONE else ""))
    elif a.kind == "project":
        if a.stage:
            parts.append(_t("f_stage", lang, v=_stage(a.stage, lang)))
        for name, key in (("land_mu", "f_land"), ("floor_wan_m2", "f_floor"), ("firms", "f_firms"),
                          ("revenue_yi", "f_revenue")):
            value = getattr(a, name)
            if not _missing(value):
                parts.append(_t(key, lang, v=fmt_number(value)))
    else:
        state = _pair(ACTION_STATES[a.state], lang) if a.state in ACTION_STATES else (a.state or NONE)
        parts.append(_t("f_state", lang, v=state))
    if a.note.strip():
        parts.append(_t("f_note", lang, v=a.note.strip()))
    return _t("sep", lang).join(parts) or NONE


def _why(row: StatusRow, lang: str, targets: Mapping[str, Mapping[str, Any]]) -> str:
    """Why a row is behind or missed, in its figures (and the rules' note on the row, when there is one)."""
    unit = row.unit
    fields = {
        "actual": fmt_number(row.evaluated if not _missing(row.evaluated) else row.actual),
        "actual_year": row.actual_year if row.actual_year is not None else NONE,
        "target": _target_value(row, targets), "target_year": row.target_year or NONE, "unit": unit,
    }
    if row.extra.get("years"):  # an annual-growth target: the mean of the rates entered is what is compared
        text = _t("why_growth", lang, **fields)
    elif row.status == "missed":
        text = _t("why_missed", lang, **fields)
    else:
        base = ""
        if not _missing(row.baseline):
            base = _t("why_base", lang, baseline=fmt_number(row.baseline),
                      baseline_year=row.baseline_year if row.baseline_year is not None else NONE)
        expected = row.extra.get("expected_progress")
        pace = _t("why_pace", lang, expected=fmt_ratio(expected)) if isinstance(expected, (int, float)) else ""
        text = _t("why_progress", lang, base=base, progress=fmt_ratio(row.progress), pace=pace, **fields)
    note = (row.note_zh if lang == "zh" else row.note_en).strip()
    return text + (_t("why_note", lang, note=note) if note else "")


def _stale(value: str, row: StatusRow, year: int, lang: str) -> str:
    """``value`` marked with the year of its record when that is before ``year`` (rule 1: the latest record)."""
    if value == NONE or row.actual_year is None or row.actual_year >= year:
        return value
    return value + _t("of_year", lang, year=row.actual_year)


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
            counts.append((_t("no_record", lang), int(r["no_data"])))
        sep = "" if lang == "zh" else " "
        stages = _t("list_sep", lang).join(f"{name}{sep}{n}" for name, n in counts) or NONE
        declared = fmt_number(r["declared_mu"]) if r["projects"] > int(r["declared_unknown"]) else NONE
        if int(r["declared_unknown"]):
            declared += _t("unknown_area", lang, n=int(r["declared_unknown"]))
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
        raise UsageError(f"unknown language {lang!r}", source="--lang", fix="Use zh or en")
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
    year_cols = tuple(_t("year_col", lang, year=y) for y in years)

    # cover
    title = (_t("title_final", lang, plan=plan_title, first=first, last=year) if final
             else _t("title_annual", lang, plan=plan_title, year=year))
    subtitle = _t("subtitle_final" if final else "subtitle_annual", lang, first=first, end=end)
    latest = max((a.recorded_at for a in used if a.recorded_at), default="")
    cover = (
        _t("made", lang, date=(made or dt.date.today()).isoformat()),
        _t("scope_final", lang, first=first, last=year, end=end) if final
        else _t("scope_annual", lang, year=year, first=first, end=end),
        _t("records", lang, n=len(used), at=fmt_time(latest)) if used else _t("records_none", lang),
        _t("rules", lang, statuses=_t("list_sep", lang).join(_pair(v, lang) for v in STATUSES.values())),
        _t("editable", lang),
    )
    sections: list[Section] = []

    # 1 总体情况
    counts = {"n_t": len(target_rows), "n_p": len(project_rows), "n_a": len(plan.actions), "plan": plan_title}
    blocks: list[Block] = [Text(_t("overview_final", lang, first=first, last=year, **counts) if final
                                else _t("overview", lang, year=year, **counts))]
    if not used:
        blocks.append(Text(_t("no_actuals", lang, year=year)))
    blocks += [Text(_counts_sentence(target_rows, lang, projects=False)),
               Text(_counts_sentence(project_rows, lang, projects=True))]
    t_counts = Counter(r.status for r in target_rows)
    p_counts = Counter(r.status for r in project_rows)
    statuses = [*STATUSES, *sorted((set(t_counts) | set(p_counts)) - set(STATUSES))]
    blocks.append(Table(
        "counts", n.t(_t("t_counts", lang), lang),
        (_t("h_status", lang), _t("h_targets_n", lang), _t("h_projects_n", lang)),
        tuple((_status(s, lang), str(t_counts.get(s, 0)), str(p_counts.get(s, 0))) for s in statuses),
        (2.0, 1.0, 1.0), (False, True, True),
    ))
    blocks.append(Text(_t("see_appendix", lang)))
    sections.append(Section(_t("s1", lang), 1, tuple(blocks)))

    # 2 指标完成情况
    head = (_t("h_id", lang), _t("h_target_name", lang), _t("h_unit", lang), _t("h_baseline", lang),
            _t("h_target", lang), _t("h_target_year", lang))
    notes = [_t("targets_notes", lang)]
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
        table = Table("targets", n.t(_t("t_targets_final", lang, first=first, last=year), lang),
                      (*head, *year_cols, _t("h_status_year", lang, year=year), _t("h_source", lang)), tuple(body),
                      (0.8, 2.4, 0.7, 1.0, 0.9, 1.1, *(1.0 for _ in years), 1.0, 2.2),
                      (False, False, False, True, True, False, *(True for _ in years), False, False),
                      (*notes, _t("years_note", lang)))
    else:
        body = [(r.id, r.name_zh if lang == "zh" else r.name_en, r.unit or NONE, _baseline(r),
                 _target_value(r, targets), r.target_year or NONE, _stale(_actual(r, lang), r, year, lang),
                 _status(r.status, lang), r.source or NONE) for r in target_rows]
        table = Table("targets", n.t(_t("t_targets", lang, year=year), lang),
                      (*head, _t("h_actual", lang), _t("h_status", lang), _t("h_source", lang)), tuple(body),
                      (0.7, 2.2, 0.6, 1.1, 0.9, 1.1, 1.8, 1.0, 1.9),
                      (False, False, False, True, True, False, True, False, False),
                      (*notes, *((_t("stale_note", lang),) if any(_stale("x", r, year, lang) != "x" for r in rows)
                                 else ())))
    sections.append(Section(_t("s2", lang), 1, (table,), landscape=final))

    # 3 重点项目推进情况
    track_names = {str(t["track_id"]): (_text(t.get("name_zh")), _text(t.get("name_en")), _text(t.get("table")))
                   for t in tracks.to_dict("records")}
    zone_names = {str(z["zone_id"]): _text(z.get(name)) for z in zones.to_dict("records")}
    zone_names[evaluate.NO_ZONE] = _t("no_zone", lang)
    sum_head = (_t("h_n_projects", lang), _t("h_stages", lang), _t("h_supplied", lang), _t("h_declared", lang),
                _t("h_share", lang))
    blocks = [
        Text(_projects_intro(plan, lang)),
        Table("tracks", n.t(_t("t_tracks", lang, year=year), lang), (_t("h_track", lang), *sum_head),
              tuple(_track_summary(plan, rows, "track", {k: _pair(v[:2], lang) for k, v in track_names.items()},
                                   lang)),
              (1.3, 0.8, 3.0, 1.1, 1.2, 0.9), (False, True, False, True, True, True)),
        Table("zones", n.t(_t("t_zones", lang, year=year), lang), (_t("h_zone", lang), *sum_head),
              tuple(_track_summary(plan, rows, "zone", zone_names, lang)),
              (1.6, 0.8, 2.8, 1.1, 1.2, 0.9), (False, True, False, True, True, True), (_t("land_sum_note", lang),)),
    ]
    sections.append(Section(_t("s3", lang), 1, tuple(blocks), landscape=final))
    by_track: dict[str, list[StatusRow]] = {}
    for r in project_rows:
        by_track.setdefault(r.track_id or "", []).append(r)
    order = [t for t in track_names if t in by_track] + sorted(t for t in by_track if t not in track_names)
    per_year_p = {y: {r.id: r for r in evaluation.by_year[y] if r.kind == "project"} for y in years} if final else {}
    output_note = _t("output_note", lang, quote=footnote().full_zh)
    for i, track in enumerate(order, start=1):
        zh, en, table_name = track_names.get(track, (track, track, ""))
        shown = _pair((zh, en), lang)
        label = shown + ((f"（{table_name}）" if lang == "zh" else f" ({table_name})") if table_name else "")
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
            header: tuple[str, ...] = (_t("h_id", lang), _t("h_project", lang), *year_cols)
            widths = (0.8, 2.6, *(0.9 for _ in years))
            numeric: tuple[bool, ...] = (False, False, *(False for _ in years))
            caption = _t("track_table_final", lang, name=shown, first=first, last=year)
            notes = [output_note, _t("years_note", lang)]
        else:
            header = (_t("h_id", lang), _t("h_project", lang), _t("h_stage", lang))
            widths, numeric = (0.8, 2.8, 1.1), (False, False, False)
            caption = _t("track_table", lang, name=shown, year=year)
            notes = [output_note]
        table = Table(f"projects:{track}", n.t(caption, lang),
                      (*header, _t("h_land", lang), _t("h_progress", lang), _t("h_revenue", lang),
                       _t("h_output", lang)), tuple(body), (*widths, 1.6, 0.9, 1.1, 1.1),
                      (*numeric, True, True, True, True), tuple(notes))
        sections.append(Section(_t("track_heading", lang, n=i, name=label), 2, (table,), landscape=final))

    # 4 空间布局
    if map_png:
        blocks = [Text(_t("map_intro", lang, year=year)),
                  Image(map_png, n.f(_t("map_caption", lang, year=year), lang), 250.0)]
    else:
        blocks = [Text(_t("map_none", lang))]
    sections.append(Section(_t("s4", lang), 1, tuple(blocks), landscape=bool(map_png)))

    # 5 存在问题
    problems = list(evaluation.problems)
    if problems:
        blocks = [Text(_t("problems_intro", lang, year=year))]
        blocks += [Text(_t("problem_item", lang, status=_status(r.status, lang), id=r.id,
                           name=r.name_zh if lang == "zh" else r.name_en, why=_why(r, lang, targets)), "item")
                   for r in problems]
    else:
        blocks = [Text(_t("problems_none", lang, year=year))]
    no_data_t = sum(r.status == "no_data" for r in target_rows)
    no_data_p = sum(r.status == "no_data" for r in project_rows)
    if no_data_t or no_data_p:
        blocks.append(Text(_t("problems_no_data", lang, n_t=no_data_t, n_p=no_data_p, year=year)))
    sections.append(Section(_t("s5", lang), 1, tuple(blocks)))

    # 6 重点行动
    listed = actions[year]
    if listed:
        def where(a: Mapping[str, Any]) -> str:
            section = _text(a.get("section")) or NONE
            line = a.get("line")
            return section if line is None else _t("at_line", lang, section=section, line=line)

        def state(a: Mapping[str, Any] | None, y: int) -> str:
            if a is None or (final and a.get("actual_year") != y):
                return NONE if final else _status("no_data", lang)
            return _text(a.get("state_zh" if lang == "zh" else "state_en")) or NONE

        if final:
            by_id = {y: {str(a["id"]): a for a in actions[y]} for y in years}
            body = [(str(a["id"]), _text(a.get(name)), where(a), *(state(by_id[y].get(str(a["id"])), y)
                                                                  for y in years)) for a in listed]
            table = Table("actions", n.t(_t("t_actions_final", lang, first=first, last=year), lang),
                          (_t("h_id", lang), _t("h_action", lang), _t("h_section", lang), *year_cols), tuple(body),
                          (0.8, 2.6, 1.6, *(1.0 for _ in years)), (), (_t("years_note", lang),))
        else:
            body = [(str(a["id"]), _text(a.get(name)), where(a), _stale_action(state(a, year), a, year, lang),
                     _text(a.get("source")) or NONE, _text(a.get("note")).strip() or NONE) for a in listed]
            table = Table("actions", n.t(_t("t_actions", lang, year=year), lang),
                          (_t("h_id", lang), _t("h_action", lang), _t("h_section", lang), _t("h_state", lang),
                           _t("h_source", lang), _t("h_note", lang)), tuple(body), (0.7, 2.4, 1.5, 1.1, 2.0, 1.6))
        blocks = [Text(_t("actions_intro", lang)), table]
    else:
        blocks = [Text(_t("no_actions", lang))]
    sections.append(Section(_t("s6", lang), 1, tuple(blocks)))

    # 附录 数据来源
    names_of: dict[tuple[str, str], str] = {(r.kind, r.id): (r.name_zh if lang == "zh" else r.name_en) for r in rows}
    names_of.update({("action", str(a["id"])): _text(a.get(name)) for a in listed})
    if used:
        body = [(_t(f"kind_{a.kind}", lang), a.subject_id, names_of.get((a.kind, a.subject_id)) or NONE,
                 str(a.year), _actual_summary(a, lang, units), a.source or NONE,
                 a.recorded_by or _t("single_user", lang), fmt_time(a.recorded_at), str(a.version or NONE))
                for a in used]
        blocks = [Text(_t("sources_intro", lang)), Table(
            "sources", n.t(_t("t_sources", lang), lang),
            (_t("h_kind", lang), _t("h_id", lang), _t("h_name", lang), _t("h_year", lang), _t("h_content", lang),
             _t("h_source", lang), _t("h_by", lang), _t("h_at", lang), _t("h_version", lang)),
            tuple(body), (0.6, 0.6, 1.8, 0.5, 2.4, 3.0, 0.9, 1.4, 0.5),
            (False, False, False, True, False, False, False, False, True),
        )]
    else:
        blocks = [Text(_t("records_none", lang)), Text(_t("no_actuals", lang, year=year))]
    sections.append(Section(_t("appendix", lang), 1, tuple(blocks), landscape=bool(used)))

    return ReportContent(title, subtitle, cover, _t("toc", lang), _t("toc_note", lang), tuple(sections), lang,
                         year, final, page_label=_t("page", lang, n="{n}"),
                         toc_placeholder=_t("toc_placeholder", lang))


def _stale_action(value: str, action: Mapping[str, Any], year: int, lang: str) -> str:
    got = action.get("actual_year")
    if value == NONE or got is None or int(got) >= year:
        return value
    return value + _t("of_year", lang, year=got)


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
        raise UsageError(f"unknown language {lang!r}", source="--lang", fix="Use zh or en")
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
    raise UsageError(f"unknown format {fmt!r}", source="format", fix="Use docx or pdf")


def report_format(out: str | Path, fmt: str | None = None) -> str:
    """``docx`` or ``pdf``: ``fmt`` if given, else the suffix of ``out`` (one line naming the fix otherwise)."""
    if fmt:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}", source="--format", fix="Use docx or pdf")
        return fmt
    suffix = Path(str(out)).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError(f"cannot tell the format from {str(out)!r}", source="-o",
                         fix="Name the file .docx (Word) or .pdf, or give --format docx|pdf")
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
