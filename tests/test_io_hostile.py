"""geo.io.files: every hostile file gets one clear error (file, problem, fix).

No hostile file writes anything outside a temp folder.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
import shapely.geometry
from affine import Affine
from pyproj import CRS

from geo.checks import CheckOptions, PlanLayers, check_read
from geo.crs import parse_crs
from geo.errors import (
    CRSError,
    FileTooLargeError,
    GeometryError,
    InputFileError,
    UnsafeArchiveError,
    UnsupportedFormatError,
)
from geo.io import archive
from geo.io.files import read_bytes, read_file
from layers import load_parcels
from tests.fixtures.io_sandbox import assert_clear, sandbox_fixture, write_layer  # noqa: F401 (autouse fixture)
from tests.fixtures.stores import created
from tests.fixtures.synthetic import clean_survey, plan_survey

ROOT = Path(__file__).resolve().parents[1]

# --- hostile files -----------------------------------------------------------------


def test_malformed_json(sandbox):
    path = sandbox / "bad.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature",', encoding="utf-8")
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "bad.geojson", "not valid JSON", "line 1")


def test_truncated_geopackage(sandbox):
    full = sandbox / "full.gpkg"
    pyogrio.write_dataframe(clean_survey(), full, driver="GPKG")
    cut = sandbox / "cut.gpkg"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    with pytest.raises(InputFileError) as exc:
        read_file(cut)
    assert_clear(exc, "cut.gpkg", "damaged or truncated")


def test_truncated_zip(sandbox):
    path = write_layer(clean_survey(), sandbox, "shp")
    cut = sandbox / "cut.zip"
    cut.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(InputFileError) as exc:
        read_file(cut)
    assert_clear(exc, "cut.zip", "damaged or truncated")


@pytest.mark.parametrize(
    ("part", "words"), [(".shp", "p.shp is damaged or truncated"), (".dbf", "damaged or truncated")]
)
def test_truncated_shapefile_part_in_a_whole_zip(sandbox, part, words):
    """A .shp cut short would otherwise give its last parcels empty geometry, silently."""
    shp = sandbox / "p.shp"
    pyogrio.write_dataframe(clean_survey(), shp, driver="ESRI Shapefile", encoding="UTF-8")
    cut = shp.with_suffix(part)
    cut.write_bytes(cut.read_bytes()[:-40])
    path = sandbox / "cut-part.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            zf.write(shp.with_suffix(ext), f"p{ext}")
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "cut-part.zip", words)


@pytest.mark.parametrize(
    ("members", "words"),
    [
        (["p.shp", "p.dbf", "p.prj"], "holds p.shp but not its .shx"),
        (["p.dbf", "p.prj", "readme.txt"], "holds no .shp"),
    ],
)
def test_zip_missing_parts(sandbox, members, words):
    shp = sandbox / "p.shp"
    pyogrio.write_dataframe(clean_survey(), shp, driver="ESRI Shapefile")
    (sandbox / "readme.txt").write_text("x")
    path = sandbox / "parts.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for m in members:
            zf.write(sandbox / m, m)
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "parts.zip", words)


@pytest.mark.parametrize("name", ["../../escaped.shp", "/tmp/absolute-geo-test.shp", "C:\\evil.shp", "a/../../b.shp"])
def test_zip_with_unsafe_paths(sandbox, name):
    path = sandbox / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name, b"x" * 100)
        zf.writestr("p.shx", b"x")
    with pytest.raises(UnsafeArchiveError) as exc:
        read_file(path)
    assert_clear(exc, "evil.zip", "leave the archive folder", "nothing was extracted")
    assert not Path("/tmp/absolute-geo-test.shp").exists()
    assert not (sandbox.parent / "escaped.shp").exists() and not (sandbox.parent.parent / "escaped.shp").exists()


def test_zip_with_symlink(sandbox):
    path = sandbox / "link.zip"
    info = zipfile.ZipInfo("p.shp")
    info.external_attr = 0o120777 << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError) as exc:
        read_file(path)
    assert_clear(exc, "link.zip", "links")


def test_zip_bomb(sandbox):
    path = sandbox / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("p.shp", b"\0" * (64 * 2**20))
        zf.writestr("p.shx", b"\0")
        zf.writestr("p.dbf", b"\0")
    assert path.stat().st_size < 2**20
    with pytest.raises(UnsafeArchiveError) as exc:
        read_file(path)
    assert_clear(exc, "bomb.zip", "zip bomb", "nothing was extracted")


def test_archive_total_size_limit(sandbox):
    path = sandbox / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.shp", b"1" * 5000)
    with zipfile.ZipFile(path) as zf, pytest.raises(FileTooLargeError) as exc:
        archive.extract_members(zf, ["a.shp"], sandbox / "out", source="big.zip", max_unpacked=4000)
    assert_clear(exc, "big.zip", "unpack to", "over the limit")
    assert not (sandbox / "out").exists()


def test_file_over_size_limit(sandbox):
    path = write_layer(clean_survey(), sandbox, "geojson")
    with pytest.raises(FileTooLargeError) as exc:
        read_file(path, max_bytes=100)
    assert_clear(exc, "p.geojson", "over the limit")
    with pytest.raises(FileTooLargeError):
        read_bytes(path.read_bytes(), name="upload.geojson", max_bytes=100)


def test_empty_file(sandbox):
    path = sandbox / "empty.geojson"
    path.write_bytes(b"")
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "empty.geojson", "empty (0 bytes)")


def test_no_features(sandbox):
    path = sandbox / "none.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "none.geojson", "contains no features")


def test_no_geometry_column(sandbox):
    gpkg = sandbox / "table.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"名称": ["a"]}), gpkg, layer="attrs", driver="GPKG")
    with pytest.raises(GeometryError) as exc:
        read_file(gpkg)
    assert_clear(exc, "table.gpkg", "no layer with a geometry column")
    csv = sandbox / "table.csv"
    pd.DataFrame({"名称": ["a"], "面积": [1]}).to_csv(csv, index=False)
    with pytest.raises(GeometryError) as exc:
        read_file(csv)
    assert_clear(exc, "table.csv", "no geometry column", "名称")


def test_mixed_geometry_types_warns(sandbox):
    layer = clean_survey()
    layer.loc[2, "geometry"] = shapely.centroid(layer.geometry.iloc[1])
    path = sandbox / "mixed.geojson"
    pyogrio.write_dataframe(layer, path, driver="GeoJSON")
    result = read_file(path)
    assert result.layer.geom_type.tolist() == ["Polygon", "Point"]
    assert result.warnings == [
        ("mixed.geojson: mixed geometry types (1 Polygon, 1 Point); features that are not "
         "polygons are reported as findings. Export only the polygon parcels to avoid this")
    ]


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_coordinates(sandbox, bad):
    ring = [[106.3, 29.5], [106.31, bad], [106.31, 29.51], [106.3, 29.5]]
    good = [[106.4, 29.5], [106.41, 29.5], [106.41, 29.51], [106.4, 29.5]]
    feats = [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [r]}} for r in (good, ring)
    ]
    path = sandbox / "nan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    with pytest.raises(GeometryError) as exc:
        read_file(path)
    assert_clear(exc, "nan.geojson", "NaN or infinite coordinates in feature 2")


def test_far_outside_china(sandbox):
    paris = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(2.30, 48.80, 2.31, 48.81)], crs="EPSG:4326")
    path = sandbox / "paris.gpkg"
    pyogrio.write_dataframe(paris, path, driver="GPKG")
    with pytest.raises(GeometryError) as exc:
        read_file(path)
    assert_clear(exc, "paris.gpkg", "far outside China in feature 1", "lon 2.3000, lat 48.8000")


def test_geotiff_renamed_geojson(sandbox):
    path = sandbox / "image.geojson"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=4,
        count=1,
        dtype="uint8",
        crs="EPSG:4326",
        transform=Affine(0.01, 0, 106.3, 0, -0.01, 29.6),
    ) as dst:
        dst.write(np.zeros((1, 4, 4), dtype="uint8"))
    with pytest.raises(UnsupportedFormatError) as exc:
        read_file(path)
    assert_clear(exc, "image.geojson", "TIFF/GeoTIFF raster")


def test_csv_named_geojson_is_read_with_a_warning(sandbox):
    path = write_layer(clean_survey(), sandbox, "csv-wkt")
    renamed = path.rename(sandbox / "really.geojson")
    result = read_file(renamed)
    assert result.fmt == "csv"
    assert result.warnings == [
        "really.geojson: the name says .geojson but the content is CSV (WKT or lon/lat); read as CSV (WKT or lon/lat)"
    ]


def test_unknown_binary_is_refused(sandbox):
    path = sandbox / "x.dat"
    path.write_bytes(os.urandom(64).replace(b"P", b"Q") + b"\0")
    with pytest.raises(UnsupportedFormatError) as exc:
        read_file(path)
    assert_clear(exc, "x.dat", "not a format we recognise")


def test_bad_wkt_rows_are_named(sandbox):
    path = sandbox / "wkt.csv"
    pd.DataFrame({"wkt": ["POLYGON ((106.3 29.5, 106.31 29.5, 106.31 29.51, 106.3 29.5))", "POLYGON ((1 2"]}).to_csv(
        path, index=False
    )
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "wkt.csv", "not WKT in rows 3")


# --- a CRS that names a file ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "+proj=longlat +nadgrids=/etc/passwd",
        "+proj=longlat +ellps=GRS80 +nadgrids=@foo.gsb",
        "+proj=longlat +ellps=GRS80 +nadgrids=@null,@foo.gsb",
        "+proj=tmerc +lon_0=105 +geoidgrids=egm96_15.gtx",
        "+init=epsg:4544",
        "/etc/passwd",
        "../grids/site.gsb",
    ],
)
def test_crs_naming_a_file_is_refused(sandbox, value):
    """PROJ would open the grid or init file: refused before pyproj sees the string."""
    path = write_layer(clean_survey(), sandbox, "geojson")
    with pytest.raises(CRSError) as exc:
        read_file(path, crs=value)
    assert_clear(exc, "p.geojson (chosen CRS)", "names a file", "CRSs that read files are refused")
    assert "EPSG:4544" in exc.value.fix


def test_plain_crs_strings_are_still_accepted():
    assert parse_crs("EPSG:4544").to_epsg() == 4544
    assert parse_crs("+proj=longlat +ellps=GRS80 +no_defs").is_geographic
    assert parse_crs(CRS("EPSG:3857").to_wkt("WKT1_GDAL")).to_epsg() == 3857
    assert parse_crs("+proj=merc +a=6378137 +b=6378137 +nadgrids=@null +wktext +no_defs").is_projected


# --- local (engineering) CRSs ----------------------------------------------------------

_LOCAL_CS = 'LOCAL_CS["Site grid",UNIT["metre",1]]'


def test_shapefile_with_a_local_cs_prj(sandbox):
    """A .prj with LOCAL_CS[...] (a site grid) has no way to WGS84: the user must choose the CRS."""
    shp = sandbox / "p.shp"
    pyogrio.write_dataframe(clean_survey().to_crs("EPSG:4544"), shp, driver="ESRI Shapefile", encoding="UTF-8")
    shp.with_suffix(".prj").write_text(_LOCAL_CS)
    path = sandbox / "local.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            zf.write(shp.with_suffix(ext), f"p{ext}")
    with pytest.raises(CRSError) as exc:
        read_file(path)
    assert_clear(exc, "local.zip", "local (engineering) one, 'Site grid'", "--crs EPSG:4544")
    assert read_file(path, crs="EPSG:4544").crs == "EPSG:4544"  # the way out the message names


@pytest.mark.parametrize("srs_id", [None, -1, 0])
def test_geopackage_with_a_local_or_undefined_srs(sandbox, srs_id):
    """A layer in a LOCAL_CS, or GeoPackage's 'undefined' SRS ids -1 / 0 with site-grid coordinates."""
    layer = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(10, 10, 60, 50)], crs=_LOCAL_CS)
    path = sandbox / "local.gpkg"
    pyogrio.write_dataframe(layer, path, driver="GPKG")
    if srs_id is not None:
        with sqlite3.connect(path) as con:
            con.execute("UPDATE gpkg_geometry_columns SET srs_id = ?", (srs_id,))
            con.execute("UPDATE gpkg_contents SET srs_id = ?", (srs_id,))
        con.close()
    with pytest.raises(CRSError) as exc:
        read_file(path)
    assert_clear(exc, "local.gpkg", "--crs EPSG:4544")
    assert "local (engineering)" in str(exc.value) or "match no CRS we can infer" in str(exc.value)
    assert "Traceback" not in str(exc.value) and "Transformer" not in str(exc.value)


