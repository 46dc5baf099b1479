"""The Monitor page (监测评估) under Streamlit's AppTest, on both workspace backends.

With no actuals the page shows the plan's baselines and targets, 无数据 and how to fill the template.
With records stored through the Office (example values: every source says 示例), the statuses a user
reads, their badge colours and the map's stage colours are the rules' (:mod:`geo.monitor.evaluate`) for
the chosen year, and the map's year slider re-colours the parcels. A viewer has no uploader; a checker
uploads a template written by ``write_template`` and filled by openpyxl, saves it, and edits a single
value, which is stored as a new version (the first one kept).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from geo.mapview.stages import STAGE_COLOURS
from geo.monitor.evaluate import status_rows
from geo.monitor.model import STAGES, STATUSES, Actual
from geo.monitor.template import SHEET_PROJECTS, SHEET_TARGETS, write_template
from geo.store import single_user
from geo.store import workspace as ws
from layers import load_monitor_plan
from tests.fixtures.apptest import texts
from tests.fixtures.map_element import map_args, painted
from ui.monitor import STATUS_COLOURS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/monitor_page.py"
PAGE_FILE = str(ROOT / PAGE)
PASSWORDS = {"alice": "alice-Secret-1", "carol": "carol-Secret-333"}
ROLES = {"alice": "checker", "carol": "viewer"}
SOURCE = "示例：高新区统计公报（示例数据，非真实）第3页"


def example_records() -> list[Actual]:
    """Example actuals (示例 in every source): C-1 reached in 2025, P-5 missed, T2-3 built up over 2023–2024."""
    return [
        Actual("target", "C-1", 2025, source=SOURCE, value=120.0, unit="家"),
        Actual("target", "P-5", 2025, source=SOURCE, value=200.0, unit="亿元"),
        Actual("project", "T2-3", 2023, source="示例：项目台账（示例）", stage="construction", land_mu=400.0),
        Actual("project", "T2-3", 2024, source="示例：项目台账（示例）", stage="operating", land_mu=888.0),
        Actual("project", "T2-4", 2025, source="示例：项目台账（示例）", stage="planned"),
    ]


def run(at: AppTest) -> AppTest:
    painted(at.run(timeout=180))
    assert not at.exception, at.exception
    return at


#: A column only each table of the page has.
TABLES = {"targets": "基期值", "projects": "赛道", "changes": "变化", "actions": "进展"}


def table(at: AppTest, name: str) -> Any:
    """The page's (read-only) table ``name`` of :data:`TABLES`."""
    return next(d for d in at.dataframe if d.editing_mode == "read_only" and TABLES[name] in d.value.columns)


