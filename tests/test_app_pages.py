"""AppTest: the Totals, Parcels, Export and About pages (no browser)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def page(path: str, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(path)
    return at.run()


def test_totals_shows_the_reconciled_figures():
    at = page("pages/totals_page.py", w_lang="en")
    assert not at.exception
    assert at.title[0].value == "Totals: tables, text and map reconciled"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Plan land, tables"] == "14,515 mu"
    assert metrics["Table output total"] == "558 100m CNY"
    tracks = at.dataframe[2].value.set_index(["Name", "Metric"])
    rd = tracks.loc[("R&D and incubation", "Land (mu)")]
    assert (rd["Table"], rd["Text"], rd["Difference (table−text)"]) == ("7,620", "7,680 (land)", "-60")
    fintech = tracks.loc[("Technology finance", "Land (mu)")]
    assert (fintech["Table"], fintech["Text"]) == ("—— (unknown)", "2,400 (land)")  # unknown, never 0
    assert fintech["Status"] == "¶ text only"
    assert fintech["Source"] == ("land of the Technology Finance Street, 2,400 mu, section 3(5), spatial layout, "
                                 "line 368")
    assert rd["Source"].startswith("Table 2 rows 1–7 and ")
    assert rd["Status"] == "✘ differs"
    output = tracks.loc[("R&D and incubation", "Output value and revenue (100m CNY)")]
    assert (output["Status"], output["Text"], output["Difference (table−text)"]) == (
        "≠ not comparable", "50 (revenue)", "—")  # no difference a user could quote
    zones = at.dataframe[3].value
    assert len(zones) == 12  # five units and "in no spatial unit" × land/output
    jinfeng = zones.set_index(["Name", "Metric"]).loc[("Jinfeng Testing and Inspection Zone", "Land (mu)")]
    assert (jinfeng["Stated (mu)"], jinfeng["Inferred by place (mu)"]) == ("1,791", "1,786")
    assert any(m.value == "**4 disagreements**" for m in at.markdown)


def test_totals_shows_the_baselines_beside_the_2025_targets():
    at = page("pages/totals_page.py")
    assert not at.exception
    assert any(s.value == "基期与2025年目标" for s in at.subheader)
    base = at.dataframe[0].value.set_index("指标")
    assert base.at["入驻集聚区的检验检测机构", "数值"] == "25家"
    assert base.at["入驻集聚区的检验检测机构", "2025年目标"] == "100家"
    assert base.at["已建成5G基站", "数值"] == "超过1300个"
    assert base.at["第三产业增加值", "范围"] == "重庆市（全市）" and base.at["第三产业增加值", "时点"] == "2020年"
    assert base.at["累计在孵企业", "来源"] == "一（二）发展基础，原文第16行"
    assert list(base["数值"]) == ["25家", "225个", "137家", "4.8%", "42.3件", "468家", "超过1300个", "13207.3亿元",
                                  "5.2%"]
    targets = at.dataframe[1].value.set_index("指标")
    assert targets.at["检验检测机构", "数值"] == "100家"
    assert targets.at["检验检测营业收入", "数值"] == "超过70亿元"


def test_totals_downloads_csv_and_excel():
    at = page("pages/totals_page.py")
    assert not at.exception
    assert at.title[0].value == "总量核对：表、文本与地图"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载核对表 CSV", "下载核对表 Excel"]


def test_parcels_table_has_declared_and_measured_mu():
    at = page("pages/parcels_page.py", w_lang="en", w_track=["digital"])
    assert not at.exception
    assert at.title[0].value == "Platform projects and parcels"
    table = at.dataframe[0].value.set_index("Id")
    assert list(table.index) == [f"T5-{i}" for i in range(1, 9)]
    assert table.at["T5-1", "Declared (mu)"] == 100
    assert abs(table.at["T5-1", "Measured (mu)"] - 100) < 0.1
    assert table.at["T5-1", "Output per mu (10k CNY/mu)"] == 1000
    assert pd.isna(table.at["T5-2", "Declared (mu)"]) and pd.isna(table.at["T5-2", "Measured (mu)"])
    assert table.at["T5-1", "Name (other language)"] == "大学城数字文创基地"
    assert "Select a row to show it on the map." in [c.value for c in at.caption]


def test_export_page_offers_the_cli_formats_and_crs():
    at = page("pages/export_page.py", w_lang="en")
    assert not at.exception
    assert at.radio(key="export_format").options == [
        "GeoJSON (RFC 7946)", "GeoPackage 1.2 (with QGIS styles)", "Shapefile (zip, with .qml styles)",
        "CSV (WKT, with .prj/.csvt)", "KML (Google Earth, Ovital)", "KMZ (Google Earth, Ovital)",
        "DXF (AutoCAD, projected)", "Excel (xlsx)", "部标 coordinate txt (GBK)", "GeoParquet (large layers)"]
    assert at.selectbox(key="export_crs_wgs84").options == ["WGS84 lon/lat (EPSG:4326)"]  # GeoJSON is WGS84 only
    (button,) = at.get("download_button")
    # parcels mix polygons and a point: one GeoJSON file (RFC 7946 allows it); the name says CRS and 示意
    assert button.proto.label == "Download parcels_EPSG4326_示意.geojson"


def test_export_gpkg_in_cgcs2000_gk():
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["w_lang"] = "en"
    at.switch_page("pages/export_page.py")
    at.session_state["export_format"] = "shp"
    at.session_state["export_crs_any"] = "EPSG:4544"
    at.session_state["export_layers"] = ["parcels", "zones"]
    at.run()
    assert not at.exception
    assert at.radio(key="export_encoding").options == ["UTF-8", "GBK (old ArcMap)"]
    (button,) = at.get("download_button")
    assert button.proto.label == "Download parcels_zones_EPSG4544_示意.zip"
    assert any(t.value == "Will export: Parcels 26, Spatial units (core, circles, zones) 5" for t in at.markdown)


def test_about_page_states_method_and_licences():
    at = page("pages/about_page.py", w_lang="en")
    assert not at.exception
    assert at.title[0].value == "About this app"
    text = " ".join(m.value for m in at.markdown)
    assert "1 mu = 10000/15 m²" in text and "Leaflet 1.9.4 (BSD-2-Clause)" in text
    assert "26 platform projects" in at.caption[0].value


def test_export_page_offers_the_allocation_raster():
    at = page("pages/export_page.py", w_lang="en")
    assert not at.exception
    assert at.button(key="raster_make").label == "Make the allocation raster"
    at.number_input(key="raster_cell").set_value(20.0)
    at.button(key="raster_make").click().run()
    assert not at.exception
    raster, payload = at.session_state["raster_export"]
    assert raster.cell == 20 and payload[:2] == b"PK"
    assert [b.proto.label for b in at.get("download_button")][-1] == "Download allocation.zip"


def test_export_format_change_offers_cgcs2000():
    at = page("pages/export_page.py", w_lang="en")
    at.radio(key="export_format").set_value("gpkg").run()
    assert not at.exception
    assert at.selectbox(key="export_crs_any").options == [
        "WGS84 lon/lat (EPSG:4326)", "CGCS2000 lon/lat (EPSG:4490)", "CGCS2000 Gauss–Krüger 3° CM 105E (EPSG:4544)",
        "CGCS2000 Gauss–Krüger 3° zone 35 (easting with prefix 35) (EPSG:4523)"]
    at.selectbox(key="export_crs_any").set_value("EPSG:4544").run()
    (button,) = at.get("download_button")
    assert button.proto.label == "Download parcels_EPSG4544_示意.gpkg"


def test_export_dxf_offers_projected_crs_only():
    at = page("pages/export_page.py", w_lang="en")
    at.radio(key="export_format").set_value("dxf").run()
    assert not at.exception and not at.error
    options = at.selectbox(key="export_crs_projected").options
    assert options[0] == "CGCS2000 Gauss–Krüger 3° CM 105E (EPSG:4544)"  # the default
    assert not any("4326" in o or "4490" in o for o in options)  # never degrees
    assert any("never in degrees" in c.value for c in at.caption)
    (button,) = at.get("download_button")
    assert button.proto.label == "Download parcels_EPSG4544_示意.dxf"


def test_export_txt_defaults_to_zone_35_and_lists_what_it_leaves_out():
    at = page("pages/export_page.py", w_lang="en")
    at.radio(key="export_format").set_value("txt").run()
    assert not at.exception
    crs = at.selectbox(key="export_crs_gauss_kruger")
    assert crs.options == ["CGCS2000 Gauss–Krüger 3° zone 35 (easting with prefix 35) (EPSG:4523)",
                           "CGCS2000 Gauss–Krüger 3° CM 105E (EPSG:4544)"]
    assert crs.value == "EPSG:4523"
    left = "parcels\\: a 部标 coordinate txt holds polygons only; left out 1\\: T5\\-2 川美工业设计中心 \\(Point\\)"
    assert left in [c.value for c in at.caption]
    (button,) = at.get("download_button")
    assert button.proto.label == "Download parcels_EPSG4523_示意.txt"
