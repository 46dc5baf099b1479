"""The transcription of 表2–表5 and the text's targets, checked against the plan."""

from __future__ import annotations

import re

import pandas as pd
import pytest

# (id, name, region, area mu or None for "——", output 亿元 or None, note) typed from the plan.
TABLE_ROWS = [
    ("T2-1", "大科学装置集聚区A片区", "曾家镇", 3052, None, None),
    ("T2-2", "大科学装置集聚区B区", "西永", 1650, None, None),
    ("T2-3", "科学谷前沿科技孵化片区", "含谷镇", 888, 80, None),
    ("T2-4", "金凤智能装备研发孵化片区", "金凤镇", 700, 50, None),
    ("T2-5", "金凤生物医药产业园", "金凤镇", 780, 50, None),
    ("T2-6", "西永集成电路孵化片区", "西永", 150, 20, "可用"),
    ("T2-7", "重庆光大新科技城", "金凤镇", 400, 40, None),
    ("T3-1", "重庆信创软件园项目", "大学城", 17, 2, None),
    ("T3-2", "智慧芯城", "大学城", 300, 30, None),
    ("T3-3", "信创产业示范基地", "大学城", 187, 20, None),
    ("T3-4", "信创产业示范基地二期", "大学城", 400, 10, None),
    ("T3-5", "中国移动（西永）数据中心", "西永综保区B区", 15, 1, None),
    ("T3-6", "金凤软件信息片区", "金凤镇", 500, 50, None),
    ("T3-7", "西永微电子科创街", "西永", 500, 30, None),
    ("T4-1", "国家质检基地", "金凤检验检测集聚区", 1011, 90, None),
    ("T4-2", "高新区科创示范项目二期", "金凤检验检测集聚区", 106, 10, None),
    ("T4-3", "科研与测试评价产业化基地（五九所）", "金凤检验检测集聚区", 80, None, None),
    ("T5-1", "大学城数字文创基地", "虎溪街道", 100, 10, None),
    ("T5-2", "川美工业设计中心", "川美校内", None, None, None),
    ("T5-3", "四川美术学院微企园", "川美校内", 25, None, None),
    ("T5-4", "虎溪风情街", "虎溪街道", 150, 15, None),
    ("T5-5", "游族西南总部项目", "曾家镇", 104, 10, None),
    ("T5-6", "完美世界文创项目", "曾家镇", 100, 10, None),
    ("T5-7", "文创项目拓展区", "西永", 300, 30, None),
    ("T5-8", "虎溪山村文创基地", "虎溪街道", 3000, None, None),
]


def test_every_table_row_is_transcribed_once(projects):
    table_ids = projects.loc[projects["table"].notna(), "project_id"].tolist()
    assert table_ids == [r[0] for r in TABLE_ROWS]
    assert projects["project_id"].is_unique


@pytest.mark.parametrize("pid,name,region,area,output,note", TABLE_ROWS)
def test_table_row(projects, plan_text, pid, name, region, area, output, note):
    row = projects.set_index("project_id").loc[pid]
    assert (row["name_zh"], row["region_zh"]) == (name, region)
    assert (None if pd.isna(row["declared_mu"]) else row["declared_mu"]) == area
    assert (None if pd.isna(row["output_yi"]) else row["output_yi"]) == output
    assert (None if pd.isna(row["area_note"]) else row["area_note"]) == note
    # The plan prints the row as name, region, function, area, output in sequence.
    cells = [name, region, re.sub(r"\s+", "", row["function_zh"]),
             "——" if area is None else f"{area:g}", "——" if output is None else f"{output:g}"]
    assert "".join(cells) in plan_text.replace("（可用）", "")
    table, number = pid[1], int(pid.split("-")[1])
    assert row["table"] == int(table) and row["row"] == number
    assert row["source"] == f"表{table} 第{number}行"


def test_unknown_cells_are_missing_not_zero(projects):
    assert (projects["declared_mu"] == 0).sum() == 0 and (projects["output_yi"] == 0).sum() == 0
    assert projects["declared_mu"].isna().sum() == 1  # T5-2 川美工业设计中心
    assert projects["output_yi"].isna().sum() == 7  # T2-1, T2-2, T4-3, T5-2, T5-3, T5-8, X-1


