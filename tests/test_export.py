"""GIS export formats (GeoJSON, GeoPackage, Shapefile, CSV) and the registry, read back through GDAL."""

from __future__ import annotations

import json
import re
import sqlite3
import struct
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import pyogrio
import pytest
import shapely
from pyproj import CRS

from geo.errors import ExportError, UsageError
from geo.io.export import FORMATS, default_name, export_bytes, export_layers, split_geometry_types
from layers import export_options

CRSS = ["EPSG:4326", "EPSG:4490", "EPSG:4544"]


@pytest.fixture(scope="module")
def options():
    return export_options()


@pytest.fixture(scope="module")
def layers(parcels, zones, places):
    return {"parcels": parcels, "zones": zones, "places": places}


def _unzip(path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "x"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(out)
    return out


def _read_all(path: Path, tmp_path: Path) -> dict[str, tuple]:
    """Read every layer of an export back with GDAL: name → (frame, crs)."""
    if path.suffix == ".zip":
        folder = _unzip(path, tmp_path)
        paths = sorted(p for p in folder.iterdir() if p.suffix in (".shp", ".geojson", ".csv")
                       and not p.stem.endswith("_attributes"))
        return {p.stem: _read_one(p) for p in paths}
    if path.suffix == ".gpkg":
        return {name: (pyogrio.read_dataframe(path, layer=name), pyogrio.read_info(path, layer=name)["crs"])
                for name, _ in pyogrio.list_layers(path) if name != "layer_styles"}
    return {path.stem: _read_one(path)}


def _read_one(p: Path):
    return pyogrio.read_dataframe(p), pyogrio.read_info(p)["crs"]


def _same_crs(found: str, code: str) -> bool:
    """Whether ``found`` (an EPSG code, or WKT such as a CSV's .prj) identifies as ``code``."""
    return CRS.from_user_input(found).to_epsg(min_confidence=20) == CRS.from_user_input(code).to_epsg()


def _dbf_fields(path: Path) -> dict[str, tuple[str, int, int]]:
    """Field descriptors straight from the .dbf header: name → (type, width, decimals)."""
    data = path.read_bytes()
    n = (struct.unpack("<H", data[8:10])[0] - 33) // 32
    out = {}
    for k in range(n):
        d = data[32 + 32 * k: 64 + 32 * k]
        out[d[:11].split(b"\0")[0].decode("ascii")] = (chr(d[11]), d[16], d[17])
    return out


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "csv"])
@pytest.mark.parametrize("crs", CRSS)
def test_parcels_round_trip(parcels, options, tmp_path, fmt, crs):
    path = export_layers({"parcels": parcels}, fmt=fmt, crs=crs, path=tmp_path / "out", options=options)
    got = _read_all(path, tmp_path)
    frames = [f for f, _ in got.values()]
    assert sum(len(f) for f in frames) == len(parcels)
    names = set().union(*(set(f["name_zh"]) for f in frames))
    assert names == set(parcels["name_zh"])  # Chinese text intact
    for _, found_crs in got.values():
        assert _same_crs(found_crs, crs)  # CSV too: from its .prj
    polys = next(f for f in frames if (f.geom_type == "Polygon").any())
    bounds = polys.total_bounds
    if crs == "EPSG:4544":
        assert 590_000 < bounds[0] < 640_000 and 3_250_000 < bounds[1] < 3_300_000
    else:
        assert 106.2 < bounds[0] < 106.5 and 29.4 < bounds[1] < 29.8


def test_split_geometry_types_keeps_every_feature(parcels, places):
    parts = split_geometry_types("parcels", parcels)
    assert [(n, len(p)) for n, p in parts] == [("parcels", 25), ("parcels_points", 1)]
    assert set(parts[0][1].geom_type) == {"Polygon"} and list(parts[1][1]["project_id"]) == ["T5-2"]
    unlocated = int(places.geometry.isna().sum())  # gazetteer rows without coordinates
    assert unlocated > 0
    (only,) = split_geometry_types("places", places)  # points and unlocated places: one layer
    assert only[0] == "places" and len(only[1]) == len(places) and only[1].geometry.isna().sum() == unlocated


