"""Writing 部标坐标txt: the layout read back by hand, and round trips through the reader and the check."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity

from geo.checks import CheckOptions, PlanLayers, check_file
from geo.crs import local_crs
from geo.errors import ExportError, UsageError
from geo.io import export_layers, read_file
from geo.io.zbtxt import parse_zbtxt
from geo.io.zbtxt_write import write_file
from layers import load_districts, load_zones
from tests.fixtures import zbtxt_build as zb


def blocks_of(path: Path) -> tuple[dict[str, str], list[tuple[list[str], list[list[str]]]], str]:
    """Parse a written file by the layout alone (not with our reader): header, blocks, text."""
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"") and raw.endswith(b"\r\n")  # CRLF, every line
    text = raw.decode("gbk")  # GBK, strictly
    lines = text.split("\r\n")[:-1]
    assert lines[0] == "[属性描述]"
    end = lines.index("[地块坐标]")
    header = dict(line.split("=", 1) for line in lines[1:end])
    blocks: list[tuple[list[str], list[list[str]]]] = []
    for line in lines[end + 1 :]:
        fields = line.split(",")
        if fields[-1] == "@":
            blocks.append((fields[:-1], []))
        else:
            assert len(fields) == 4 and re.fullmatch(r"J\d+", fields[0]) and fields[1].isdigit()
            blocks[-1][1].append(fields)
    return header, blocks, text


def shoelace(points: list[list[str]]) -> float:
    """Area of one parcel's point lines: Σ outer rings − Σ holes, rings by 圈号, in m²."""
    rings: dict[int, list[tuple[float, float]]] = {}
    for _, ring, x, y in points:
        rings.setdefault(int(ring), []).append((float(y), float(x)))
    areas = {k: shapely.Polygon(v).area for k, v in rings.items()}
    polys = {k: shapely.Polygon(v) for k, v in rings.items()}
    total = 0.0
    for k, poly in polys.items():
        inside = sum(1 for j, other in polys.items() if j != k and other.contains(poly.representative_point()))
        total += -areas[k] if inside % 2 else areas[k]
    return total


@pytest.mark.parametrize(("crs", "prefixed"), [("EPSG:4523", True), ("EPSG:4544", False)])
def test_export_reads_back_by_the_layout(parcels, tmp_path, crs, prefixed):
    path = export_layers({"parcels": parcels}, fmt="txt", crs=crs, path=tmp_path / "parcels")
    assert path.name == "parcels.txt"
    header, blocks, _ = blocks_of(path)
    assert header["坐标系"] == "2000国家大地坐标系" and header["几度分带"] == "3" and header["带号"] == "35"
    assert header["投影类型"] == "高斯克吕格" and header["计量单位"] == "米" and header["精度"] == "0.001"
    assert header["格式版本号"] and header["数据产生日期"] and header["转换参数"] == ",,,,,,"
    assert "示意几何" in header["数据产生单位"]  # the plan's parcels are indicative, and the file says so
    polygons = parcels[parcels.geom_type == "Polygon"]
    assert len(blocks) == len(polygons) == 25
    assert [b[0][2] for b in blocks] == polygons["project_id"].tolist()  # 地块编号
    assert [b[0][3] for b in blocks] == polygons["name_zh"].tolist()  # 地块名称
    assert [b[0][6] for b in blocks] == polygons["function_zh"].str.replace(",", "，").tolist()  # 地块用途
    assert "T5-2" not in [b[0][2] for b in blocks]  # the point project is left out
    for fields, points in blocks:
        assert int(fields[0]) == len(points) and fields[4] == "面"
        for ring in {p[1] for p in points}:
            mine = [p for p in points if p[1] == ring]
            assert mine[0][2:] == mine[-1][2:] and mine[0][0] == mine[-1][0]  # closed: first point repeated
        easting = np.array([float(p[3]) for p in points])
        assert ((easting > 35e6) if prefixed else (easting < 1e6)).all()
        assert float(fields[1]) == pytest.approx(shoelace(points) / 10000, abs=0.00005)  # 公顷, 4 decimals
    declared_mu = polygons["declared_mu"].astype(float).fillna(0).sum()
    assert sum(float(b[0][1]) for b in blocks) * 15 == pytest.approx(declared_mu, rel=0.002)  # planar GK ≈ +0.04 %


def test_writer_result_lists_the_features_left_out(parcels, tmp_path):
    layer = parcels.to_crs("EPSG:4523")
    layer.loc[layer["project_id"] == "T5-8", "geometry"] = None  # a project without geometry
    written = write_file(layer, tmp_path / "p.txt")
    assert written.parcels == 24
    assert written.left_out == ["T5-2 川美工业设计中心 (Point)", "T5-8 虎溪山村文创基地 (no geometry)"]
    assert written.points == sum(len(p) for _, p in blocks_of(written.path)[1])


