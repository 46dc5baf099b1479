"""The Convert section of the Export page in a real browser: upload a 部标坐标txt, download a GeoPackage and a txt.

The downloaded GeoPackage is read with GDAL (pyogrio); the downloaded txt,
which GDAL has no driver for, is checked as GBK/CRLF text and read back with
our reader. The shared app (``app_url``) is used: converting writes nothing
to the workspace.
"""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest
import shapely

from geo.io import read_file
from tests.fixtures import zbtxt_build as zb


@pytest.fixture
def survey_txt(tmp_path) -> Path:
    """The five-parcel sample (holes, an island, parts), GBK, CRLF, areas in m², zone 35 with prefix."""
    path = tmp_path / "测绘成果.txt"
    path.write_bytes(zb.survey())
    return path


def test_upload_a_zbtxt_and_download_it_converted(browse, offline, survey_txt, tmp_path):
    browse.go("/?basemap=none")  # a fresh server's first session ignores deep links until st.navigation has run
    page = browse.go("/export")
    page.get_by_role("heading", name="格式转换").wait_for()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(survey_txt))
    page.get_by_text("已读取 测绘成果.txt：部标坐标txt，5 个要素，坐标系 EPSG:4523").wait_for(timeout=60_000)
    browse.wait()
    formats = page.locator("[data-testid='stRadio']").filter(has_text="目标格式")
    formats.get_by_text("GeoPackage 1.2（含 QGIS 样式）", exact=True).click()
    page.get_by_text("已转换为 测绘成果.gpkg（EPSG:4523，5 个要素）").wait_for(timeout=60_000)
    browse.wait()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 测绘成果.gpkg").click()
    gpkg = tmp_path / "down.gpkg"
    info.value.save_as(gpkg)
    assert pyogrio.read_info(gpkg)["crs"] == "EPSG:4523" and pyogrio.read_info(gpkg)["features"] == 5
    frame = pyogrio.read_dataframe(gpkg)
    assert frame["地块名称"].tolist() == zb.NAMES
    assert shapely.area(frame.geometry.to_numpy()).tolist() == pytest.approx(zb.AREAS_M2, abs=1e-3)  # via WGS84
    assert shapely.get_num_geometries(frame.geometry.to_numpy()).tolist() == [1, 1, 2, 2, 1]
    browse.shot("convert_gpkg")

    formats.get_by_text("部标坐标txt（GBK）", exact=True).click()
    page.get_by_text("已转换为 测绘成果.txt（EPSG:4523，5 个要素）").wait_for(timeout=60_000)
    browse.wait()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 测绘成果.txt").click()
    txt = tmp_path / "down.txt"
    info.value.save_as(txt)
    raw = txt.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"") and "带号=35\r\n".encode("gbk") in raw
    back = read_file(txt)
    assert back.encoding == "GBK" and back.crs == "EPSG:4523"
    assert back.layer["地块名称"].tolist() == zb.NAMES
    assert back.layer["地块面积"].tolist() == [a / 10000 for a in zb.AREAS_M2]  # written in 公顷
    assert offline.blocked == [] or all("tile" in u for u in offline.blocked)
