"""The office's way in: the Excel template of 监测评估, and reading the filled file back.

:func:`write_template` writes a workbook generated from the plan for one year:

- ``说明`` (first, the sheet Excel opens on): how to fill it in, in Chinese; the
  year in ``B2`` (also the workbook-level defined name ``填报年度``), which the
  reader checks against the year the file is imported for;
- ``目标`` (``编号 | 指标 | 单位 | 目标值 | 目标年 | 实际值 | 来源 | 备注``): one row per
  figure of ``targets.csv`` except the plan's own years (unit ``year``, ``Y-*``);
- ``项目`` (``编号 | 项目 | 阶段 | 已供地（亩） | 建成面积（万平方米） | 入驻企业（家） |
  营收（亿元） | 来源 | 备注``): one row per project of ``projects.csv``, a dropdown of
  the stages (:data:`~geo.monitor.model.STAGES`, Chinese labels);
- ``行动`` (``编号 | 行动 | 进展 | 来源 | 备注``): the eight 重点行动, a dropdown of
  :data:`~geo.monitor.model.ACTION_STATES`.

Ids, names, units and target values are locked (sheet protection without a
password: it guards against slips, not against the user); the value cells are
unlocked and pre-filled with *last year's* values — the latest record of
``year − 1`` per subject — with last year's source in a comment on the 来源
cell. 来源 itself is left empty: a figure carried over is only recorded for the
new year when someone names a source for it (see the unchanged-row rule below).
The file is written through :func:`geo.atomic.write_output` (a symlink, FIFO or
device named as output stays what it is).

:func:`read_filled` reads such a workbook back, or a CSV holding one sheet: a
CSV whose first row is the header of ``目标``, ``项目`` or ``行动`` is that sheet
(save each sheet as its own CSV; UTF-8 with or without BOM, or GBK as Excel on
Chinese Windows writes it). A CSV has no year cell: its year is the one it is
imported for. Problems are named ``sheet!cell`` in Excel's letters (a CSV's
row is its record number, the header being row 1).

What is read and what is refused
--------------------------------
A row is *filled* when its value (实际值), stage or any figure (项目), or state
(进展) is non-empty; only filled rows give records (:class:`~geo.monitor.model.Actual`).
Errors — nothing at all is returned from a file with one, all are collected
and the first :data:`MAX_SHOWN` reported in one line (:class:`TemplateError`):

- the file: not an .xlsx (an .xls, a password-protected workbook, .xlsm or any
  workbook with macros, .xlsb, .ods, an HTML "xls", not a zip), a zip bomb
  (declared or inflated size over :data:`MAX_UNPACKED_BYTES`, a member inflating
  more than :data:`~geo.io.archive.MAX_RATIO` times its packed bytes — checked by
  inflating every member with a running byte count *before* openpyxl opens the
  file), a DTD or entity declaration, more than :data:`MAX_ROWS` rows or
  :data:`MAX_CELLS` cells on a sheet, more than :data:`MAX_FILE_BYTES`;
- the workbook: no 目标/项目/行动 sheet, a data sheet hidden, the year cell
  missing, not a year, or not the year imported; a year before
  :data:`~geo.monitor.model.MIN_YEAR`;
- the header (row 1): a cell not the template's (a unit changed in a header,
  ``已供地（公顷）``), a header column or row hidden, merged cells there (merged
  cells anywhere in the template's columns too);
- a row: values without 编号, an unknown 编号, a 编号 twice, values without
  来源, a 单位 changed (万元 for 亿元: figures are never converted), text, a date,
  TRUE/FALSE or an Excel error in a number cell, a formula without a calculated
  value (a file written by a program and never opened in Excel), a percentage
  in a cell whose unit is not ``%``, negative figures of a project, a fractional
  number of firms, a stage or state not in the list, a 来源/备注 over
  :data:`MAX_TEXT` characters.

Warnings (:attr:`Filled.warnings`, one line each, the file still read): a year
outside the plan period; land supplied over 150 % of the declared mu; a stage
before the one recorded for an earlier year, or after a later year's (given
``previous``); a row equal to last year's record and without 来源 — the
template's pre-fill left as it was — which is *skipped*, not refused; a
percentage cell in a ``%`` row (``14%`` is read as 14); a 来源 without a value;
a name that is not the plan's name of the 编号; hidden data rows; values right
of the template's columns; sheets that are not the template's, or a data sheet
missing. A number cell holding plain-number text (``"300"``, ``"1,200"``: a cell
formatted as text, and every CSV value) is a number; any other text is refused.

Limits: the openpyxl read runs in a worker process under the time and memory
limits of the other readers (:func:`geo.io.limits.run_limited`). zipfile never
returns more than a member's declared size, so the declared sizes checked first
bound what openpyxl can inflate too. Measured on 2 cores (the test prints them):
a sheet of :data:`MAX_ROWS` = 10,000 project rows reads in ~1.4 s (openpyxl
~1.1 s of it; ~12 MB more memory); a sheet of 10^5 rows is refused from its
inflated XML, before openpyxl parses it, in ~0.2–0.4 s (openpyxl alone needs
~15 s for 10^5 rows of nine cells); a 100 MB zip bomb is refused in ~1 ms.

:class:`TemplateError` is an :class:`~geo.errors.InputFileError` (a
:class:`~geo.errors.GeoError`): the CLI exits 2 on it, a page shows its one line.
"""

from __future__ import annotations

import csv
import io
import math
import os
import posixpath
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Final
from xml.etree import ElementTree

import openpyxl
import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser
from openpyxl.worksheet.datavalidation import DataValidation

from geo.atomic import write_output
from geo.errors import InputFileError, Said, UsageError, said, say, tool_said
from geo.i18n import t
from geo.io.archive import MAX_RATIO, RATIO_FLOOR_BYTES
from geo.io.limits import run_limited
from geo.monitor.model import ACTION_STATES, MIN_YEAR, STAGE_ORDER, STAGES, Actual, Kind, MonitorPlan

# --- the layout ----------------------------------------------------------------------------

SHEET_README: Final = "说明"
SHEET_TARGETS: Final = "目标"
SHEET_PROJECTS: Final = "项目"
SHEET_ACTIONS: Final = "行动"

#: The template's column headers (row 1 of the data sheets) by a key of the code; a project figure's unit is in
#: its header.
HEADERS: Final[dict[str, str]] = {
    "id": "编号", "target": "指标", "unit": "单位", "target_value": "目标值", "target_year": "目标年",
    "actual": "实际值", "source": "来源", "note": "备注", "project": "项目", "stage": "阶段",
    "land": "已供地（亩）", "floor": "建成面积（万平方米）", "firms": "入驻企业（家）", "revenue": "营收（亿元）",
    "action": "行动", "state": "进展",
}


def _heads(*keys: str) -> tuple[str, ...]:
    """The headers of ``keys`` (of :data:`HEADERS`), in order."""
    return tuple(HEADERS[k] for k in keys)