def test_holes_islands_and_parts_round_trip(tmp_path):
    (tmp_path / "s.txt").write_bytes(zb.survey())
    read = read_file(tmp_path / "s.txt")
    path = export_layers({"back": read.layer}, fmt="txt", crs="EPSG:4523", path=tmp_path / "back")
    _, blocks, _ = blocks_of(path)
    assert [sorted({int(p[1]) for p in pts}) for _, pts in blocks] == [[1], [1, 2], [1, 2, 3], [1, 2], [1]]
    assert [b[0][3] for b in blocks] == zb.NAMES and [b[0][5] for b in blocks] == ["H48G001001"] * 5
    assert [float(b[0][1]) for b in blocks] == [a / 10000 for a in zb.AREAS_M2]  # m² in, 公顷 out
    again, _, _ = parse_zbtxt(path.read_bytes(), "back.txt")
    for got, want in zip(again.geometry, zb.expected_geometries(), strict=True):
        assert shapely.equals(got, want)
    attributes = ["地块编号", "地块名称", "图形属性", "图幅号", "地块用途", "地类编码"]
    assert again[attributes].to_numpy().tolist() == read.layer[attributes].to_numpy().tolist()


def _planted(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The plan's polygon parcels with findings planted: larger, overlapping, holed, two-part, nameless parcels."""
    gk = parcels[parcels.geom_type == "Polygon"].to_crs(local_crs()).copy()
    geom = gk.geometry.copy()
    by = dict(zip(gk["project_id"], gk.index, strict=True))
    geom[by["T2-4"]] = shapely.affinity.scale(geom[by["T2-4"]], 1.05, 1.05)  # area_mismatch
    geom[by["T3-1"]] = shapely.affinity.translate(geom[by["T3-2"]], 40, 0)  # overlaps T3-2
    g = geom[by["T5-1"]]
    geom[by["T5-1"]] = g.difference(g.centroid.buffer(60))  # a hole: area_mismatch
    g = geom[by["T5-3"]]
    geom[by["T5-3"]] = shapely.MultiPolygon([g, shapely.affinity.translate(g, 0, 400)])  # multipart
    gk = gk.set_geometry(geom)
    gk.loc[by["T4-2"], "name_zh"] = ""  # missing_attribute, then matched by overlap
    return gk.to_crs("EPSG:4326")


@pytest.mark.parametrize("crs", ["EPSG:4523", "EPSG:4544"])
def test_round_trip_gives_the_findings_of_the_same_parcels_as_geojson(parcels, tmp_path, crs):
    planted = _planted(parcels)
    plan = PlanLayers(parcels=parcels, zones=load_zones(), districts=load_districts())
    geojson = export_layers({"parcels": planted}, fmt="geojson", path=tmp_path / "p")
    txt = export_layers({"parcels": planted}, fmt="txt", crs=crs, path=tmp_path / "p")
    read = read_file(txt)
    assert read.encoding == "GBK" and read.crs == crs
    a = check_file(geojson, plan, CheckOptions(name_field="name_zh")).result.findings
    b = check_file(txt, plan, CheckOptions(name_field="地块名称")).result.findings
    assert {"area_mismatch", "overlap", "multipart", "missing_attribute"} <= set(a["check"])
    keys = ["feature", "project_id", "check", "severity"]
    pd.testing.assert_frame_equal(a[keys], b[keys])
    assert np.allclose(a["value"].to_numpy(float), b["value"].to_numpy(float), rtol=1e-4, atol=1e-3, equal_nan=True)
    assert "declared_area" not in set(b["check"])  # 地块面积 is the area of the written points


def test_names_with_commas_and_characters_gbk_lacks(parcels, tmp_path):
    one = parcels[parcels["project_id"] == "T2-3"].copy()
    one["name_zh"] = "科学谷,一期@"
    path = export_layers({"p": one}, fmt="txt", crs="EPSG:4523", path=tmp_path / "p")
    assert blocks_of(path)[1][0][0][3] == "科学谷，一期＠"
    one["name_zh"] = "科学谷😀"
    with pytest.raises(ExportError, match=r"line 13 of the 坐标txt holds '😀', which GBK cannot encode"):
        export_layers({"p": one}, fmt="txt", crs="EPSG:4523", path=tmp_path / "q")
    assert not (tmp_path / "q.txt").exists()


def test_txt_crs_and_zone_are_enforced(parcels, tmp_path):
    with pytest.raises(UsageError, match="holds Gauss–Krüger metres, not EPSG:4326"):
        export_layers({"parcels": parcels}, fmt="txt", crs="EPSG:4326", path=tmp_path / "p")
    with pytest.raises(UsageError, match="always WGS84, not EPSG:4523"):  # GeoJSON still refuses zone 35
        export_layers({"parcels": parcels}, fmt="geojson", crs="EPSG:4523", path=tmp_path / "p")
    far = parcels.to_crs(local_crs())
    far = far.set_geometry(far.translate(xoff=400_000)).to_crs("EPSG:4326")  # ~110°E, zone 37
    with pytest.raises(ExportError, match="outside zone 35"):
        export_layers({"parcels": far}, fmt="txt", crs="EPSG:4523", path=tmp_path / "p")
    points = parcels[parcels.geom_type == "Point"]
    with pytest.raises(ExportError, match="no polygon to write"):
        export_layers({"parcels": points}, fmt="txt", crs="EPSG:4523", path=tmp_path / "p")
    assert list(tmp_path.iterdir()) == []
