"""geo.raster.overlay: tiny GeoTIFFs written here with rasterio, read back as overlays."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.control import GroundControlPoint
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from rasterio.transform import Affine, from_origin
from rasterio.warp import transform_bounds

from geo.errors import CRSError, FileTooLargeError, InputFileError, UnsupportedFormatError
from geo.raster.overlay import build_overlay, overlay_from_upload, uploaded_raster

# Origins near the High-tech Zone (29.55 N, 106.33 E) in each CRS.
ORIGINS = {
    "EPSG:4544": (630_000.0, 3_275_000.0, 30.0),
    "EPSG:32648": (630_000.0, 3_275_000.0, 30.0),
    "EPSG:4326": (106.25, 29.62, 0.0003),
}


def write_tif(path: Path, data: np.ndarray, *, crs: str | None = "EPSG:4544", transform: Affine | None = None,
              nodata: float | None = None, colormap: dict | None = None, interp: list | None = None,
              overviews: list[int] | None = None, **options) -> Path:
    """Write ``data`` (bands, rows, cols) as a GeoTIFF with known values."""
    data = data if data.ndim == 3 else data[np.newaxis]
    count, rows, cols = data.shape
    if transform is None and crs is not None:
        x, y, res = ORIGINS[crs]
        transform = from_origin(x, y, res, res)
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=count, dtype=data.dtype.name,
                       crs=crs, transform=transform, nodata=nodata, **options) as dst:
        dst.write(data)
        if colormap:
            dst.write_colormap(1, colormap)
        if interp:
            dst.colorinterp = interp
        if overviews:
            dst.build_overviews(overviews, Resampling.average)
    return path


def png_pixels(png: bytes) -> np.ndarray:
    """Decode the overlay's PNG with GDAL: (4, rows, cols) uint8."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a PNG has no georeferencing
        with MemoryFile(png) as mem, mem.open() as src:
            assert src.driver == "PNG"
            return src.read()


def ramp_values(rows: int = 60, cols: int = 80) -> np.ndarray:
    return np.arange(rows * cols, dtype="float32").reshape(rows, cols)


@pytest.mark.parametrize("crs", list(ORIGINS))
def test_bounds_match_the_source_reprojected(tmp_path: Path, crs: str) -> None:
    path = write_tif(tmp_path / "dem.tif", ramp_values(), crs=crs)
    overlay = build_overlay(path)
    with rasterio.open(path) as src:
        west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
        pixel_deg = (east - west) / overlay.width
    (s, w), (n, e) = overlay.bounds
    for got, want in ((s, south), (w, west), (n, north), (e, east)):
        assert got == pytest.approx(want, abs=1.5 * pixel_deg)
    assert 106.0 < w < e < 106.6 and 29.3 < s < n < 29.8
    assert overlay.source_crs == crs
    assert overlay.source_size == (80, 60)


