"""The file you asked for: ``-o NAME.EXT`` writes exactly that (and a CSV's sidecars), nothing else; mixed
geometry types stay in one file where the format allows; what a format splits or leaves out is said.

Every file is read back with GDAL (pyogrio); GeoParquet with pyarrow (the GDAL of pyogrio's wheel has no
Parquet driver), a 部标坐标txt with our reader (GDAL has no driver for it).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from pyproj import CRS
from streamlit.testing.v1 import AppTest

from geo.errors import UsageError
from geo.io import FORMATS, read_file
from geo.io.convert import convert_bytes, convert_file
from geo.io.export import export_bytes, export_files, notes
from layers import export_options
from tests.test_cli import geo

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SHP = [f"{stem}.{ext}" for stem in ("parcels", "parcels_points") for ext in ("cpg", "dbf", "prj", "qml", "shp", "shx")]
SHP_FILES = sorted([*SHP, "parcels_attributes.csv", "parcels_points_attributes.csv"])


def _epsg(crs: str) -> int | None:
    """The EPSG code of a CRS as GDAL states it (a CSV's .prj is ESRI WKT)."""
    return CRS.from_user_input(crs).to_epsg(min_confidence=20)


def _kinds(frame) -> dict[str, int]:
    return {str(k): int(n) for k, n in frame.geom_type.value_counts(dropna=False).items()}


def _counts(path: Path) -> dict[str, dict[str, int]]:
    """Layer → geometry type → features, as GDAL (or pyarrow, or our 部标坐标txt reader) reads the file back."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            shps = sorted(n for n in zf.namelist() if n.endswith(".shp"))
        return {Path(n).stem: _kinds(pyogrio.read_dataframe(f"/vsizip/{path}/{n}")) for n in shps}
    if path.suffix == ".parquet":
        return {path.stem: _kinds(gpd.read_parquet(path))}
    if path.suffix == ".txt":
        return {path.stem: _kinds(read_file(path).layer)}
    if path.suffix == ".xlsx":  # a table: each row's geometry type in its 几何类型 column
        frame = pyogrio.read_dataframe(path, layer=path.stem)
        return {path.stem: {str(k): int(n) for k, n in frame["几何类型"].value_counts().items()}}
    if path.suffix == ".dxf":  # CAD entities: rings as closed polylines, the point, and a TEXT label each
        frame = pyogrio.read_dataframe(path)
        drawn = frame[frame["Text"].isna()]
        assert shapely.is_closed(drawn[drawn.geom_type == "LineString"].geometry.to_numpy()).all()
        return {"drawn": _kinds(drawn), "labels": {"Point": int(frame["Text"].notna().sum())}}
    layers = [n for n, _ in pyogrio.list_layers(path) if n != "layer_styles"]
    return {name: _kinds(pyogrio.read_dataframe(path, layer=name)) for name in layers}


ONE_FILE = {"Polygon": 25, "Point": 1}
#: format → (output name, every file in the folder afterwards, what GDAL reads back, words of the notes)
CASES = {
    "geojson": ("parcels.geojson", ["parcels.geojson"], {"parcels": ONE_FILE}, []),
    "gpkg": ("parcels.gpkg", ["parcels.gpkg"], {"parcels": {"Polygon": 25}, "parcels_points": {"Point": 1}},
             ["written as 2 layers: parcels (25 polygons), parcels_points (1 point)"]),
    "shp": ("parcels.zip", ["parcels.zip"], {"parcels": {"Polygon": 25}, "parcels_points": {"Point": 1}},
            ["a Shapefile holds one geometry type per layer, so it is written as 2 file sets"]),
    "csv": ("parcels.csv", ["parcels.csv", "parcels.csvt", "parcels.prj"], {"parcels": ONE_FILE}, []),
    "kml": ("parcels.kml", ["parcels.kml"], {"parcels": ONE_FILE}, []),
    "kmz": ("parcels.kmz", ["parcels.kmz"], {"parcels": ONE_FILE}, []),
    "dxf": ("parcels.dxf", ["parcels.dxf"], {"drawn": {"LineString": 25, "Point": 1}, "labels": {"Point": 26}},
            ["a DXF drawing has no attribute table", "its other 18 columns are left out"]),
    "xlsx": ("parcels.xlsx", ["parcels.xlsx"], {"parcels": ONE_FILE}, []),
    "txt": ("parcels.txt", ["parcels.txt"], {"parcels": {"Polygon": 25}},
            ["holds polygons only; left out 1: T5-2 川美工业设计中心 (Point)"]),
    "parquet": ("parcels.parquet", ["parcels.parquet"], {"parcels": ONE_FILE}, []),
}


def test_every_format_has_a_case():
    assert set(CASES) == set(FORMATS)


@pytest.mark.parametrize("fmt", list(CASES))
def test_the_file_named_is_the_file_written(parcels, tmp_path, fmt):
    name, files, counts, words = CASES[fmt]
    out = export_files({"parcels": parcels}, fmt=fmt, path=tmp_path / name, options=export_options())
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # nothing else: no zip, no temporary folder
    assert out.path == tmp_path / name and sorted(p.name for p in out.files) == files
    assert _counts(out.path) == counts
    said = " ".join(n.en for n in out.notes)
    assert all(w in said for w in words) and (said == "") == (not words)
    assert [n.en for n in out.notes] == [n.en for n in notes(fmt, {"parcels": parcels})]  # what the page shows


def test_shapefile_named_shp_is_written_unzipped(parcels, tmp_path):
    out = export_files({"parcels": parcels}, fmt="shp", path=tmp_path / "地块.shp", options=export_options())
    assert out.path == tmp_path / "地块.shp"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.replace("parcels", "地块") for f in SHP_FILES)
    assert len(pyogrio.read_dataframe(tmp_path / "地块.shp")) == 25
    assert pyogrio.read_dataframe(tmp_path / "地块_points.shp")["name_zh"].tolist() == ["川美工业设计中心"]


def test_a_zip_only_when_named(parcels, zones, tmp_path):
    out = export_files({"parcels": parcels, "zones": zones}, fmt="geojson", path=tmp_path / "两层.zip")
    assert [p.name for p in tmp_path.iterdir()] == ["两层.zip"] and out.path == tmp_path / "两层.zip"
    with zipfile.ZipFile(out.path) as zf:
        assert sorted(zf.namelist()) == ["parcels.geojson", "zones.geojson"]
        assert len(json.loads(zf.read("parcels.geojson"))["features"]) == 26
    out = export_files({"parcels": parcels}, fmt="gpkg", path=tmp_path / "g.zip")
    with zipfile.ZipFile(out.path) as zf:
        assert zf.namelist() == ["g.gpkg"]


def test_a_folder_gets_a_file_per_layer_named_by_layer_crs_and_indicative(parcels, zones, tmp_path):
    out = export_files({"parcels": parcels, "zones": zones}, fmt="csv", crs="EPSG:4544", path=tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"{layer}_EPSG4544_示意.{ext}" for layer in ("parcels", "zones")
                           for ext in ("csv", "csvt", "prj"))
    assert sorted(p.name for p in out.files) == names and out.path.name == "parcels_EPSG4544_示意.csv"
    assert len(pyogrio.read_dataframe(tmp_path / "zones_EPSG4544_示意.csv")) == len(zones)
    assert _epsg(pyogrio.read_info(tmp_path / "zones_EPSG4544_示意.csv")["crs"]) == 4544  # from the .prj beside it


def test_names_that_cannot_be_written_as_asked_are_refused(parcels, zones, tmp_path):
    with pytest.raises(UsageError, match=r"ends in \.gpkg, a GeoPackage 1\.2 file, but the format is GeoJSON"):
        export_files({"parcels": parcels}, fmt="geojson", path=tmp_path / "p.gpkg")
    with pytest.raises(UsageError) as exc:  # in Chinese, the formats' Chinese names
        export_files({"parcels": parcels}, fmt="txt", path=tmp_path / "p.gpkg")
    assert exc.value.text("zh").endswith("文件名以 .gpkg 结尾，是 GeoPackage 1.2 文件，但所选格式为 部标坐标txt。"
                                         "请命名为 p.txt，或使用 --format gpkg")
    with pytest.raises(UsageError, match=r"a GeoJSON file holds one layer and 2 were chosen \(parcels, zones\)"):
        export_files({"parcels": parcels, "zones": zones}, fmt="geojson", path=tmp_path / "p.geojson")
    with pytest.raises(UsageError, match="or name a folder"):
        export_files({"parcels": parcels, "zones": zones}, fmt="shp", path=tmp_path / "p.shp")
    assert list(tmp_path.iterdir()) == []
    out = export_files({"parcels": parcels}, fmt="geojson", path=tmp_path / "p.v2")  # no format's suffix: added
    assert out.path.name == "p.v2.geojson"
    out = export_files({"parcels": parcels}, fmt="geojson", path=tmp_path / "p.json")  # GeoJSON's other suffix
    assert out.path.name == "p.json" and pyogrio.read_info(out.path)["features"] == 26


def test_downloads_are_one_file_of_the_chosen_format(parcels, zones, tmp_path):
    data, name = export_bytes({"parcels": parcels}, fmt="geojson")
    assert name == "parcels_EPSG4326_示意.geojson" and len(json.loads(data)["features"]) == 26
    data, name = export_bytes({"parcels": parcels}, fmt="csv", crs="EPSG:4544")
    assert name == "parcels_EPSG4544_示意.csv" and data.decode("utf-8-sig").count("\n") == 27  # header + 26 rows
    data, name = export_bytes({"parcels": parcels}, fmt="csv", crs="EPSG:4544", sidecars=True)
    assert name == "parcels_EPSG4544_示意.zip"
    (tmp_path / name).write_bytes(data)
    stem = "parcels_EPSG4544_示意"
    assert sorted(zipfile.ZipFile(tmp_path / name).namelist()) == [f"{stem}.csv", f"{stem}.csvt", f"{stem}.prj"]
    info = pyogrio.read_info(f"/vsizip/{tmp_path / name}/{stem}.csv")
    assert info["features"] == 26 and _epsg(info["crs"]) == 4544
    _, name = export_bytes({"parcels": parcels, "zones": zones}, fmt="geojson")
    assert name == "parcels_zones_EPSG4326_示意.zip"  # two layers of a one-layer format: one file per layer
    with pytest.raises(UsageError, match="holds one layer"):
        export_bytes({"parcels": parcels, "zones": zones}, fmt="geojson", bundle=False)


def test_convert_writes_the_file_named(parcels, tmp_path):
    src = tmp_path / "in" / "plan.gpkg"
    src.parent.mkdir()
    pyogrio.write_dataframe(parcels[parcels.geom_type == "Polygon"], src, layer="a", driver="GPKG")
    pyogrio.write_dataframe(parcels[parcels.geom_type == "Point"], src, layer="b", driver="GPKG", append=True)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = convert_file(src, out_dir / "plan.csv", layer="b")
    assert sorted(p.name for p in out_dir.iterdir()) == ["plan.csv", "plan.csvt", "plan.prj"]
    assert result.path == out_dir / "plan.csv" and len(result.files) == 3
    payload, name, _ = convert_bytes(src.read_bytes(), "plan.gpkg", fmt="csv", layer="a")
    assert name == "plan.csv" and payload.decode("utf-8-sig").count("\n") == 26
    payload, name, _ = convert_bytes(src.read_bytes(), "plan.gpkg", fmt="csv", layer="a", sidecars=True)
    assert name == "plan.zip"
    (tmp_path / name).write_bytes(payload)
    assert sorted(zipfile.ZipFile(tmp_path / name).namelist()) == ["plan.csv", "plan.csvt", "plan.prj"]


def test_cli_geojson_is_one_rfc7946_file_with_all_26_features(tmp_path):
    out = geo("export", "--layer", "parcels", "--format", "geojson", "-o", str(tmp_path / "parcels.geojson"))
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"wrote {tmp_path / 'parcels.geojson'} (geojson, EPSG:4326; features: parcels 26)\n"
    assert out.stderr == "" and [p.name for p in tmp_path.iterdir()] == ["parcels.geojson"]
    data = json.loads((tmp_path / "parcels.geojson").read_text(encoding="utf-8"))
    assert "crs" not in data and len(data["features"]) == 26
    frame = pyogrio.read_dataframe(tmp_path / "parcels.geojson")
    assert _kinds(frame) == ONE_FILE and frame.crs == "EPSG:4326"


def test_cli_csv_writes_its_sidecars_and_says_what_a_shapefile_splits(tmp_path):
    out = geo("export", "--layer", "parcels", "--format", "csv", "-o", str(tmp_path / "parcels.csv"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"wrote {tmp_path / 'parcels.csv'} (csv, EPSG:4326; features: parcels 26)",
                                       "  beside it: parcels.csvt, parcels.prj"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parcels.csv", "parcels.csvt", "parcels.prj"]
    out = geo("export", "--layer", "parcels", "--format", "shp", "-o", str(tmp_path / "shp"))
    assert out.returncode == 0, out.stderr
    assert [line for line in out.stderr.splitlines() if line.startswith("warning: ")] == [
        ("warning: parcels: a Shapefile holds one geometry type per layer, so it is written as 2 file sets: "
         "parcels (25 polygons), parcels_points (1 point)")]
    assert (tmp_path / "shp.zip").is_file()
    out = geo("export", "--format", "geojson", "-o", str(tmp_path / "all.geojson"))  # --layer all: five layers
    assert out.returncode == 2 and out.stdout == "" and out.stderr.count("\n") == 1
    assert "a GeoJSON file holds one layer and 5 were chosen" in out.stderr and "all.zip" in out.stderr


def test_cli_csv_to_stdout_is_the_csv_alone():
    out = geo("export", "--layer", "zones", "--format", "csv", "-o", "-")
    assert out.returncode == 0, out.stderr
    assert out.stdout.lstrip("\ufeff").startswith("zone_id,") and out.stdout.count("\n") == 6  # header + 5 units
    assert "note: only the .csv goes to stdout, without its .csvt/.prj" in out.stderr


def test_export_page_offers_the_csv_and_its_sidecars_zip():
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["w_lang"] = "en"
    at.switch_page("pages/export_page.py")
    at.session_state["export_format"] = "csv"
    at.session_state["export_crs_any"] = "EPSG:4544"
    at.run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:2] == ["Download parcels_EPSG4544_示意.csv",
                          "Download parcels_EPSG4544_示意.zip (with its .csvt/.prj, for QGIS: CRS and field types)"]
    at.radio(key="export_format").set_value("shp").run()
    notes_shown = [c.value for c in at.caption]
    assert any(v.startswith("parcels\\: a Shapefile holds one geometry type per layer") for v in notes_shown)
    assert at.get("download_button")[0].proto.label == "Download parcels_EPSG4544_示意.zip"


def test_convert_section_offers_the_csv_and_its_sidecars_zip():
    from tests.fixtures import zbtxt_build as zb

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["w_lang"] = "en"
    at.switch_page("pages/export_page.py")
    at.run()
    at.file_uploader(key="conv_upload").upload("测绘.txt", zb.survey(), "application/octet-stream")
    at.radio(key="conv_format").set_value("csv").run()
    assert not at.exception and not at.error
    assert [b.proto.label for b in at.get("download_button")][-2:] == [
        "Download 测绘.csv", "Download 测绘.zip (with its .csvt/.prj, for QGIS: CRS and field types)"]
