"""geo.checks.registry: every check fires on a planted defect and stays silent on a clean layer.

Each finding is asserted in both languages: ``message`` (English) and
``message_zh`` (Chinese, areas in 亩).

Layers are synthetic (tests/fixtures/synthetic.py): built in metres of the
equal-area projection, so the expected areas in mu are exact by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from geo.checks.messages import messages_in
from geo.checks.registry import CHECKS, FINDING_COLUMNS, run_checks
from geo.checks.topology import make_valid_layer
from geo.errors import UsageError
from tests.fixtures import synthetic as syn

T21 = shapely.box(0, 0, 200, 200)  # 60 mu, plan T2-1
T22 = shapely.box(1000, 0, 1100, 100)  # 15 mu, plan T2-2


def check(layer, **kw):
    kw.setdefault("name_field", "名称")
    return run_checks(layer, plan_parcels=syn.plan_parcels(), zones=syn.zones(), districts=syn.districts(), **kw)


def of(result, name):
    return result.findings[result.findings["check"] == name]


def test_clean_layer_has_no_findings():
    result = check(syn.clean_survey())
    assert result.findings.empty
    assert list(result.findings.columns) == list(FINDING_COLUMNS)
    s = result.summary
    assert (s["features"], s["matched"], s["unmatched"], s["projects"], s["measured_mu"]) == (2, 2, 0, 2, 75.0)
    assert s["by_check"] == dict.fromkeys(CHECKS, 0) and s["findings"] == 0
    assert result.parcels["project_id"].tolist() == ["T2-1", "T2-2"]
    assert result.parcels["measured_mu"].round(3).tolist() == [60.0, 15.0]


def test_empty_and_missing_geometry():
    layer = syn.survey([T21, Polygon(), T22], ["T2-1", "x", "T2-2"])
    layer.loc[2, "geometry"] = None
    found = of(check(layer), "empty")
    assert found[["feature", "severity", "message", "message_zh"]].values.tolist() == [
        [2, "error", "the geometry is empty or missing", "几何为空或缺失"]
    ]


def test_not_polygon():
    found = of(check(syn.survey([T21, LineString([(0, 0), (10, 10)])], ["T2-1", "T2-1"])), "not_polygon")
    assert found["feature"].tolist() == [2]
    assert found["message"].iloc[0] == "the geometry is a LineString, not a polygon; its area cannot be checked"
    assert found["message_zh"].iloc[0] == "几何类型为线，不是面要素，无法核查面积"


def test_invalid_geometry_reason_and_fix():
    bowtie = Polygon([(0, 0), (200, 200), (200, 0), (0, 200)])
    result = check(syn.survey([bowtie], ["T2-1"]))
    found = of(result, "invalid")
    assert found["feature"].tolist() == [1]
    message, message_zh = found["message"].iloc[0], found["message_zh"].iloc[0]
    # GEOS's reason translated, with its place in lon/lat (the bowtie crosses at its centre, 100 m, 100 m)
    centre = syn.to_wgs84([shapely.Point(100, 100)]).geometry.iloc[0]
    at = f"{centre.x:.5f}, {centre.y:.5f}"
    assert message == f"invalid geometry (self-intersection at {at}); make-valid repairs it to 30.0 mu"
    assert message_zh == f"几何无效（自相交，位置 {at}）；修复后面积 30 亩"
    assert found["detail"].iloc[0].startswith("Self-intersection[")  # GEOS's own words, kept apart
    assert found["value"].round(3).tolist() == [30.0]
    # the repaired parcel is still measured, matched and compared with its allocation
    assert of(result, "area_mismatch")[["message", "message_zh"]].values.tolist() == [
        [
            "measures 30.0 mu against 60.0 mu allocated (-50.0 %, tolerance 1 %)",
            "实测 30 亩，规划分配 60 亩（-50%，容差 1%）",
        ]
    ]
    fixed = make_valid_layer(syn.survey([bowtie], ["T2-1"]))
    assert fixed.is_valid.all() and fixed.geom_type.tolist() == ["MultiPolygon"]


def test_duplicates_are_not_also_overlaps():
    result = check(syn.survey([T21, T22, T21], ["T2-1", "T2-2", "T2-1"]))
    dup = of(result, "duplicate")
    assert dup[["feature", "value", "message", "message_zh"]].values.tolist() == [
        [3, 1.0, "same geometry as feature 1", "与要素 1 的几何完全相同"]
    ]
    assert of(result, "overlap").empty


def test_overlap_in_mu_and_touching_is_not_overlap():
    shifted = shapely.box(100, 0, 300, 200)  # shares 100 m × 200 m = 30 mu with T21
    found = of(check(syn.survey([T21, shifted], ["T2-1", "T2-1"])), "overlap")
    assert found[["feature", "project_id", "message", "message_zh"]].values.tolist() == [
        [1, "T2-1", "overlaps feature 2 by 30.0 mu", "与要素 2 重叠 30.000 亩"]
    ]
    assert found["value"].round(3).tolist() == [30.0]
    touching = shapely.box(200, 0, 400, 200)
    assert of(check(syn.survey([T21, touching], ["T2-1", "T2-1"])), "overlap").empty


def test_overlap_of_a_parcel_inside_another():
    inner = shapely.box(50, 50, 150, 150)  # 15 mu, no edge shared with T21
    found = of(check(syn.survey([T21, inner], ["T2-1", "T2-1"])), "overlap")
    assert found["message"].tolist() == ["overlaps feature 2 by 15.0 mu"]
    assert found["message_zh"].tolist() == ["与要素 2 重叠 15.000 亩"]


def test_no_overlaps_in_a_tessellation():
    cells = [shapely.box(x, y, x + 20, y + 20) for x in range(0, 200, 20) for y in range(0, 200, 20)]
    result = check(syn.survey(cells, ["T2-1"] * len(cells)))
    assert of(result, "overlap").empty
    assert result.summary["measured_mu"] == 60.0 and of(result, "area_mismatch").empty


@pytest.mark.parametrize(
    ("height", "tolerance", "fires"), [(203, 1.0, True), (201, 1.0, False), (203, 2.0, False), (197, 1.0, True)]
)
def test_area_against_allocation_with_tolerance(height, tolerance, fires):
    result = check(syn.survey([shapely.box(0, 0, 200, height), T22], ["T2-1", "T2-2"]), tolerance_pct=tolerance)
    found = of(result, "area_mismatch")
    assert len(found) == int(fires)
    if fires:
        measured = 60 * height / 200
        sign = "+" if height > 200 else ""
        assert found["message"].iloc[0] == (
            f"measures {measured} mu against 60.0 mu allocated "
            f"({sign}{(height - 200) / 2:.1f} %, tolerance {tolerance:g} %)"
        )
        pct = f"{sign}{(height - 200) / 2:g}"
        assert found["message_zh"].iloc[0] == f"实测 {measured:g} 亩，规划分配 60 亩（{pct}%，容差 {tolerance:g}%）"
        assert found["value"].round(3).iloc[0] == round(measured - 60, 3)


def test_area_of_several_parcels_is_summed_per_project():
    halves = [shapely.box(0, 0, 100, 200), shapely.box(100, 0, 200, 210)]  # 30 + 31.5 mu
    found = of(check(syn.survey(halves, ["T2-1", "T2-1"])), "area_mismatch")
    assert found["feature"].isna().all()
    assert found["message"].tolist() == [
        "2 parcels together measure 61.5 mu against 60.0 mu allocated (+2.5 %, tolerance 1 %)"
    ]
    assert found["message_zh"].tolist() == ["同一项目的 2 个地块合计实测 61.5 亩，规划分配 60 亩（+2.5%，容差 1%）"]


def test_unknown_allocation_is_info_not_mismatch():
    found = check(syn.survey([shapely.box(-1600, 1400, -1400, 1600)], ["X-1"])).findings
    assert found[["check", "severity", "message", "message_zh"]].values.tolist() == [
        [
            "area_unknown",
            "info",
            "measures 60.0 mu; the plan states no allocation (——)",
            "实测 60 亩；规划未列该项目面积（——）",
        ]
    ]


def test_outside_zone_and_districts():
    north = shapely.box(0, 400, 200, 600)  # 100 m of it beyond the zone's edge y = 500: 30 mu
    east = shapely.box(2900, 0, 3100, 100)  # 100 m beyond the district edge x = 3000: 15 mu
    result = check(syn.survey([north, east], ["科学谷（第一期）", "T2-2"]))
    zone = of(result, "outside_zone")
    assert zone[["feature", "message", "message_zh"]].values.tolist() == [
        [1, "30.0 mu lies outside its spatial unit, Sci-tech Central Business Core",
         "30.000 亩位于所属空间单元“科创中央商务核”之外"],
        [2, "30.0 mu lies outside its spatial unit, Sci-tech Central Business Core",
         "30.000 亩位于所属空间单元“科创中央商务核”之外"],
    ]
    dist = of(result, "outside_districts")
    assert dist[["feature", "message", "message_zh"]].values.tolist() == [
        [2, "15.0 mu lies outside the districts of the High-tech Zone", "15.000 亩位于高新区所涉行政区之外"]
    ]
    assert dist["value"].round(3).tolist() == [15.0]


def test_outside_zone_never_shows_the_zone_id_when_the_zones_have_no_names():
    north = shapely.box(0, 400, 200, 600)
    zones = syn.zones().drop(columns=["name_zh", "name_en"])
    result = run_checks(syn.survey([north], ["T2-1"]), plan_parcels=syn.plan_parcels(), zones=zones, name_field="名称")
    found = of(result, "outside_zone")
    assert found["message_zh"].tolist() == ["30.000 亩位于所属空间单元之外"]
    assert found["message"].tolist() == ["30.0 mu lies outside its spatial unit"]


def test_parcel_of_a_project_without_zone_is_not_outside_zone():
    assert of(check(syn.survey([shapely.box(-1600, 1400, -1400, 1600)], ["X-1"])), "outside_zone").empty


def test_unmatched_and_missing_attribute():
    far = shapely.box(2000, 1000, 2100, 1100)
    result = check(syn.survey([T21, far], ["T2-1", " "]))
    assert of(result, "unmatched")[["feature", "message", "message_zh"]].values.tolist() == [
        [
            2,
            "matched to no plan project by name/id or by overlap with an indicative parcel",
            "按名称/编号或与规划示意地块的重叠均未匹配到规划项目",
        ]
    ]
    assert of(result, "missing_attribute")[["feature", "message", "message_zh"]].values.tolist() == [
        [2, "the field '名称' is empty", "字段“名称”为空"]
    ]
    assert result.summary["unmatched"] == 1
    assert of(check(syn.survey([T21, far], ["T2-1", " "]), name_field=None), "missing_attribute").empty


def test_multipart():
    two = MultiPolygon([shapely.box(0, 0, 100, 200), shapely.box(150, 0, 250, 200)])
    found = of(check(syn.survey([two], ["T2-1"])), "multipart")
    assert found[["feature", "value", "message", "message_zh"]].values.tolist() == [
        [1, 2.0, "the parcel has 2 separate parts", "地块由 2 个互不相连的部分组成"]
    ]
    assert of(check(syn.survey([MultiPolygon([T21])], ["T2-1"])), "multipart").empty


def test_slivers_by_area_and_by_shape():
    tiny = shapely.box(0, 0, 5, 5)  # 0.0375 mu
    thin = shapely.box(0, 0, 200, 2)  # 0.6 mu, compactness 0.031
    found = of(check(syn.survey([T21, tiny, thin], ["T2-1"] * 3)), "sliver")
    assert found["feature"].tolist() == [2, 3]
    assert found["message"].iloc[0] == "area 0.037 mu, compactness 0.785 (sliver below 0.1 mu or compactness 0.05)"
    assert found["message_zh"].tolist() == [
        "面积 0.037 亩，紧凑度 0.785（细碎图斑：面积小于 0.1 亩或紧凑度低于 0.05）",
        "面积 0.600 亩，紧凑度 0.031（细碎图斑：面积小于 0.1 亩或紧凑度低于 0.05）",
    ]
    assert of(check(syn.survey([T21, tiny, thin], ["T2-1"] * 3), sliver_mu=0.01, min_compactness=0.01), "sliver").empty


def test_all_checks_collected_in_one_pass():
    bowtie = Polygon([(1000, 0), (1100, 100), (1100, 0), (1000, 100)])
    layer = syn.survey(
        [T21, T21, bowtie, Polygon(), shapely.box(2900, 0, 3100, 100)], ["T2-1", "T2-1", "T2-2", "", "zzz"]
    )
    result = check(layer)
    fired = {c for c, n in result.summary["by_check"].items() if n}
    # the repaired bowtie is two triangles: multipart too
    assert fired == {
        "duplicate",
        "invalid",
        "empty",
        "area_mismatch",
        "outside_districts",
        "unmatched",
        "missing_attribute",
        "multipart",
    }
    assert result.summary["by_severity"] == {"error": 3, "warning": 6, "info": 0}
    assert result.findings["check"].tolist() == sorted(result.findings["check"], key=list(CHECKS).index)


def test_negative_tolerance_is_refused():
    with pytest.raises(UsageError, match="not a non-negative percentage"):
        check(syn.clean_survey(), tolerance_pct=-1)


def test_findings_types():
    result = check(syn.survey([T21, T21], ["T2-1", "T2-1"]))
    f = result.findings
    assert str(f["feature"].dtype) == "Int64" and f["value"].dtype == np.float64
    assert pd.api.types.is_string_dtype(f["message"]) and set(f["severity"]) <= {"error", "warning", "info"}
    assert pd.api.types.is_string_dtype(f["message_zh"]) and f["message_zh"].notna().all()


def test_messages_in_the_chosen_language_fall_back_to_english():
    f = check(syn.survey([T21, T21], ["T2-1", "T2-1"])).findings
    assert messages_in(f, lang="zh").tolist() == [
        "与要素 1 的几何完全相同",
        "同一项目的 2 个地块合计实测 120 亩，规划分配 60 亩（+100%，容差 1%）",
    ]
    assert messages_in(f, lang="en").tolist() == f["message"].tolist()
    older = f.drop(columns="message_zh")  # findings saved before the Chinese texts
    assert messages_in(older, lang="zh").tolist() == f["message"].tolist()
    partial = f.assign(message_zh=pd.array([pd.NA, "x"], dtype="string"))
    assert messages_in(partial, lang="zh").tolist() == ["same geometry as feature 1", "x"]
