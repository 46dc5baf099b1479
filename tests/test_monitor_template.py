"""The 监测评估 template (geo.monitor.template): written from the plan, filled by another program, read back.

The template for 2024 is written, filled with openpyxl as an office's script
would (every source says 示例: no figure here is a real actual), and read back;
each bad input of issue 20 is refused with the exact line a user sees (file,
sheet!cell, problem, fix) and nothing returned; hostile files (an .xls, macros,
an .ods, zip bombs, 10^5 rows) are refused before openpyxl parses them. The
timings of a 10,000-row read (the limit) and of the 10^5-row refusal are printed
(``-s``), not asserted.
"""

from __future__ import annotations

import csv
import io
import os
import resource
import shutil
import struct
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.errors import UsageError
from geo.monitor.model import Actual, MonitorPlan
from geo.monitor.template import (
    COLUMNS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    TemplateError,
    read_filled,
    write_template,
)
from tests.fixtures.monitor_fill import FILLED, edit, monitor_plan

NAME = "填报表.xlsx"
#: What FILLED gives, read back for 2024.
EXPECTED = [
    Actual("target", "P-1", 2024, "示例：2024 年统计公报 第 3 页", value=13.5, unit="%"),
    Actual("target", "P-5", 2024, "示例：高新区 2024 年经济运行情况 第 2 页", note="示例 备注", value=280.0,
           unit="亿元"),
    Actual("project", "T2-3", 2024, "示例：科学谷建设进展通报", note="示例：一期在建", stage="construction",
           land_mu=300.5, floor_wan_m2=12.3, firms=45.0, revenue_yi=20.1),
    Actual("project", "T5-2", 2024, "示例：https://example.org/示例", stage="planned"),
    Actual("project", "X-1", 2024, "示例：科技金融街简报", stage="operating", land_mu=2400.0),
    Actual("action", "K-1", 2024, "示例：高新区工作报告 第 5 页", state="in_progress"),
    Actual("action", "K-8", 2024, "示例：营商环境评估报告", note="示例", state="done"),
]


@pytest.fixture(scope="module")
def mplan() -> MonitorPlan:
    return monitor_plan()


@pytest.fixture(scope="module")
def files(tmp_path_factory, mplan) -> dict[str, Path]:
    """The 2024 template as written, and as filled with FILLED (copy before editing)."""
    folder = tmp_path_factory.mktemp("monitor-template")
    blank = folder / "blank.xlsx"
    write_template(mplan, [], 2024, blank)
    filled = edit(blank, FILLED, folder / "filled.xlsx")
    return {"blank": blank, "filled": filled}


def _rows(plan: MonitorPlan, sheet: str) -> list[str]:
    """The 编号 of a sheet's rows, in order (row 2 first)."""
    if sheet == "目标":
        return [str(t) for t, u in zip(plan.targets.target_id, plan.targets.unit, strict=True) if u != "year"]
    if sheet == "项目":
        return [str(p) for p in plan.projects.project_id]
    return [str(a) for a in plan.actions.action_id]


# --- the template as written -------------------------------------------------------------


def test_template_sheets_headers_rows_and_year(files, mplan):
    book = openpyxl.load_workbook(files["blank"])
    assert book.sheetnames == ["说明", "目标", "项目", "行动"]
    for name, columns in COLUMNS.items():
        sheet = book[name]
        assert [c.value for c in sheet[1]] == list(columns)
        assert [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)] == _rows(mplan, name)
    targets = book["目标"]
    ids = [targets.cell(r, 1).value for r in range(2, targets.max_row + 1)]
    assert not [i for i in ids if i.startswith("Y-")]  # the plan's own years are not reported
    assert [c.value for c in targets[6]] == ["P-5", "高技术服务业增加值", "亿元", 300, 2025, None, None, None]
    assert [c.value for c in targets[2]][:5] == ["P-1", "服务业增加值年均增速", "%", 14, "2021-2025"]
    a2 = ids.index("A-2") + 2
    assert targets.cell(a2, 4).value == "2–3"  # a range: 2 to 3 firms
    assert [c.value for c in book["项目"][4]] == ["T2-3", "科学谷前沿科技孵化片区", *[None] * 7]
    assert [c.value for c in book["行动"][2]][:2] == ["K-1", "实施龙头企业引培行动"]
    readme = book["说明"]
    assert (readme["A2"].value, readme["B2"].value) == ("填报年度", 2024)
    assert list(book.defined_names["填报年度"].destinations) == [("说明", "$B$2")]
    text = "\n".join(str(c.value) for row in readme.iter_rows() for c in row if c.value)
    for words in ("本表填报 2024 年", "来源必填", "“示例”", "不是实际情况", "尚无 2023 年的记录",
                  "规划、前期、在建、建成、投用、入驻饱和、取消、调整", "未启动、推进中、已完成"):
        assert words in text