#: The data sheets and their headers (row 1), in order.
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    SHEET_TARGETS: _heads("id", "target", "unit", "target_value", "target_year", "actual", "source", "note"),
    SHEET_PROJECTS: _heads("id", "project", "stage", "land", "floor", "firms", "revenue", "source", "note"),
    SHEET_ACTIONS: _heads("id", "action", "state", "source", "note"),
}
_KINDS: Final[dict[str, Kind]] = {SHEET_TARGETS: "target", SHEET_PROJECTS: "project", SHEET_ACTIONS: "action"}
#: The columns a user fills (the others are locked).
_INPUTS: Final[dict[str, tuple[str, ...]]] = {
    SHEET_TARGETS: _heads("actual", "source", "note"),
    SHEET_PROJECTS: _heads("stage", "land", "floor", "firms", "revenue", "source", "note"),
    SHEET_ACTIONS: _heads("state", "source", "note"),
}
#: The columns whose being filled makes a row a record.
_VALUES: Final[dict[str, tuple[str, ...]]] = {
    SHEET_TARGETS: _heads("actual"),
    SHEET_PROJECTS: _heads("stage", "land", "floor", "firms", "revenue"),
    SHEET_ACTIONS: _heads("state"),
}
#: A project figure's header → (field of :class:`Actual`, unit, short name): the header's own two parts.
_PROJECT_FIGURES: Final[dict[str, tuple[str, str, str]]] = {
    HEADERS["land"]: ("land_mu", "亩", "已供地"),
    HEADERS["floor"]: ("floor_wan_m2", "万平方米", "建成面积"),
    HEADERS["firms"]: ("firms", "家", "入驻企业"),
    HEADERS["revenue"]: ("revenue_yi", "亿元", "营收"),
}
_WIDTHS: Final[dict[str, tuple[int, ...]]] = {
    SHEET_TARGETS: (8, 44, 8, 10, 11, 12, 40, 24),
    SHEET_PROJECTS: (8, 40, 11, 13, 20, 14, 12, 40, 24),
    SHEET_ACTIONS: (8, 26, 11, 40, 24),
}
#: The workbook-level name of the year cell, and where it is.
YEAR_NAME: Final = "填报年度"
YEAR_CELL: Final = "B2"

# --- the limits ----------------------------------------------------------------------------

#: Largest file read (a filled template of 10,000 rows is well under 2 MB).
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
#: Most bytes the workbook's members may inflate to, all together (declared and counted while inflating).
MAX_UNPACKED_BYTES: Final = 64 * 1024 * 1024
#: Most members a workbook may have (the template has ~12).
MAX_MEMBERS: Final = 1000
#: Most rows below the header on a sheet (a plan has a few hundred subjects; openpyxl reads ~7,000 rows a second).
MAX_ROWS: Final = 10_000
#: Most cells on a sheet (formatting a whole block of empty cells counts too).
MAX_CELLS: Final = 200_000
#: Longest 来源 or 备注 (characters).
MAX_TEXT: Final = 1000
#: Problems shown in the one line of a :class:`TemplateError`.
MAX_SHOWN: Final = 3
#: Land supplied over this share of the declared mu is warned about.
LAND_WARN_SHARE: Final = 1.5

_CHUNK: Final = 64 * 1024
#: An element a sheet's XML holds once per row / per cell (with or without a namespace prefix); a DTD or entity.
_ELEMENT_RE: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")
_DTD_RE: Final = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS_RE: Final = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_EXCEL_ERRORS: Final = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                        "#SPILL!", "#CALC!")
_FIX_XLSX: Final = said("err.monitor.xlsx_fix", save_as=t("montemplate.menu_save_as", "zh"))
#: Excel's (and WPS's) Chinese name of the number format General, which a fix names.
_GENERAL: Final = t("montemplate.format_general", "zh")
#: Fill the template and import it, or a CSV of one of its sheets.
_FIX_TEMPLATE: Final = said("err.monitor.template_or_csv_fix")
_FIX_BOMB: Final = said("err.monitor.bomb_fix")


class TemplateError(InputFileError):
    """A filled template (or its CSV) cannot be imported: one line naming the file, sheet!cell and the fix.

    ``problems`` holds every problem found as ``(cell, what, fix)``; the message
    shows the first :data:`MAX_SHOWN`. Nothing of a file with an error is returned.
    """

    def __init__(self, problem: str | Said, *, source: str | None = None, fix: str | Said | None = None,
                 problems: Sequence[tuple[str, str, str]] = ()) -> None:
        super().__init__(problem, source=source, fix=fix)
        self.problems = list(problems) or [("", self.problem, self.fix or "")]


@dataclass
class Filled:
    """What a filled template holds: the records to store (all for one year) and what to tell the user."""

    records: list[Actual]
    warnings: list[str]


# --- writing -------------------------------------------------------------------------------


def write_template(plan: MonitorPlan, actuals: Sequence[Actual], year: int, out: Path | BinaryIO) -> None:
    """Write the template of ``year`` (see the module) to ``out``: a path (through the output rule) or a stream.

    ``actuals`` are the records known so far; the latest version of each
    subject's ``year − 1`` record pre-fills its row.

    Raises
    ------
    UsageError
        ``year`` is before :data:`~geo.monitor.model.MIN_YEAR`.
    ExportError
        The path cannot be written.
    """
    if year < MIN_YEAR:
        raise UsageError(said("err.monitor.year_before", year=year, min_year=MIN_YEAR),
                         source="template year", fix=said("err.monitor.year_before_fix"))
    buffer = io.BytesIO()
    _workbook(plan, actuals, year).save(buffer)
    if isinstance(out, str | os.PathLike):
        write_output(out, buffer.getvalue())
    else:
        out.write(buffer.getvalue())


def _last_year(actuals: Iterable[Actual], year: int) -> dict[tuple[str, str], Actual]:
    """The record in force for ``year`` per ``(kind, subject_id)``: highest version, then latest recorded, then last."""
    best: dict[tuple[str, str], tuple[tuple[int, str, int], Actual]] = {}
    for i, rec in enumerate(actuals):
        if rec.year != year:
            continue
        rank = (rec.version, rec.recorded_at, i)
        key = (rec.kind, rec.subject_id)
        if key not in best or rank >= best[key][0]:
            best[key] = (rank, rec)
    return {k: v for k, (_, v) in best.items()}


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NA