def test_text_only_area_is_a_project(projects, plan_text):
    x1 = projects.set_index("project_id").loc["X-1"]
    assert (x1["name_zh"], x1["declared_mu"], x1["track_id"], x1["zone_id"]) == ("科技金融街", 2400, "fintech", "core")
    assert pd.isna(x1["table"]) and "占地2400亩的科技金融街板块" in plan_text


def test_every_target_quote_is_in_the_plan(targets, plan_text):
    missing = [t.target_id for t in targets.itertuples() if re.sub(r"\s+", "", t.quote) not in plan_text]
    assert missing == []


def test_every_quote_is_verbatim_on_its_line(targets, plan_lines):
    from layers import load_baselines, load_zone_table

    quoted = [(t.target_id, t.quote, t.line) for t in targets.itertuples()]
    quoted += [(b.baseline_id, b.quote, b.line) for b in load_baselines().itertuples()]
    quoted += [(z.zone_id, z.description_zh, z.line) for z in load_zone_table().itertuples()]
    wrong = [i for i, quote, line in quoted if quote not in plan_lines[int(line) - 1]]
    assert wrong == []


def test_every_table_row_is_on_its_line(projects, plan_lines):
    for p in projects.itertuples():
        first = p.name_zh.split("（")[0] if p.project_id == "T3-5" else p.name_zh  # 表3 breaks this name over lines
        assert first in plan_lines[int(p.line) - 1], p.project_id


def test_baselines_of_the_review_section(plan_lines):
    from layers import load_baselines

    base = load_baselines().set_index("baseline_id")
    assert [f"{v:g}{u}" for v, u in zip(base["value"], base["unit"], strict=True)] == [
        "25家", "225个", "137家", "4.8%", "42.3件", "468家", "1300个", "13207.3亿元", "5.2%"]
    assert all(f"{v:g}" in q for v, q in zip(base["value"], base["quote"], strict=True))
    assert base.at["B-7", "comparator"] == ">" and "1300余个" in base.at["B-7", "quote"]
    assert base.at["B-8", "area_zh"] == "重庆市（全市）"  # the city's figure, not the zone's
    assert base.at["B-1", "target_id"] == "C-1" and base["target_id"].notna().sum() == 1
    assert all(int(line) <= 22 for line in base["line"])  # all from the review section, 一


@pytest.mark.parametrize("key,metric,values", [
    ("rd", "land_mu", [2978, 4702]), ("software", "land_mu", [1889]), ("testing", "land_mu", [1782]),
    ("digital", "land_mu", [754]), ("fintech", "land_mu", [2400]), ("rd", "revenue_yi", [50]),
    ("software", "scale_yi", [150]), ("testing", "revenue_yi", [70]), ("digital", "revenue_yi", [30]),
    ("fintech", "value_added_yi", [150, 150]),
])
def test_track_targets(targets, key, metric, values):
    rows = targets[(targets["scope"] == "track") & (targets["key"] == key) & (targets["metric"] == metric)]
    assert sorted(rows["value"].tolist()) == values


def test_each_target_value_appears_in_its_quote(targets):
    for t in targets.itertuples():
        assert f"{t.value:g}" in t.quote, t.target_id


def test_zones_are_the_five_parts_of_the_structure(zone_table, plan_text):
    assert zone_table["zone_id"].tolist() == ["core", "rd-circle", "uc-circle", "jinfeng", "xiyong"]
    assert zone_table["structure_zh"].tolist() == ["一核", "双圈", "双圈", "两片", "两片"]
    for z in zone_table.itertuples():
        assert z.name_zh in plan_text
        assert re.sub(r"\s+", "", z.description_zh) in plan_text


def test_projects_have_tracks_zones_and_bilingual_names(projects, tracks):
    assert set(projects["track_id"]) == set(tracks["track_id"])
    assert projects["name_en"].notna().all() and projects["name_zh"].notna().all()
    # in no spatial unit: the 曾家镇 rows (no unit's text names 曾家镇; see data/README.md, zone rule)
    assert projects.loc[projects["zone_id"].isna(), "project_id"].tolist() == ["T2-1", "T5-5", "T5-6"]
    assert set(projects["zone_basis"]) == {"stated", "inferred", "none"}


def test_plan_title_and_period_are_the_texts(plan_text):
    from layers import load_plan_info
    plan = load_plan_info()
    assert f"《{plan['title_zh']}》" in plan_text  # the title as the plan names itself
    start, end = plan["period"].split("–")
    assert f"规划期限为{start}-{end}年" in plan_text
    assert plan["title_en"].startswith("Chongqing High-tech Zone")
