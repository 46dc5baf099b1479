"""Every export format and CRS, read back through GDAL."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely

from geo.errors import ExportError, UsageError
from geo.io.export import FORMATS, export_bytes, export_layers

CRSS = ["EPSG:4326", "EPSG:4490", "EPSG:4544"]


@pytest.fixture(scope="module")
def layers(parcels, zones, places):
    return {"parcels": parcels, "zones": zones, "places": places}


def _read_all(path: Path, tmp_path: Path) -> dict[str, tuple]:
    """Read every layer of an export back with GDAL: name → (frame, crs)."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            zf.extractall(tmp_path / "x")
        paths = sorted(p for p in (tmp_path / "x").iterdir() if p.suffix in (".shp", ".geojson", ".csv")
                       and not p.stem.endswith("_attributes"))
        return {p.stem: _read_one(p) for p in paths}
    if path.suffix == ".gpkg":
        return {name: (pyogrio.read_dataframe(path, layer=name), pyogrio.read_info(path, layer=name)["crs"])
                for name, _ in pyogrio.list_layers(path)}
    return {path.stem: _read_one(path)}


def _read_one(p: Path):
    if p.suffix == ".csv":
        return pyogrio.read_dataframe(p, GEOM_POSSIBLE_NAMES="wkt", KEEP_GEOM_COLUMNS="NO"), None
    return pyogrio.read_dataframe(p), pyogrio.read_info(p)["crs"]


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "csv"])
@pytest.mark.parametrize("crs", CRSS)
def test_parcels_round_trip(parcels, tmp_path, fmt, crs):
    path = export_layers({"parcels": parcels}, fmt=fmt, crs=crs, path=tmp_path / "out")
    got = _read_all(path, tmp_path)
    frames = [f for f, _ in got.values()]
    assert sum(len(f) for f in frames) == len(parcels)
    names = set().union(*(set(f["name_zh"]) for f in frames))
    assert names == set(parcels["name_zh"])  # Chinese text intact
    for _, found_crs in got.values():
        if found_crs is not None:
            assert found_crs == crs
    polys = [f for f in frames if (f.geom_type == "Polygon").any()][0]
    bounds = polys.total_bounds
    if crs == "EPSG:4544":
        assert 590_000 < bounds[0] < 640_000 and 3_250_000 < bounds[1] < 3_300_000
    else:
        assert 106.2 < bounds[0] < 106.5 and 29.4 < bounds[1] < 29.8


def test_geojson_is_rfc7946(parcels, tmp_path):
    path = export_layers({"parcels": parcels}, fmt="geojson", path=tmp_path / "p")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in data and len(data["features"]) == len(parcels)
    assert {f["properties"]["name_zh"] for f in data["features"]} == set(parcels["name_zh"])
    for f in data["features"]:
        coords = f["geometry"]["coordinates"]
        if f["geometry"]["type"] == "Polygon":
            assert shapely.LinearRing(coords[0]).is_ccw
            assert all(len(repr(c).split(".")[-1]) <= 7 for xy in coords[0] for c in xy)
    assert pyogrio.read_info(path)["crs"] == "EPSG:4326"


def test_geojson_refuses_other_crs(parcels, tmp_path):
    with pytest.raises(UsageError, match="always WGS84"):
        export_layers({"parcels": parcels}, fmt="geojson", crs="EPSG:4544", path=tmp_path / "p")
    assert list(tmp_path.iterdir()) == []


def test_shapefile_has_prj_cpg_short_fields_and_keeps_every_feature(layers, tmp_path):
    path = export_layers(layers, fmt="shp", crs="EPSG:4544", path=tmp_path / "all")
    names = zipfile.ZipFile(path).namelist()
    for stem in ("parcels_polygons", "parcels_points", "zones", "places"):
        assert {f"{stem}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= set(names)
    assert zipfile.ZipFile(path).read("zones.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
    got = _read_all(path, tmp_path)
    assert len(got["places"][0]) == len(layers["places"])  # unlocated places kept with null geometry
    assert all(len(c) <= 10 for f, _ in got.values() for c in f.columns)
    desc = got["zones"][0]["desc_zh"]
    assert desc.str.startswith("围绕高新区管委会").any() and desc.map(lambda s: len(s.encode())).max() <= 254


def test_gpkg_holds_all_layers_with_crs(layers, tmp_path):
    path = export_layers(layers, fmt="gpkg", crs="EPSG:4490", path=tmp_path / "all")
    got = _read_all(path, tmp_path)
    assert set(got) == set(layers) and all(crs == "EPSG:4490" for _, crs in got.values())
    assert len(got["parcels"][0]) == 26


def test_export_bytes_and_failure_leaves_nothing(parcels, tmp_path):
    data, name = export_bytes({"parcels": parcels}, fmt="csv")
    assert name == "export.csv" and "科学谷前沿科技孵化片区" in data.decode("utf-8-sig")
    with pytest.raises(ExportError, match="does not exist"):
        export_layers({"parcels": parcels}, fmt="gpkg", path=tmp_path / "missing" / "x")
    with pytest.raises(UsageError, match="unknown format"):
        export_layers({"parcels": parcels}, fmt="kml", path=tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


def test_registry_labels_are_bilingual():
    assert set(FORMATS) == {"geojson", "gpkg", "shp", "csv", "parquet"}
    assert all(f.label_zh and f.label_en for f in FORMATS.values())