def _number_cell(value: Any) -> int | float | None:
    """A plan or record figure as a cell: an int when whole (``300``, not ``300.0``), None when unknown."""
    if not _present(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def _target_rows(plan: MonitorPlan, last: dict[tuple[str, str], Actual]) -> list[tuple[list[Any], Actual | None]]:
    rows = []
    for target in plan.targets.itertuples(index=False):
        if str(target.unit) == "year":
            continue
        value, high = _number_cell(target.value), _number_cell(target.value_max)
        shown: Any = f"{value}–{high}" if value is not None and high is not None else value
        target_year: Any = str(target.year) if _present(target.year) else None
        if target_year is not None and target_year.isdigit():
            target_year = int(target_year)
        prev = last.get(("target", str(target.target_id)))
        rows.append(([str(target.target_id), str(target.name_zh), str(target.unit), shown, target_year,
                      _number_cell(prev.value) if prev else None, None, None], prev))
    return rows


def _project_rows(plan: MonitorPlan, last: dict[tuple[str, str], Actual]) -> list[tuple[list[Any], Actual | None]]:
    rows = []
    for p in plan.projects.itertuples(index=False):
        prev = last.get(("project", str(p.project_id)))
        stage = STAGES[prev.stage][0] if prev and prev.stage in STAGES else None
        figures = [_number_cell(getattr(prev, f)) if prev else None for f, _, _ in _PROJECT_FIGURES.values()]
        rows.append(([str(p.project_id), str(p.name_zh), stage, *figures, None, None], prev))
    return rows


def _action_rows(plan: MonitorPlan, last: dict[tuple[str, str], Actual]) -> list[tuple[list[Any], Actual | None]]:
    rows = []
    for a in plan.actions.itertuples(index=False):
        prev = last.get(("action", str(a.action_id)))
        state = ACTION_STATES[prev.state][0] if prev and prev.state in ACTION_STATES else None
        rows.append(([str(a.action_id), str(a.name_zh), state, None, None], prev))
    return rows


def _project_notes(plan: MonitorPlan) -> dict[str, str]:
    """What the plan says of each project, for a comment on its name (the 150 % rule needs the declared mu)."""
    notes = {}
    for p in plan.projects.itertuples(index=False):
        parts = [str(p.source)] if _present(getattr(p, "source", None)) else []
        mu, output = getattr(p, "declared_mu", None), getattr(p, "output_yi", None)
        parts.append(t("montemplate.project_land", "zh", mu=_number_cell(mu)) if _present(mu)
                     else t("montemplate.project_land_none", "zh"))
        if _present(output):
            parts.append(t("montemplate.project_output", "zh", output=_number_cell(output)))
        notes[str(p.project_id)] = t("monitor.note_sep", "zh").join(parts)
    return notes


#: The headers that have a comment: the catalogue's ``montemplate.header_note.<key>`` (written in Chinese).
_HEADER_NOTES: Final = {HEADERS[key]: f"montemplate.header_note.{key}"
                        for key in ("actual", "stage", "land", "floor", "firms", "revenue", "state", "source")}


def _workbook(plan: MonitorPlan, actuals: Sequence[Actual], year: int) -> Any:
    """The template as an openpyxl workbook (see the module)."""
    last = _last_year(actuals, year - 1)
    book = openpyxl.Workbook()
    readme = book.active
    readme.title = SHEET_README
    _readme(readme, plan, year, bool(last))
    thin = Side(style="thin", color="BFBFBF")
    styles = {
        "header": (Font(bold=True), PatternFill("solid", fgColor="D9D9D9")),
        "locked": (Font(), PatternFill("solid", fgColor="F2F2F2")),
        "input": (Font(), PatternFill("solid", fgColor="FFF2CC")),
    }
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    project_notes = _project_notes(plan)
    builders: dict[str, Callable[[MonitorPlan, dict[tuple[str, str], Actual]], list[tuple[list[Any], Actual | None]]]]
    builders = {SHEET_TARGETS: _target_rows, SHEET_PROJECTS: _project_rows, SHEET_ACTIONS: _action_rows}
    for name, columns in COLUMNS.items():
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for j, cell in enumerate(sheet[1]):
            cell.font, cell.fill = styles["header"]
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            if columns[j] in _HEADER_NOTES:
                cell.comment = Comment(t(_HEADER_NOTES[columns[j]], "zh"), "geo")
        inputs = {columns.index(c) for c in _INPUTS[name]}
        rows = builders[name](plan, last)
        for values, prev in rows:
            sheet.append(values)
            r = sheet.max_row
            for j in range(len(columns)):
                cell = sheet.cell(r, j + 1)
                cell.font, cell.fill = styles["input" if j in inputs else "locked"]
                cell.border = border
                if j in inputs:
                    cell.protection = Protection(locked=False)
                if columns[j] in _heads("id", "source", "note") or j == 1:
                    cell.number_format = "@"  # text: an id or a source is never turned into a number or date
            if prev is not None and prev.source:
                said = t("montemplate.prev_source", "zh", year=year - 1, source=prev.source)
                sheet.cell(r, columns.index(HEADERS["source"]) + 1).comment = Comment(said, "geo", width=260, height=90)
            if name == SHEET_PROJECTS and values[0] in project_notes:
                sheet.cell(r, 2).comment = Comment(project_notes[values[0]], "geo", width=260, height=70)
        _validations(sheet, name, len(rows))
        for j, width in enumerate(_WIDTHS[name], start=1):
            sheet.column_dimensions[get_column_letter(j)].width = width
        sheet.row_dimensions[1].height = 32
        sheet.freeze_panes = "C2"  # the header, and each row's 编号 and name when scrolling right
        sheet.protection.sheet = True  # no password: guards against slips, not against the user
        sheet.protection.formatColumns = False  # widths may still be changed
        sheet.protection.formatRows = False
    book.defined_names[YEAR_NAME] = DefinedName(YEAR_NAME, attr_text=f"'{SHEET_README}'!$B$2")
    return book


def _list_validation(labels: Iterable[str], prompt: str) -> DataValidation:
    return DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle=t("montemplate.not_in_list", "zh"),
                          error=t("montemplate.choose_from_list", "zh", options=prompt))


def _validations(sheet: Any, name: str, n: int) -> None:
    """Dropdowns of the stages and states; number checks that stop text at entry (the reader checks again)."""
    if n == 0:
        return
    columns = COLUMNS[name]

    def col(header: str) -> str:
        letter = get_column_letter(columns.index(header) + 1)
        return f"{letter}2:{letter}{n + 1}"

    checks: list[tuple[DataValidation, str]] = []
    if name == SHEET_PROJECTS:
        labels = [zh for zh, _ in STAGES.values()]
        checks.append((_list_validation(labels, t("monitor.list_sep", "zh").join(labels)), col(HEADERS["stage"])))
        for header, (fld, unit, short) in _PROJECT_FIGURES.items():
            kind = "whole" if fld == "firms" else "decimal"
            number = t("montemplate.whole_number" if kind == "whole" else "montemplate.number", "zh")
            check = DataValidation(type=kind, operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                   showErrorMessage=True, errorTitle=t("montemplate.not_a_number", "zh"),
                                   error=t("montemplate.figure_error", "zh", short=short, number=number, unit=unit))
            checks.append((check, col(header)))
    elif name == SHEET_ACTIONS:
        labels = [zh for zh, _ in ACTION_STATES.values()]
        checks.append((_list_validation(labels, t("monitor.list_sep", "zh").join(labels)), col(HEADERS["state"])))
    else:
        check = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15",
                               allow_blank=True, showErrorMessage=True, errorTitle=t("montemplate.not_a_number", "zh"),
                               error=t("montemplate.value_error", "zh"))
        checks.append((check, col(HEADERS["actual"])))
    for check, ref in checks:
        sheet.add_data_validation(check)
        check.add(ref)


def _plan_tables() -> list[int]:
    """The numbers of the plan in use's project tables (its package's ``geo:plan.tables.numbers``)."""
    from geo.plan.current import plan_meta

    return sorted(int(n) for n in (plan_meta().get("tables") or {}).get("numbers") or [])


def _table_span(numbers: Sequence[int]) -> str:
    """Tables by number as the template's 说明 writes them, with an em dash: ``表2—表5``, ``表3`` (none: "")."""
    if not numbers:
        return ""
    if numbers[0] == numbers[-1]:
        return t("montemplate.table_one", "zh", n=numbers[0])
    return t("montemplate.table_span", "zh", first=numbers[0], last=numbers[-1])


