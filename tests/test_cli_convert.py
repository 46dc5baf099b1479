"""``python -m geo convert`` and ``export --format txt``: files GDAL reads back, one-line errors, exit codes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely

from geo.io import FORMATS, read_file
from geo.io.convert import format_for, suffixes
from tests.fixtures import zbtxt_build as zb
from tests.test_cli import geo


def read_back(path: Path, tmp: Path):
    """The written file read with GDAL (pyogrio); a 部标坐标txt, which GDAL has no driver for, with our reader."""
    if FORMATS[format_for(path)].write.__name__ == "write_zbtxt":
        read = read_file(path)
        return read.layer.to_crs(read.crs), read.crs
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            zf.extractall(tmp / "unzipped")
        path = next((tmp / "unzipped").glob("*.shp"))
    if path.suffix == ".csv":
        return pyogrio.read_dataframe(path, GEOM_POSSIBLE_NAMES="wkt", KEEP_GEOM_COLUMNS="NO"), None
    if path.suffix == ".kmz":  # a zipped doc.kml
        return pyogrio.read_dataframe(f"/vsizip/{path}/doc.kml"), "EPSG:4326"
    if path.suffix == ".dxf":  # closed polylines, and the project id as TEXT inside each
        entities = pyogrio.read_dataframe(path)
        rings = entities[entities["Text"].isna()]
        labels = entities[entities["Text"].notna()]
        polygons = [shapely.Polygon(line.coords) for line in rings.geometry]
        frame = gpd.GeoDataFrame({"project_id": sorted(labels["Text"])}, geometry=polygons)
        return frame, None
    if path.suffix == ".xlsx":  # attributes and a representative point, no polygon
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        header, *rows = list(sheet.iter_rows(values_only=True))
        return gpd.GeoDataFrame([dict(zip(header, r, strict=True)) for r in rows]), None
    if path.suffix == ".parquet":  # the GDAL of pyogrio's wheel has no Parquet driver: read with pyarrow
        frame = gpd.read_parquet(path)
        return frame, frame.crs.to_string()
    return pyogrio.read_dataframe(path), pyogrio.read_info(path)["crs"]


@pytest.fixture(scope="module")
def plan_gpkg(tmp_path_factory, parcels) -> Path:
    """The plan's polygon parcels as a GeoPackage in EPSG:4544, written by GDAL."""
    path = tmp_path_factory.mktemp("convert-in") / "规划地块.gpkg"
    polygons = parcels[parcels.geom_type == "Polygon"]
    pyogrio.write_dataframe(polygons.to_crs("EPSG:4544"), path, layer="parcels", driver="GPKG")
    return path


