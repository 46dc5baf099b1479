"""The Convert section of the Export page under Streamlit's AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path

import pyogrio
from streamlit.testing.v1 import AppTest

from geo.io import FORMATS
from geo.io.convert import convert_bytes
from tests.fixtures import zbtxt_build as zb

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def export_page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["w_lang"] = lang
    at.switch_page("pages/export_page.py")
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes, fmt: str) -> AppTest:
    at.file_uploader(key="conv_upload").upload(name, data, "application/octet-stream")
    at.radio(key="conv_format").set_value(fmt)
    at.run()
    assert not at.exception, at.exception
    return at


def downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_convert_section_offers_every_registry_format_and_its_crs():
    at = export_page("en")
    assert "Convert a file" in [s.value for s in at.subheader]
    assert at.file_uploader(key="conv_upload").label == "File to convert (up to 200 MB)"
    assert at.radio(key="conv_format").options == [f.label_en for f in FORMATS.values()]
    assert at.selectbox(key="conv_crs_geojson").options == [
        "Automatic (the file's own, or the format's default)", "WGS84 lon/lat (EPSG:4326)"]
    at.radio(key="conv_format").set_value("txt").run()
    assert at.selectbox(key="conv_crs_txt").options[1:] == [
        "CGCS2000 Gauss–Krüger 3° zone 35 (easting with prefix 35) (EPSG:4523)",  # the default first
        "CGCS2000 Gauss–Krüger 3° CM 105E (EPSG:4544)",
    ]
    assert "Upload a file to convert." in [i.value for i in at.info]


def test_upload_a_zbtxt_and_download_it_as_geopackage(tmp_path):
    at = upload(export_page(), "测绘.txt", zb.survey(), "gpkg")
    texts = [t.value for t in at.text]
    assert "已读取 测绘.txt：部标坐标txt，5 个要素，坐标系 EPSG:4523" in texts
    assert "已转换为 测绘.gpkg（EPSG:4523，5 个要素）" in texts  # the file's own CRS, which GeoPackage holds
    assert any("「地块面积」按平方米读取" in t for t in texts) and not any("read as" in t for t in texts)
    assert downloads(at)[-1] == "下载 测绘.gpkg"
    payload, name, _ = convert_bytes(zb.survey(), "测绘.txt", fmt="gpkg")  # what the button serves
    (tmp_path / name).write_bytes(payload)
    frame = pyogrio.read_dataframe(tmp_path / name)
    assert frame["地块名称"].tolist() == zb.NAMES and pyogrio.read_info(tmp_path / name)["crs"] == "EPSG:4523"


def test_points_left_out_of_a_txt_are_listed(parcels, tmp_path):
    path = tmp_path / "plan.geojson"
    pyogrio.write_dataframe(parcels, path, driver="GeoJSON")
    at = upload(export_page("en"), "plan.geojson", path.read_bytes(), "txt")
    assert [w.value for w in at.warning] == [
        "plan\\: a 部标 coordinate txt holds polygons only; left out 1\\: T5\\-2 川美工业设计中心 \\(Point\\)"]
    assert "Converted to plan.txt (EPSG:4523, 25 features)" in [t.value for t in at.text]
    assert downloads(at)[-1] == "Download plan.txt"


def test_a_bad_file_shows_one_error_and_no_download():
    lines = zb.survey().decode("gbk").split("\r\n")
    lines[18] = "12" + lines[18][2:]
    at = upload(export_page("en"), "坏_*1*.txt", "\r\n".join(lines).encode("gbk"), "geojson")
    (error,) = at.error
    assert error.value.startswith("坏\\_\\*1\\*\\.txt\\: line 19\\: 界址点数 is 12 but the parcel has 10 point lines")
    assert downloads(at) == ["Download parcels_EPSG4326_示意.geojson"]  # the layer export above, nothing converted
