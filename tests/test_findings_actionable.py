"""Findings an official can act on (issue 22, part 1): parcels named as in the file, places in the file's
CRS with the 部标 界址点号 and 圈号, a fix for each finding, whole-file diagnoses first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.checks import CheckOptions, PlanLayers, check_file
from geo.checks.diagnose import FIXES, detect_name_field, enrich, file_diagnoses
from geo.checks.pipeline import check_layer_file
from geo.checks.registry import CHECKS, run_checks
from geo.crs import equal_area
from tests.fixtures import synthetic as syn
from tests.fixtures import zbtxt_build as zb

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_plan() -> PlanLayers:
    from layers import load_districts, load_parcels, load_zones

    return PlanLayers(parcels=load_parcels(), zones=load_zones(), districts=load_districts())


def zone37(tmp_path: Path) -> Path:
    """The zone-35 five-parcel sample moved to zone 37: the Y prefix 35 → 37 and 带号=37, nothing else."""
    blocks = [
        zb.block([f"{area:.2f}", f"DK0{i + 1}", name, "面", "H48G001001", "工业用地", "0601"],
                 [[(e + 2_000_000, n) for e, n in ring] for ring in rings])
        for i, (area, name, rings) in enumerate(zip(zb.AREAS_M2, zb.NAMES, zb.rings(), strict=True))
    ]
    path = tmp_path / "带号37.txt"
    path.write_bytes(zb.document(blocks, header=dict(zb.HEADER, 带号="37")))
    return path


#: A bow tie: J1 (SW) → J2 (NE) → J3 (SE) → J4 (NW) → J1; sides J1–J2 and J3–J4 cross at its middle.
BOW_TIE = [(zb.E0 + 4000, zb.N0), (zb.E0 + 4100, zb.N0 + 100), (zb.E0 + 4100, zb.N0), (zb.E0 + 4000, zb.N0 + 100)]


def zone35_with_self_intersection(tmp_path: Path) -> Path:
    path = tmp_path / "测绘成果35带.txt"
    blocks = [*zb.blocks(), zb.block(["5000.00", "DK06", "地块六", "面", "H48G001001", "工业用地", "0601"], [BOW_TIE])]
    path.write_bytes(zb.document(blocks))
    return path


@pytest.mark.parametrize("chunked", [False, True], ids=["whole", "chunked"])
def test_zone37_file_first_says_it_lies_in_zone_37_far_from_the_plan(tmp_path, real_plan, chunked):
    path = zone37(tmp_path)
    run = (check_layer_file(path, real_plan, CheckOptions()) if chunked
           else check_file(path, real_plan, CheckOptions()))
    first = run.result.findings.iloc[0]
    assert first["check"] == "file_location" and first["severity"] == "error"
    assert first["message_zh"].startswith("整个文件位于第 37 带，距规划范围约 ")
    assert "公里" in first["message_zh"] and "带号或坐标系是否有误" in first["message_zh"]
    assert first["message"].startswith("the whole file lies in zone 37, ") and "wrong 带号" in first["message"]
    km = float(first["value"])
    assert 400 < km < 700  # 2° of longitude east of the zone-35 sample, at 29.5°N
    assert f"{km:,.0f} 公里" in first["message_zh"]
    assert first["parcel_name"] == "整个文件" and first["fix_zh"] == FIXES["file_location"][0]
    assert run.summary["by_check"]["file_location"] == 1


def test_zone35_self_intersection_names_parcel_point_and_place(tmp_path, real_plan):
    run = check_file(zone35_with_self_intersection(tmp_path), real_plan, CheckOptions())
    f = run.result.findings
    assert "file_location" not in set(f["check"])  # zone 35 is where the plan is
    bad = f[f["check"] == "invalid"]
    assert len(bad) == 1
    row = bad.iloc[0]
    assert row["parcel_name"] == "地块六" and run.summary["label_field"] == "地块名称"
    assert row["point"] == "J1" and row["ring"] == 1
    assert (row["x"], row["y"]) == (zb.N0 + 50, zb.E0 + 4050)  # X = north, Y = east (with the zone prefix)
    assert "第 1 圈界址点 J1–J2 与 J3–J4 相交处" in row["message_zh"]
    assert f"位置 X={zb.N0 + 50:.3f}，Y={zb.E0 + 4050:.3f}" in row["message_zh"]
    assert "sides J1–J2 and J3–J4 of ring 1 cross" in row["message"]
    assert "106." not in row["message_zh"] and "29." not in row["message_zh"]  # not lon/lat
    assert row["fix_zh"].startswith("检查界址点 J1–J2 与 J3–J4 的顺序，环不得自相交")
    assert "J1–J2 and J3–J4" in row["fix_en"]


def test_every_finding_has_a_name_and_a_fix_never_none(tmp_path, real_plan):
    run = check_file(zone35_with_self_intersection(tmp_path), real_plan, CheckOptions())
    f = run.result.findings
    for column in ("parcel_name", "parcel_name_en", "fix_zh", "fix_en", "message", "message_zh"):
        values = f[column].astype(str)
        assert not values.str.contains("None|<NA>|nan").any(), column
    assert f["fix_zh"].ne("").all() and f["fix_en"].ne("").all()
    assert set(FIXES) >= set(CHECKS)  # every kind of finding says how to fix it
    parcel = f[f["feature"].notna()]
    assert set(parcel["parcel_name"]) <= set(zb.NAMES) | {"地块六"}
    assert np.isfinite(parcel["x"].astype(float)).all() and (parcel["x"].astype(float) > 3_000_000).all()


def test_declared_area_in_square_metres_is_a_whole_file_diagnosis(tmp_path, real_plan):
    run = check_file(zone35_with_self_intersection(tmp_path), real_plan, CheckOptions())
    unit = run.result.findings[run.result.findings["check"] == "file_area_unit"]
    assert len(unit) == 1 and unit.index[0] == 0  # before every parcel's findings
    assert "地块面积" in unit.iloc[0]["message_zh"] and "平方米" in unit.iloc[0]["message_zh"]
    assert "公顷" in unit.iloc[0]["message_zh"]
    fine = [zb.block([f"{a / 10000:.4f}", f"DK0{i + 1}", n, "面", "", "", ""], r)
            for i, (a, n, r) in enumerate(zip(zb.AREAS_M2, zb.NAMES, zb.rings(), strict=True))]
    path = tmp_path / "公顷.txt"
    path.write_bytes(zb.document(fine))
    assert "file_area_unit" not in set(check_file(path, real_plan, CheckOptions()).result.findings["check"])


def test_name_field_detected_case_insensitive_else_row():
    layer = syn.survey([shapely.box(0, 0, 200, 200), shapely.box(1000, 0, 1100, 100)]).drop(columns="名称")
    assert detect_name_field(layer) is None
    layer["ZONGDI"] = ["x", "y"]
    layer["Name"] = ["科学谷一号", None]
    assert detect_name_field(layer) == "Name"
    result = run_checks(layer, plan_parcels=syn.plan_parcels(), zones=syn.zones(), districts=syn.districts())
    slivers = run_checks(layer.set_geometry([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)], crs=equal_area()
                                            ).to_crs(layer.crs),
                         plan_parcels=syn.plan_parcels())
    findings = pd.concat([result.findings, slivers.findings], ignore_index=True)
    out, named = enrich(findings, layer, file_crs="EPSG:4544", name_field=None)
    assert named == {"label_field": "Name", "label_field_detected": True}
    sliver = out[out["check"] == "sliver"].set_index("feature")
    assert sliver.at[1, "parcel_name"] == "科学谷一号"
    assert sliver.at[2, "parcel_name"] == "第 2 个要素" and sliver.at[2, "parcel_name_en"] == "feature 2"
    out, named = enrich(findings, layer, file_crs="EPSG:4544", name_field="ZONGDI")
    assert named["label_field"] == "ZONGDI" and not named["label_field_detected"]
    assert out[out["check"] == "sliver"].set_index("feature").at[2, "parcel_name"] == "y"


def test_swapped_x_and_y_are_named_as_such():
    plan = syn.plan_parcels()
    layer = syn.survey([shapely.box(0, 0, 200, 200)])
    own = layer.to_crs("EPSG:4544")
    swapped = own.set_geometry(shapely.transform(own.geometry.to_numpy(), lambda c: c[:, ::-1]), crs="EPSG:4544")
    rows = file_diagnoses(swapped.to_crs(layer.crs), "EPSG:4544", plan_parcels=plan, districts=syn.districts())
    assert [r["check"] for r in rows] == ["file_axes"]
    assert "X、Y 坐标是否颠倒" in rows[0]["message_zh"] and "swapped" in rows[0]["message"]
    assert file_diagnoses(layer, "EPSG:4544", plan_parcels=plan, districts=syn.districts()) == []


def test_area_column_stating_hectares_but_holding_square_metres():
    layer = syn.survey([shapely.box(0, 0, 200, 200), shapely.box(1000, 0, 1100, 100)])
    layer["用地面积(公顷)"] = [40000.0, 10000.0]
    rows = file_diagnoses(layer, "EPSG:4544", plan_parcels=syn.plan_parcels(), districts=syn.districts())
    assert [r["check"] for r in rows] == ["file_area_unit"] and "平方米" in rows[0]["message_zh"]
    layer["用地面积(公顷)"] = [4.0, 1.0]
    assert file_diagnoses(layer, "EPSG:4544", plan_parcels=syn.plan_parcels(), districts=syn.districts()) == []


def test_cli_json_and_csv_carry_the_new_fields(tmp_path):
    path = zone37(tmp_path)
    csv = tmp_path / "问题清单.csv"
    run = subprocess.run([sys.executable, "-m", "geo", "check", str(path), "--format", "json",
                          "--findings-csv", str(csv)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    first = json.loads(run.stdout)["findings"][0]
    assert first["check"] == "file_location" and "第 37 带" in first["message_zh"]
    assert {"parcel_name", "point", "ring", "x", "y", "fix_zh", "fix_en"} <= set(first)
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert back.loc[0, "地块"] == "整个文件" and "第 37 带" in back.loc[0, "说明"]
    assert set(back["地块"].iloc[1:]) >= {"地块一", "地块五"}


def test_layer_geometry_in_file_crs_is_not_lonlat(tmp_path, real_plan):
    """A projected file's places are metres (X north, Y east), a lon/lat file's degrees."""
    run = check_file(zone37(tmp_path), real_plan, CheckOptions())
    parcel = run.result.findings.dropna(subset=["feature"])
    assert ((parcel["y"] > 37_000_000) & (parcel["y"] < 38_000_000)).all()
    assert isinstance(run.read.layer, gpd.GeoDataFrame)
