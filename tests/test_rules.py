"""The written rules of data/README.md (zone, placement), applied to every row of the plan."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geo.crs import equal_area
from geo.plan.notes import zone_basis
from layers import load_zone_places
from layers.rules import anchor_by_rule, specificity, zone_by_rule


@pytest.fixture(scope="module")
def zone_places():
    return load_zone_places()


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def test_zone_rule_gives_every_row_its_unit_and_basis(projects, zone_table, zone_places):
    for p in _records(projects):
        choice = zone_by_rule(p, zone_table, zone_places)
        expected = p["zone_id"] if isinstance(p["zone_id"], str) else None
        assert (choice.zone_id, choice.basis) == (expected, p["zone_basis"]), p["project_id"]


def test_stated_rows_are_exactly_those_whose_carrier_the_unit_text_names(projects, zone_table):
    stated = projects[projects["zone_basis"] == "stated"].set_index("project_id")
    assert stated["zone_carrier_zh"].to_dict() == {
        "T2-3": "科学谷片区", "T2-5": "金凤生物医药产业园", "T3-7": "微电子科创街", "T4-1": "金凤国家质检基地"}
    zones = zone_table.set_index("zone_id")
    for pid, p in stated.iterrows():
        assert p["zone_carrier_zh"] in zones.at[p["zone_id"], "description_zh"], pid  # verbatim in 二（四）
    # every other row has no carrier: its unit comes from its place only
    assert projects.loc[projects["zone_basis"] != "stated", "zone_carrier_zh"].isna().all()


def test_rows_the_issue_named_are_no_longer_stated(projects):
    basis = projects.set_index("project_id")["zone_basis"]
    for pid in ("T2-6", "T3-1", "T3-2", "T3-3", "T3-4", "T4-2", "T4-3", "T5-1", "T5-2", "T5-3", "T5-4", "T5-8", "X-1"):
        assert basis[pid] == "inferred", pid


def test_one_place_rule_for_every_region(projects, zone_places):
    """Every region the tables give has one entry, and rows of one region share one unit (no theme exceptions)."""
    assert set(projects["region_zh"]) <= set(zone_places["place_zh"])
    unplaced = projects[projects["zone_basis"] != "stated"]
    per_region = unplaced.groupby("region_zh")["zone_id"].agg(lambda s: set(s.fillna("none")))
    assert all(len(z) == 1 for z in per_region)
    zone = projects.set_index("project_id")["zone_id"]
    assert zone["T3-5"] == zone["T5-7"] == zone["T2-2"] == "xiyong"  # all by their place, 西永
    assert projects.loc[projects["zone_basis"] == "none", "region_zh"].unique().tolist() == ["曾家镇"]


def test_each_place_fact_has_a_source(zone_places):
    related = zone_places[zone_places["relation"].isin(["part_of", "contains"])]
    assert related["source_zh"].str.contains("原文|https?://").all()
    assert related["source_en"].str.contains(r"line|https?://").all()


def test_zone_basis_is_said_in_both_languages(projects, zone_table, zone_places):
    by_id = projects.set_index("project_id", drop=False)
    t23 = zone_basis(by_id.loc["T2-3"].to_dict(), zone_table, zone_places)
    assert t23.zh == "明示：二（四）原文第41行对研发创新生态圈的描述点名了“科学谷片区”"
    assert t23.en == ("stated: the description of R&D Innovation Ecosystem Circle (section 2(4), line 41) names the "
                      "Science Valley area")
    t57 = zone_basis(by_id.loc["T5-7"].to_dict(), zone_table, zone_places)
    assert t57.zh.startswith("推定：所属区域“西永”——西永即片区名称“西永集成电路设计片区”中的西永，"
                             "故归入西永集成电路设计片区")
    assert t57.en.startswith("inferred by place: its region, Xiyong, ")
    t21 = zone_basis(by_id.loc["T2-1"].to_dict(), zone_table, zone_places)
    assert t21.zh.startswith("未归属：") and "曾家镇" in t21.zh and t21.en.startswith("in no spatial unit: ")


def test_anchor_rule_gives_every_row_its_anchor(projects, places):
    for p in _records(projects):
        assert anchor_by_rule(p, places) == p["anchor_zh"], p["project_id"]


def test_anchor_is_the_most_specific_place_the_row_names(projects, places):
    anchor = projects.set_index("project_id")["anchor_zh"]
    assert anchor["T2-3"] == "西部（重庆）科学谷"  # its name, not 含谷镇
    assert anchor["T5-1"] == "重庆大学城"  # its name, not 虎溪街道
    assert anchor["T2-6"] == anchor["T2-2"] == anchor["T5-7"] == "西永街道"  # a bare 西永, one place for all
    assert anchor["T3-5"] == "西永街道"  # the data centre and 西永综保区B区 are not located
    ranks = [specificity(k) for k in ("campus", "area/centre", "town (直管园)", "district (区)")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 4


def test_huxi_village_base_is_placed_off_the_campuses(parcels, places):
    """表5 row 8 (3,000 mu of 山村) stands west of every campus point, clear of each by at least 500 m."""
    t58 = parcels.loc[parcels["project_id"] == "T5-8"].to_crs(equal_area()).geometry.iloc[0]
    campus = places[places["kind"].isin(["campus", "area/centre"])]
    assert len(campus) == 4
    points = gpd.GeoSeries(list(campus.geometry), crs=4326)
    assert (points.to_crs(equal_area()).distance(t58) >= 500).all()
    west_edge_of_campuses = min(p.x for p in points)
    assert parcels.loc[parcels["project_id"] == "T5-8"].geometry.iloc[0].bounds[2] < west_edge_of_campuses
    anchor = places.set_index("name_zh").loc["虎溪街道村落（估计）"]
    assert anchor["confidence"] == "estimate" and anchor["kind"] == "village area (estimate)"


def test_gazetteer_sources_can_be_looked_up_or_confidence_says_estimate(places):
    located = places[places.geometry.notna()]
    assert set(places["confidence"]) <= {"high", "medium", "low", "estimate", "none"}
    unfindable = located["source"].str.contains("search-index file|unsourced", regex=True)
    assert not unfindable.any(), located.loc[unfindable, "name_zh"].tolist()
    no_source = located["source"].str.startswith(("estimate", "derived"))
    assert (located.loc[no_source, "confidence"] == "estimate").all()
    assert (places.loc[places.geometry.isna(), "confidence"] == "none").all()
    assert places.set_index("name_zh").at["重庆大学（虎溪校区）", "confidence"] == "medium"  # lowered from high
