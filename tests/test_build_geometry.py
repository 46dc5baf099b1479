"""The indicative geometry: regenerated == committed, areas, no overlaps, districts, zones; ``plan build``."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.area import area_mu
from geo.crs import equal_area
from geo.geojson import to_geojson
from geo.plan.build import build_package
from geo.plan.current import DEFAULT_DIR
from layers import load_districts
from tests.fixtures.cli import geo
from tools.build_geometry import build

OTHER = Path(__file__).resolve().parent / "fixtures" / "plans" / "other"


@pytest.fixture(scope="module")
def fresh():
    return build_package(DEFAULT_DIR)


def test_committed_files_match_a_fresh_build(fresh):
    assert sorted(p.relative_to(DEFAULT_DIR).as_posix() for p in fresh) == [
        "context/metro.geojson", "parcels/parcels.geojson", "parcels/zones.geojson"]
    for path, gdf in fresh.items():
        committed = path.read_text(encoding="utf-8")
        assert committed == to_geojson(gdf) + "\n", f"{path} is stale: run python -m geo plan build"


def test_the_old_tool_builds_the_same(fresh):
    old = build()
    assert list(old) == [str(p) for p in fresh]
    assert all(to_geojson(old[str(p)]) == to_geojson(gdf) for p, gdf in fresh.items())


def test_plan_build_rewrites_a_package_identically(capsys, monkeypatch, tmp_path):
    copy = tmp_path / "other"
    shutil.copytree(OTHER, copy)
    for rel in ("parcels/parcels.geojson", "parcels/zones.geojson", "context/metro.geojson"):
        (copy / rel).write_text('{"type": "FeatureCollection", "features": []}\n', encoding="utf-8")
    code, out, err = geo(capsys, monkeypatch, "plan", "build", str(copy))
    assert code == 0, err
    assert out.count("wrote ") == 3
    for rel in ("parcels/parcels.geojson", "parcels/zones.geojson", "context/metro.geojson"):
        assert (copy / rel).read_bytes() == (OTHER / rel).read_bytes(), rel


def test_areas_equal_declared_mu(parcels):
    polys = parcels[parcels.geom_type == "Polygon"]
    measured = area_mu(polys)
    assert len(polys) == parcels["declared_mu"].notna().sum() == 25
    assert ((measured / polys["declared_mu"].astype(float) - 1).abs() < 0.005).all()
    assert ((measured / polys["declared_mu"].astype(float) - 1).abs() < 1e-4).all()  # what we actually achieve


def test_unknown_area_is_a_point(parcels):
    points = parcels[parcels.geom_type == "Point"]
    assert points["project_id"].tolist() == ["T5-2"]


def test_no_two_parcels_overlap_or_touch(parcels):
    local = parcels.to_crs(equal_area()).geometry.values
    tree = shapely.STRtree(local)
    left, right = tree.query(local, predicate="dwithin", distance=30.0)
    assert [(i, j) for i, j in zip(left, right, strict=True) if i < j] == []


def test_each_parcel_is_inside_its_anchor_district(parcels, places):
    districts = load_districts().set_index("name_zh")
    district_of = places.set_index("name_zh")["district"]
    for p in parcels.itertuples():
        assert districts.loc[district_of[p.anchor_zh], "geometry"].contains(p.geometry), p.project_id


def test_parcels_lie_near_their_anchor(parcels, places):
    anchors = gpd.GeoSeries(list(places.set_index("name_zh").loc[parcels["anchor_zh"], "geometry"]), crs=4326)
    dist = parcels.to_crs(equal_area()).distance(anchors.set_axis(parcels.index).to_crs(equal_area()))
    assert dist.max() < 2000  # metres from the anchor to the nearest point of the parcel


def test_zones_enclose_their_parcels_and_anchors(zones, parcels, places):
    by_name = places.set_index("name_zh")["geometry"]
    for z in zones.itertuples():
        members = parcels[parcels["zone_id"] == z.zone_id]
        assert len(members) > 0
        assert all(z.geometry.contains(g) for g in members.geometry)
        assert all(z.geometry.contains(by_name[a]) for a in z.anchors_zh.split(";"))


def test_every_feature_carries_project_attributes(parcels, projects):
    assert (parcels["geometry_basis"] == "indicative").all()
    cols = list(projects.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(parcels[cols]).reset_index(drop=True), projects.reset_index(drop=True))
