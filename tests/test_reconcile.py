"""Reconciliation: statuses, differences and the notes a planner reads and quotes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.plan.notes import FOOTNOTE_FULL_ZH, FOOTNOTE_LINE, FOOTNOTE_ZH
from geo.plan.reconcile import COLUMNS, STATUSES, all_subsets, find_subset, nearest_subset, reconcile


@pytest.fixture(scope="module")
def result(plan, parcels):
    return reconcile(plan, parcels=parcels)


def _get(result, scope, key, metric):
    hit = result[(result["scope"] == scope) & (result["key"] == key) & (result["metric"] == metric)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_columns_and_statuses(result, projects):
    assert list(result.columns) == COLUMNS
    assert set(result["status"]) <= set(STATUSES)
    assert "text_only" in STATUSES
    # plan, five tracks, five units and the rows in none, every project: land and output each
    assert len(result) == 2 * (1 + 5 + 5 + 1 + len(projects))


@pytest.mark.parametrize("track,table,stated,diff,unknown", [
    ("rd", 7620, 7680, -60, 0),
    ("software", 1919, 1889, 30, 0),
    ("testing", 1197, 1782, -585, 0),
    ("digital", 3779, 754, 3025, 1),
])
def test_track_land_disagreements(result, track, table, stated, diff, unknown):
    row = _get(result, "track", track, "land_mu")
    got = (row["table_value"], row["stated_value"], row["difference"], row["unknown_count"])
    assert got == (table, stated, diff, unknown)
    assert row["status"] == "differs"
    assert f"the tables have {abs(diff):,} mu {'more' if diff > 0 else 'less'}" in row["note"]
    assert f"表中{'多' if diff > 0 else '少'}{abs(diff)}亩" in row["note_zh"]


def test_only_land_of_four_tracks_differs(result):
    flagged = result[result["status"] == "differs"]
    assert sorted(flagged["key"]) == ["digital", "rd", "software", "testing"]


def test_digital_754_is_a_possible_reading_with_what_speaks_against_it(result):
    row = _get(result, "track", "digital", "land_mu")
    assert ("A possible reading: land for the digital creative industries, 754 mu is exactly Table 5 row 1, University "
            "Town Digital Creative Base (100 mu), Table 5 row 4, Huxi Themed Street (150 mu), Table 5 row 5, Yoozoo "
            "Southwest Headquarters (104 mu), Table 5 row 6, Perfect World Creative Project (100 mu) and "
            "Table 5 row 7, "
            "Creative Projects Expansion Area (300 mu). It is the only subset of the rows that fits.") in row["note"]
    assert ("Against it: it counts Table 5 row 5, Yoozoo Southwest Headquarters (104 mu, Zengjia Town), Table 5 row 6, "
            "Perfect World Creative Project (100 mu, Zengjia Town) and Table 5 row 7, Creative Projects Expansion Area "
            "(300 mu, Xiyong), which the tables place outside University Town, the place the sentence names."
            ) in row["note"]
    assert ("Against it: it leaves out Table 5 row 3, Sichuan Fine Arts Institute Micro-enterprise Park "
            "(25 mu, Sichuan "
            "Fine Arts Institute campus) and Table 5 row 8, Huxi Mountain Village Creative Base (3,000 mu, Huxi "
            "Subdistrict).") in row["note"]
    assert "Table 5 row 2, Sichuan Fine Arts Institute Industrial Design Centre is printed “——”" in row["note"]
    zh = row["note_zh"]
    assert ("一种可能的解读：数字文创产业用地754亩恰为表5第1行大学城数字文创基地（100亩）、"
            "表5第4行虎溪风情街（150亩）、"
            "表5第5行游族西南总部项目（104亩）、表5第6行完美世界文创项目（100亩）、表5第7行文创项目拓展区（300亩）之和。"
            "这是唯一相符的行组合。") in zh
    assert "它未计入表5第3行四川美术学院微企园（25亩，川美校内）、表5第8行虎溪山村文创基地（3000亩，虎溪街道）。" in zh
    # the sentence, quoted verbatim with its section and line
    assert "三（四）空间布局，原文第291行：“数字文创产业重点布局在大学城片区，2025年产业用地合计为754亩”" in zh
    assert "section 3(4), spatial layout, line 291" in row["note"]


def test_rd_big_science_part_is_a_possible_reading(result):
    row = _get(result, "track", "rd", "land_mu")
    assert ("A possible reading: land for large science facilities, 4,702 mu is exactly Table 2 row 1, Large Science "
            "Facilities Cluster, Area A (3,052 mu) and Table 2 row 2, Large Science Facilities Cluster, "
            "Area B (1,650 mu). "
            "It is the only subset of the rows that fits.") in row["note"]
    assert ("add up to 2,918 mu against the text's R&D and incubation land (with the research-institute clusters), "
            "2,978 mu") in row["note"]
    assert "其中表2第6行西永集成电路孵化片区为“可用”面积，口径不同。" in row["note_zh"]
    assert "“大科学装置研发用地4702亩”" in row["source_zh"]


def test_software_names_the_nearest_subset(result):
    row = _get(result, "track", "software", "land_mu")
    assert ("No subset of the rows adds up to land for software and information services, 1,889 mu exactly."
            in row["note"])
    assert ": 1,887 mu, 2 mu less than the text." in row["note"]
    assert "最接近的组合是表3第2行智慧芯城（300亩）" in row["note_zh"]


def test_outputs_are_not_comparable_have_no_difference_and_quote_the_footnote(result, plan_text):
    assert FOOTNOTE_FULL_ZH.replace("\n", "") in plan_text and FOOTNOTE_ZH in plan_text
    for key, kind_en, kind_zh in (("rd", "revenue", "营收"), ("software", "industry scale", "产业总规模"),
                                  ("testing", "revenue", "营收"), ("digital", "revenue", "营收")):
        row = _get(result, "track", key, "output_yi")
        assert row["status"] == "not_comparable" and np.isnan(row["difference"])
        assert f"“{FOOTNOTE_ZH}”" in row["note_zh"] and f"原文第{FOOTNOTE_LINE}行" in row["note_zh"]
        assert f"文本数是{kind_zh}" in row["note_zh"] and f"the text's figure is {kind_en}" in row["note"]
        assert "2025 figure" not in row["note"]  # the measures differ, not the year
    plan = _get(result, "plan", "plan", "output_yi")
    assert (plan["table_value"], plan["stated_value"], plan["unknown_count"]) == (558, 300, 6)
    assert np.isnan(plan["difference"]) and plan["status"] == "not_comparable"
    assert result.loc[result["status"] == "not_comparable", "difference"].isna().all()


def test_track_output_figures_are_not_added_across_measures(result):
    note = _get(result, "plan", "plan", "output_yi")["note_zh"]
    assert "不相加：营收——研发孵化50亿元、检验检测超70亿元、数字文创30亿元；产业总规模——软件信息150亿元。" in note
    assert "合计300" not in note and "add up to 300" not in _get(result, "plan", "plan", "output_yi")["note"]


def test_plan_land_is_compared_like_for_like(result):
    row = _get(result, "plan", "plan", "land_mu")
    assert row["status"] == "not_stated"
    assert ("同口径比较：三（一）至三（四）为有表格的四个赛道给出的用地合计12105亩（"
            "研发孵化用地（含研发机构聚集区）2978亩、"
            "大科学装置研发用地4702亩、软件信息产业用地1889亩、检验检测可用产业用地1782亩、数字文创产业用地754亩），"
            "表2–表5各行合计14515亩，表中多2410亩。") in row["note_zh"]
    assert "14505" not in row["note_zh"] and "14,505" not in row["note"]
    assert "has no table row and is in neither sum; the map's 16,915 mu includes it." in row["note"]


def test_fintech_and_the_finance_street_are_text_only(result):
    row = _get(result, "track", "fintech", "land_mu")
    assert row["status"] == "text_only" and np.isnan(row["table_value"]) and row["stated_value"] == 2400
    assert row["mapped_value"] == pytest.approx(2400, abs=0.5)
    x1 = _get(result, "project", "X-1", "land_mu")
    assert x1["status"] == "text_only" and x1["stated_value"] == 2400 and np.isnan(x1["difference"])
    assert x1["note_zh"] == ("只有正文给出此数：三（五）空间布局，原文第368行："
                             "“科技金融服务业主要布局在高新区管委会周边，"
                             "重点打造占地2400亩的科技金融街板块”。没有表格行。")
    assert _get(result, "track", "fintech", "output_yi")["status"] == "text_only"


def test_the_core_land_is_an_inference(result):
    row = _get(result, "zone", "core", "land_mu")
    assert row["stated_value"] == 2400 and row["status"] == "text_only"
    assert (row["stated_basis_mu"], row["inferred_basis_mu"]) == (0, 2400)
    assert "按其所在地点“管委会周边”推定属于科创中央商务核——这是推定，不是规划原文。" in row["note_zh"]
    assert "an inference, not the plan's words" in row["note"]


@pytest.mark.parametrize("key,table,stated,inferred", [
    ("rd-circle", 888, 888, 0), ("uc-circle", 4179, 0, 4179), ("jinfeng", 3577, 1791, 1786),
    ("xiyong", 2615, 500, 2115),
])
def test_zone_totals_split_into_stated_and_inferred(result, key, table, stated, inferred):
    row = _get(result, "zone", key, "land_mu")
    assert row["table_value"] == table and row["status"] == "not_stated"
    assert (row["stated_basis_mu"], row["inferred_basis_mu"]) == (stated, inferred)
    assert row["mapped_value"] == pytest.approx(table, abs=0.5)


def test_jinfeng_note_names_the_inferred_rows_and_their_place(result):
    note = _get(result, "zone", "jinfeng", "land_mu")["note_zh"]
    assert "其中明示1791亩（表2第5行金凤生物医药产业园（780亩）、表4第1行国家质检基地（1011亩）），" in note
    assert "按地点推定1786亩（表2第4行金凤智能装备研发孵化片区（700亩，金凤镇）" in note


def test_rows_in_no_unit_have_a_row_of_their_own(result):
    row = _get(result, "zone", "none", "land_mu")
    assert row["table_value"] == 3256 and row["name_zh"] == "不属于任何空间单元"
    assert row["note"].startswith("These rows are in no spatial unit: no unit's description in section 2(4) "
                                  "names their "
                                  "place (Zengjia Town).")


def test_unknown_project_cell_has_no_mapped_area(result):
    row = _get(result, "project", "T5-2", "land_mu")
    assert row["status"] == "unknown" and row["unknown_count"] == 1
    assert np.isnan(row["mapped_value"])  # a point, not 0 mu
    assert (row["source"], row["source_zh"]) == ("Table 5, row 2", "表5 第2行")
    assert row["note_zh"] == "表中此数为“——”（未知），正文也未给出。"


def test_mapped_difference_follows_the_geometry(plan, parcels):
    moved = parcels.copy()
    idx = moved.index[moved["project_id"] == "T4-1"][0]
    moved.loc[idx, "geometry"] = shapely.affinity.scale(moved.loc[idx, "geometry"], 1.1, 1.1)
    out = reconcile(plan, parcels=moved)
    row = _get(out, "project", "T4-1", "land_mu")
    assert row["mapped_difference"] == pytest.approx(1011 * 0.21, rel=0.01)
    testing = _get(out, "track", "testing", "land_mu")
    assert testing["mapped_difference"] == pytest.approx(row["mapped_difference"], abs=0.05)


def test_without_parcels_mapped_is_empty(plan):
    out = reconcile(plan)
    assert out["mapped_value"].isna().all()


def test_subsets():
    rows = pd.Series({"A": 10.0, "B": 20.0, "C": np.nan, "D": 5.0, "E": 15.0})
    assert all_subsets(rows, 30) == [["A", "D", "E"], ["A", "B"]]
    assert find_subset(rows, 30) == ["A", "D", "E"]  # the reading that leaves out fewest rows comes first
    assert all_subsets(rows, 7) == [] and find_subset(rows, 7) is None
    assert nearest_subset(rows, 31) == ["A", "D", "E"]