# --- zip members we cannot unpack ------------------------------------------------------


def _patch_zip(path: Path, *, flag: int = 0, method: int | None = None) -> None:
    """Set general-purpose flag bits and/or the compression method of every member, in both headers."""
    data = bytearray(path.read_bytes())
    for sig, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(sig)
        while at >= 0:
            data[at + flag_at] |= flag
            if method is not None:
                data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"flag": 1}, ["member 'survey/p.shp' is encrypted", "nothing was extracted"]),
        ({"method": 9}, ["compression method Deflate64, which is not supported"]),
        ({"method": 98}, ["compression method PPMd, which is not supported"]),
    ],
)
def test_zip_encrypted_or_unsupported_method(sandbox, patch, words):
    path = write_layer(clean_survey(), sandbox, "shp")
    _patch_zip(path, **patch)
    with pytest.raises(UnsafeArchiveError) as exc:
        read_file(path)
    assert_clear(exc, "p.zip", *words)
    assert "password" in exc.value.fix or "re-zip" in exc.value.fix.lower()
    assert "standard Deflate" in exc.value.fix or patch == {"flag": 1}


# --- a parcel with thousands of vertices in a CSV field ---------------------------------


def test_csv_with_a_6000_vertex_wkt_field(sandbox):
    """The WKT field (~190 kB) is over Python csv's default field limit of 131,072 characters."""
    poly = shapely.Point(106.33, 29.55).buffer(0.001, quad_segs=1500)
    assert len(poly.exterior.coords) > 6000
    path = sandbox / "big-parcel.csv"
    pd.DataFrame({"名称": ["大地块"], "wkt": [shapely.to_wkt(poly, rounding_precision=9)]}).to_csv(path, index=False)
    assert path.stat().st_size > 131_072
    result = read_file(path)
    assert result.fmt == "csv" and result.layer["名称"].tolist() == ["大地块"]
    assert shapely.get_num_coordinates(result.layer.geometry.iloc[0]) == len(poly.exterior.coords)
    assert abs(result.layer.geometry.iloc[0].area - poly.area) < 1e-12