def test_template_dropdowns_protection_frozen_header_widths(files):
    book = openpyxl.load_workbook(files["blank"])
    projects, actions, targets = book["项目"], book["行动"], book["目标"]
    lists = {(str(v.sqref), v.formula1) for s in (projects, actions) for v in s.data_validations.dataValidation
             if v.type == "list"}
    assert lists == {("C2:C27", '"规划,前期,在建,建成,投用,入驻饱和,取消,调整"'), ("C2:C9", '"未启动,推进中,已完成"')}
    firms = [v for v in projects.data_validations.dataValidation if str(v.sqref) == "F2:F27"]
    assert [(v.type, v.operator, v.formula1) for v in firms] == [("whole", "greaterThanOrEqual", "0")]
    for sheet in (targets, projects, actions, book["说明"]):
        assert sheet.protection.sheet is True
        assert sheet.protection.password is None  # guards against slips, not against the user
    # id, name, unit, target: locked; value, source, note: not
    assert [targets.cell(6, j).protection.locked for j in range(1, 9)] == [True] * 5 + [False] * 3
    assert [projects.cell(4, j).protection.locked for j in range(1, 10)] == [True, True] + [False] * 7
    assert [actions.cell(2, j).protection.locked for j in range(1, 6)] == [True, True, False, False, False]
    for sheet in (targets, projects, actions):
        assert sheet.freeze_panes == "C2"
        assert all(sheet.column_dimensions[chr(65 + j)].width >= 8 for j in range(sheet.max_column))
    assert targets.column_dimensions["B"].width == 44


def test_prefilled_with_the_latest_record_of_last_year(tmp_path, mplan):
    actuals = [
        Actual("project", "T2-3", 2023, "示例：旧来源", stage="construction", land_mu=300, version=1),
        Actual("project", "T2-3", 2023, "示例：更正", stage="built", land_mu=320, firms=12, version=2),
        Actual("project", "T2-4", 2022, "示例：前年", stage="built", land_mu=700, version=1),  # not last year
        Actual("project", "T2-5", 2024, "示例：本年", stage="built", version=1),  # not last year
        Actual("target", "P-5", 2023, "示例：公报", value=250.0, unit="亿元", version=1),
        Actual("action", "K-1", 2023, "示例：报告", state="in_progress", version=1),
    ]
    out = tmp_path / "t.xlsx"
    write_template(mplan, actuals, 2024, out)
    book = openpyxl.load_workbook(out)
    projects = book["项目"]
    assert [c.value for c in projects[4]] == ["T2-3", "科学谷前沿科技孵化片区", "建成", 320, None, 12, None, None, None]
    assert projects["H4"].comment.text == "2023 年记录的来源：示例：更正"
    assert [c.value for c in projects[5]][2:] == [None] * 7  # T2-4: 2022 only
    assert [c.value for c in projects[6]][2:] == [None] * 7  # T2-5: 2024 only
    assert book["目标"]["F6"].value == 250 and book["目标"]["G6"].value is None
    assert book["行动"]["C2"].value == "推进中" and book["行动"]["D2"].value is None
    assert "预填的数值是 2023 年已记录的数值" in str(book["说明"]["B12"].value)

    # read back untouched: rows equal to last year and without a source are skipped, with a warning
    filled = read_filled(out, mplan, 2024, actuals, source=NAME)
    assert filled.records == []
    assert filled.warnings == [
        (f"{NAME}: 目标!G6: P-5 is as recorded for 2023 and has no 来源; it was not imported "
        "(give a 来源 to record it for 2024)"),
        (f"{NAME}: 项目!H4: T2-3 is as recorded for 2023 and has no 来源; it was not imported "
        "(give a 来源 to record it for 2024)"),
        (f"{NAME}: 行动!D2: K-1 is as recorded for 2023 and has no 来源; it was not imported "
        "(give a 来源 to record it for 2024)"),
    ]
    # without the records it cannot know they are last year's: values without a source are refused
    with pytest.raises(TemplateError) as exc:
        read_filled(out, mplan, 2024, source=NAME)
    assert str(exc.value) == (
        f"{NAME}: 3 problems: 目标!G6: P-5 has values but no 来源 — name the document and page, or the URL, "
        "the figures come from; 项目!H4: T2-3 has values but no 来源 — name the document and page, or the URL, "
        "the figures come from; 行动!D2: K-1 has values but no 来源 — name the document and page, or the URL, "
        "the figures come from. Correct them and import the file again"
    )
    assert len(exc.value.problems) == 3
    # one figure changed and a source given: that row is recorded
    edit(out, {"项目!D4": 400, "项目!H4": "示例：2024 年供地公告"})
    filled = read_filled(out, mplan, 2024, actuals, source=NAME)
    assert filled.records == [Actual("project", "T2-3", 2024, "示例：2024 年供地公告", stage="built", land_mu=400.0,
                                     firms=12.0)]