def _readme(sheet: Any, plan: MonitorPlan, year: int, prefilled: bool) -> None:
    """The 说明 sheet: the year (B2, read back), the plan period and how to fill the workbook in."""
    first, last = plan.period
    sep = t("monitor.list_sep", "zh")
    stages = sep.join(zh for zh, _ in STAGES.values())
    states = sep.join(zh for zh, _ in ACTION_STATES.values())
    lines = [
        t("montemplate.readme.sheets", "zh", year=year, span=_table_span(_plan_tables())),
        t("montemplate.readme.locked", "zh"),
        t("montemplate.readme.targets", "zh", year=year),
        t("montemplate.readme.projects", "zh", stages=stages, year=year),
        t("montemplate.readme.actions", "zh", states=states),
        t("montemplate.readme.source", "zh"),
        t("montemplate.readme.prefilled", "zh", year=year, last=year - 1) if prefilled
        else t("montemplate.readme.not_prefilled", "zh", last=year - 1),
        t("montemplate.readme.formulas", "zh"),
        t("montemplate.readme.examples", "zh"),
        t("montemplate.readme.import", "zh", year=year),
        t("montemplate.readme.csv", "zh"),
    ]
    sheet.append([t("montemplate.title", "zh", plan=plan.title_zh)])
    sheet.append([t("montemplate.year_label", "zh"), year])
    sheet.append([t("montemplate.period_label", "zh"), t("montemplate.period_value", "zh", first=first, last=last)])
    sheet.append([])
    sheet.append([t("montemplate.how_to", "zh")])
    for i, text in enumerate(lines, start=1):
        sheet.append([t("montemplate.item", "zh", n=i), text])
    sheet["A1"].font = Font(bold=True, size=14)
    for ref in ("A2", "A3", "A5"):
        sheet[ref].font = Font(bold=True)
    sheet["B2"].font = Font(bold=True, size=12)
    sheet["B2"].alignment = Alignment(horizontal="left")
    for row in sheet.iter_rows(min_row=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 100
    sheet.protection.sheet = True


# --- reading: the file as it arrives -------------------------------------------------------


@dataclass
class _Sheet:
    """One data sheet as read, before any rule: values of the template's columns, and what hides or breaks them."""

    name: str
    header: list[Any]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    #: The first cell right of the template's columns with a value ("" when none).
    beyond: str = ""
    #: Cells holding a formula with no calculated value.
    no_cache: list[str] = field(default_factory=list)
    #: Cells of the template's columns formatted as a percentage.
    percent: set[str] = field(default_factory=set)
    hidden_columns: list[str] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    hidden: bool = False


@dataclass
class _Book:
    """What a file holds: its data sheets, other sheets, and its year cell (None for a CSV)."""

    sheets: dict[str, _Sheet]
    other_sheets: list[str] = field(default_factory=list)
    year_cell: str | None = None
    year_value: Any = None
    year_sheet_found: bool = False


def read_filled(path: Path, plan: MonitorPlan, year: int, previous: Sequence[Actual] = (), *,
                source: str | None = None) -> Filled:
    """The records of a filled template (or a one-sheet CSV) for ``year``, and the warnings (see the module).

    Parameters
    ----------
    path
        The file: an .xlsx written by :func:`write_template` and filled in, or a CSV of one of its sheets.
    plan
        The plan the template was written from (its ids, names, units, declared mu).
    year
        The year the file is imported for; an .xlsx's year cell must hold it.
    previous
        Records already stored (any years): a stage going back is warned about, and
        a row equal to its ``year − 1`` record without 来源 is skipped, not refused.
    source
        The name to show for the file (an upload's own name); default: the path's name.

    Raises
    ------
    TemplateError
        Anything the module lists as an error; nothing is returned then.
    """
    src = source or Path(path).name
    path = Path(path)
    kind = _sniff(path, src)
    book = _read_xlsx(path, src) if kind == "xlsx" else _read_csv(path, src)
    return _check(book, plan, year, previous, src)


class _FirstClause(Said):
    """Catalogue words holding the first clause of another error's words (a :class:`Said` value), in one language."""

    __slots__ = ()

    def text(self, lang: str) -> str:
        return t(self.key, lang, **{k: re.split("[;；]", v.text(lang).rstrip("。. "))[0] if isinstance(v, Said) else v
                                    for k, v in self.values.items()})


def _error(problem: Said, src: str, fix: Said) -> TemplateError:
    return TemplateError(problem, source=src, fix=fix)


def _sniff(path: Path, src: str) -> str:
    """``xlsx`` or ``csv`` by the content (not the name), or the refusal of what the file is instead."""
    if not path.is_file():
        raise _error(said("err.monitor.no_file"), src, said("err.monitor.no_file_fix"))
    size = path.stat().st_size
    if size == 0:
        raise _error(said("err.monitor.empty"), src, said("err.monitor.save_again_fix"))
    if size > MAX_FILE_BYTES:
        raise _error(said("err.monitor.too_big", size=size / 2**20, limit=MAX_FILE_BYTES / 2**20), src,
                     said("err.monitor.template_rows_fix"))
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _error(said("err.monitor.is_xls"), src, _FIX_XLSX)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<workbook", b"<meta")):
        raise _error(said("err.monitor.is_html"), src, _FIX_XLSX)
    if text.startswith(b"%pdf") or b"\x00" in head:
        raise _error(said("err.monitor.not_xlsx_or_csv"), src, _FIX_TEMPLATE)
    return "csv"


class _Counting(io.FileIO):
    """The workbook file, counting the bytes read from it: the packed bytes inflating a member has consumed."""

    consumed = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size) or b""
        self.consumed += len(data)
        return data


def _inspect_zip(path: Path, src: str) -> None:
    """Refuse, before openpyxl sees the file, what is not a plain .xlsx or would make it work without bound.

    Every member is inflated and thrown away, counting the bytes against
    :data:`MAX_UNPACKED_BYTES` (all members together), the member's declared
    size and :data:`~geo.io.archive.MAX_RATIO` times the packed bytes read;
    the data sheets' rows and cells are counted from their XML on the way.
    """
    with _Counting(path, "rb") as counting:
        try:
            zf = zipfile.ZipFile(counting)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
            raise _error(said("err.monitor.damaged_zip", error=tool_said(exc)), src,
                         said("err.monitor.save_again_excel_fix")) from None
        with zf:
            infos = zf.infolist()
            names = {i.filename.lower(): i.filename for i in infos}
            _check_kind(zf, names, src)
            if len(infos) > MAX_MEMBERS:
                raise _error(said("err.monitor.too_many_parts", n=len(infos), limit=MAX_MEMBERS), src, _FIX_BOMB)
            odd = [i for i in infos if i.flag_bits & 0x1 or i.compress_type not in (zipfile.ZIP_STORED,
                                                                                     zipfile.ZIP_DEFLATED)]
            if odd:
                raise _error(said("err.monitor.part_encrypted", part=odd[0].filename), src, _FIX_XLSX)
            declared = sum(i.file_size for i in infos)
            if declared > MAX_UNPACKED_BYTES:
                raise _error(said("err.monitor.unpacks_too_big", size=declared / 2**20,
                                  limit=MAX_UNPACKED_BYTES / 2**20), src, _FIX_BOMB)
            for info in infos:
                if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise _error(said("err.monitor.part_ratio", part=info.filename,
                                      ratio=info.file_size / max(info.compress_size, 1)), src, _FIX_BOMB)
            kept: dict[str, bytes] = {}
            counts: dict[str, tuple[int, int]] = {}
            total = 0
            for info in infos:
                keep = info.filename.lower() in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
                sheet_xml = info.filename.lower().startswith("xl/worksheets/") and info.filename.endswith(".xml")
                rows = cells = 0
                pieces: list[bytes] = []
                carry = b""
                start, member = counting.consumed, 0
                try:
                    with zf.open(info) as fh:
                        while chunk := fh.read(_CHUNK):
                            member += len(chunk)
                            total += len(chunk)
                            if total > MAX_UNPACKED_BYTES or member > info.file_size:
                                raise _error(said("err.monitor.more_than_declared"), src, _FIX_BOMB)
                            if member > RATIO_FLOOR_BYTES and member > MAX_RATIO * (counting.consumed - start):
                                raise _error(said("err.monitor.part_ratio_max", part=info.filename, ratio=MAX_RATIO),
                                             src, _FIX_BOMB)
                            text = carry + chunk
                            cut = text.rfind(b"<")  # a tag split between chunks is looked at whole, in the next
                            cut = cut if cut >= 0 and len(text) - cut < 64 else len(text)
                            text, carry = text[:cut], text[cut:]
                            if _DTD_RE.search(text):
                                raise _error(said("err.monitor.part_dtd", part=info.filename), src, _FIX_XLSX)
                            if sheet_xml:
                                found = _ELEMENT_RE.findall(text)
                                rows += found.count(b"row")
                                cells += len(found) - found.count(b"row")
                            if keep and member <= 4 * 1024 * 1024:  # the two small parts mapping the sheets
                                pieces.append(chunk)
                except TemplateError:
                    raise
                except Exception as exc:  # BadZipFile (a CRC), zlib.error, EOFError, OSError
                    raise _error(said("err.monitor.part_damaged", part=info.filename, error=tool_said(exc)),
                                 src, said("err.monitor.save_again_excel_fix")) from None
                if keep:
                    kept[info.filename.lower()] = b"".join(pieces)
                if sheet_xml:
                    counts[info.filename] = (rows, cells)
    _check_counts(kept, counts, src)