# --- XML entities in KML -----------------------------------------------------------------

_PLACEMARK = (
    '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>{name}</name>'
    "<Polygon><outerBoundaryIs><LinearRing><coordinates>106.3,29.5 106.31,29.5 106.31,29.51 106.3,29.5"
    "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"
)
_LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">' for i in range(1, 10)
)


@pytest.mark.parametrize(
    ("doctype", "name", "words"),
    [
        ('<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;", "uses XML entities, which are refused"),
        (f"<!DOCTYPE kml [{_LAUGHS}]>", "&lol9;", "uses XML entities, which are refused"),
        ('<!DOCTYPE kml SYSTEM "http://example.com/evil.dtd">', "a", "declares a DTD"),
    ],
)
@pytest.mark.parametrize("packed", ["kml", "kmz"])
def test_kml_with_xml_entities(sandbox, doctype, name, words, packed):
    """XXE and billion laughs are named as such, not 'damaged or truncated'; no server path in the message."""
    text = f'<?xml version="1.0" encoding="UTF-8"?>{doctype}{_PLACEMARK.format(name=name)}'
    path = sandbox / f"evil.{packed}"
    if packed == "kml":
        path.write_text(text, encoding="utf-8")
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("doc.kml", text)
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, f"evil.{packed}", words)
    assert "damaged" not in str(exc.value) and "/tmp" not in str(exc.value) and "geo-upload" not in str(exc.value)


