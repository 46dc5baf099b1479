"""AppTest: the Compare page (issue 21 part 2): two plans' projects, totals and parcels side by side.

- a plan compared with itself says 无变化 (no change), every difference 0 where known and "——" where not;
- ``data/`` against a copy whose one project (T2-3, 科学谷前沿科技孵化片区) has 900 mu instead of 888 shows exactly
  that change, with both numbers, the difference and the row of each table it comes from, and the totals of its
  track (研发孵化) and spatial unit (研发创新生态圈) 12 mu higher, the others unchanged;
- the built-in plan against the second 示例 package: its tracks and units are "not in plan" on the other side;
- both plans' parcels are drawn on one map, one layer each.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.plan.current import DEFAULT_DIR, PLANS_ENV
from tests.fixtures.apptest import texts
from tests.fixtures.map_element import map_args, painted
from tests.test_plan_picker import OTHER

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/compare_page.py"


def changed_copy(plans: Path, *, project: str = "T2-3", mu: str = "900") -> Path:
    """``plans/edition2``: a copy of ``data/`` whose ``project`` has ``mu`` (every other cell as written)."""
    copy = plans / "edition2"
    shutil.copytree(DEFAULT_DIR, copy)
    path = copy / "plan" / "projects.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    column = rows[0].index("declared_mu")
    (row,) = [r for r in rows if r[0] == project]
    row[column] = mu
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return copy


@pytest.fixture()
def plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "other").symlink_to(OTHER, target_is_directory=True)
    changed_copy(folder)
    monkeypatch.setenv(PLANS_ENV, str(folder))
    monkeypatch.delenv("GEO_PLAN", raising=False)
    return folder


def compare(**state: str) -> AppTest:
    """The Compare page, reached through the app (its sidebar drawn), with ``cmp_a``/``cmp_b`` as given."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["basemap"] = "none"
    painted(at.run())
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, first_column: str, value: str) -> pd.DataFrame:
    """The page's one table whose ``first_column`` holds ``value``."""
    (found,) = [d.value for d in at.dataframe if first_column in d.value.columns
                and value in d.value[first_column].astype(str).tolist()]
    return found


def test_a_plan_compared_with_itself_says_no_change(monkeypatch):
    monkeypatch.delenv(PLANS_ENV, raising=False)
    monkeypatch.delenv("GEO_PLAN", raising=False)
    at = compare()
    assert at.title[0].value == "两版规划对比"
    assert (at.selectbox(key="cmp_a").value, at.selectbox(key="cmp_b").value) == ("data", "data")
    assert [s.value for s in at.success] == ["无变化：两版规划的项目与总量相同。"]
    tracks = table(at, "名称", "研发孵化").set_index("名称")
    assert tuple(tracks.loc["研发孵化", ["用地A（亩）", "用地B（亩）", "用地差值（亩）"]]) == ("7,620", "7,620", "0")
    assert tuple(tracks.loc["科技金融", ["用地A（亩）", "用地差值（亩）"]]) == ("——（未知）", "——（未知）")  # never 0
    assert tracks.at["研发孵化", "A出处"] == tracks.at["研发孵化", "B出处"] == "表2第1–7行"
    zones = table(at, "名称", "研发创新生态圈").set_index("名称")
    assert (zones.at["研发创新生态圈", "用地差值（亩）"], zones.at["研发创新生态圈", "A出处"]) == ("0", "表2第3行")


def test_one_changed_project_is_exactly_that_change_with_the_numbers(plans):
    at = compare(cmp_a="data", cmp_b="edition2")
    assert at.success == []
    shown = texts(at)
    assert "新增 0 项，删除 0 项，变化 1 项。" in shown
    changed = table(at, "指标", "用地（亩）")
    assert changed.to_dict("records") == [{
        "项目": "T2-3 科学谷前沿科技孵化片区", "指标": "用地（亩）", "A": "888", "B": "900", "差值（B−A）": "+12",
        "A出处": "表2 第3行", "B出处": "表2 第3行"}]
    tracks = table(at, "名称", "研发孵化").set_index("名称")
    assert tuple(tracks.loc["研发孵化", ["用地A（亩）", "用地B（亩）", "用地差值（亩）"]]) == ("7,620", "7,632", "+12")
    assert tracks.at["研发孵化", "产值差值（亿元）"] == "0"
    assert set(tracks.drop(index="研发孵化")["用地差值（亩）"]) <= {"0", "——（未知）"}  # the other tracks: unchanged
    zones = table(at, "名称", "研发创新生态圈").set_index("名称")
    assert tuple(zones.loc["研发创新生态圈", ["用地A（亩）", "用地B（亩）", "用地差值（亩）", "A出处", "B出处"]]) == (
        "888", "900", "+12", "表2第3行", "表2第3行")
    assert set(zones.drop(index="研发创新生态圈")["用地差值（亩）"]) <= {"0", "——（未知）"}


def test_the_changed_copy_in_english(plans):
    at = compare(cmp_a="data", cmp_b="edition2", w_lang="en")
    changed = table(at, "Field", "Land (mu)")
    assert changed.to_dict("records") == [{
        "Project": "T2-3 科学谷前沿科技孵化片区", "Field": "Land (mu)", "A": "888", "B": "900",
        "Difference (B − A)": "+12", "Source in A": "Table 2, row 3", "Source in B": "Table 2, row 3"}]


def test_two_different_plans_and_their_parcels_on_one_map(plans):
    at = compare(cmp_a="data", cmp_b="other")
    assert "新增 2 项，" in texts(at)  # T1-1, T1-2; T2-1…T2-3 are matched by id: changed, not added
    tracks = table(at, "名称", "示例研发").set_index("名称")
    assert tuple(tracks.loc["示例研发", ["用地A（亩）", "用地B（亩）", "用地差值（亩）", "B出处"]]) == (
        "（无此项）", "200", "", "表1第1、2行")
    rd = tracks.loc["研发孵化", ["用地A（亩）", "用地B（亩）", "用地差值（亩）"]]
    assert tuple(rd) == ("7,620", "（无此项）", "")  # not in the other plan: no difference, not 0 and not "——"
    added = table(at, "项目", "T1-1 示例研发园").set_index("项目")
    assert tuple(added.loc["T1-1 示例研发园", ["用地（亩）", "来源"]]) == ("120", "表1 第1行")
    script = map_args(at)["script"]
    assert "A · 重庆高新区“十四五”高技术服务业发展规划（2021–2025）" in script
    assert "B · 示例县“十四五”服务业发展规划（2021–2025）" in script
    assert "#1f77b4" in script and "#ff7f0e" in script
    legend = [m.value for m in at.markdown if "#1f77b4" in m.value]
    assert len(legend) == 1 and "B · 示例县" in legend[0]