def test_geojson_is_rfc7946_one_file_with_both_geometry_types(parcels, tmp_path):
    path = export_layers({"parcels": parcels}, fmt="geojson", path=tmp_path / "p")
    assert path == tmp_path / "p.geojson" and [p.name for p in tmp_path.iterdir()] == ["p.geojson"]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"type", "features"} and data["type"] == "FeatureCollection"  # no crs, no name member
    kinds = [f["geometry"]["type"] for f in data["features"]]
    assert len(kinds) == 26 and kinds.count("Polygon") == 25 and kinds.count("Point") == 1
    point = next(f for f in data["features"] if f["geometry"]["type"] == "Point")
    assert point["properties"]["name_zh"] == "川美工业设计中心" and point["properties"]["declared_mu"] is None
    for f in data["features"]:
        coords = f["geometry"]["coordinates"]
        ring = coords[0] if f["geometry"]["type"] == "Polygon" else [coords]
        if f["geometry"]["type"] == "Polygon":
            assert shapely.LinearRing(ring).is_ccw  # right-hand rule: exterior counter-clockwise
        assert all(len(repr(c).split(".")[-1]) <= 7 for xy in ring for c in xy)
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4326" and info["features"] == 26 and info["geometry_type"] == "Unknown"


def test_geojson_refuses_other_crs(parcels, tmp_path):
    with pytest.raises(UsageError, match="always WGS84"):
        export_layers({"parcels": parcels}, fmt="geojson", crs="EPSG:4544", path=tmp_path / "p")
    assert list(tmp_path.iterdir()) == []


