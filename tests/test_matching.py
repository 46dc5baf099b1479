"""geo.checks.matching: by id, by normalised name, by overlap; unmatched reported."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from geo.checks.matching import MATCH_COLUMNS, match_parcels, normalise_name, suggest_name_field
from geo.errors import UsageError
from tests.fixtures import synthetic as syn


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("科学谷（第二期）", "科学谷(二期)"),
        ("科学谷 (2期)", "科学谷（第二期）"),
        ("金凤 实验室", "金凤实验室"),
        ("西永·微电园【一期】", "西永微电园(第一期)"),
        ("Science Valley (Phase I)", "science valley(phase i)"),
    ],
)
def test_names_that_are_the_same(a, b):
    assert normalise_name(pd.Series([a]))[0] == normalise_name(pd.Series([b]))[0]


def test_names_that_differ():
    got = normalise_name(pd.Series(["科学谷（一期）", "科学谷（二期）", None]))
    assert got.tolist() == ["科学谷(一期)", "科学谷(二期)", ""]


def test_match_by_id_name_and_overlap():
    layer = syn.survey(
        [
            shapely.box(0, 0, 10, 10),
            shapely.box(0, 0, 10, 10),
            shapely.box(1010, 10, 1090, 90),
            shapely.box(-1600, 1400, -1400, 1600),
            shapely.box(5000, 5000, 5010, 5010),
            shapely.box(0, 0, 10, 10),
        ],
        ["t2-1", "科学谷 (第1期)", "", "", "无此项目", "Jinfeng  Lab"],
    )
    m = match_parcels(layer, syn.plan_parcels(), name_field="名称")
    assert list(m.columns) == list(MATCH_COLUMNS)
    assert m["project_id"].fillna("").tolist() == ["T2-1", "T2-1", "T2-2", "X-1", "", "T2-2"]
    assert m["match_by"].tolist() == ["id", "name", "overlap", "overlap", "none", "name"]
    assert m["match_value"].tolist()[2:4] == ["1.0", "0.0"]  # all inside T2-2; a point parcel shares no area


def test_overlap_picks_largest_share():
    more_in_t22 = shapely.box(150, 0, 1080, 100)  # 50×100 m in T2-1, 80×100 m in T2-2
    more_in_t21 = shapely.box(100, 0, 1020, 200)  # 100×200 m in T2-1, 20×100 m in T2-2
    m = match_parcels(syn.survey([more_in_t22, more_in_t21]), syn.plan_parcels())
    assert m["project_id"].tolist() == ["T2-2", "T2-1"]


def test_without_overlap_fallback_names_only():
    layer = syn.survey([shapely.box(0, 0, 10, 10)], ["?"])
    assert match_parcels(layer, syn.plan_parcels(), name_field="名称", use_overlap=False)["match_by"].tolist() == [
        "none"
    ]


def test_unknown_field_is_refused():
    with pytest.raises(UsageError) as exc:
        match_parcels(syn.clean_survey(), syn.plan_parcels(), name_field="name")
    assert str(exc.value) == "name field: the layer has no column 'name'. Pick one of: 名称, code"


def test_suggest_name_field():
    layer = syn.clean_survey().assign(名称=["科学谷(第一期)", "其他"], 编号=["T2-1", "T2-2"], 备注=["x", "y"])
    assert suggest_name_field(layer, syn.plan_parcels()) == "编号"
    assert suggest_name_field(layer.drop(columns=["编号", "名称"]), syn.plan_parcels()) is None
