"""The raster page in a real browser: upload a GeoTIFF, see it drawn on the map, download the allocation."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import rasterio
from rasterio.transform import from_origin

from geo.raster.overlay import build_overlay

OVERLAY_JS = """() => {
    const found = [];
    window.map.eachLayer(l => {
        if (l instanceof L.ImageOverlay) {
            const img = l.getElement();
            const r = img.getBoundingClientRect();
            const b = l.getBounds();
            found.push({south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast(),
                        loaded: img.complete && img.naturalWidth > 0, naturalWidth: img.naturalWidth,
                        opacity: Number(l.options.opacity), pane: l.options.pane,
                        width: r.width, height: r.height});
        }
    });
    return found;
}"""


def _geotiff(path: Path) -> Path:
    """A 200 × 150 DEM-like ramp in EPSG:32648 around the High-tech Zone."""
    data = np.add.outer(np.arange(150), np.arange(200)).astype("float32")[np.newaxis]
    with rasterio.open(path, "w", driver="GTiff", width=200, height=150, count=1, dtype="float32",
                       crs="EPSG:32648", transform=from_origin(628_000, 3_275_000, 30, 30)) as dst:
        dst.write(data)
    return path


def test_uploaded_geotiff_is_drawn_on_the_map(browse, offline, tmp_path):
    tif = _geotiff(tmp_path / "dem.tif")
    expected = build_overlay(tif)
    page = browse.go("/raster?basemap=none")
    assert page.locator("h1").first.inner_text() == "栅格叠加与用地栅格"
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(tif))
    page.get_by_text(re.compile(r"^dem\.tif：200 × 150 像元，1 个波段，坐标系 EPSG:32648")).wait_for(timeout=30_000)
    browse.wait()
    frame = browse.map_frame()
    frame.wait_for_function("() => document.querySelector('img.leaflet-image-layer')?.naturalWidth > 0",
                            timeout=30_000)
    overlays = frame.evaluate(OVERLAY_JS)
    assert len(overlays) == 1
    shown = overlays[0]
    (south, west), (north, east) = expected.bounds
    assert abs(shown["south"] - south) < 1e-9 and abs(shown["north"] - north) < 1e-9
    assert abs(shown["west"] - west) < 1e-9 and abs(shown["east"] - east) < 1e-9
    assert shown["loaded"] and shown["naturalWidth"] == expected.width
    assert shown["opacity"] == 0.7 and shown["pane"] == "raster-below"
    assert shown["width"] > 20 and shown["height"] > 20  # drawn at a visible size
    # listed (and ticked) in the layer control, with the ramp legend inside the map
    labels = frame.evaluate("() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
                            ".map(l => [l.innerText.trim(), l.querySelector('input').checked])")
    assert ["栅格：dem.tif", True] in labels
    assert frame.locator(".raster-legend .raster-legend-min").inner_text() == f"{expected.legend.vmin:.6g}"
    # nothing but basemap tiles is asked of the internet (the overlay is a data: URL)
    assert {urlparse(u).hostname for u in offline.blocked} <= {"tile.openstreetmap.org"}, offline.blocked
    browse.shot("raster_overlay")

    # the allocation raster downloads as a zip of COGs
    page.get_by_role("button", name="生成用地分配栅格").click()
    browse.wait()
    page.get_by_text("全部地块在误差界内。").wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 allocation.zip").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == [
            "allocation.qml", "allocation.tif", "allocation.tif.aux.xml", "allocation_output_per_mu.tif"]
        zf.extractall(tmp_path / "unzipped")
    with rasterio.open(tmp_path / "unzipped" / "allocation.tif") as src:
        assert src.crs.to_epsg() == 4544 and src.res == (10.0, 10.0)


def test_hostile_upload_shows_one_error(browse, tmp_path):
    bad = tmp_path / "scan.tif"
    bad.write_text("this is not a raster\n", encoding="utf-8")
    page = browse.go("/raster?basemap=none")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
    alert = page.locator("[data-testid='stAlertContentError']")
    alert.wait_for(timeout=30_000)
    assert alert.inner_text().startswith("scan.tif：不是 GeoTIFF，不论文件名如何，其内容实为文本")  # a Chinese session
    frame = browse.map_frame()
    assert frame.evaluate(OVERLAY_JS) == []
    browse.shot("raster_hostile")