def test_shapefile_has_prj_cpg_qml_short_honest_fields_and_keeps_every_feature(layers, options, tmp_path):
    path = export_layers(layers, fmt="shp", crs="EPSG:4544", path=tmp_path / "all", options=options)
    names = zipfile.ZipFile(path).namelist()
    for stem in ("parcels", "parcels_points", "zones", "places"):
        assert {f"{stem}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg", "qml")} <= set(names)
    assert zipfile.ZipFile(path).read("zones.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
    got = _read_all(path, tmp_path)
    assert set(got) == {"parcels", "parcels_points", "zones", "places"}
    assert len(got["parcels"][0]) == 25 and len(got["parcels_points"][0]) == 1
    assert len(got["places"][0]) == len(layers["places"])  # unlocated places kept with null geometry
    assert all(len(c) <= 10 for f, _ in got.values() for c in f.columns)
    desc = got["zones"][0]["desc_zh"]
    assert desc.str.startswith("围绕高新区管委会").any() and desc.map(lambda s: len(s.encode())).max() <= 254
    # no bare lon/lat in a Gauss–Krüger file, and no ArcGIS reserved words
    places = got["places"][0]
    assert {"lon84", "lat84"} <= set(places.columns) and not {"lon", "lat"} & set(places.columns)
    assert {"plan_table", "plan_row"} <= set(got["parcels"][0].columns)
    assert not {"table", "row"} & {c.lower() for f, _ in got.values() for c in f.columns}
    located = places.dropna(subset=["lon84"])
    assert located["lon84"].between(105, 108).all() and located.geometry.x.min() > 500_000  # degrees beside metres


def test_shapefile_areas_are_n12_3(parcels, options, tmp_path):
    path = export_layers({"parcels": parcels}, fmt="shp", crs="EPSG:4544", path=tmp_path / "p", options=options)
    folder = _unzip(path, tmp_path)
    fields = _dbf_fields(folder / "parcels.dbf")
    assert fields["decl_mu"] == fields["meas_mu"] == fields["output_yi"] == ("N", 12, 3)
    info = pyogrio.read_info(folder / "parcels.shp")
    assert dict(zip(info["fields"], info["ogr_types"], strict=True))["meas_mu"] == "OFTReal"
    frame = pyogrio.read_dataframe(folder / "parcels.shp").set_index("project_id")
    measured = round(float(parcels.set_index("project_id").at["T2-3", "measured_mu"]), 3)
    assert frame.at["T2-3", "meas_mu"] == pytest.approx(measured, abs=1e-9)  # three decimals, no float tail
    raw = (folder / "parcels.dbf").read_bytes()
    assert f"{measured:.3f}".encode() in raw and not re.search(rb"\d\.\d{4,}", raw)
    assert _dbf_fields(folder / "parcels_points.dbf")["meas_mu"] == ("N", 12, 3)  # all missing, still typed


def test_shapefile_gbk_for_old_arcmap(parcels, places, options, tmp_path):
    path = export_layers({"parcels": parcels, "places": places}, fmt="shp", crs="EPSG:4544", path=tmp_path / "p",
                         options=options, encoding="gbk")
    folder = _unzip(path, tmp_path)
    assert (folder / "parcels.cpg").read_text().strip() == "936"  # Windows code page 936 = GBK
    assert "科学谷前沿科技孵化片区".encode("gbk") in (folder / "parcels.dbf").read_bytes()
    assert "科学谷前沿科技孵化片区".encode() not in (folder / "parcels.dbf").read_bytes()
    frame = pyogrio.read_dataframe(folder / "parcels.shp")
    assert set(frame["name_zh"]) == set(parcels.loc[parcels.geom_type == "Polygon", "name_zh"])
    kinds = pyogrio.read_dataframe(folder / "places.shp")["note"].dropna()
    assert not kinds.str.contains("²").any() and not kinds.str.contains(r"\?").any()  # ² (not in GBK) → 2
    with pytest.raises(UsageError, match=r"always written in UTF-8"):
        export_layers({"parcels": parcels}, fmt="gpkg", path=tmp_path / "g", encoding="gbk")
    with pytest.raises(UsageError, match="not offered"):
        export_layers({"parcels": parcels}, fmt="shp", path=tmp_path / "g", encoding="big5")


def test_shapefile_qml_uses_the_short_field_names(parcels, options, tmp_path):
    path = export_layers({"parcels": parcels}, fmt="shp", crs="EPSG:4544", path=tmp_path / "p", options=options)
    root = ElementTree.fromstring(zipfile.ZipFile(path).read("parcels.qml"))
    assert root.find("renderer-v2").get("attr") == "track_id"
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    assert aliases["decl_mu"] == "规划面积（亩）" and aliases["name_zh"] == "名称" and "declared_mu" not in aliases


def test_gpkg_is_version_1_2_one_type_per_layer_with_crs(layers, options, tmp_path):
    path = export_layers(layers, fmt="gpkg", crs="EPSG:4490", path=tmp_path / "all", options=options)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200  # 1.2.0
        declared = dict(db.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns"))
    assert declared == {"parcels": "POLYGON", "parcels_points": "POINT", "zones": "POLYGON", "places": "POINT"}
    got = _read_all(path, tmp_path)
    assert set(got) == {"parcels", "parcels_points", "zones", "places"}
    assert all(_same_crs(crs, "EPSG:4490") for _, crs in got.values())
    for frame, _ in got.values():
        assert frame.geom_type.dropna().nunique() == 1  # never a mixed layer
    assert len(got["parcels"][0]) + len(got["parcels_points"][0]) == 26


def test_gpkg_layer_styles_colour_by_track(layers, options, tracks, tmp_path):
    path = export_layers(layers, fmt="gpkg", crs="EPSG:4544", path=tmp_path / "all", options=options)
    assert "layer_styles" in {n for n, _ in pyogrio.list_layers(path)}
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
                          "styleQML, useAsDefault, update_time FROM layer_styles").fetchall()
        registered = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
    assert registered == ("attributes",)
    assert sorted(r[2] for r in rows) == sorted(["parcels", "parcels_points", "zones", "places"])
    qml = {}
    for catalog, schema, table, geom_column, name, style, default, updated in rows:
        # what QGIS's OGR provider looks up: f_table_schema = '' and the layer's geometry column
        assert catalog == "" and schema == "" and name == table and default == 1 and updated
        assert geom_column == pyogrio.read_info(path, layer=table)["geometry_name"]
        qml[table] = ElementTree.fromstring(style)
    colours = {r.track_id: r.color.lower() for r in tracks.itertuples()}
    for table, kind in (("parcels", "fill"), ("parcels_points", "marker")):
        renderer = qml[table].find("renderer-v2")
        assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "track_id"
        categories = {c.get("value"): c for c in renderer.iter("category")}
        assert set(categories) == set(colours)
        for track_id, colour in colours.items():
            symbol = renderer.find(f"symbols/symbol[@name='{categories[track_id].get('symbol')}']")
            assert symbol.get("type") == kind
            props = {p.get("k"): p.get("v") for p in symbol.iter("prop")}
            r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
            assert props["color"].startswith(f"{r},{g},{b},")
        assert categories["rd"].get("label").startswith("研发孵化")
    zone = {p.get("k"): p.get("v") for p in qml["zones"].iter("prop")}
    assert zone["style"] == "no" and zone["outline_style"] == "dash"  # outlines, no fill
    aliases = {a.get("field"): a.get("name") for a in qml["parcels"].iter("alias")}
    assert aliases["name_zh"] == "名称" and aliases["declared_mu"] == "规划面积（亩）"
    assert aliases["output_yi"] == "产值（亿元）"


def test_csv_has_prj_and_csvt_beside_it_and_states_geometry_type(parcels, tmp_path):
    path = export_layers({"parcels": parcels}, fmt="csv", crs="EPSG:4490", path=tmp_path / "p")
    assert path == tmp_path / "p.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "p.csvt", "p.prj"]  # sidecars, not a zip
    assert CRS.from_wkt((tmp_path / "p.prj").read_text()).to_epsg() == 4490
    assert (tmp_path / "p.prj").read_text().startswith('GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"')
    csvt = (tmp_path / "p.csvt").read_text().strip().split(",")
    assert csvt[-1] == '"WKT"' and csvt[-2] == '"String"'
    info = pyogrio.read_info(path)  # GDAL reads the .csvt (types, WKT) and the .prj
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["declared_mu"] == "OFTReal" and types["table"] == "OFTInteger64" and types["name_zh"] == "OFTString"
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 26 and frame.geom_type.value_counts().to_dict() == {"Polygon": 25, "Point": 1}
    assert frame.set_index("project_id").at["T5-2", "geometry_type"] == "Point"


def test_default_names_say_layers_crs_and_indicative(parcels, places, tmp_path):
    path = export_layers({"parcels": parcels}, fmt="gpkg", crs="EPSG:4544", path=tmp_path)
    assert path.name == "parcels_EPSG4544_示意.gpkg" and path.parent == tmp_path
    assert default_name({"places": places}, "EPSG:4326") == "places_EPSG4326"  # gazetteer points: not placed by us
    surveyed = parcels.assign(geometry_basis="surveyed")
    assert default_name({"parcels": surveyed}, "EPSG:4490") == "parcels_EPSG4490"
    _, name = export_bytes({"parcels": parcels}, fmt="dxf")
    assert name == "parcels_EPSG4544_示意.dxf"  # DXF's default CRS is projected


def test_export_bytes_and_failure_leaves_nothing(parcels, tmp_path):
    data, name = export_bytes({"parcels": parcels}, fmt="csv", name="export")
    assert name == "export.csv" and "科学谷前沿科技孵化片区" in data.decode("utf-8-sig")  # the .csv alone
    data, name = export_bytes({"parcels": parcels}, fmt="csv", name="export", sidecars=True)
    assert name == "export.zip"
    (tmp_path / name).write_bytes(data)
    assert sorted(zipfile.ZipFile(tmp_path / name).namelist()) == [
        "parcels_EPSG4326_示意.csv", "parcels_EPSG4326_示意.csvt", "parcels_EPSG4326_示意.prj"]
    (tmp_path / name).unlink()
    with pytest.raises(ExportError, match="does not exist"):
        export_layers({"parcels": parcels}, fmt="gpkg", path=tmp_path / "missing" / "x")
    with pytest.raises(UsageError, match="unknown format"):
        export_layers({"parcels": parcels}, fmt="bogus", path=tmp_path / "x")
    broken = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)])  # no CRS
    with pytest.raises(ExportError, match="no CRS"):
        export_layers({"parcels": parcels, "broken": broken}, fmt="gpkg", path=tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


def test_registry_labels_are_bilingual():
    assert {"geojson", "gpkg", "shp", "csv", "kml", "kmz", "dxf", "xlsx", "txt", "parquet"} == set(FORMATS)
    assert all(f.label_zh and f.label_en for f in FORMATS.values())
    assert all(f.suffix.startswith(".") and f.mime for f in FORMATS.values())


def test_export_writes_through_a_symlink_and_replaces_a_regular_file(parcels, tmp_path):
    real = tmp_path / "shared" / "parcels.gpkg"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "parcels.gpkg"
    link.symlink_to(real)
    out = export_layers({"parcels": parcels}, fmt="gpkg", path=link)
    assert out == link and link.is_symlink() and link.resolve() == real  # the link stays a link
    assert pyogrio.read_info(real, layer="parcels")["features"] == 25
    plain = tmp_path / "plain.gpkg"
    plain.write_bytes(b"old")
    export_layers({"parcels": parcels}, fmt="gpkg", path=plain)
    assert plain.is_file() and not plain.is_symlink() and oct(plain.stat().st_mode & 0o777) == "0o644"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parcels.gpkg", "plain.gpkg", "shared"]  # no temp left


def test_the_export_commands_notes_say_catalogue_words_in_each_language():
    """What ``export``/``convert``/``rasterize`` print as notes: English as before, Chinese in the catalogue."""
    from geo.errors import said, say
    from geo.io.export import Note, left_layer_note

    note = left_layer_note("txt", "places", 8)
    assert note.text("en") == note.en == ("left out layer places: a 部标 coordinate txt holds polygons only, "
                                          "and none of its 8 features is one")
    assert note.text("zh") == note.zh == "未导出图层 places：部标坐标txt只含面要素，而其 8 个要素都不是"
    assert Note("中", "en").text("zh") == "中"
    stdout_only = said("note.export.stdout_only", suffix=".csv", sidecars=".csvt/.prj")
    assert stdout_only == "only the .csv goes to stdout, without its .csvt/.prj (write to a file for them)"
    assert say(stdout_only, "zh") == "只有 .csv 写到标准输出，不含 .csvt/.prj（如需它们，请写到文件）"
    assert say(said("note.raster.stdout_only"), "zh") == "属性表、亩均产出栅格和样式只写入 -o 指定的文件"