def test_single_band_gets_ramp_legend_and_transparent_nodata(tmp_path: Path) -> None:
    data = ramp_values()
    data[:20, :] = -9999.0  # top third is nodata
    data[50:, :] = 10_000.0  # bottom sixth: the top of the ramp
    path = write_tif(tmp_path / "dem.tif", data, nodata=-9999.0)
    overlay = build_overlay(path)
    legend = overlay.legend
    assert legend.kind == "ramp"
    valid = data[20:, :]
    assert legend.data_min == valid.min() == 1600.0
    assert legend.data_max == valid.max() == 10_000.0
    assert legend.vmin == pytest.approx(np.percentile(valid, 2))
    assert legend.vmax == pytest.approx(np.percentile(valid, 98)) == 10_000.0
    assert legend.stops[0] == (legend.vmin, "#440154") and legend.stops[-1][1] == "#fde725"
    pixels = png_pixels(overlay.png)
    assert pixels.shape == (4, overlay.height, overlay.width)
    assert pixels[3, 2, overlay.width // 2] == 0  # nodata row: transparent
    assert pixels[3, -3, overlay.width // 2] == 255  # data: opaque
    # the bottom rows hold the highest value: the yellow end of viridis
    r, g, b = pixels[:3, -3, overlay.width // 2]
    assert (r, g, b) == (0xFD, 0xE7, 0x25)


def test_rgb_imagery_keeps_its_colours(tmp_path: Path) -> None:
    data = np.zeros((3, 50, 70), dtype="uint8")
    data[0], data[1], data[2] = 200, 10, 30
    overlay = build_overlay(write_tif(tmp_path / "img.tif", data, crs="EPSG:32648"))
    assert overlay.legend.kind == "image"
    pixels = png_pixels(overlay.png)
    assert tuple(pixels[:, overlay.height // 2, overlay.width // 2]) == (200, 10, 30, 255)


def test_rgba_alpha_band_is_transparency(tmp_path: Path) -> None:
    data = np.full((4, 40, 40), 120, dtype="uint8")
    data[3, :, :20] = 0
    data[3, :, 20:] = 255
    interp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
    overlay = build_overlay(write_tif(tmp_path / "rgba.tif", data, interp=interp))
    pixels = png_pixels(overlay.png)
    row = overlay.height // 2
    assert pixels[3, row, 2] == 0 and pixels[3, row, -3] == 255


def test_grey_with_alpha(tmp_path: Path) -> None:
    data = np.full((2, 40, 40), 100, dtype="uint8")
    data[1, :, :20] = 0
    data[1, :, 20:] = 255
    overlay = build_overlay(write_tif(tmp_path / "ga.tif", data, alpha="yes"))  # GTiff ALPHA=YES: band 2 is alpha
    pixels = png_pixels(overlay.png)
    row = overlay.height // 2
    assert overlay.legend.kind == "image"
    assert pixels[3, row, 2] == 0 and tuple(pixels[:, row, -3]) == (100, 100, 100, 255)


def test_palette_scan_uses_its_colour_table(tmp_path: Path) -> None:
    data = np.ones((40, 40), dtype="uint8")
    data[:, 20:] = 2
    cmap = {1: (255, 0, 0, 255), 2: (0, 0, 255, 255)}
    overlay = build_overlay(write_tif(tmp_path / "scan.tif", data, colormap=cmap, photometric="palette"))
    assert overlay.legend.kind == "palette"
    pixels = png_pixels(overlay.png)
    row = overlay.height // 2
    assert tuple(pixels[:, row, 2]) == (255, 0, 0, 255)
    assert tuple(pixels[:, row, -3]) == (0, 0, 255, 255)


def test_16bit_imagery_is_stretched_to_8bit(tmp_path: Path) -> None:
    data = np.stack([np.tile(np.linspace(0, 4000, 64, dtype="uint16"), (32, 1))] * 3)
    pixels = png_pixels(build_overlay(write_tif(tmp_path / "u16.tif", data)).png)
    assert pixels[0].min() == 0 and pixels[0].max() == 255


def test_image_is_downsampled_to_max_size(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "wide.tif", np.ones((400, 1200), dtype="uint8"), tiled=True)
    overlay = build_overlay(path, max_size=256)
    assert max(overlay.width, overlay.height) == 256
    assert overlay.width > overlay.height
    assert png_pixels(overlay.png).shape[1:] == (overlay.height, overlay.width)


def test_reads_through_overviews_not_full_resolution(tmp_path: Path) -> None:
    """Overviews hold 1, full resolution 200 (overwritten after building them): the overlay must show 1."""
    path = write_tif(tmp_path / "big.tif", np.ones((1024, 1024), dtype="uint8"), tiled=True, overviews=[2, 4, 8])
    with rasterio.open(path, "r+") as dst:
        dst.write(np.full((1024, 1024), 200, dtype="uint8"), 1)
    overlay = build_overlay(path, max_size=128)
    assert overlay.overview_factor == 8
    assert overlay.legend.data_min == overlay.legend.data_max == 1.0
    # without the size limit the full resolution (200) is read
    assert build_overlay(path, max_size=2048).legend.data_max == 200.0


def test_read_limit_applies_to_the_level_read(tmp_path: Path) -> None:
    data = np.ones((1024, 1024), dtype="uint8")
    plain = write_tif(tmp_path / "plain.tif", data, tiled=True)
    with pytest.raises(FileTooLargeError, match=r"plain\.tif: is 1,024 × 1,024 pixels.*gdaladdo"):
        build_overlay(plain, max_size=128, max_read_pixels=100_000)
    with_ovr = write_tif(tmp_path / "ovr.tif", data, tiled=True, overviews=[2, 4, 8])
    assert build_overlay(with_ovr, max_size=128, max_read_pixels=100_000).overview_factor == 8


# --- hostile files -------------------------------------------------------------

def test_no_crs(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "nocrs.tif", ramp_values(), crs=None, transform=from_origin(1000, 2000, 1, 1))
    with pytest.raises(CRSError) as err:
        build_overlay(path)
    assert err.value.message.startswith("nocrs.tif: has no coordinate reference system")
    assert "gdal_edit.py -a_srs" in err.value.message


def test_ground_control_points_only(tmp_path: Path) -> None:
    path = tmp_path / "gcps.tif"
    gcps = [GroundControlPoint(0, 0, 106.3, 29.6), GroundControlPoint(0, 80, 106.4, 29.6),
            GroundControlPoint(60, 0, 106.3, 29.5)]
    with rasterio.open(path, "w", driver="GTiff", width=80, height=60, count=1, dtype="uint8",
                       gcps=gcps, crs="EPSG:4326") as dst:
        dst.write(np.ones((1, 60, 80), dtype="uint8"))
    with pytest.raises(CRSError, match=r"gcps\.tif: .*ground control points.*gdalwarp"):
        build_overlay(path)


def test_rotated_geotransform(tmp_path: Path) -> None:
    rotated = from_origin(630_000, 3_275_000, 30, 30) @ Affine.rotation(15)
    path = write_tif(tmp_path / "rot.tif", ramp_values(), transform=rotated)
    with pytest.raises(CRSError, match=r"rot\.tif: has a rotated .*gdalwarp"):
        build_overlay(path)


def test_huge_raster_refused_without_reading(tmp_path: Path) -> None:
    """100 000 × 100 000 pixels (sparse: a few KB on disk) is refused from its header."""
    path = tmp_path / "huge.tif"
    with rasterio.open(path, "w", driver="GTiff", width=100_000, height=100_000, count=1, dtype="uint8",
                       crs="EPSG:4544", transform=from_origin(600_000, 3_300_000, 0.5, 0.5), tiled=True,
                       compress="deflate", sparse_ok=True):
        pass
    assert path.stat().st_size < 50 * 1024 * 1024
    with pytest.raises(FileTooLargeError, match=r"huge\.tif: is 100,000 × 100,000 pixels"):
        build_overlay(path)


def test_one_giant_strip_refused(tmp_path: Path) -> None:
    path = tmp_path / "strip.tif"
    with rasterio.open(path, "w", driver="GTiff", width=12_000, height=12_000, count=1, dtype="uint16",
                       crs="EPSG:4544", transform=from_origin(600_000, 3_300_000, 1, 1), blockysize=12_000,
                       compress="deflate", sparse_ok=True):
        pass
    with pytest.raises(FileTooLargeError, match=r"strip\.tif: stores its pixels in blocks of 275 MB.*TILED=YES"):
        build_overlay(path)


def test_world_raster_beyond_web_mercator(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "world.tif", np.ones((180, 360), dtype="uint8"), crs="EPSG:4326",
                     transform=from_origin(-180, 90, 1, 1))
    with pytest.raises(CRSError, match=r"world\.tif: spans -90\.0\.\.90\.0° N, -180\.0\.\.180\.0° E.*gdalwarp -te_srs"):
        build_overlay(path)


def test_truncated_file_is_damaged(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "cut.tif", np.random.default_rng(1).integers(0, 255, (3, 300, 300), dtype="uint8"),
                     tiled=True, compress="deflate")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputFileError, match=r"cut\.tif: is damaged.*again"):
        build_overlay(path)


def test_garbage_after_tiff_magic_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "garbage.tif"
    path.write_bytes(b"II*\x00" + bytes(range(256)) * 8)
    with pytest.raises(InputFileError, match=r"garbage\.tif: is damaged"):
        build_overlay(path)


@pytest.mark.parametrize(("content", "kind"), [
    (b"name,lon,lat\nA,106.3,29.5\n", "text"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "a PNG image"),
    (b"PK\x03\x04" + b"\x00" * 64, "a zip archive"),
])
def test_non_raster_renamed_tif(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "renamed.tif"
    path.write_bytes(content)
    with pytest.raises(UnsupportedFormatError) as err:
        build_overlay(path)
    assert err.value.message.startswith(f"renamed.tif: is not a GeoTIFF: its content is {kind}")
    assert "GeoTIFF" in err.value.fix


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.tif"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"empty\.tif: is empty"):
        build_overlay(path)


def test_too_many_bands(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "hyper.tif", np.ones((5, 10, 10), dtype="uint8"))
    with pytest.raises(UnsupportedFormatError, match=r"hyper\.tif: has 5 bands.*gdal_translate -b 1"):
        build_overlay(path)


def test_all_nodata(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "blank.tif", np.zeros((10, 10), dtype="uint8"), nodata=0)
    with pytest.raises(InputFileError, match=r"blank\.tif: has no valid pixels"):
        build_overlay(path)


# --- uploads ------------------------------------------------------------------

def test_upload_goes_to_a_temp_folder_that_is_removed(tmp_path: Path) -> None:
    data = write_tif(tmp_path / "src.tif", ramp_values()).read_bytes()
    with uploaded_raster("../../etc/evil name.tif", data) as path:
        seen = path
        assert path.name == "evil name.tif" and path.read_bytes() == data
    assert not seen.exists() and not seen.parent.exists()
    with pytest.raises(RuntimeError), uploaded_raster("x.tif", io.BytesIO(data)) as path:
        seen = path
        raise RuntimeError("boom")
    assert not seen.parent.exists()


def test_overlay_from_upload_names_the_upload(tmp_path: Path) -> None:
    data = write_tif(tmp_path / "src.tif", ramp_values(), crs="EPSG:32648").read_bytes()
    overlay = overlay_from_upload("规划图.tif", io.BytesIO(data))
    assert overlay.source == "规划图.tif" and overlay.legend.kind == "ramp"
    with pytest.raises(UnsupportedFormatError, match=r"^notes\.tif: is not a GeoTIFF"):
        overlay_from_upload("notes.tif", b"hello, world\n")


def test_data_url_is_the_png(tmp_path: Path) -> None:
    import base64

    overlay = build_overlay(write_tif(tmp_path / "a.tif", ramp_values()))
    head, body = overlay.data_url.split(",", 1)
    assert head == "data:image/png;base64" and base64.b64decode(body) == overlay.png
    assert math.isclose(overlay.bounds[0][0], overlay.bounds[0][0])


# --- the folium helper ----------------------------------------------------------

def test_add_raster_overlay_before_layer_control_and_shifted_on_gaode(tmp_path: Path) -> None:
    import folium

    from geo.crs import wgs84_to_gcj02
    from geo.errors import UsageError
    from geo.mapview.raster import add_raster_overlay

    overlay = build_overlay(write_tif(tmp_path / "a.tif", ramp_values()))
    fmap = folium.Map(tiles=None)
    folium.LayerControl().add_to(fmap)
    layer = add_raster_overlay(fmap, overlay, name="scan", opacity=0.4, position="above", shift="gcj02")
    kinds = [type(child).__name__ for child in fmap._children.values()]
    assert kinds[-1] == "LayerControl" and kinds.index("ImageOverlay") < kinds.index("LayerControl")
    (s, w), (n, e) = overlay.bounds
    (gw, ge), (gs, gn) = wgs84_to_gcj02(np.array([w, e]), np.array([s, n]))
    assert np.allclose(np.array(layer.bounds), [[gs, gw], [gn, ge]])
    assert 0.003 < gw - w < 0.006  # GCJ-02 moves the image ~400-500 m east here
    html = fmap.get_root().render()
    assert '"opacity": 0.4' in html and "raster-legend-min" in html
    with pytest.raises(UsageError, match=r"opacity 1\.5 is outside 0–1"):
        add_raster_overlay(fmap, overlay, name="x", opacity=1.5)
    with pytest.raises(UsageError, match="unknown position 'middle'"):
        add_raster_overlay(fmap, overlay, name="x", position="middle")
