"""pages/raster_page.py driven by Streamlit's AppTest: uploads, opacity, hostile files, the allocation download."""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from streamlit.testing.v1 import AppTest

from geo.raster.overlay import build_overlay
from tests.fixtures.map_element import map_args
from ui import safe

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "raster_page.py")


def geotiff(path: Path, *, crs: str | None = "EPSG:4544") -> Path:
    data = np.arange(60 * 80, dtype="float32").reshape(1, 60, 80)
    with rasterio.open(path, "w", driver="GTiff", width=80, height=60, count=1, dtype="float32", crs=crs,
                       transform=from_origin(635_000, 3_272_000, 25, 25)) as dst:
        dst.write(data)
    return path


def run(upload: tuple[str, bytes] | None = None, *, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["w_lang"] = lang
    at.run()
    if upload is not None:
        at.file_uploader(key="raster_file").upload(upload[0], upload[1], "image/tiff").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def geo_raster_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("geo-raster-*")}


def test_without_upload_shows_zones_and_parcels() -> None:
    at = run()
    assert at.title[0].value == "栅格叠加与用地栅格"
    assert at.info[0].value == "尚未上传栅格；地图只显示空间单元和地块。"
    script = map_args(at)["script"]
    assert "L.imageOverlay" not in script and "T2-3" in script


def test_upload_draws_overlay_with_bounds_and_legend(tmp_path: Path) -> None:
    before = geo_raster_dirs()
    path = geotiff(tmp_path / "规划扫描.tif")
    at = run(("规划扫描.tif", path.read_bytes()))
    assert not at.error
    args = map_args(at)
    script = args["script"]
    assert "L.imageOverlay" in script and "data:image/png;base64," in script
    expected = build_overlay(path)
    (s, w), (n, e) = expected.bounds
    bounds = re.search(r"L\.imageOverlay\(\s*\"data:image/png;base64,[^\"]+\",\s*(\[\[.*?\]\])", script, re.S)
    assert bounds is not None
    assert np.array(json.loads(bounds.group(1))) == pytest.approx(np.array([[s, w], [n, e]]))
    assert '"opacity": 0.7' in script and "raster-below" in script
    assert json.dumps("栅格：规划扫描.tif") in script  # the layer's name in the layer control (JSON-escaped)
    assert all(not link.startswith("http") for link in args["js"] + args["css"])
    assert "80 × 60 像元，1 个波段，坐标系 EPSG:4544" in safe.shown(at.caption[1].value)  # user text: escaped
    ramp = [m.value for m in at.markdown if m.value.startswith("色带")]
    assert ramp == [(f"色带（viridis）：{expected.legend.vmin:.6g} – {expected.legend.vmax:.6g}（第 2–98 百分位拉伸）；"
                     "数据范围 0 – 4799。")]
    assert "raster-legend-min" in script  # the ramp legend inside the map
    assert geo_raster_dirs() == before  # the upload's temp folder is gone


def test_opacity_and_position_reach_the_map(tmp_path: Path) -> None:
    at = run(("dem.tif", geotiff(tmp_path / "dem.tif").read_bytes()))
    at.slider(key="raster_opacity").set_value(0.3)
    at.radio(key="raster_position").set_value("above")
    at.run()
    script = map_args(at)["script"]
    assert '"opacity": 0.3' in script
    assert "raster-above" in script and "450" in script


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.tif", b"just some text\n", "notes.tif: is not a GeoTIFF: its content is text, whatever its name says."),
    ("photo.tif", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "photo.tif: is not a GeoTIFF: its content is a JPEG image"),
    ("broken.tif", b"II*\x00" + b"\x13" * 500, "broken.tif: is damaged: GDAL cannot open it"),
])
def test_hostile_upload_is_one_clear_error(name: str, content: bytes, message: str) -> None:
    before = geo_raster_dirs()
    at = run((name, content), lang="en")
    assert len(at.error) == 1 and safe.shown(at.error[0].value).startswith(message)
    assert "L.imageOverlay" not in map_args(at)["script"]  # the map is still there, without an overlay
    assert geo_raster_dirs() == before


def test_no_crs_upload(tmp_path: Path) -> None:
    at = run(("nocrs.tif", geotiff(tmp_path / "nocrs.tif", crs=None).read_bytes()), lang="en")
    assert safe.shown(at.error[0].value) == (
        "nocrs.tif: has no coordinate reference system, so it cannot be placed on the map. "
        "Assign the CRS it was drawn in, e.g. gdal_edit.py -a_srs EPSG:4544 file.tif")
    at = run(("nocrs.tif", geotiff(tmp_path / "nocrs.tif", crs=None).read_bytes()))  # the session's Chinese
    assert safe.shown(at.error[0].value) == (
        "nocrs.tif：没有坐标系，无法放到地图上。"
        "请指定其绘制时所用的坐标系，例如 gdal_edit.py -a_srs EPSG:4544 file.tif")


def test_english(tmp_path: Path) -> None:
    at = run(("dem.tif", geotiff(tmp_path / "dem.tif").read_bytes()), lang="en")
    assert at.title[0].value == "Raster overlay and allocation raster"
    assert any(m.value.startswith("Colour ramp (viridis)") for m in at.markdown)
    assert "Raster: dem.tif" in map_args(at)["script"]


def test_allocation_download() -> None:
    at = run()
    at.number_input(key="raster_cell").set_value(20.0)
    at.button(key="raster_make").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "全部地块在误差界内。"
    table = at.dataframe[0].value
    assert list(table.columns) == ["项目编号", "像元数", "栅格面积（亩）", "矢量面积（亩，EPSG:4544）", "差值（亩）",
                                   "误差界（亩）", "在界内"]
    assert table["在界内"].all() and (table["像元数"] > 0).all()
    assert at.get("download_button")[0].proto.label == "下载 allocation.zip"
    raster, payload = at.session_state["raster_export"]
    assert raster.cell == 20.0
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        assert sorted(zf.namelist()) == ["allocation.qml", "allocation.tif", "allocation.tif.aux.xml",
                                         "allocation_output_per_mu.tif"]
        with rasterio.MemoryFile(zf.read("allocation.tif")) as mem, mem.open() as src:
            assert src.crs.to_epsg() == 4544 and src.res == (20.0, 20.0)