def test_no_server_temp_path_in_gdal_messages(sandbox):
    """A KML GDAL cannot parse, uploaded as bytes: GDAL names the temporary copy, the message must not."""
    bad = b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>x</name>'
    with pytest.raises(InputFileError) as exc:
        read_bytes(bad + b"<Point><coordinates>106.3,29.5</coord", name="cut.kml")
    assert_clear(exc, "cut.kml", "damaged or truncated")
    assert "/tmp" not in str(exc.value) and "geo-upload" not in str(exc.value) and "upload.kml" not in str(exc.value)
    zh = exc.value.text("zh")  # the line in Chinese quotes GDAL's words without the server's paths too
    assert zh.startswith("cut.kml：无法读取该 KML 文件，文件已损坏或不完整（")
    assert "/tmp" not in zh and "geo-upload" not in zh and "upload.kml" not in zh


# --- attribute names that collide with ours ---------------------------------------------------

_OURS = {"fid": 7, "geom": "g", "geometry": "not a geometry", "feature": 99, "measured_mu": 1.5, "match_by": "m",
         "checks": "c", "severity": "s", "upload_id": "u"}


def _colliding_geojson(folder: Path) -> Path:
    """The real T2-3 and a scaled T2-4, with attributes named as the check's and the store's columns."""
    layer = plan_survey()
    features = [
        {
            "type": "Feature",
            "properties": {**_OURS, "project_id": pid, "Name": f"n{i}", "NAME": f"N{i}", "名称": name},
            "geometry": shapely.geometry.mapping(geom),
        }
        for i, (pid, name, geom) in enumerate(zip(["T2-3", "T2-4"], layer["名称"], layer.geometry, strict=True))
    ]
    path = folder / "collide.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def test_colliding_attribute_names_are_renamed_with_a_warning(sandbox):
    result = read_file(_colliding_geojson(sandbox))
    cols = list(result.layer.columns)
    assert [c for c in cols if c.endswith("_src")] == [f"{c}_src" for c in [*_OURS, "project_id"]]
    assert "NAME_2" in cols and "Name" in cols and cols[-1] == "geometry" == result.layer.geometry.name
    assert result.layer["geometry_src"].tolist() == ["not a geometry"] * 2  # not overwritten by the geometry
    assert result.layer["fid_src"].tolist() == [7, 7] and result.layer.index.name == "feature"
    assert result.warnings == [
        (
            "collide.geojson: attribute columns renamed, as their names are used by the check or differ from "
            "another only in case: fid → fid_src, geom → geom_src, geometry → geometry_src, feature → feature_src, "
            "measured_mu → measured_mu_src, match_by → match_by_src, checks → checks_src, severity → severity_src, "
            "upload_id → upload_id_src, project_id → project_id_src, NAME → NAME_2"
        )
    ]
    assert result.renamed["project_id"] == "project_id_src"