def _check_kind(zf: zipfile.ZipFile, names: dict[str, str], src: str) -> None:
    """Refuse a zip that is an .ods, .xlsb, a workbook with macros, or no workbook at all."""
    if "mimetype" in names:
        with zf.open(names["mimetype"]) as fh:
            mimetype = fh.read(200)
        if b"opendocument" in mimetype:
            raise _error(said("err.monitor.is_ods"), src,
                         said("err.monitor.is_ods_fix", save_as=t("montemplate.menu_save_as", "zh")))
    if any(n.endswith("vbaproject.bin") for n in names) or _content_types_say(zf, names, b"macroenabled"):
        raise _error(said("err.monitor.macros"), src,
                     said("err.monitor.macros_fix", save_as=t("montemplate.menu_save_as", "zh")))
    if "xl/workbook.bin" in names:
        raise _error(said("err.monitor.is_xlsb"), src, _FIX_XLSX)
    if "xl/workbook.xml" not in names:
        raise _error(said("err.monitor.no_workbook_xml"), src, _FIX_TEMPLATE)


def _content_types_say(zf: zipfile.ZipFile, names: dict[str, str], word: bytes) -> bool:
    info = zf.getinfo(names["[content_types].xml"]) if "[content_types].xml" in names else None
    if info is None or info.file_size > 1024 * 1024:
        return False
    try:
        with zf.open(info) as fh:
            return word in fh.read(1024 * 1024).lower()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return False


