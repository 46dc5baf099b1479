"""KML/KMZ, DXF and XLSX exports, read back by GDAL (pyogrio), ezdxf and openpyxl."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import ezdxf
import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely

from geo.errors import UsageError
from geo.io.export import export_layers
from geo.io.styles import kml_colour
from geo.io.writers_desktop import dxf_layer_name, dxf_text
from layers import export_options

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def options():
    return export_options()


@pytest.fixture(scope="module")
def colours(tracks) -> dict[str, str]:
    return {r.track_id: r.color.lower() for r in tracks.itertuples()}


@pytest.fixture(scope="module")
def kml_path(parcels, zones, options, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kml")
    return export_layers({"parcels": parcels, "zones": zones}, fmt="kml", path=folder, options=options)


# --- KML / KMZ ----------------------------------------------------------------

def test_kml_layers_names_and_counts_read_by_gdal(kml_path, parcels):
    assert kml_path.name == "parcels_zones_EPSG4326_示意.kml"
    assert [n for n, _ in pyogrio.list_layers(kml_path)] == ["parcels", "zones"]  # one folder per layer
    frame = pyogrio.read_dataframe(kml_path, layer="parcels")  # polygons and the point, as Google Earth shows them
    assert frame.geom_type.value_counts().to_dict() == {"Polygon": 25, "Point": 1}
    points = frame[frame.geom_type == "Point"]
    assert list(points["Name"]) == ["川美工业设计中心（T5-2）"]
    assert "科学谷前沿科技孵化片区（T2-3）" in set(frame["Name"])
    assert pyogrio.read_info(kml_path, layer="parcels")["crs"] == "EPSG:4326"
    bounds = frame.total_bounds
    assert 106.2 < bounds[0] < 106.5 and 29.4 < bounds[1] < 29.8  # lon, lat
    # the attributes also travel as ExtendedData, which GDAL reads as fields
    assert sorted(frame["project_id"]) == sorted(parcels["project_id"])


def test_kml_styles_are_the_track_colours(kml_path, parcels, colours):
    doc = ElementTree.parse(kml_path).getroot().find(f"{KML}Document")
    styles = {s.get("id"): s for s in doc.findall(f"{KML}Style")}
    for track_id, colour in colours.items():
        style = styles[f"track-{track_id}"]
        assert style.find(f"{KML}LineStyle/{KML}color").text == kml_colour(colour)  # aabbggrr
        assert style.find(f"{KML}PolyStyle/{KML}fill").text == "1"
    assert kml_colour("#1f77b4") == "ffb4771f"
    track_of = dict(zip(parcels["project_id"], parcels["track_id"], strict=True))
    folders = {f.find(f"{KML}name").text: f for f in doc.findall(f"{KML}Folder")}
    for placemark in folders["parcels"].findall(f"{KML}Placemark"):
        pid = next(d.find(f"{KML}value").text for d in placemark.iter(f"{KML}Data") if d.get("name") == "project_id")
        assert placemark.find(f"{KML}styleUrl").text == f"#track-{track_of[pid]}"
    zone_styles = {p.find(f"{KML}styleUrl").text for p in folders["zones"].findall(f"{KML}Placemark")}
    assert zone_styles == {"#outline"}
    assert styles["outline"].find(f"{KML}PolyStyle/{KML}fill").text == "0"  # zones: outlines only


def test_kml_description_is_an_escaped_attribute_table(parcels, options, tmp_path):
    hostile = parcels.copy()
    hostile.loc[hostile["project_id"] == "T2-3", "function_zh"] = "<b>研发</b> & <script>x</script>"
    path = export_layers({"parcels": hostile}, fmt="kml", path=tmp_path / "p", options=options)
    root = ElementTree.parse(path).getroot()  # still well-formed XML
    placemark = next(p for p in root.iter(f"{KML}Placemark") if p.find(f"{KML}name").text.endswith("（T2-3）"))
    html = placemark.find(f"{KML}description").text
    assert html.startswith("<table") and "<th align=\"left\">规划面积（亩）</th><td>888</td>" in html
    assert "&lt;b&gt;研发&lt;/b&gt; &amp; &lt;script&gt;" in html and "<script>" not in html
    assert "<th align=\"left\">产值（亿元）</th><td>80</td>" in html
    t52 = next(p for p in root.iter(f"{KML}Placemark") if p.find(f"{KML}name").text.endswith("（T5-2）"))
    assert "<th align=\"left\">规划面积（亩）</th><td>——</td>" in t52.find(f"{KML}description").text  # unknown
    assert b"&lt;table" in path.read_bytes()  # the HTML is XML-escaped text, not markup


def test_kmz_is_zipped_doc_kml(parcels, zones, options, tmp_path):
    path = export_layers({"parcels": parcels, "zones": zones}, fmt="kmz", path=tmp_path / "p", options=options)
    assert path.suffix == ".kmz"
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["doc.kml"]
        ElementTree.fromstring(zf.read("doc.kml"))
    assert [n for n, _ in pyogrio.list_layers(path)] == ["parcels", "zones"]
    assert pyogrio.read_info(path, layer="parcels")["features"] == 26
    frame = pyogrio.read_dataframe(path, layer="zones")
    assert len(frame) == len(zones) and frame["Name"].str.contains("圈|片|核").all()


def test_kml_refuses_projected_crs(parcels, tmp_path):
    with pytest.raises(UsageError, match="always WGS84"):
        export_layers({"parcels": parcels}, fmt="kmz", crs="EPSG:4544", path=tmp_path / "p")
    assert list(tmp_path.iterdir()) == []


# --- DXF ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def dxf_path(parcels, zones, options, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dxf")
    return export_layers({"parcels": parcels, "zones": zones}, fmt="dxf", path=folder, options=options)


def test_dxf_one_layer_per_track_read_by_gdal(dxf_path, parcels, tracks):
    assert dxf_path.name == "parcels_zones_EPSG4544_示意.dxf"  # projected by default
    frame = pyogrio.read_dataframe(dxf_path)
    expected = {f"parcels_{r.track_id}_{r.name_zh}" for r in tracks.itertuples()} | {"zones"}
    assert set(frame["Layer"]) == expected  # Chinese layer names intact in GDAL
    texts = frame[frame["Text"].notna()]
    parcel_texts = texts[texts["Layer"].str.startswith("parcels_")]
    assert sorted(parcel_texts["Text"]) == sorted(parcels["project_id"])  # one TEXT per parcel, its id
    gk = parcels.to_crs("EPSG:4544").set_index("project_id")
    for text, layer, point in zip(parcel_texts["Text"], parcel_texts["Layer"], parcel_texts.geometry, strict=True):
        track = gk.at[text, "track_id"]
        assert layer.startswith(f"parcels_{track}_")
        geom = gk.at[text, "geometry"]
        assert geom.buffer(0.01).contains(point)  # at the representative point, inside the parcel
    xmin, ymin, _, _ = frame.total_bounds
    assert 590_000 < xmin < 640_000 and 3_250_000 < ymin < 3_300_000  # GK metres, no zone prefix
    zone_names = set(texts.loc[texts["Layer"] == "zones", "Text"])
    assert "研发创新生态圈" in zone_names  # Chinese TEXT intact


def test_dxf_layers_have_track_colours_and_dashed_zones(dxf_path, colours):
    doc = ezdxf.readfile(dxf_path)
    assert doc.dxfversion == "AC1018" and doc.header["$DWGCODEPAGE"] == "ANSI_936" and doc.header["$INSUNITS"] == 6
    layers = {layer.dxf.name: layer for layer in doc.layers}
    for name, layer in layers.items():
        if name.startswith("parcels_"):
            track_id = name.split("_")[1]
            r, g, b = layer.rgb
            assert f"#{r:02x}{g:02x}{b:02x}" == colours[track_id]
            assert 1 <= layer.dxf.color <= 255
    assert layers["zones"].dxf.linetype == "DASHED"
    msp = doc.modelspace()
    assert {e.dxftype() for e in msp} == {"LWPOLYLINE", "POINT", "TEXT"}
    assert all(e.closed for e in msp.query("LWPOLYLINE"))  # polygons: closed rings
    (point,) = msp.query("POINT")
    assert point.dxf.layer == "parcels_digital_数字文创"  # T5-2, area unknown
    props = dict(doc.header.custom_vars)
    assert props["坐标系 CRS"].startswith("EPSG:4544")


def test_dxf_refuses_degrees(parcels, tmp_path):
    for crs in ("EPSG:4326", "EPSG:4490"):
        with pytest.raises(UsageError, match=r"no coordinate system of its own.*EPSG:4544"):
            export_layers({"parcels": parcels}, fmt="dxf", crs=crs, path=tmp_path / "p")
    assert list(tmp_path.iterdir()) == []


def test_dxf_names_follow_autocad_rules():
    assert dxf_layer_name("parcels", "a/b", "c:d") == "parcels_a_b_c_d"
    assert dxf_layer_name("x<>\"?*|=`',;") == "x" + "_" * 11
    assert len(dxf_layer_name("a" * 300)) == 255
    assert dxf_text("km²") == "km2" and dxf_text("€") == "\\U+20AC" and dxf_text("研发") == "研发"


# --- XLSX ---------------------------------------------------------------------

def test_xlsx_sheets_headers_frozen_numbers(parcels, zones, options, tmp_path):
    path = export_layers({"parcels": parcels, "zones": zones}, fmt="xlsx", crs="EPSG:4544", path=tmp_path,
                         options=options)
    assert path.name == "parcels_zones_EPSG4544_示意.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["parcels", "zones"]  # one sheet per layer, all rows (polygons and the point)
    sheet = book["parcels"]
    headers = [c.value for c in sheet[1]]
    assert {"名称", "规划面积（亩）", "产值（亿元）", "图上量算面积（亩）", "几何类型"} <= set(headers)
    assert headers[-2:] == ["代表点X 东坐标（EPSG:4544，米）", "代表点Y 北坐标（EPSG:4544，米）"]
    assert sheet.freeze_panes == "A2" and sheet.max_row == len(parcels) + 1
    assert sheet.cell(1, headers.index("规划面积（亩）") + 1).comment.text == "declared_mu"
    rows = {r[0].value: dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=2)}
    t23 = rows["T2-3"]
    assert t23["规划面积（亩）"].value == 888 and t23["规划面积（亩）"].data_type == "n"
    assert t23["产值（亿元）"].value == 80 and isinstance(t23["图上量算面积（亩）"].value, float)
    assert t23["图上量算面积（亩）"].number_format == "#,##0.000"
    assert t23["名称"].value == "科学谷前沿科技孵化片区" and t23["几何类型"].value == "Polygon"
    t52 = rows["T5-2"]
    assert t52["规划面积（亩）"].value is None and t52["几何类型"].value == "Point"  # unknown: empty, not 0
    gk = parcels.to_crs("EPSG:4544").set_index("project_id")
    x, y = t23["代表点X 东坐标（EPSG:4544，米）"].value, t23["代表点Y 北坐标（EPSG:4544，米）"].value
    assert gk.at["T2-3", "geometry"].contains(shapely.Point(x, y))


def test_xlsx_in_degrees_and_text_that_looks_like_a_formula(options, tmp_path):
    layer = gpd.GeoDataFrame({"name_zh": ["=HYPERLINK(\"x\")", "普通"], "declared_mu": [1.5, None]},
                             geometry=[shapely.Point(106.3, 29.5), None], crs="EPSG:4326")
    path = export_layers({"test": layer}, fmt="xlsx", path=tmp_path / "t", options=options)
    sheet = openpyxl.load_workbook(path)["test"]
    headers = [c.value for c in sheet[1]]
    assert headers == ["名称", "规划面积（亩）", "几何类型",
                       "代表点经度（EPSG:4326，度）", "代表点纬度（EPSG:4326，度）"]
    assert sheet["A2"].value == "=HYPERLINK(\"x\")" and sheet["A2"].data_type == "s"  # text, never a formula
    assert [c.value for c in sheet[2]][1:] == [1.5, "Point", 106.3, 29.5]
    assert [c.value for c in sheet[3]] == ["普通", None, None, None, None]  # no geometry: empty cells