def test_written_through_the_output_rule(tmp_path, mplan):
    """A symlink named as output stays a link (its file is written); a stream gets the bytes."""
    real = tmp_path / "real.xlsx"
    real.write_bytes(b"old")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    write_template(mplan, [], 2024, link)
    assert link.is_symlink() and openpyxl.load_workbook(real)["说明"]["B2"].value == 2024
    stream = io.BytesIO()
    write_template(mplan, [], 2025, stream)
    assert openpyxl.load_workbook(io.BytesIO(stream.getvalue()))["说明"]["B2"].value == 2025
    with pytest.raises(UsageError) as exc:
        write_template(mplan, [], 1999, tmp_path / "t.xlsx")
    assert str(exc.value) == ("template year: the year 1999 is before 2000, the earliest a record may have. "
                              "Give the year the figures are for, e.g. --year 2024")
    assert not (tmp_path / "t.xlsx").exists()


# --- the round trips ---------------------------------------------------------------------


def test_round_trip_filled_by_another_program(files, mplan):
    filled = read_filled(files["filled"], mplan, 2024)
    assert filled.records == EXPECTED
    assert filled.warnings == []


def _sheet_csv(path: Path, sheet: str, out: Path, encoding: str, headers: list[str] | None = None) -> Path:
    """One sheet of a workbook saved as CSV, as Excel's 另存为 CSV does (values as shown, empty cells empty)."""
    book = openpyxl.load_workbook(path, data_only=True)
    rows = [["" if v is None else str(v) for v in row] for row in book[sheet].iter_rows(values_only=True)]
    if headers:
        rows[0] = headers
    with open(out, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return out


def test_csv_round_trip_one_sheet_a_file(files, mplan, tmp_path):
    """UTF-8 with BOM, GBK (Excel on Chinese Windows) with ASCII parentheses in the header, UTF-8 without BOM."""
    ascii_heads = [h.replace("（", "(").replace("）", ")") for h in COLUMNS["项目"]]
    parts = [
        _sheet_csv(files["filled"], "目标", tmp_path / "目标.csv", "utf-8-sig"),
        _sheet_csv(files["filled"], "项目", tmp_path / "项目.csv", "gbk", ascii_heads),
        _sheet_csv(files["filled"], "行动", tmp_path / "行动.csv", "utf-8"),
    ]
    records = [r for p in parts for r in read_filled(p, mplan, 2024).records]
    assert records == EXPECTED
    bad = tmp_path / "bad.csv"
    bad.write_text(parts[1].read_text(encoding="gbk").replace("300.5", "约300"), encoding="gbk")
    with pytest.raises(TemplateError) as exc:
        read_filled(bad, mplan, 2024, source="填报表.csv")
    assert str(exc.value) == ("填报表.csv: 项目!D4: '约300' is not a number. Enter a plain number in 亩, without text "
                              "or units")
    other = tmp_path / "other.csv"
    other.write_text("名称,数值\n示例,1\n", encoding="utf-8")
    with pytest.raises(TemplateError) as exc:
        read_filled(other, mplan, 2024)
    assert str(exc.value) == (
        "other.csv: the CSV's header ('名称 | 数值') is not the header of a template sheet (目标: 编号 | 指标 | 单位 | "
        "目标值 | 目标年 | 实际值 | 来源 | 备注; 项目: 编号 | 项目 | 阶段 | 已供地（亩） | 建成面积（万平方米） | "
        "入驻企业（家） | 营收（亿元） | 来源 | 备注; 行动: 编号 | 行动 | 进展 | 来源 | 备注). "
        "Save one sheet of the template as CSV, keeping its header row"
    )


# --- bad input: one line naming sheet!cell and the fix; nothing returned ---------------------


def _hide_column(book):
    book["项目"].column_dimensions["D"].hidden = True


def _merge_header(book):
    book["项目"].merge_cells("B1:C1")


def _hide_header(book):
    book["项目"].row_dimensions[1].hidden = True


def _hide_sheet(book):
    book["行动"].sheet_state = "hidden"


def _percent_mu(book):
    book["项目"]["D4"].number_format = "0%"


def _duplicate(book):
    sheet = book["项目"]
    sheet.append([c.value for c in sheet[4]])


BAD = {
    "text in a number cell": (
        {"项目!D4": "约300"}, None, 2024,
        "项目!D4: '约300' is not a number. Enter a plain number in 亩, without text or units",
    ),
    "unit changed": (
        {"目标!C6": "万元"}, None, 2024,
        ("目标!C6: the unit of P-5 is 万元, the plan's is 亿元. Restore 亿元 and enter the value in 亿元 (figures "
         "are never converted)"),
    ),
    "unknown id": (
        {"项目!A4": "T9-9"}, None, 2024,
        ("项目!A4: 编号 'T9-9' is not a project of the plan. Keep the template's 编号 (one row each); do not add "
         "rows"),
    ),
    "values without id": (
        {"项目!A4": None}, None, 2024,
        "项目!A4: a row with values has no 编号. Fill the values in the template's rows, which have their 编号",
    ),
    "duplicate row": (
        {}, _duplicate, 2024,
        "项目!A28: T2-3 appears again (first at row 4). Keep one row per 编号",
    ),
    "negative mu": (
        {"项目!D4": -5}, None, 2024,
        "项目!D4: 已供地 of T2-3 is -5 亩, below 0. Enter 已供地 in 亩, 0 or more",
    ),
    "fractional firms": (
        {"项目!F4": 45.5}, None, 2024,
        "项目!F4: 入驻企业 of T2-3 is 45.5, not a whole number. Enter the number of firms (家) as a whole number",
    ),
    "no source": (
        {"项目!H4": None}, None, 2024,
        "项目!H4: T2-3 has values but no 来源. Name the document and page, or the URL, the figures come from",
    ),
    "source too long": (
        {"项目!H4": "示例" * 600}, None, 2024,
        ("项目!H4: 来源 has 1,200 characters, over 1,000. Shorten it to at most 1,000 characters (a document and "
         "page, or a URL)"),
    ),
    "stage not in the list": (
        {"项目!C4": "开工"}, None, 2024,
        "项目!C4: '开工' is not a stage. Choose from the list: 规划、前期、在建、建成、投用、入驻饱和、取消、调整",
    ),
    "state not in the list": (
        {"行动!C2": "进行中"}, None, 2024,
        "行动!C2: '进行中' is not a state. Choose from the list: 未启动、推进中、已完成",
    ),
    "a date in a number cell": (
        {"项目!G4": datetime(2024, 3, 5)}, None, 2024,
        ("项目!G4: a date or time (2024-03-05), not a number. Format the cell as a number (常规) and enter the "
         "value in 亿元"),
    ),
    "TRUE in a number cell": (
        {"项目!G4": True}, None, 2024,
        "项目!G4: TRUE is not a number. Enter a plain number in 亿元, without text or units",
    ),
    "an Excel error": (
        {"项目!G4": "#DIV/0!"}, None, 2024,
        "项目!G4: the cell shows the error #DIV/0!. Correct the formula or enter the value itself",
    ),
    "a percentage in 亩": (
        {}, _percent_mu, 2024,
        ("项目!D4: 300.5 is formatted as a percentage, the unit is 亩. Format the cell as a number (常规) and enter "
         "the value in 亩"),
    ),
    "formula without a value": (
        {"项目!D4": "=100+200"}, None, 2024,
        ("项目!D4: the formula has no calculated value (the file was written by a program and never calculated). "
         "Open the file in Excel or WPS and save it, or enter the value itself"),
    ),
    "header unit changed": (
        {"项目!D1": "已供地（公顷）"}, None, 2024,
        ("项目!D1: the header is '已供地（公顷）', not '已供地（亩）'. Restore the template's header (row 1) and "
         "enter the values in the units it names"),
    ),
    "hidden header column": (
        {}, _hide_column, 2024,
        "项目!D1: column D (已供地（亩）) is hidden. Unhide the column so that what is imported can be seen",
    ),
    "hidden header row": (
        {}, _hide_header, 2024,
        "项目!A1: the header row is hidden. Unhide row 1 so that what is imported can be seen",
    ),
    "merged header": (
        {}, _merge_header, 2024,
        ("2 problems: 项目!B1:C1: header cells are merged — unmerge them and restore the template's header; "
         "项目!C1: the header is empty, not '阶段' — restore the template's header (row 1) and enter the values in "
         "the units it names. Correct them and import the file again"),
    ),
    "hidden sheet": (
        {}, _hide_sheet, 2024,
        "行动: the sheet is hidden. Unhide it (右键 › 取消隐藏) so that what is imported can be seen",
    ),
    "year cell not the year": (
        {"说明!B2": 2023}, None, 2024,
        "说明!B2: the workbook is for 2023, not 2024. Import it for 2023, or fill the template written for 2024",
    ),
    "year cell not a year": (
        {"说明!B2": "二〇二四"}, None, 2024,
        ("说明!B2: the year cell holds '二〇二四', not a year. Fill the template written for 2024 (python -m geo "
         "monitor template --year 2024)"),
    ),
    "year before 2000": (
        {"说明!B2": 1999}, None, 1999,
        "说明!B2: the year 1999 is before 2000, the earliest a record may have. Give the year the figures are for",
    ),
    "five at once": (
        {"项目!D4": "约300", "目标!C6": "万元", "行动!C2": "进行中", "项目!H27": None, "说明!B2": 2023}, None, 2024,
        ("5 problems: 说明!B2: the workbook is for 2023, not 2024 — import it for 2023, or fill the template "
         "written for 2024; 目标!C6: the unit of P-5 is 万元, the plan's is 亿元 — restore 亿元 and enter the value "
         "in 亿元 (figures are never converted); 项目!D4: '约300' is not a number — enter a plain number in 亩, "
         "without text or units; and 2 more. Correct them and import the file again"),
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_naming_the_cell_and_the_fix(case, files, mplan, tmp_path):
    cells, extra, year, expected = BAD[case]
    path = edit(files["filled"], cells, tmp_path / "filled.xlsx", extra)
    with pytest.raises(TemplateError) as exc:
        read_filled(path, mplan, year, source=NAME)
    assert str(exc.value) == f"{NAME}: {expected}"
    assert "\n" not in str(exc.value)


def test_warnings_and_the_file_still_read(files, mplan, tmp_path):
    previous = [Actual("project", "T2-3", 2023, "示例：去年", stage="built", version=1),
                Actual("project", "X-1", 2025, "示例：后年", stage="construction", version=1)]

    def extra(book):
        book["目标"]["F2"].number_format = "0.0%"
        book["项目"].row_dimensions[10].hidden = True
        book.create_sheet("Sheet1")["A1"] = "示例"

    cells = {"目标!F2": 0.135, "项目!D27": 4000, "行动!D5": "示例：只有来源", "项目!B27": "示例改名", "项目!J4": "示例"}
    path = edit(files["filled"], cells, tmp_path / "w.xlsx", extra)
    filled = read_filled(path, mplan, 2024, previous, source=NAME)
    assert filled.warnings == [
        f"{NAME}: the sheet 'Sheet1' is not one of the template's (目标, 项目, 行动); it was not read",
        f"{NAME}: 目标!F2: 13.5% was entered as a percentage; read as 13.5 (unit %)",
        f"{NAME}: 项目: row 10 is hidden; read all the same",
        f"{NAME}: 项目!J4: values right of 备注 (column I) are not read",
        f"{NAME}: 项目!C4: T2-3 is 在建 in 2024, after 建成 in 2023; read as given, check it",
        f"{NAME}: 项目!B27: '示例改名' is not the plan's name of X-1 ('科技金融街'); the row was read as X-1",
        f"{NAME}: 项目!D27: 已供地 of X-1 is 4000 亩, 167% of the 2400 亩 the plan declares; read as given, check it",
        f"{NAME}: 项目!C27: X-1 is 投用 in 2024, before 在建 in 2025; read as given, check it",
        f"{NAME}: 行动!D5: K-4 has a 来源 but no value; it was not imported",
    ]
    by_id = {r.subject_id: r for r in filled.records}
    assert by_id["P-1"].value == 13.5 and by_id["X-1"].land_mu == 4000.0
    assert [r.subject_id for r in filled.records] == [r.subject_id for r in EXPECTED]


def test_a_year_outside_the_plan_period_is_warned_about(mplan, tmp_path):
    out = tmp_path / "t.xlsx"
    write_template(mplan, [], 2027, out)
    edit(out, {"行动!C2": "已完成", "行动!D2": "示例：终期评估"})
    filled = read_filled(out, mplan, 2027, source=NAME)
    assert filled.records == [Actual("action", "K-1", 2027, "示例：终期评估", state="done")]
    assert filled.warnings == [f"{NAME}: 说明!B2: 2027 is outside the plan period 2021–2025; its figures were read"]


# --- hostile files: refused before openpyxl parses them ---------------------------------------


def _rezip(src: Path, out: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> Path:
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in add.items():
            zout.writestr(name, data)
    return out


def _zip(out: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def _refused(path: Path, mplan: MonitorPlan) -> str:
    with pytest.raises(TemplateError) as exc:
        read_filled(path, mplan, 2024, source=NAME)
    return str(exc.value)


FIX_XLSX = "In Excel or WPS: 另存为 › Excel 工作簿 (*.xlsx), without a password, and import that file"


def test_not_an_xlsx_is_refused_by_its_content(files, mplan, tmp_path):
    xls = tmp_path / "a.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    assert _refused(xls, mplan) == (f"{NAME}: the file is an Excel 97–2003 workbook (.xls) or a password-protected "
                                    f"workbook, not an .xlsx. {FIX_XLSX}")
    xlsm = _rezip(files["filled"], tmp_path / "m.xlsx", add={"xl/vbaProject.bin": b"\x00" * 64})
    assert _refused(xlsm, mplan) == (
        f"{NAME}: the workbook contains macros (a .xlsm, or vbaProject.bin inside); macros are never imported. "
        "In Excel or WPS: 另存为 › Excel 工作簿 (*.xlsx), which keeps no macros, and import it")
    ods = _zip(tmp_path / "o.xlsx", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                     "content.xml": b"<office:document-content/>"})
    assert _refused(ods, mplan) == (f"{NAME}: the file is an OpenDocument spreadsheet (.ods), not an .xlsx. "
                                    "In WPS or LibreOffice: 另存为 › Excel 工作簿 (*.xlsx), and import that file")
    xlsb = _zip(tmp_path / "b.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00" * 16})
    assert _refused(xlsb, mplan) == (f"{NAME}: the workbook is an Excel binary workbook (.xlsb), not an .xlsx. "
                                     f"{FIX_XLSX}")
    docs = _zip(tmp_path / "z.xlsx", {"readme.txt": b"hello"})
    assert _refused(docs, mplan) == (
        f"{NAME}: the file is a zip archive but not an Excel workbook (no xl/workbook.xml). Fill the template written "
        "by python -m geo monitor template (or the Monitor page) and import it, or a CSV of one of its sheets")
    html = tmp_path / "h.xlsx"
    html.write_text("<html><body><table><tr><td>编号</td></tr></table></body></html>", encoding="utf-8")
    assert _refused(html, mplan) == (f"{NAME}: the file is HTML or XML (what web systems often save as .xls), not an "
                                     f".xlsx. {FIX_XLSX}")
    binary = tmp_path / "r.xlsx"
    binary.write_bytes(os.urandom(512) + b"\x00")
    assert _refused(binary, mplan) == (
        f"{NAME}: the file is neither an Excel workbook (.xlsx) nor a CSV. Fill the template written by python -m geo "
        "monitor template (or the Monitor page) and import it, or a CSV of one of its sheets")
    truncated = tmp_path / "t.xlsx"
    truncated.write_bytes(files["filled"].read_bytes()[:3000])
    assert _refused(truncated, mplan) == (
        f"{NAME}: the file starts like an .xlsx (a zip) but is damaged or truncated (File is not a zip file). "
        "Save the workbook again in Excel or WPS and import the saved file")
    empty = tmp_path / "e.xlsx"
    empty.write_bytes(b"")
    assert _refused(empty, mplan) == (f"{NAME}: the file is empty (0 bytes). Save the workbook again and import the "
                                      "saved file")


def test_a_dtd_is_refused(files, mplan, tmp_path):
    """Entities that expand ("billion laughs") in the 项目 sheet: refused before any XML parser sees them."""
    sheet = zipfile.ZipFile(files["filled"]).read("xl/worksheets/sheet3.xml")
    start = sheet.index(b"<worksheet")
    laughs = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = _rezip(files["filled"], tmp_path / "d.xlsx",
                  replace={"xl/worksheets/sheet3.xml": sheet[:start] + laughs + sheet[start:]})
    assert _refused(path, mplan) == (f"{NAME}: part 'xl/worksheets/sheet3.xml' declares a DTD or entities "
                                     f"(<!DOCTYPE, <!ENTITY), which no Excel workbook has. {FIX_XLSX}")


def _spaces_member(src: Path, out: Path, size: int) -> Path:
    """``src`` with xl/sharedStrings.xml replaced by a valid start and ``size`` spaces (deflates ~1000×)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            if info.filename != "xl/sharedStrings.xml":
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            block = b" " * (1 << 20)
            for _ in range(size >> 20):
                fh.write(block)
            fh.write(b"</sst>")
    return out


def test_zip_bombs_are_refused_fast(files, mplan, tmp_path):
    big = _spaces_member(files["filled"], tmp_path / "big.xlsx", 100 << 20)
    started = time.perf_counter()
    message = _refused(big, mplan)
    seconds = time.perf_counter() - started
    print(f"\nzip bomb ({big.stat().st_size / 1024:.0f} KB, 100 MB inflated): refused in {seconds * 1000:.0f} ms")
    assert message == (f"{NAME}: the workbook would unpack to 100 MB, over the limit of "
                       f"{MAX_UNPACKED_BYTES >> 20} MB (a zip bomb?). Import the template as Excel or WPS saved it, "
                       "not a file built to expand")
    assert seconds < 2.0

    dense = _spaces_member(files["filled"], tmp_path / "dense.xlsx", 8 << 20)  # under the total: its ratio refuses it
    info = zipfile.ZipFile(dense).getinfo("xl/sharedStrings.xml")
    assert _refused(dense, mplan) == (
        f"{NAME}: part 'xl/sharedStrings.xml' unpacks {info.file_size / info.compress_size:,.0f} times larger than "
        "it packs (a zip bomb?). Import the template as Excel or WPS saved it, not a file built to expand")


def test_a_header_that_lies_about_the_size_is_caught_while_inflating(files, mplan, tmp_path):
    """The declared size made smaller than the data: zipfile stops there, the CRC does not match: refused."""
    path = _rezip(files["filled"], tmp_path / "lie.xlsx")
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet3.xml"
    info = zipfile.ZipFile(path).getinfo(name.decode())
    struct.pack_into("<I", data, info.header_offset + 22, 100)  # local header: uncompressed size
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # the central directory's entry of the member
        if data[at + 46:at + 46 + len(name)] == name:
            struct.pack_into("<I", data, at + 24, 100)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    assert _refused(path, mplan) == (
        f"{NAME}: part 'xl/worksheets/sheet3.xml' cannot be unpacked; the file is damaged (Bad CRC-32 for file "
        "'xl/worksheets/sheet3.xml'). Save the workbook again in Excel or WPS and import the saved file")


def _sheet_xml(rows: list[list[str | float]]) -> bytes:
    """A worksheet's XML as a program writes it (inline strings), row 1 first."""
    out = [('<?xml version="1.0" encoding="UTF-8"?><worksheet '
           'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')]
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for j, value in enumerate(row):
            ref = f"{chr(65 + j)}{r}"
            if isinstance(value, str):
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                out.append(f'<c r="{ref}"><v>{value}</v></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out).encode()


def _synthetic_plan(mplan: MonitorPlan, n: int) -> MonitorPlan:
    projects = pd.DataFrame({"project_id": [f"Q-{i}" for i in range(1, n + 1)],
                             "name_zh": [f"示例项目{i}" for i in range(1, n + 1)],
                             "declared_mu": pd.array([100.0] * n, dtype="Float64")})
    return MonitorPlan(mplan.title_zh, mplan.title_en, mplan.period, mplan.targets, projects, mplan.actions,
                       mplan.baselines)


def test_rows_at_the_limit_read_and_10e5_rows_refused_timings_printed(files, mplan, tmp_path):
    header = list(COLUMNS["项目"])
    n = MAX_ROWS
    rows: list[list[str | float]] = [[f"Q-{i}", f"示例项目{i}", "在建", 50.5, 1.5, 3, 0.5, "示例：合成数据", ""]
                                     for i in range(1, n + 1)]
    at_limit = _rezip(files["blank"], tmp_path / "limit.xlsx",
                      replace={"xl/worksheets/sheet3.xml": _sheet_xml([header, *rows])})
    plan = _synthetic_plan(mplan, n)
    started = time.perf_counter()
    filled = read_filled(at_limit, plan, 2024)
    seconds = time.perf_counter() - started
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # 0: forked by the forkserver
    assert len(filled.records) == n and filled.records[-1].land_mu == 50.5
    memory = f"; read worker's peak RSS {worker_mb:.0f} MB (with what it shares with this process)" if worker_mb else ""
    print(f"\n{n:,} project rows ({at_limit.stat().st_size / 1024:.0f} KB .xlsx): read in {seconds:.2f} s{memory}")

    many = [[f"Q-{i}", f"示例项目{i}", "在建", 1.0] for i in range(1, 100_001)]
    huge = _rezip(files["blank"], tmp_path / "huge.xlsx",
                  replace={"xl/worksheets/sheet3.xml": _sheet_xml([header, *many])})
    started = time.perf_counter()
    message = _refused(huge, plan)
    seconds = time.perf_counter() - started
    print(f"100,000 rows ({huge.stat().st_size / 1024:.0f} KB .xlsx): refused in {seconds:.2f} s")
    assert message == (f"{NAME}: 项目: the sheet has 100,000 rows below the header, over the limit of 10,000. "
                       "Keep the template's rows (one per 编号) and delete the rows below them")

    big_csv = tmp_path / "huge.csv"
    with open(big_csv, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *many])
    started = time.perf_counter()
    with pytest.raises(TemplateError) as exc:
        read_filled(big_csv, plan, 2024)
    print(f"100,000 rows (CSV): refused in {time.perf_counter() - started:.2f} s")
    assert str(exc.value) == ("huge.csv: 项目: the sheet has 100,000 rows below the header, over the limit of "
                              "10,000. Keep the template's rows (one per 编号) and delete the rows below them")


def test_a_missing_file_and_a_workbook_without_template_sheets(mplan, tmp_path):
    with pytest.raises(TemplateError) as exc:
        read_filled(tmp_path / "none.xlsx", mplan, 2024)
    assert str(exc.value) == "none.xlsx: the file does not exist. Check the path"
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["B2"] = 2024
    book.create_sheet("Sheet2")
    book.save(tmp_path / "other.xlsx")
    shutil.copy(tmp_path / "other.xlsx", tmp_path / NAME)
    assert _refused(tmp_path / NAME, mplan) == (
        f"{NAME}: the workbook has none of the sheets 目标, 项目, 行动. Fill the template written by python -m geo "
        "monitor template (or the Monitor page) and import it, keeping its sheet names")


def test_a_workbook_without_one_of_the_data_sheets_reads_the_others(files, mplan, tmp_path):
    path = edit(files["filled"], {}, tmp_path / "two.xlsx", lambda book: book.remove(book["行动"]))
    filled = read_filled(path, mplan, 2024, source=NAME)
    assert filled.records == [r for r in EXPECTED if r.kind != "action"]
    assert filled.warnings == [f"{NAME}: the workbook has no sheet 行动; nothing of it was read"]
