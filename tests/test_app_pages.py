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
    tracks = at.dataframe[0].value.set_index(["Name", "Metric"])
    rd = tracks.loc[("R&D and incubation (研发孵化)", "Land (mu)")]
    assert (rd["Table"], rd["Text"], rd["Difference (table−text)"]) == ("7,620", "7,680", "-60")
    fintech = tracks.loc[("Technology finance (科技金融)", "Land (mu)")]
    assert (fintech["Table"], fintech["Text"]) == ("—— (unknown)", "2,400")  # unknown, never 0
    assert "重点打造占地2400亩的科技金融街板块" in fintech["Source"]  # traceable to the sentence
    assert rd["Source"].startswith("table rows T2-1, T2-2")
    assert rd["Status"] == "✘ differs"
    assert tracks.loc[("R&D and incubation (研发孵化)", "Output (100m CNY)"), "Status"] == "≠ not comparable"
    zones = at.dataframe[1].value
    assert len(zones) == 10  # five zones × land/output
    assert any(m.value == "**4 disagreements**" for m in at.markdown)


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
        "GeoJSON (RFC 7946)", "GeoPackage", "Shapefile (zip)", "CSV (WKT)", "GeoParquet"
    ]
    assert at.selectbox(key="export_crs_True").options == ["WGS84 lon/lat (EPSG:4326)"]  # GeoJSON is WGS84 only
    (button,) = at.get("download_button")
    assert button.proto.label == "Download gaoxin_parcels.geojson"


def test_export_gpkg_in_cgcs2000_gk():
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["w_lang"] = "en"
    at.switch_page("pages/export_page.py")
    at.session_state["export_format"] = "shp"
    at.session_state["export_crs_False"] = "EPSG:4544"
    at.session_state["export_layers"] = ["parcels", "zones"]
    at.run()
    assert not at.exception
    (button,) = at.get("download_button")
    assert button.proto.label == "Download gaoxin_parcels_zones.zip"
    assert any(t.value == "Will export: Parcels 26, Zones 5" for t in at.markdown)


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
    assert at.selectbox(key="export_crs_False").options == [
        "WGS84 lon/lat (EPSG:4326)", "CGCS2000 lon/lat (EPSG:4490)", "CGCS2000 Gauss–Krüger 3° CM 105E (EPSG:4544)"]
    at.selectbox(key="export_crs_False").set_value("EPSG:4544").run()
    (button,) = at.get("download_button")
    assert button.proto.label == "Download gaoxin_parcels.gpkg"