def _sheet_parts(kept: dict[str, bytes]) -> dict[str, str]:
    """Sheet name → its XML part, from xl/workbook.xml and its relationships ({} when they cannot be read)."""
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        book = ElementTree.fromstring(kept.get("xl/workbook.xml", b""))
        rels = ElementTree.fromstring(kept.get("xl/_rels/workbook.xml.rels", b""))
    except ElementTree.ParseError:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if r.tag.endswith("Relationship")}
    parts = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet") and sheet.get("name") is not None:
            target = targets.get(sheet.get(rel_ns), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            parts[str(sheet.get("name"))] = part
    return parts


def _check_counts(kept: dict[str, bytes], counts: dict[str, tuple[int, int]], src: str) -> None:
    """Refuse a data sheet (or 说明) of more than :data:`MAX_ROWS` rows or :data:`MAX_CELLS` cells, by its XML."""
    lower = {k.lower(): v for k, v in counts.items()}
    for name, part in _sheet_parts(kept).items():
        if name not in COLUMNS and name != SHEET_README:
            continue  # a sheet that is not the template's is never parsed
        rows, cells = lower.get(part.lower(), (0, 0))
        _check_size(name, rows, cells, src)


def _check_size(name: str, rows: int, cells: int, src: str) -> None:
    if rows - 1 > MAX_ROWS:
        raise _error(said("err.monitor.sheet_rows", name=name, rows=rows - 1, limit=MAX_ROWS), src,
                     said("err.monitor.sheet_rows_fix", id=HEADERS["id"]))
    if cells > MAX_CELLS:
        raise _error(said("err.monitor.sheet_cells", name=name, cells=cells, limit=MAX_CELLS), src,
                     said("err.monitor.sheet_cells_fix"))


def _read_xlsx(path: Path, src: str) -> _Book:
    """The workbook's sheets, read by openpyxl in a worker under the readers' time and memory limits."""
    _inspect_zip(path, src)
    try:
        book = run_limited(_parse_book, path, src, source=src)
    except TemplateError:
        raise
    except InputFileError as exc:  # the limits' own words speak of GIS layers: keep the first clause
        detail = exc.said or exc.problem.split(";")[0]
        raise _error(_FirstClause("err.monitor.over_limits", {"detail": detail}), src,
                     said("err.monitor.over_limits_fix")) from None
    assert isinstance(book, _Book)
    return book


class _Parser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's sheet parser (values only), noting the formulas that have no calculated value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.no_cache: list[tuple[int, int]] = []

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if element.find(FORMULA_TAG) is not None:
            cached = element.find(VALUE_TAG)
            # no <v>, or an empty one (openpyxl writes <v></v>); only a text result (t="str") may be empty
            if cached is None or (not cached.text and element.get("t") != "str"):
                self.no_cache.append((cell["row"], cell["column"]))
        return cell


def _parser(book: Any, sheet: Any, src: Any) -> _Parser:
    # openpyxl's read-only sheets parse with this same call (worksheet/_read_only.py); we need the parser itself
    # for what it learns besides values (hidden columns and rows, merged cells) and the formulas without a value.
    return _Parser(src, sheet._shared_strings, data_only=True, epoch=book.epoch, date_formats=book._date_formats,
                   timedelta_formats=book._timedelta_formats)


def _percent_styles(book: Any) -> set[int]:
    """Style ids whose number format shows a percentage (Excel stores 14% as 0.14)."""
    found = set()
    for i, style in enumerate(book._cell_styles):
        fmt_id = style.numFmtId
        if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
            fmt = BUILTIN_FORMATS.get(fmt_id, "General")
        else:
            custom = book._number_formats
            fmt = custom[fmt_id - BUILTIN_FORMATS_MAX_SIZE] if fmt_id - BUILTIN_FORMATS_MAX_SIZE < len(custom) else ""
        if "%" in re.sub(r'"[^"]*"|\\.', "", fmt):
            found.add(i)
    return found


def _parse_book(path: Path, src: str) -> _Book:
    """In the worker: the data sheets and the year cell, by openpyxl (read-only, cached values)."""
    try:
        with warnings.catch_warnings():  # "Data Validation extension is not supported" and the like
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
            try:
                return _book_of(book, src)
            finally:
                book.close()
    except (TemplateError, MemoryError):
        raise
    except Exception as exc:
        raise _error(said("err.monitor.unreadable", kind=type(exc).__name__, error=tool_said(exc)), src,
                     said("err.monitor.unreadable_fix")) from None


def _book_of(book: Any, src: str) -> _Book:
    percent = _percent_styles(book)
    sheets, others = {}, []
    for name in book.sheetnames:
        if name in COLUMNS:
            sheets[name] = _parse_sheet(book, book[name], name, percent, src)
        elif name != SHEET_README:
            others.append(name)
    result = _Book(sheets=sheets, other_sheets=others)
    sheet_name, coordinate = SHEET_README, YEAR_CELL
    defined = book.defined_names.get(YEAR_NAME)
    if defined is not None:
        for title, ref in defined.destinations:
            if title == SHEET_README:  # the name is honoured only on 说明, the sheet whose size was checked
                coordinate = ref.replace("$", "")
    result.year_cell = f"{sheet_name}!{coordinate}"
    if sheet_name in book.sheetnames:
        result.year_sheet_found = True
        result.year_value = _cell_value(book, book[sheet_name], coordinate)
    return result


def _cell_value(book: Any, sheet: Any, coordinate: str) -> Any:
    """One cell's (cached) value, parsing the sheet only down to its row."""
    col, row = range_boundaries(coordinate)[:2]
    with sheet._get_source() as xml:
        for idx, cells in _parser(book, sheet, xml).parse():
            if idx > row:
                break
            if idx == row:
                return next((c["value"] for c in cells if c["column"] == col), None)
    return None


def _parse_sheet(book: Any, sheet: Any, name: str, percent: set[int], src: str) -> _Sheet:
    width = len(COLUMNS[name])
    result = _Sheet(name=name, header=[None] * width, hidden=sheet.sheet_state != "visible")
    count = 0
    with sheet._get_source() as xml:
        parser = _parser(book, sheet, xml)
        for idx, cells in parser.parse():
            count += 1
            if count - 1 > MAX_ROWS:  # the XML count said less (an odd producer): the same limit
                _check_size(name, count, 0, src)
            values: list[Any] = [None] * width
            for c in cells:
                col, value = c["column"], c["value"]
                if col <= width:
                    values[col - 1] = value
                    if c["style_id"] in percent and isinstance(value, int | float) and not isinstance(value, bool):
                        result.percent.add(f"{get_column_letter(col)}{idx}")
                elif value not in (None, "") and not result.beyond:
                    result.beyond = f"{get_column_letter(col)}{idx}"
            if idx == 1:
                result.header = values
            elif any(v not in (None, "") for v in values):
                result.rows.append((idx, values))
    result.no_cache = [f"{get_column_letter(c)}{r}" for r, c in parser.no_cache if c <= width]
    for attrs in parser.column_dimensions.values():
        low, high = int(attrs.get("min", 0)), int(attrs.get("max", attrs.get("min", 0)))
        if _hidden(attrs) or str(attrs.get("width", "")).strip() in ("0", "0.0"):
            result.hidden_columns += [get_column_letter(c) for c in range(low, min(high, width) + 1)]
    result.hidden_rows = sorted(int(r) for r, attrs in parser.row_dimensions.items() if _hidden(attrs))
    merged = getattr(parser.merged_cells, "mergeCell", None) or []
    for cell in merged:
        if range_boundaries(str(cell.ref))[0] <= width:
            result.merged.append(str(cell.ref))
    return result


def _hidden(attrs: dict[str, Any]) -> bool:
    return str(attrs.get("hidden", "")).lower() in ("1", "true")


def _read_csv(path: Path, src: str) -> _Book:
    """A CSV of one sheet, named by its header (row 1); its values stay text until the rules read them."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise _error(said("err.monitor.csv_encoding"), src, said("err.monitor.csv_encoding_fix"))
    first = text.split("\n", 1)[0]
    delimiter = "," if "," in first else "\t" if "\t" in first else ";" if ";" in first else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _error(said("err.monitor.csv_unreadable", error=tool_said(exc)), src,
                     said("err.monitor.csv_unreadable_fix")) from None
    header = [_norm(h) for h in records[0]] if records else []
    name = next((n for n, cols in COLUMNS.items() if header[:len(cols)] == [_norm(c) for c in cols]), None)
    if name is None:
        heads = "; ".join(f"{n}: {' | '.join(c)}" for n, c in COLUMNS.items())
        shown = " | ".join(records[0][:10]) if records else ""
        raise _error(said("err.monitor.csv_header", shown=shown, heads=heads), src,
                     said("err.monitor.csv_header_fix"))
    _check_size(name, len(records), 0, src)
    width = len(COLUMNS[name])
    sheet = _Sheet(name=name, header=list(records[0][:width]))
    for idx, record in enumerate(records[1:], start=2):
        values: list[Any] = [(v.strip() or None) for v in record[:width]] + [None] * max(0, width - len(record))
        extra = next((j for j, v in enumerate(record[width:], start=width + 1) if v.strip()), None)
        if extra is not None and not sheet.beyond:
            sheet.beyond = f"{get_column_letter(extra)}{idx}"
        if any(v is not None for v in values):
            sheet.rows.append((idx, values))
    return _Book(sheets={name: sheet})


# --- reading: the rules --------------------------------------------------------------------


def _norm(header: Any) -> str:
    """A header as compared: no whitespace, full-width parentheses (``已供地(亩)`` is ``已供地（亩）``)."""
    text = "" if header is None else str(header)
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@dataclass(frozen=True)
class _Shown:
    """The first problems of a file as one text (``cell: what — fix; …``), in any language (a value of words)."""

    problems: tuple[tuple[str, str, str], ...]

    def text(self, lang: str) -> str:
        items = []
        for cell, what, fix in self.problems:
            words = say(fix, lang)
            if cell:
                items.append(t("prob.monitor.shown_item", lang, cell=cell, what=say(what, lang),
                               fix=words[:1].lower() + words[1:]))
            else:
                items.append(t("prob.monitor.shown_item_nocell", lang, what=say(what, lang), fix=words))
        return t("prob.monitor.shown_sep", lang).join(items)

    def __str__(self) -> str:
        return self.text("en")


@dataclass
class _Report:
    """Problems (cell, what, fix) and warnings of one file, collected in the order found."""

    src: str
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, cell: str, what: Said, fix: Said) -> None:
        self.problems.append((cell, what, fix))

    def warn(self, cell: str, what: Said) -> None:
        self.warnings.append(said("prob.monitor.warning_at", src=self.src, cell=cell, what=what) if cell
                             else said("prob.monitor.warning", src=self.src, what=what))

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        if len(self.problems) == 1:
            cell, what, fix = self.problems[0]
            raise TemplateError(said("prob.monitor.at_cell", cell=cell, what=what) if cell else what, source=self.src,
                                fix=fix, problems=self.problems)
        shown = _Shown(tuple(self.problems[:MAX_SHOWN]))
        more = len(self.problems) - MAX_SHOWN
        raise TemplateError(said("err.monitor.problems_more" if more > 0 else "err.monitor.problems",
                                 n=len(self.problems), shown=shown, more=more),
                            source=self.src, fix=said("err.monitor.problems_fix"), problems=self.problems)


def _check(book: _Book, plan: MonitorPlan, year: int, previous: Sequence[Actual], src: str) -> Filled:
    report = _Report(src)
    _check_year(book, plan, year, report)
    if not book.sheets:
        names = ", ".join(COLUMNS)
        raise _error(said("err.monitor.no_sheets", names=names), src, said("err.monitor.template_names_fix"))
    for other in book.other_sheets:
        report.warn("", said("prob.monitor.other_sheet", sheet=other, names=", ".join(COLUMNS)))
    if book.year_cell is not None:  # a workbook (a CSV holds one sheet by design)
        for missing in (n for n in COLUMNS if n not in book.sheets):
            report.warn("", said("prob.monitor.no_sheet", sheet=missing))
    subjects = _subjects(plan)
    history = _History(previous)
    records: list[Actual] = []
    for name in COLUMNS:
        sheet = book.sheets.get(name)
        if sheet is None or not _check_structure(sheet, report):
            continue
        seen: dict[str, int] = {}
        for r, values in sheet.rows:
            record = _row(sheet, r, values, subjects[name], seen, year, history, report)
            if record is not None:
                _plausible(sheet.name, r, record, subjects[name], history, report)
                records.append(record)
    report.raise_if_any()
    return Filled(records=records, warnings=report.warnings)


def _check_year(book: _Book, plan: MonitorPlan, year: int, report: _Report) -> None:
    cell = book.year_cell or ""
    fix_new = said("prob.monitor.year_fix", year=year)
    if book.year_cell is not None:
        if not book.year_sheet_found:
            report.problem(cell, said("prob.monitor.no_year_sheet", sheet=SHEET_README), fix_new)
            return
        value = book.year_value
        if value is None or _text(value) == "":
            report.problem(cell, said("prob.monitor.year_empty"), fix_new)
            return
        text = _text(value)
        if not re.fullmatch(r"\d{4}", text):
            report.problem(cell, said("prob.monitor.year_not_year", text=text), fix_new)
            return
        if int(text) != year:
            report.problem(cell, said("prob.monitor.year_other", text=text, year=year),
                           said("prob.monitor.year_other_fix", text=text, year=year))
            return
    if year < MIN_YEAR:
        report.problem(cell, said("prob.monitor.year_early", year=year, min=MIN_YEAR),
                       said("prob.monitor.year_early_fix"))
    elif not plan.period[0] <= year <= plan.period[1]:
        report.warn(cell, said("prob.monitor.year_outside", year=year, start=plan.period[0], end=plan.period[1]))


def _subjects(plan: MonitorPlan) -> dict[str, dict[str, dict[str, Any]]]:
    """Per data sheet: 编号 → what the rules need of the subject (name, unit, declared mu)."""
    targets = {str(t.target_id): {"name": str(t.name_zh), "unit": str(t.unit)}
               for t in plan.targets.itertuples(index=False) if str(t.unit) != "year"}
    projects = {str(p.project_id): {"name": str(p.name_zh),
                                    "declared_mu": _number_cell(p.declared_mu)}
                for p in plan.projects.itertuples(index=False)}
    actions = {str(a.action_id): {"name": str(a.name_zh)} for a in plan.actions.itertuples(index=False)}
    return {SHEET_TARGETS: targets, SHEET_PROJECTS: projects, SHEET_ACTIONS: actions}


def _check_structure(sheet: _Sheet, report: _Report) -> bool:
    """The sheet's header and what hides it; False when its rows cannot be read by the template's columns."""
    name, columns = sheet.name, COLUMNS[sheet.name]
    fix_header = said("prob.monitor.header_fix")
    ok = True
    if sheet.hidden:
        report.problem(name, said("prob.monitor.sheet_hidden"),
                       said("prob.monitor.sheet_hidden_fix", menu=t("montemplate.menu_unhide", "zh")))
    if 1 in sheet.hidden_rows:
        report.problem(f"{name}!A1", said("prob.monitor.header_row_hidden"), said("prob.monitor.header_row_hidden_fix"))
    for ref in sheet.merged:
        header = range_boundaries(ref)[1] == 1
        report.problem(f"{name}!{ref}", said("prob.monitor.header_merged" if header else "prob.monitor.cells_merged"),
                       said("prob.monitor.header_merged_fix" if header else "prob.monitor.cells_merged_fix"))
        ok = ok and not header
    for letter in dict.fromkeys(sheet.hidden_columns):
        head = columns[openpyxl.utils.column_index_from_string(letter) - 1]
        report.problem(f"{name}!{letter}1", said("prob.monitor.column_hidden", letter=letter, head=head),
                       said("prob.monitor.column_hidden_fix"))
    for j, expected in enumerate(columns):
        found = sheet.header[j] if j < len(sheet.header) else None
        if _norm(found) != _norm(expected):
            letter = get_column_letter(j + 1)
            wrong = (said("prob.monitor.header_empty", expected=expected) if _text(found) == ""
                     else said("prob.monitor.header_wrong", found=_text(found), expected=expected))
            report.problem(f"{name}!{letter}1", wrong, fix_header)
            ok = False
    for ref in sheet.no_cache:
        report.problem(f"{name}!{ref}", said("prob.monitor.no_cache"), said("prob.monitor.no_cache_fix"))
    hidden = [r for r in sheet.hidden_rows if r > 1]
    if hidden:
        shown = ", ".join(map(str, hidden[:5]))
        report.warn(name, said("prob.monitor.row_hidden", rows=shown) if len(hidden) == 1
                    else said("prob.monitor.rows_hidden", rows=shown) if len(hidden) <= 5
                    else said("prob.monitor.rows_hidden_more", rows=shown, n=len(hidden) - 5))
    if sheet.beyond:
        last = get_column_letter(len(columns))
        report.warn(f"{name}!{sheet.beyond}", said("prob.monitor.beyond", last=columns[-1], letter=last))
    return ok


def _cell(sheet: str, header: str, r: int) -> str:
    return f"{sheet}!{get_column_letter(COLUMNS[sheet].index(header) + 1)}{r}"


def _number(sheet: _Sheet, header: str, r: int, value: Any, unit: str, report: _Report) -> tuple[bool, float | None]:
    """``(ok, number)`` of a number cell; a problem reported when not ok. Plain-number text (a CSV's) is a number."""
    cell = _cell(sheet.name, header, r)
    fix = said("prob.monitor.number_fix", unit=unit)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return True, None
    if isinstance(value, bool):
        report.problem(cell, said("prob.monitor.bool", value=str(value).upper()), fix)
        return False, None
    if isinstance(value, datetime | date | time | timedelta):
        when = value.date() if isinstance(value, datetime) and value.time() == time() else value
        report.problem(cell, said("prob.monitor.date", value=str(when)),
                       said("prob.monitor.format_fix", general=_GENERAL, unit=unit))
        return False, None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if text.upper() in _EXCEL_ERRORS:
            report.problem(cell, said("prob.monitor.cell_error", text=text), said("prob.monitor.cell_error_fix"))
            return False, None
        if _NUMBER_RE.fullmatch(text):
            number = float(text)
        elif _THOUSANDS_RE.fullmatch(text):
            number = float(text.replace(",", ""))
        else:
            report.problem(cell, said("prob.monitor.text", text=text[:40]), fix)
            return False, None
    if not math.isfinite(number):
        report.problem(cell, said("prob.monitor.not_finite", number=number), fix)
        return False, None
    if cell.split("!")[1] in sheet.percent:
        if unit != "%":
            report.problem(cell, said("prob.monitor.percent_unit", number=number, unit=unit),
                           said("prob.monitor.format_fix", general=_GENERAL, unit=unit))
            return False, None
        percent = float(f"{number * 100:.12g}")
        report.warn(cell, said("prob.monitor.percent", percent=percent))
        number = percent
    return True, number


def _choice(value: Any, options: dict[str, tuple[str, str]]) -> str | None:
    """The key of a stage or state given by its Chinese label, key or English label (None: not one)."""
    text = _text(value).casefold()
    for key, (zh, en) in options.items():
        if text in (zh.casefold(), key.casefold(), en.casefold()):
            return key
    return None


def _zh_list(options: dict[str, tuple[str, str]]) -> str:
    """The Chinese labels of stages or states, as the template's dropdown lists them (``规划、前期、…``)."""
    return t("monitor.list_sep", "zh").join(zh for zh, _ in options.values())


def _row(sheet: _Sheet, r: int, values: list[Any], subjects: dict[str, dict[str, Any]], seen: dict[str, int],
         year: int, history: _History, report: _Report) -> Actual | None:
    """The record of one row, or None (empty, refused: a problem reported, or skipped: a warning)."""
    name, columns = sheet.name, COLUMNS[sheet.name]
    h_id, h_source, h_note, h_unit, h_actual, h_stage, h_state = _heads("id", "source", "note", "unit", "actual",
                                                                         "stage", "state")
    cells = dict(zip(columns, values, strict=True))
    sid, source, note = _text(cells[h_id]), _text(cells[h_source]), _text(cells[h_note])
    filled = any(_text(cells[c]) != "" for c in _VALUES[name])
    kind = _KINDS[name]
    if not sid:
        if filled or source:
            report.problem(_cell(name, h_id, r), said("prob.monitor.no_id", id=h_id),
                           said("prob.monitor.no_id_fix", id=h_id))
        return None
    if sid not in subjects:
        report.problem(_cell(name, h_id, r), said("prob.monitor.unknown_id", id=h_id, sid=sid,
                                                  kind=said(f"prob.monitor.kind_{kind}")),
                       said("prob.monitor.unknown_id_fix", id=h_id))
        return None
    if sid in seen:
        report.problem(_cell(name, h_id, r), said("prob.monitor.again", sid=sid, first=seen[sid]),
                       said("prob.monitor.again_fix", id=h_id))
        return None
    seen[sid] = r
    if not filled:
        if source:
            report.warn(_cell(name, h_source, r), said("prob.monitor.source_no_value", sid=sid, source=h_source))
        return None
    for label, limit_text in ((h_source, source), (h_note, note)):
        if len(limit_text) > MAX_TEXT:
            report.problem(_cell(name, label, r), said("prob.monitor.too_long", label=label, n=len(limit_text),
                                                       max=MAX_TEXT),
                           said("prob.monitor.too_long_fix", max=MAX_TEXT))
            return None
    subject = subjects[sid]
    fields: dict[str, Any] = {}
    ok = True
    if kind == "target":
        unit = subject["unit"]
        given = _text(cells[h_unit])
        if given != unit:
            wrong = (said("prob.monitor.unit_wrong", sid=sid, given=given, unit=unit) if given
                     else said("prob.monitor.unit_empty", sid=sid, unit=unit))
            report.problem(_cell(name, h_unit, r), wrong, said("prob.monitor.unit_fix", unit=unit))
            return None
        good, number = _number(sheet, h_actual, r, cells[h_actual], unit, report)
        ok = good
        fields = {"value": number, "unit": unit}
    elif kind == "project":
        stage = None
        if _text(cells[h_stage]):
            stage = _choice(cells[h_stage], STAGES)
            if stage is None:
                report.problem(_cell(name, h_stage, r),
                               said("prob.monitor.not_stage", value=_text(cells[h_stage])[:40]),
                               said("prob.monitor.choose_fix", options=_zh_list(STAGES)))
                ok = False
        fields["stage"] = stage
        for header, (fld, unit, short) in _PROJECT_FIGURES.items():
            good, number = _number(sheet, header, r, cells[header], unit, report)
            ok = ok and good
            if good and number is not None and number < 0:
                report.problem(_cell(name, header, r), said("prob.monitor.below_zero", short=short, sid=sid,
                                                            number=number, unit=unit),
                               said("prob.monitor.below_zero_fix", short=short, unit=unit))
                ok = False
            elif good and number is not None and fld == "firms" and not number.is_integer():
                report.problem(_cell(name, header, r), said("prob.monitor.not_whole", short=short, sid=sid,
                                                            number=number),
                               said("prob.monitor.not_whole_fix", unit=unit))
                ok = False
            fields[fld] = number
    else:
        state = _choice(cells[h_state], ACTION_STATES)
        if state is None:
            report.problem(_cell(name, h_state, r), said("prob.monitor.not_state", value=_text(cells[h_state])[:40]),
                           said("prob.monitor.choose_fix", options=_zh_list(ACTION_STATES)))
            ok = False
        fields["state"] = state
    if not ok:
        return None
    record = Actual(kind=kind, subject_id=sid, year=year, source=source, note=note, **fields)
    if not source:
        prev = history.in_force(kind, sid, year - 1)
        if prev is not None and _unchanged(record, prev):
            report.warn(_cell(name, h_source, r), said("prob.monitor.as_before", sid=sid, prev=year - 1,
                                                       source=h_source, year=year))
            return None
        report.problem(_cell(name, h_source, r), said("prob.monitor.no_source", sid=sid, source=h_source),
                       said("prob.monitor.no_source_fix"))
        return None
    found_name = _text(cells[columns[1]])
    if found_name and found_name != subject["name"]:
        report.warn(_cell(name, columns[1], r), said("prob.monitor.other_name", found=found_name[:40], sid=sid,
                                                     name=subject["name"]))
    return record


def _unchanged(record: Actual, prev: Actual) -> bool:
    """Whether a row holds exactly its subject's previous-year record (the template's pre-fill left as it was)."""
    if record.kind == "target":
        return _same(record.value, prev.value)
    if record.kind == "project":
        return record.stage == prev.stage and all(
            _same(getattr(record, f), getattr(prev, f)) for f, _, _ in _PROJECT_FIGURES.values())
    return record.state == prev.state


class _History:
    """The stored records by subject (indexed once: a file of 10,000 rows compares each with its own only)."""

    def __init__(self, previous: Sequence[Actual]) -> None:
        self.by_subject: dict[tuple[str, str], list[Actual]] = {}
        for rec in previous:
            self.by_subject.setdefault((rec.kind, rec.subject_id), []).append(rec)

    def in_force(self, kind: str, sid: str, year: int) -> Actual | None:
        """The record of ``year`` in force (see :func:`_last_year`), None when there is none."""
        return _last_year(self.by_subject.get((kind, sid), ()), year).get((kind, sid))

    def stage_near(self, sid: str, year: int, *, earlier: bool) -> tuple[int, str] | None:
        """The stage in force in the nearest earlier (or later) year that has one."""
        records = self.by_subject.get(("project", sid), [])
        years = sorted({a.year for a in records if (a.year < year if earlier else a.year > year)}, reverse=earlier)
        for y in years:
            rec = self.in_force("project", sid, y)
            if rec is not None and rec.stage in STAGE_ORDER:
                return y, rec.stage
        return None


def _plausible(sheet: str, r: int, record: Actual, subjects: dict[str, dict[str, Any]], history: _History,
               report: _Report) -> None:
    """Warnings on a record read: land over 150 % of the declared mu, a stage going back in time."""
    if record.kind != "project":
        return
    declared = subjects[record.subject_id]["declared_mu"]
    if record.land_mu is not None and declared and record.land_mu > LAND_WARN_SHARE * declared:
        _, mu, short = _PROJECT_FIGURES[HEADERS["land"]]
        report.warn(_cell(sheet, HEADERS["land"], r),
                    said("prob.monitor.land_high", short=short, sid=record.subject_id, land=record.land_mu, mu=mu,
                         share=record.land_mu / declared, declared=declared))
    if record.stage not in STAGE_ORDER:
        return
    mine = STAGE_ORDER.index(record.stage)
    cell, zh = _cell(sheet, HEADERS["stage"], r), STAGES[record.stage][0]
    before = history.stage_near(record.subject_id, record.year, earlier=True)
    if before is not None and STAGE_ORDER.index(before[1]) > mine:
        report.warn(cell, said("prob.monitor.stage_after", sid=record.subject_id, stage=zh, year=record.year,
                               other=STAGES[before[1]][0], other_year=before[0]))
    after = history.stage_near(record.subject_id, record.year, earlier=False)
    if after is not None and STAGE_ORDER.index(after[1]) < mine:
        report.warn(cell, said("prob.monitor.stage_before", sid=record.subject_id, stage=zh, year=record.year,
                               other=STAGES[after[1]][0], other_year=after[0]))


__all__ = ["COLUMNS", "MAX_ROWS", "MAX_UNPACKED_BYTES", "Filled", "TemplateError", "read_filled", "write_template"]