def test_colliding_attribute_names_check_and_save(sandbox, tmp_path):
    """A full check (API and CLI, by the user's own name for the field) and --save still work."""
    path = _colliding_geojson(sandbox)
    run = check_read(read_file(path), PlanLayers(parcels=load_parcels()), CheckOptions(name_field="project_id"))
    parcels = run.result.parcels
    assert parcels["project_id"].tolist() == parcels["project_id_src"].tolist() == ["T2-3", "T2-4"]
    assert parcels["measured_mu"].gt(0).all() and parcels["measured_mu_src"].tolist() == [1.5, 1.5]
    env = os.environ | {"GEO_WORKSPACE": str(created(tmp_path / "ws"))}
    cli = [sys.executable, "-m", "geo", "check", str(path), "--name-field", "project_id", "--format", "json"]
    out = subprocess.run(cli, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)["summary"]
    assert summary["features"] == 2 and summary["matched"] == 2
    assert "attribute columns renamed" in " ".join(summary["warnings"]) and "Traceback" not in out.stderr
    saved = subprocess.run([*cli, "--save"], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert saved.returncode == 0, saved.stderr
    assert (tmp_path / "ws" / "workspace.gpkg").exists()


# --- a .cpg that lies ---------------------------------------------------------------------


def test_shapefile_cpg_says_utf8_but_dbf_is_gbk(sandbox):
    """ArcGIS/QGIS exports with a .cpg 'UTF-8' over GBK strings: read as GBK, with a warning naming it."""
    shp = sandbox / "p.shp"
    pyogrio.write_dataframe(clean_survey().to_crs("EPSG:4490"), shp, driver="ESRI Shapefile", encoding="GBK")
    assert "科学谷".encode("gbk") in shp.with_suffix(".dbf").read_bytes()
    shp.with_suffix(".cpg").write_text("UTF-8")
    path = sandbox / "lying-cpg.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            zf.write(shp.with_suffix(ext), f"p{ext}")
    result = read_file(path)
    assert result.layer["名称"].tolist() == ["科学谷(第一期)", "金凤实验室"]
    assert result.encoding == "GBK"
    assert result.warnings == [
        "lying-cpg.zip: the .cpg says UTF-8 but the attribute text is not UTF-8; read as GBK (check the names)"
    ]