def cell_styles(element: Any) -> dict[tuple[int, int], str]:
    """The CSS of each styled cell of a table drawn from a pandas Styler: ``(row, col)`` → declarations."""
    found: dict[tuple[int, int], str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", element.proto.arrow_data.styler.styles):
        for row, col in re.findall(r"_row(\d+)_col(\d+)", selectors):
            found[(int(row), int(col))] = found.get((int(row), int(col)), "") + body
    return found


def background(element: Any, row: int, column: str) -> str | None:
    css = cell_styles(element).get((row, list(element.value.columns).index(column)), "")
    colour = re.search(r"background-color:\s*(#[0-9a-fA-F]{6})", css)
    return colour[1].lower() if colour else None


def stage_colours(at: AppTest) -> dict[str, str]:
    """``project_id`` → the fill colour the map's stage layer gives it (palette key ``_c`` of each feature)."""
    overlay = map_args(at)["overlay"]
    palettes = [json.loads(p) for p in re.findall(r"var palette = (\{[^;]*\});", overlay)]
    keys = dict(re.findall(r'"project_id":"([^"]+)",[^{}]*?"_c":"([a-z_]+)"', overlay))
    assert palettes and keys, "the map's overlay holds the stage layer"
    return {pid: palettes[0][key] for pid, key in keys.items()}


def row_of(frame: Any, pid: str) -> int:
    return int(list(frame["编号"]).index(pid))


@pytest.fixture
def accounts(backend):
    off = ws.office()
    for name, role in ROLES.items():
        off.add_user(single_user(), name, role, PASSWORDS[name])
    return off


def signed_in(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    run(at)
    assert at.title[0].value == "登录"
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(PASSWORDS[name])
    at.button[0].click()
    run(at)
    at.switch_page(PAGE)
    return run(at)


def test_no_actuals_shows_baselines_targets_no_data_and_how_to_fill(backend):
    at = run(AppTest.from_file(PAGE_FILE, default_timeout=180))
    assert at.title[0].value == "监测评估"
    assert at.selectbox(key="mon_year").value == 2025  # no record: the plan's last year
    assert at.selectbox(key="mon_year").options == [str(y) for y in range(2021, 2027)]
    words = texts(at)
    assert "尚无任何实际值记录" in words and "无数据" in words
    assert "下载所选年份的填报表" in words and "python -m geo monitor import" in words  # how to fill it
    targets = table(at, "targets")
    frame = targets.value
    assert set(frame["状态"]) == {"无数据"}
    assert frame["实际值"].isna().all()
    c1 = row_of(frame, "C-1")
    assert frame.at[c1, "基期值"] == 25 and frame.at[c1, "目标值"] == 100  # 25 institutions now, 100 by 2025
    assert frame.at[row_of(frame, "P-5"), "目标值"] == 300
    assert "Y-1" not in set(frame["编号"])  # the plan period itself is no target
    assert background(targets, c1, "状态") == STATUS_COLOURS["no_data"]
    colours = stage_colours(at)
    assert len(colours) == 26 and set(colours.values()) == {STAGE_COLOURS["no_data"]}
    assert set(table(at, "projects").value["阶段"]) == {"无数据"}
    assert "与上年相比没有记录的变化" in words


def test_recorded_actuals_give_the_rules_statuses_and_stage_colours(backend):
    off = ws.office()
    off.record_actuals(single_user(), example_records(), origin="示例")
    at = run(AppTest.from_file(PAGE_FILE, default_timeout=180))
    assert at.selectbox(key="mon_year").value == 2025  # the latest year with records
    targets = table(at, "targets")
    frame = targets.value
    c1, p5 = row_of(frame, "C-1"), row_of(frame, "P-5")
    assert frame.at[c1, "状态"] == "已完成" and frame.at[c1, "实际值"] == 120
    assert frame.at[p5, "状态"] == "未完成" and frame.at[p5, "实际值"] == 200
    assert frame.at[c1, "来源"] == SOURCE
    assert background(targets, c1, "状态") == STATUS_COLOURS["achieved"]
    assert background(targets, p5, "状态") == STATUS_COLOURS["missed"]
    others = frame.drop(index=[c1, p5])
    assert set(others["状态"]) == {"无数据"}

    projects = table(at, "projects")
    assert projects.value.at[row_of(projects.value, "T2-3"), "阶段"] == STAGES["operating"][0]
    assert background(projects, row_of(projects.value, "T2-3"), "阶段") == STAGE_COLOURS["operating"]

    colours = stage_colours(at)  # 2025: T2-3 still in use (its 2024 record), T2-4 planned, the rest no data
    assert colours["T2-3"] == STAGE_COLOURS["operating"] and colours["T2-4"] == STAGE_COLOURS["planned"]
    assert colours["T2-1"] == STAGE_COLOURS["no_data"]
    assert "已完成" in texts(at) and "投用" in texts(at)  # the legends name statuses and stages

    at.select_slider(key="mon_map_year").set_value(2023)
    run(at)
    colours = stage_colours(at)
    assert colours["T2-3"] == STAGE_COLOURS["construction"] and colours["T2-4"] == STAGE_COLOURS["no_data"]
    assert at.selectbox(key="mon_year").value == 2025  # the slider moves the map only

    at.selectbox(key="mon_year").set_value(2024)  # the page's year: the map follows it
    run(at)
    assert at.select_slider(key="mon_map_year").value == 2024
    assert stage_colours(at)["T2-3"] == STAGE_COLOURS["operating"]
    changed = table(at, "changes").value
    assert set(changed["编号"]) == {"T2-3"}  # 2024 against 2023: stage and land
    assert "投用" in set(changed["本年"]) and "在建（2023）" in set(changed["上年"])


def test_a_viewer_reads_but_has_no_uploader(accounts):
    accounts.record_actuals(accounts.actor("alice"), example_records(), origin="示例")
    at = signed_in("carol")
    assert at.title[0].value == "监测评估"
    assert not at.file_uploader
    assert not [w for w in at.toggle if w.key == "mon_edit_open"] and not at.data_editor
    assert "只能查看，不能填报" in texts(at)
    assert table(at, "targets").value.set_index("编号").at["C-1", "状态"] == "已完成"


def filled_template(tmp_path: Path, year: int) -> bytes:
    """The template of ``year`` as the CLI writes it, filled in by another program (openpyxl): C-1 and T2-3."""
    path = tmp_path / f"填报表_{year}.xlsx"
    write_template(load_monitor_plan(), [], year, path)
    book = openpyxl.load_workbook(path)
    for sheet, pid, values in ((SHEET_TARGETS, "C-1", {"F": 60, "G": "示例：检验检测机构名录（示例）"}),
                               (SHEET_PROJECTS, "T2-3", {"C": "在建", "D": 300, "H": "示例：项目台账（示例）"})):
        ws_ = book[sheet]
        (row,) = [c.row for c in ws_["A"] if c.value == pid]
        for column, value in values.items():
            ws_[f"{column}{row}"] = value
    book.save(path)
    return path.read_bytes()


def test_a_checker_uploads_a_filled_template_and_saves_it(accounts, tmp_path):
    at = signed_in("alice")
    assert at.file_uploader[0].label == "上传填好的 2025 年填报表（.xlsx 或 .csv）"
    at.selectbox(key="mon_year").set_value(2024)
    run(at)
    at.file_uploader[0].upload("填报表_2024.xlsx", filled_template(tmp_path, 2024),
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    run(at)
    assert not at.error, [e.value for e in at.error]
    assert "2 条记录（2024 年），尚未保存" in texts(at)
    assert accounts.actuals(accounts.actor("alice")) == []  # nothing is saved until the user asks
    at.button(key="mon_save").click()
    run(at)
    assert "已保存 2 条记录" in texts(at)
    stored = accounts.actuals(accounts.actor("alice"))
    assert sorted((a.subject_id, a.year, a.recorded_by, a.version) for a in stored) == [
        ("C-1", 2024, "alice", 1), ("T2-3", 2024, "alice", 1)]
    assert not at.file_uploader[0].value  # the uploader is empty again: no second save of the same file

    expected = {r.id: r for r in status_rows(load_monitor_plan(), stored, 2024)}
    frame = table(at, "targets").value.set_index("编号")
    assert frame.at["C-1", "实际值"] == 60
    assert frame.at["C-1", "状态"] == STATUSES[expected["C-1"].status][0] != "无数据"
    assert stage_colours(at)["T2-3"] == STAGE_COLOURS["construction"]
    event = [e for e in ws.office().store.audit() if e.action == "monitor_record"]
    assert [(e.user, e.object) for e in event] == [("alice", "填报表_2024.xlsx")]


def test_an_imports_warnings_are_in_the_sessions_language(accounts, tmp_path):
    at = signed_in("alice")
    at.selectbox(key="mon_year").set_value(2024)
    run(at)
    book = openpyxl.load_workbook(io.BytesIO(filled_template(tmp_path, 2024)))
    book.create_sheet("示例备注")  # not one of the template's sheets: read no further, and said so
    out = io.BytesIO()
    book.save(out)
    at.file_uploader[0].upload("填报表_2024.xlsx", out.getvalue(),
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    run(at)
    assert not at.error, [e.value for e in at.error]
    warned = [w.value.replace("\\", "") for w in at.warning]  # as the page shows it (Markdown escapes removed)
    assert any("工作表 '示例备注' 不是模板的工作表" in w and "未读取" in w for w in warned), warned
    assert not any("it was not read" in w for w in warned)


def test_a_checker_edits_a_single_value_saved_as_a_new_version(backend):
    off = ws.office()
    off.record_actuals(single_user(), [Actual("target", "C-1", 2025, source=SOURCE, value=80.0, unit="家")],
                       origin="示例")
    at = run(AppTest.from_file(PAGE_FILE, default_timeout=180))
    assert not at.data_editor  # the editors are drawn only when asked for
    at.toggle(key="mon_edit_open").set_value(True)
    run(at)
    editor = next(e for e in at.data_editor if e.key == "mon_edit_targets_2025")
    row = row_of(editor.value, "C-1")
    assert editor.value.at[row, "实际值"] == 80
    at.session_state[editor.key] = {"edited_rows": {row: {"实际值": 90.0, "来源": "示例：更正（示例）"}},
                                    "added_rows": [], "deleted_rows": []}
    at.button(key="FormSubmitter:mon_edit_form_2025-保存修改").click()
    run(at)
    assert "已保存 1 条记录" in texts(at)
    history = off.actuals(single_user(), subject_id="C-1", history=True)
    assert sorted((a.version, a.value, a.source) for a in history) == [
        (1, 80.0, SOURCE), (2, 90.0, "示例：更正（示例）")]
    assert table(at, "targets").value.set_index("编号").at["C-1", "实际值"] == 90


def test_the_page_in_english(backend):
    ws.office().record_actuals(single_user(), example_records(), origin="示例")
    at = AppTest.from_file(PAGE_FILE, default_timeout=180)
    at.session_state["w_lang"] = "en"
    run(at)
    assert at.title[0].value == "Monitoring"
    frame = table_en(at)
    assert frame.at["C-1", "Status"] == "achieved" and frame.at["P-5", "Status"] == "missed"
    assert frame.at["P-1", "Name"] == "annual growth of service-sector value added"
    words = texts(at)
    assert "Project stage" in words and "in use" in words and "no data" in words


def table_en(at: AppTest) -> Any:
    return next(d.value for d in at.dataframe if "Baseline" in d.value.columns).set_index("Id")


def test_the_stage_map_is_one_map_whose_parcels_change_by_year(parcels, zones):
    """Another year's stages swap only the parcels' layer (the map element keeps the Leaflet map and its view)."""
    from geo.mapview.embed import map_parts
    from geo.mapview.stages import build_stage_map

    built = [build_stage_map(parcels=parcels, zones=zones, stages=stages, year=year, basemap="none")
             for year, stages in ((2023, {"T2-3": "construction"}), (2024, {"T2-3": "operating"}))]
    parts = [map_parts(b.map, overlay=b.parcels) for b in built]
    assert parts[0].signature == parts[1].signature and parts[0].overlay != parts[1].overlay
    assert '"project_id":"T2-3"' in parts[0].overlay and '"_c":"construction"' in parts[0].overlay
    assert '"_c":"operating"' in parts[1].overlay and '"_c":"construction"' not in parts[1].overlay
    assert parts[0].overlay.count('"_c":"no_data"') == len(parcels) - 1  # no record: grey, never 规划
