"""The evaluation rules of data/README.md ("Evaluation rules / 评估规则"), each with numbers worked out by hand.

Every actual here is an example (示例 in its source): the shipped data has none.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo.monitor.evaluate import (
    ROLLUP_COLUMNS,
    action_rows,
    changes,
    geometric_mean_rate,
    problems,
    rollups,
    status_rows,
)
from geo.monitor.model import Actual, MonitorPlan, StatusRow
from layers import load_actions, load_monitor_plan, load_targets

SRC = "示例：测试数据"
FOOTNOTE = "到2025年该产业平台全部完成开发、入驻饱和后的预计产值指标"


@pytest.fixture(scope="module")
def plan() -> MonitorPlan:
    return load_monitor_plan()


def target(tid: str, year: int, value: float, unit: str | None, *, version: int = 0, source: str = SRC) -> Actual:
    return Actual("target", tid, year, source, value=value, unit=unit, version=version)


def project(pid: str, year: int, **fields: object) -> Actual:
    return Actual("project", pid, year, SRC, **fields)  # type: ignore[arg-type]


def row(plan: MonitorPlan, actuals: list[Actual], year: int, sid: str) -> StatusRow:
    found = [r for r in status_rows(plan, actuals, year) if r.id == sid]
    assert len(found) == 1, sid
    return found[0]


# -- the plan's data for 监测评估 -------------------------------------------------------------------


def test_actions_are_the_eight_headings_of_section_four(plan_lines):
    actions = load_actions()
    assert actions["action_id"].tolist() == [f"K-{i}" for i in range(1, 9)]
    numerals = "一二三四五六七八"
    assert actions["section"].tolist() == [f"四（{n}）" for n in numerals]
    for a, numeral in zip(actions.itertuples(), numerals, strict=True):
        assert a.quote == f"（{numeral}）{a.name_zh}"
        assert plan_lines[int(a.line) - 1].endswith(a.quote), a.action_id  # the heading, verbatim, on its line
        assert a.name_zh.startswith("实施") and a.name_zh.endswith("行动") and a.name_en
    assert plan_lines[369 - 1].endswith("四、大力实施八大重点行动")  # the section the eight belong to
    # ids do not clash with the targets' A-1..A-8
    assert not set(actions["action_id"]) & set(load_targets()["target_id"])


def test_monitor_plan_has_the_period_and_every_table(plan):
    assert plan.period == (2021, 2025)
    assert plan.title_zh == "重庆高新区“十四五”高技术服务业发展规划"
    assert (len(plan.targets), len(plan.projects), len(plan.actions), len(plan.baselines)) == (45, 26, 8, 9)


# -- which rows, in which order ------------------------------------------------------------------


def test_rows_targets_then_projects_without_the_period_rows(plan):
    rows = status_rows(plan, [], 2023)
    ids = [r.id for r in rows]
    expected = [t for t in plan.targets["target_id"] if not t.startswith("Y-")] + list(plan.projects["project_id"])
    assert ids == expected and len(ids) == 42 + 26
    assert [r.kind for r in rows] == ["target"] * 42 + ["project"] * 26
    assert {r.status for r in rows} == {"no_data"} and problems(rows) == []
    assert all(r.actual is None and r.evaluated is None and r.source == "" for r in rows)


# -- rule 5: annual growth, the geometric mean ----------------------------------------------------


def test_growth_target_is_the_geometric_mean_of_the_rates(plan):
    rates = [target("P-1", 2021, 12, "%"), target("P-1", 2022, 15, "%")]
    p1 = row(plan, rates, 2022, "P-1")
    by_hand = (math.sqrt(1.12 * 1.15) - 1) * 100  # √1.288 = 1.134901… → 13.4901 %
    assert p1.evaluated == pytest.approx(by_hand, abs=1e-9)
    assert p1.evaluated == pytest.approx(13.4901, abs=1e-4)
    assert (p1.actual, p1.actual_year, p1.target, p1.unit) == (15, 2022, 14, "%")
    assert p1.status == "behind"  # 13.49 % so far is below the pace of “超过14%”, before 2025
    assert p1.progress is None and p1.extra["years"] == [2021, 2022]
    assert "2021、2022年增速的几何平均" in p1.note_zh and "rates of 2021, 2022 (2 years)" in p1.note_en


def test_growth_target_over_the_period(plan):
    rates = [target("P-1", y, g, "%") for y, g in ((2020, 50), (2021, 12), (2022, 15), (2023, 16))]
    early = row(plan, rates, 2023, "P-1")
    # the 2020 rate is before the range 2021-2025 and is left out: (1.12·1.15·1.16)^(1/3) = 1.49408^(1/3) = 1.143206
    assert early.evaluated == pytest.approx((1.12 * 1.15 * 1.16) ** (1 / 3) * 100 - 100, abs=1e-9)
    assert early.evaluated == pytest.approx(14.3206, abs=1e-4)
    assert early.status == "on_track"  # reached so far, but not achieved before the last year
    five = [*rates, target("P-1", 2024, 14, "%"), target("P-1", 2025, 13, "%")]
    # (1.12·1.15·1.16·1.14·1.13)^(1/5) = 1.924674^(1/5) = 1.139912: 13.99 %, not over 14 %
    final = row(plan, five, 2025, "P-1")
    assert final.evaluated == pytest.approx(13.9912, abs=1e-4) and final.status == "missed"
    five[-1] = target("P-1", 2025, 15, "%")  # 1.7032512·1.15 = 1.958739^(1/5) = 1.143919
    final = row(plan, five, 2026, "P-1")
    assert final.evaluated == pytest.approx(14.3919, abs=1e-4) and final.status == "achieved"
    assert final.actual_year == 2025  # a 2026 evaluation still uses the years of the range only


def test_growth_mean_of_a_fall_of_all():
    assert geometric_mean_rate([10.0]) == pytest.approx(10.0)
    assert geometric_mean_rate([-100.0, 20.0]) == -100.0


# -- rules 4, 6, 7: reached, baseline and pace ------------------------------------------------------


@pytest.mark.parametrize("year,value,status,progress", [
    (2023, 60, "behind", 35 / 75),     # (60−25)/(100−25) = 0.467 < (2023−2020)/(2025−2020) = 0.6
    (2024, 90, "on_track", 65 / 75),   # 0.867 ≥ 0.8
    (2025, 95, "missed", 70 / 75),
    (2025, 101, "achieved", 76 / 75),
    (2022, 100, "achieved", 1.0),      # reached early
])
def test_testing_institutions_against_the_baseline(plan, year, value, status, progress):
    c1 = row(plan, [target("C-1", year, value, "家")], year, "C-1")
    assert (c1.baseline, c1.baseline_year, c1.target, c1.target_year) == (25, 2020, 100, "2025")
    assert (c1.actual, c1.evaluated, c1.actual_year, c1.source) == (value, value, year, SRC)
    assert c1.status == status and c1.progress == pytest.approx(progress, abs=1e-12)
    assert (c1 in problems([c1])) == (status in ("behind", "missed"))


def test_pace_at_the_limit_is_on_track(plan):
    # 70 in 2023: (70−25)/75 = 0.6, exactly the 3/5 of the period gone
    assert row(plan, [target("C-1", 2023, 70, "家")], 2023, "C-1").status == "on_track"
    assert row(plan, [target("C-1", 2023, 69.9, "家")], 2023, "C-1").status == "behind"


@pytest.mark.parametrize("value,year,status", [
    (70, 2025, "missed"), (70.1, 2025, "achieved"), (70, 2024, "in_progress"), (70.1, 2024, "achieved"),
])
def test_more_than_is_strict(plan, value, year, status):
    c2 = row(plan, [target("C-2", year, value, "亿元")], year, "C-2")  # 营业收入超70亿元: comparator >
    assert c2.status == status
    assert c2.progress == pytest.approx(value / 70)  # no baseline: the share of the target reached


def test_a_figure_in_another_unit_is_not_comparable(plan):
    c2 = row(plan, [target("C-2", 2025, 750000, "万元")], 2025, "C-2")
    assert c2.status == "not_comparable"
    assert (c2.actual, c2.evaluated, c2.progress, c2.unit) == (750000, None, None, "亿元")  # never converted
    assert "万元" in c2.note_zh and "万元" in c2.note_en and c2.extra["record_unit"] == "万元"
    assert problems([c2]) == []
    # a record without a unit is in the target's unit
    assert row(plan, [target("C-2", 2025, 75, None)], 2025, "C-2").status == "achieved"


def test_one_rate_in_another_unit_spoils_the_mean(plan):
    rates = [target("P-1", 2021, 12, "%"), target("P-1", 2022, 0.15, "")]
    assert row(plan, rates, 2022, "P-1").status == "behind"  # an empty unit is the target's
    rates[1] = target("P-1", 2022, 0.15, "倍")
    assert row(plan, rates, 2022, "P-1").status == "not_comparable"


def test_a_range_is_reached_at_its_lower_bound(plan):
    a2 = row(plan, [target("A-2", 2025, 2, "家")], 2025, "A-2")  # 引进2-3家国内知名高技术平台企业
    assert (a2.target, a2.extra["value_max"], a2.status) == (2, 3, "achieved")
    assert "2–3家" in a2.note_zh and "lower bound" in a2.note_en
    assert row(plan, [target("A-2", 2025, 4, "家")], 2025, "A-2").status == "achieved"
    assert row(plan, [target("A-2", 2025, 1, "家")], 2025, "A-2").status == "missed"


def test_a_cumulative_target_takes_the_latest_year(plan):
    firms = [target("A-4", 2022, 40, "家"), target("A-4", 2023, 70, "家")]  # “100+”创新型企业, 2021-2025
    a4 = row(plan, firms, 2024, "A-4")
    assert (a4.evaluated, a4.actual_year, a4.status, a4.target_year) == (70, 2023, "in_progress", "2021-2025")
    assert a4.progress == pytest.approx(0.7)  # 70 of 100, not 110
    assert "2023" in a4.note_zh and "2023" in a4.note_en  # the figure is older than the year evaluated
    assert row(plan, firms, 2022, "A-4").evaluated == 40  # later years are not seen
    assert row(plan, firms, 2021, "A-4").status == "no_data"


def test_the_latest_version_is_the_one_in_force(plan):
    history = [target("C-1", 2023, 60, "家", version=1, source="示例：初报"),
               target("C-1", 2023, 72, "家", version=2, source="示例：更正")]
    c1 = row(plan, history, 2023, "C-1")
    assert (c1.actual, c1.source, c1.status) == (72, "示例：更正", "on_track")  # (72−25)/75 = 0.627 ≥ 0.6
    assert row(plan, history[::-1], 2023, "C-1").actual == 72  # by version, not by order
    stale = row(plan, history, 2025, "C-1")
    assert (stale.actual_year, stale.status) == (2023, "on_track")  # judged at its figure's year, not 2025


def test_upper_limits_and_a_dated_baseline():
    """A second plan (not this one's names): a target to stay at or below, with a baseline of 2019."""
    targets = pd.DataFrame([
        {"target_id": "E-1", "name_zh": "单位产值能耗", "name_en": "energy per output", "value": 0.5,
         "value_max": pd.NA, "unit": "吨标煤/万元", "comparator": "<=", "year": "2024"},
        {"target_id": "E-2", "name_zh": "事故数", "name_en": "accidents", "value": 3.0, "value_max": pd.NA,
         "unit": "起", "comparator": "<", "year": "2020-2024"},
    ])
    baselines = pd.DataFrame([{"baseline_id": "B", "value": 0.8, "unit": "吨标煤/万元", "as_of_zh": "截至2019年",
                               "as_of_en": "", "target_id": "E-1"}])
    other = MonitorPlan("示例规划", "an example plan", (2020, 2024), targets,
                        pd.DataFrame(columns=["project_id", "name_zh", "name_en", "declared_mu", "output_yi",
                                              "track_id", "zone_id"]),
                        pd.DataFrame(columns=["action_id", "name_zh", "name_en", "section", "line"]), baselines)

    def e1(value: float, year: int) -> StatusRow:
        return row(other, [target("E-1", year, value, "吨标煤/万元")], year, "E-1")

    # (0.7−0.8)/(0.5−0.8) = 0.333 < (2021−2019)/(2024−2019) = 0.4: behind
    assert (e1(0.7, 2021).status, e1(0.7, 2021).progress) == ("behind", pytest.approx(1 / 3))
    assert e1(0.7, 2021).baseline_year == 2019
    assert e1(0.6, 2021).status == "on_track"  # 0.667 ≥ 0.4
    assert e1(0.5, 2021).status == "achieved" and e1(0.51, 2024).status == "missed"
    e2 = row(other, [target("E-2", 2024, 3, "起")], 2024, "E-2")
    assert (e2.status, e2.progress) == ("missed", None)  # strictly below 3; no share for an upper limit
    assert row(other, [target("E-2", 2024, 2, "起")], 2024, "E-2").status == "achieved"


# -- rule 9: projects ---------------------------------------------------------------------------------


def test_project_land_progress_and_status(plan):
    records = [project("T2-3", 2023, stage="construction", land_mu=444.0),  # 科学谷, 888 mu declared
               project("T5-2", 2023, stage="construction", land_mu=10.0),  # 川美工业设计中心, “——”
               project("T3-1", 2023, stage="construction", land_mu=17.0),  # 17 mu declared, all supplied
               project("T2-4", 2023, stage="saturated"),
               project("T2-5", 2023, stage="cancelled", land_mu=800.0)]
    rows = {r.id: r for r in status_rows(plan, records, 2023) if r.kind == "project"}
    t23 = rows["T2-3"]
    assert (t23.actual, t23.target, t23.progress, t23.status, t23.unit) == (444, 888, 0.5, "in_progress", "亩")
    assert (t23.stage, t23.track_id, t23.zone_id, t23.source, t23.target_year) == (
        "construction", "rd", "rd-circle", SRC, "2025")
    t52 = rows["T5-2"]
    assert t52.target is None and t52.progress is None and t52.status == "in_progress"  # unknown, never 0
    assert "——" in t52.note_zh and "unknown" in t52.note_en
    assert (rows["T3-1"].progress, rows["T3-1"].status) == (1.0, "achieved")
    assert (rows["T2-4"].progress, rows["T2-4"].status) == (None, "achieved")  # fully occupied
    assert rows["T2-5"].status == "not_comparable" and "取消" in rows["T2-5"].note_zh
    assert "cancelled" in rows["T2-5"].note_en
    assert rows["T2-1"].status == "no_data" and rows["T2-1"].actual is None
    assert problems(rows.values()) == []  # projects are never behind or missed


def test_revenue_only_with_the_footnotes_words(plan):
    building = [project("T4-1", 2024, stage="operating", land_mu=900.0, revenue_yi=12.5)]  # 国家质检基地, 产值90
    t41 = row(plan, building, 2024, "T4-1")
    assert t41.extra["revenue_yi"] == 12.5 and t41.extra["output_yi"] == 90
    assert FOOTNOTE in t41.note_zh and "营收12.5亿元" in t41.note_zh and "90亿元" in t41.note_zh
    assert "入驻饱和之前两者不可比" in t41.note_zh
    assert "fully developed and occupied" in t41.note_en and "not comparable" in t41.note_en
    full = row(plan, [project("T4-1", 2025, stage="saturated", revenue_yi=95.0)], 2025, "T4-1")
    assert FOOTNOTE in full.note_zh and "可以比较" in full.note_zh and "can be compared" in full.note_en
    unknown = row(plan, [project("T4-3", 2024, revenue_yi=1.0)], 2024, "T4-3")  # 产值 “——”
    assert "“——”（未知）" in unknown.note_zh
    assert row(plan, [project("T4-1", 2024, land_mu=10.0)], 2024, "T4-1").note_zh == ""  # no revenue, no words


# -- rules 10-13: actions, roll-ups, changes -----------------------------------------------------------


def test_rollups_per_track_and_zone(plan):
    records = [project("T2-3", 2024, stage="construction", land_mu=444.0),
               project("T2-4", 2024, stage="built", land_mu=350.0),
               project("T2-1", 2024, stage="preparation", land_mu=100.0),  # 曾家镇: in no spatial unit
               project("T5-2", 2024, stage="operating", land_mu=10.0)]
    table = rollups(plan, status_rows(plan, records, 2024))
    assert tuple(table.columns) == ROLLUP_COLUMNS
    rd = table[(table["scope"] == "track") & (table["key"] == "rd")].iloc[0]
    assert (rd["projects"], rd["construction"], rd["built"], rd["preparation"], rd["no_data"]) == (7, 1, 1, 1, 4)
    # 3052+1650+888+700+780+150+400 = 7620 mu declared in 表2
    assert (rd["land_supplied_mu"], rd["declared_mu"]) == (894, 7620)
    assert rd["share"] == pytest.approx(894 / 7620)
    digital = table[(table["scope"] == "track") & (table["key"] == "digital")].iloc[0]
    # T5-2's 10 mu are supplied, but its declared area is unknown: counted in the sum, not in the share
    assert (digital["land_supplied_mu"], digital["declared_mu"], digital["declared_unknown"]) == (10, 3779, 1)
    assert digital["share"] == 0
    none = table[(table["scope"] == "zone") & (table["key"] == "none")].iloc[0]
    assert (none["projects"], none["land_supplied_mu"], none["declared_mu"]) == (3, 100, 3052 + 104 + 100)
    assert table["key"].tolist()[-2:] == ["none", "plan"]
    whole = table[table["scope"] == "plan"].iloc[0]
    assert (whole["projects"], whole["land_supplied_mu"], whole["no_data"]) == (26, 904, 22)
    assert whole["share"] == pytest.approx(894 / 16915)
    assert set(table.loc[table["scope"] == "zone", "key"]) == {*plan.projects["zone_id"].dropna(), "none"}


def test_changes_since_last_year(plan):
    records = [project("T2-3", 2023, stage="construction", land_mu=444.0),
               project("T2-3", 2024, stage="built", land_mu=444.0, revenue_yi=2.0),
               target("C-1", 2023, 60, "家"), target("C-1", 2024, 60, "家"),
               target("C-2", 2024, 40, "亿元"),
               Actual("action", "K-3", 2024, SRC, state="in_progress")]
    found = changes(plan, records, 2024)
    assert [(c["id"], c["field"], c["before"], c["after"], c["change"]) for c in found] == [
        ("C-2", "value", None, 40, "new"),
        ("T2-3", "stage", "construction", "built", "changed"),
        ("T2-3", "revenue_yi", None, 2.0, "new"),
        ("K-3", "state", None, "in_progress", "new"),
    ]  # C-1 and T2-3's land are unchanged
    assert found[1]["before_year"] == 2023 and found[1]["year"] == 2024 and found[1]["source"] == SRC
    assert changes(plan, records, 2022) == []


def test_action_rows(plan):
    records = [Actual("action", "K-3", 2022, "示例：管委会年报", state="in_progress"),
               Actual("action", "K-3", 2024, "示例：管委会年报2024", state="done", note="示例")]
    rows = action_rows(plan, records, 2023)
    assert [r["id"] for r in rows] == [f"K-{i}" for i in range(1, 9)]
    k3 = rows[2]
    assert (k3["state"], k3["state_zh"], k3["actual_year"], k3["source"]) == ("in_progress", "推进中", 2022,
                                                                               "示例：管委会年报")
    assert (k3["name_zh"], k3["section"], k3["line"]) == ("实施载体集聚建设行动", "四（三）", 374)
    assert (rows[0]["state"], rows[0]["state_zh"], rows[0]["state_en"]) == (None, "无数据", "no data")
    assert action_rows(plan, records, 2024)[2]["state_zh"] == "已完成"