@pytest.mark.parametrize("suffix", sorted(suffixes()))
def test_convert_round_trip_for_each_format(plan_gpkg, parcels, tmp_path, suffix):
    out = geo("convert", str(plan_gpkg), "-o", str(tmp_path / f"parcels{suffix}"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"wrote {tmp_path / f'parcels{suffix}'} ({FORMATS[suffixes()[suffix]].label_en}, ")
    assert "25 of 25 features from 规划地块.gpkg, read as GeoPackage in EPSG:4544" in out.stdout
    frame, crs = read_back(tmp_path / f"parcels{suffix}", tmp_path)
    polygons = parcels[parcels.geom_type == "Polygon"]
    if suffix == ".dxf":  # a drawing keeps ids as text, not attributes
        assert frame["project_id"].tolist() == sorted(polygons["project_id"])
    else:
        names = frame["地块名称"] if "地块名称" in frame.columns else frame["name_zh"]
        assert sorted(names) == sorted(polygons["name_zh"])
    if suffix == ".xlsx":
        return
    expected = "EPSG:4326" if suffix in (".geojson", ".json", ".kml", ".kmz") else "EPSG:4544"  # kept if it can be
    assert crs in (expected, None)
    area = frame.set_crs(crs or expected, allow_override=True).to_crs("EPSG:4544").area.sum()
    assert area == pytest.approx(parcels.to_crs("EPSG:4544").area.sum(), rel=1e-5)


def test_convert_zbtxt_to_gdal_formats_keeps_the_chinese_fields(tmp_path):
    src = tmp_path / "测绘.txt"
    src.write_bytes(zb.survey())
    for suffix in (".gpkg", ".geojson", ".csv", ".zip"):
        out = geo("convert", str(src), "-o", str(tmp_path / f"s{suffix}"))
        assert out.returncode == 0, out.stderr
        assert "地块面积 read as 平方米 (m²)" in out.stderr
        frame, _ = read_back(tmp_path / f"s{suffix}", tmp_path)
        name = "地块名称" if suffix != ".zip" else "地块名"  # DBF names hold 10 bytes: cut at a character
        assert frame[name].tolist() == zb.NAMES
        assert shapely.get_num_geometries(frame.geometry.to_numpy()).tolist() == [1, 1, 2, 2, 1]  # holes, islands
        crs = frame.crs or "EPSG:4523"  # the CSV states none: written in the input's own, EPSG:4523
        area = frame.set_crs(crs, allow_override=True).to_crs("EPSG:4523").area
        assert area.tolist() == pytest.approx(zb.AREAS_M2, rel=1e-4)  # GeoJSON: 7 decimals of a degree
    with zipfile.ZipFile(tmp_path / "s.zip") as zf:  # GDAL alone would cut 地块名称 (12 bytes) mid-character
        assert zf.read("s_attributes.csv").decode("utf-8-sig").splitlines()[0].startswith("界址点,地块面,地块编,地块名")


def test_convert_to_a_chosen_crs(plan_gpkg, tmp_path):
    out = geo("convert", str(plan_gpkg), "-o", str(tmp_path / "p.gpkg"), "--to-crs", "EPSG:4490")
    assert out.returncode == 0, out.stderr
    assert pyogrio.read_info(tmp_path / "p.gpkg")["crs"] == "EPSG:4490"
    out = geo("convert", str(plan_gpkg), "-o", str(tmp_path / "p.txt"), "--to-crs", "EPSG:4523")
    assert out.returncode == 0, out.stderr
    assert read_file(tmp_path / "p.txt").crs == "EPSG:4523"


def test_export_txt_defaults_to_zone_35_and_lists_what_it_leaves_out(tmp_path):
    out = geo("export", "--layer", "parcels", "--format", "txt", "-o", str(tmp_path / "p"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"wrote {tmp_path / 'p.txt'} (txt, EPSG:4523; features: parcels 25)"
    assert out.stderr.strip() == ("warning: parcels: a 部标 coordinate txt holds polygons only; left out 1: "
                                  "T5-2 川美工业设计中心 (Point)")
    text = (tmp_path / "p.txt").read_bytes().decode("gbk")
    assert "\r\n带号=35\r\n" in text and ",35" in text
    out = geo("export", "--layer", "parcels", "--format", "txt", "--crs", "EPSG:4544", "-o", str(tmp_path / "q"))
    assert out.returncode == 0 and read_file(tmp_path / "q.txt").crs == "EPSG:4544"


def _bad_zbtxt(tmp_path: Path) -> Path:
    lines = zb.survey().decode("gbk").split("\r\n")
    lines[18] = "12" + lines[18][2:]  # line 19: 界址点数 12 for 10 point lines
    path = tmp_path / "坏.txt"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return path


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("unknown_suffix", ("names no format we write", ".geojson (GeoJSON (RFC 7946))", ".zip (Shapefile", ".txt")),
        ("missing_input", ("the file does not exist",)),
        ("bad_zbtxt", ("坏.txt: line 19: 界址点数 is 12 but the parcel has 10 point lines",)),
        ("same_file", ("the output is the input file",)),
        ("txt_in_wgs84", ("holds Gauss–Krüger metres, not EPSG:4326",)),
        ("geojson_in_gk", ("always WGS84, not EPSG:4544",)),
    ],
)
def test_convert_errors_are_one_line_and_exit_2(plan_gpkg, tmp_path, case, words):
    src, dst, extra = str(plan_gpkg), tmp_path / "out.gpkg", []
    if case == "unknown_suffix":
        dst = tmp_path / "out.xyz"
    elif case == "missing_input":
        src = str(tmp_path / "nothing.gpkg")
    elif case == "bad_zbtxt":
        src = str(_bad_zbtxt(tmp_path))
    elif case == "same_file":
        dst = plan_gpkg
    elif case == "txt_in_wgs84":
        dst, extra = tmp_path / "out.txt", ["--to-crs", "EPSG:4326"]
    else:
        dst, extra = tmp_path / "out.geojson", ["--to-crs", "EPSG:4544"]
    out = geo("convert", src, "-o", str(dst), *extra)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("python -m geo convert: ")
    for w in words:
        assert w in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["坏.txt"])  # nothing written
