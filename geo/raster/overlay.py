"""Show a user's GeoTIFF (scanned plan map, imagery, terrain) over the map.

A GeoTIFF may be any size: the overlay never loads it whole. We read one
decimated copy no larger than ``max_size`` pixels on the long side, which GDAL
serves from the file's overviews when it has them (``out_shape`` reads), then
reproject that small array to Web Mercator (the map's CRS: Leaflet stretches an
image overlay linearly between its corners in Web Mercator, so the image must
be drawn in it) and encode it as an RGBA PNG with the GDAL PNG driver.

Hostile files are refused before any pixel is read, each with a
:class:`~geo.errors.GeoError` naming the file, the problem and the fix: not a
TIFF (by its first bytes), damaged, no CRS, only ground control points, a
rotated or missing geotransform, too many bands, or too many pixels to read
(e.g. 100 000 × 100 000 without overviews).

How pixels become colours is a registry (:data:`RENDERERS`) keyed by the kind
of raster: palette, single band (colour ramp + legend), grey + alpha, RGB, RGBA.
"""

from __future__ import annotations

import base64
import math
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import numpy as np
import rasterio
from affine import Affine
from rasterio._err import CPLE_BaseError
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.io import MemoryFile
from rasterio.warp import calculate_default_transform, reproject, transform_bounds

from geo.crs import WEB_MERCATOR, WGS84, example_crs, transformer
from geo.errors import CRSError, FileTooLargeError, InputFileError, Said, UnsupportedFormatError, said

#: Web Mercator stops here (degrees of latitude).
MAX_LAT: Final = 85.0
#: Longest side of the image sent to the browser (pixels).
MAX_OVERLAY_PX: Final = 2048
#: Most pixels we will decode from the level GDAL must read (full resolution
#: when the file has no suitable overview): ~25 000 × 25 000.
MAX_READ_PIXELS: Final = 600_000_000
#: Largest single TIFF block (strip or tile) we let GDAL decode, in bytes.
MAX_BLOCK_BYTES: Final = 256 * 1024 * 1024
#: Viridis, 9 stops: perceptually uniform, readable by colour-blind users.
RAMP: Final[tuple[str, ...]] = (
    "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725",
)
#: Stretch single bands and non-8-bit imagery between these percentiles.
STRETCH_PERCENTILES: Final = (2.0, 98.0)

_TIFF_MAGIC: Final = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
#: What a file's first bytes say it is, when not a TIFF (the catalogue's words, for the error).
_OTHER_MAGIC: Final[dict[bytes, Said]] = {
    b"\x89PNG": said("err.raster.kind_png"), b"\xff\xd8\xff": said("err.raster.kind_jpeg"),
    b"PK\x03\x04": said("err.raster.kind_zip"), b"%PDF": said("err.raster.kind_pdf"),
    b"GIF8": said("err.raster.kind_gif"), b"\x00\x00\x00\x0cjP": said("err.raster.kind_jp2"),
}
_GDAL_ENV: Final = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "GTIFF_REPORT_COMPD_CS": "NO"}


@dataclass(frozen=True)
class RasterLegend:
    """What the overlay's colours mean.

    ``kind`` is ``"ramp"`` (single band: colour ``stops`` from ``vmin`` to
    ``vmax``; values outside are clamped), ``"palette"`` (the file's own
    colour table) or ``"image"`` (RGB/RGBA shown as stored).
    """

    kind: str
    band: int = 1
    vmin: float | None = None
    vmax: float | None = None
    data_min: float | None = None
    data_max: float | None = None
    stops: tuple[tuple[float, str], ...] = ()


@dataclass(frozen=True)
class RasterOverlay:
    """A downsampled RGBA image of a raster ready for ``folium.ImageOverlay``."""

    png: bytes
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east)), WGS84
    width: int
    height: int
    legend: RasterLegend
    source: str
    source_crs: str
    source_size: tuple[int, int]  # (width, height) of the full-resolution raster
    band_count: int
    overview_factor: int = 1  # decimation of the level GDAL read (1 = full resolution)

    @property
    def data_url(self) -> str:
        """The PNG as a ``data:`` URL (no file or server needed)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


# --- opening and validating -------------------------------------------------

def _sniff(path: Path, name: str) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InputFileError(said("err.raster.read_failed", reason=exc.strerror), source=name,
                             fix=said("err.raster.read_failed_fix")) from exc
    if not head:
        raise InputFileError(said("err.raster.empty"), source=name, fix=said("err.raster.empty_fix"))
    if head[:4] in _TIFF_MAGIC:
        return
    kind = next((label for magic, label in _OTHER_MAGIC.items() if head.startswith(magic)), None)
    if kind is None:
        text = all(32 <= b < 127 or b in (9, 10, 13) for b in head)
        kind = said("err.raster.kind_text") if text else said("err.raster.kind_other")
    raise UnsupportedFormatError(said("err.raster.not_geotiff", kind=kind), source=name,
                                 fix=said("err.raster.not_geotiff_fix"))


@contextmanager
def open_geotiff(path: str | os.PathLike[str], *, name: str | None = None) -> Iterator[rasterio.DatasetReader]:
    """Open a GeoTIFF read-only, refusing non-TIFF content and damaged headers.

    Parameters
    ----------
    path
        The file on disk.
    name
        Name shown in error messages (e.g. the uploaded file's name).
    """
    path = Path(path)
    label = name or path.name
    _sniff(path, label)
    with rasterio.Env(**_GDAL_ENV):
        try:
            src = rasterio.open(path, driver="GTiff")
        except (RasterioError, CPLE_BaseError) as exc:
            raise InputFileError(said("err.raster.damaged_open", error=str(exc)), source=label,
                                 fix=said("err.raster.damaged_fix")) from exc
        try:
            yield src
        finally:
            src.close()


def _validate(src: rasterio.DatasetReader, name: str, *, max_size: int, max_read_pixels: int) -> int:
    """Refuse what cannot be shown; return the overview factor GDAL will read."""
    if src.transform.is_identity and src.gcps[0]:
        raise CRSError(said("err.raster.gcps_only"), source=name,
                       fix=said("err.raster.gcps_only_fix", crs=example_crs()))
    if src.crs is None:
        raise CRSError(said("err.raster.no_crs"), source=name, fix=said("err.raster.no_crs_fix", crs=example_crs()))
    t = src.transform
    if t.b != 0 or t.d != 0:
        raise CRSError(said("err.raster.rotated"), source=name, fix=said("err.raster.rotated_fix", crs=example_crs()))
    if t.is_identity or t.a == 0 or t.e == 0:
        raise CRSError(said("err.raster.no_transform"), source=name, fix=said("err.raster.no_transform_fix"))
    try:
        west, south, east, north = transform_bounds(src.crs, WGS84, *src.bounds, densify_pts=21)
    except (RasterioError, CPLE_BaseError) as exc:
        raise CRSError(said("err.raster.lonlat_failed", error=str(exc)), source=name,
                       fix=said("err.raster.lonlat_failed_fix")) from exc
    if not -MAX_LAT <= south < north <= MAX_LAT or not 0 < east - west <= 180:
        raise CRSError(said("err.raster.extent", south=south, north=north, west=west, east=east, max_lat=MAX_LAT),
                       source=name, fix=said("err.raster.extent_fix"))
    if not 1 <= src.count <= 4:
        raise UnsupportedFormatError(said("err.raster.bands", count=src.count), source=name,
                                     fix=said("err.raster.bands_fix"))
    bh, bw = src.block_shapes[0]
    itemsize = np.dtype(src.dtypes[0]).itemsize
    block_bytes = bh * bw * itemsize * (src.count if src.interleaving and src.interleaving.name == "PIXEL" else 1)
    if block_bytes > MAX_BLOCK_BYTES:
        raise FileTooLargeError(said("err.raster.blocks", mb=block_bytes / 2**20), source=name,
                                fix=said("err.raster.blocks_fix"))
    factor = max(src.width, src.height) / max_size
    usable = [f for f in src.overviews(1) if f <= max(factor, 1)]
    level = max(usable, default=1)
    read_pixels = math.ceil(src.width / level) * math.ceil(src.height / level)
    if read_pixels > max_read_pixels:
        raise FileTooLargeError(
            said("err.raster.too_many_pixels", width=src.width, height=src.height, pixels=read_pixels,
                 limit=max_read_pixels),
            source=name, fix=said("err.raster.too_many_pixels_fix"))
    return level


# --- pixels to colours --------------------------------------------------------

#: A palette band's colour table (rasterio's ``colormap``): value → RGBA.
Colormap = dict[int, tuple[int, ...]]


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _stretch(values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Scale to 0..1 between the stretch percentiles of the valid pixels."""
    sample = values[valid]
    lo, hi = (float(v) for v in np.percentile(sample, STRETCH_PERCENTILES))
    span = hi - lo
    scaled = np.clip((values - lo) / span, 0, 1) if span > 0 else np.full(values.shape, 0.5)
    return scaled, lo, hi


def _ramp(data: np.ndarray, valid: np.ndarray, colormap: Colormap | None) -> tuple[np.ndarray, RasterLegend]:
    values = data[0].astype("float64")
    scaled, lo, hi = _stretch(values, valid)
    stop_pos = np.linspace(0, 1, len(RAMP))
    rgb = np.array([_hex_rgb(c) for c in RAMP], dtype=float)
    channels = [np.interp(scaled, stop_pos, rgb[:, k]) for k in range(3)]
    sample = values[valid]
    stops = tuple((float(lo + p * (hi - lo)), c) for p, c in zip(stop_pos, RAMP, strict=True))
    legend = RasterLegend(kind="ramp", vmin=lo, vmax=hi, data_min=float(sample.min()),
                          data_max=float(sample.max()), stops=stops)
    return np.stack([*channels, np.full(values.shape, 255.0)]), legend


def _palette(data: np.ndarray, valid: np.ndarray, colormap: Colormap | None) -> tuple[np.ndarray, RasterLegend]:
    lut = np.zeros((256, 4), dtype=np.uint8)
    for value, rgba in (colormap or {}).items():
        if 0 <= value < 256:
            lut[value] = rgba
    rgba = lut[np.clip(data[0], 0, 255).astype(np.intp)]
    return np.moveaxis(rgba, -1, 0).astype(float), RasterLegend(kind="palette")


def _bytes(band: np.ndarray, valid: np.ndarray) -> np.ndarray:
    if band.dtype == np.uint8:
        return band.astype(float)
    return _stretch(band.astype("float64"), valid)[0] * 255


def _image(data: np.ndarray, valid: np.ndarray, colormap: Colormap | None) -> tuple[np.ndarray, RasterLegend]:
    """Grey + alpha, RGB or RGBA as stored (16-bit or float bands stretched to 8 bits)."""
    colour = [_bytes(band, valid) for band in data[: 1 if len(data) == 2 else 3]]
    alpha = data[-1].astype(float) if len(data) in (2, 4) else np.full(data.shape[1:], 255.0)
    return np.stack(colour * (3 // len(colour)) + [alpha]), RasterLegend(kind="image")


Renderer = Callable[[np.ndarray, np.ndarray, Colormap | None], tuple[np.ndarray, RasterLegend]]

#: kind -> (band indexes to read, renderer, resampling for the decimated read)
RENDERERS: Final[dict[str, tuple[tuple[int, ...], Renderer, Resampling]]] = {
    "palette": ((1,), _palette, Resampling.nearest),
    "ramp": ((1,), _ramp, Resampling.average),
    "grey_alpha": ((1, 2), _image, Resampling.average),
    "rgb": ((1, 2, 3), _image, Resampling.average),
    "rgba": ((1, 2, 3, 4), _image, Resampling.average),
}


def raster_kind(src: rasterio.DatasetReader) -> str:
    """Which renderer suits ``src``: palette, ramp, grey_alpha, rgb or rgba."""
    interp = src.colorinterp
    if src.count == 1 or (src.count == 2 and interp[1] != ColorInterp.alpha):
        return "palette" if interp[0] == ColorInterp.palette else "ramp"
    if src.count == 2:
        return "grey_alpha"
    if src.count == 4 and interp[3] == ColorInterp.alpha:
        return "rgba"
    return "rgb"


# --- the overlay --------------------------------------------------------------

def _encode_png(rgba: np.ndarray) -> bytes:
    _, height, width = rgba.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a PNG has no georeferencing, by design
        with MemoryFile() as mem:
            with mem.open(driver="PNG", width=width, height=height, count=4, dtype="uint8") as dst:
                dst.write(rgba)
            png: bytes = mem.read()
            return png


def _target_grid(src: rasterio.DatasetReader, width: int, height: int, *, max_size: int, name: str,
                 ) -> tuple[Affine, int, int]:
    try:
        transform, w, h = calculate_default_transform(src.crs, WEB_MERCATOR, width, height, *src.bounds)
    except (RasterioError, CPLE_BaseError) as exc:
        raise CRSError(said("err.raster.reproject_failed", error=str(exc)), source=name,
                       fix=said("err.raster.reproject_failed_fix")) from exc
    scale = max(w, h) / max_size
    if scale > 1:
        new_w, new_h = max(1, math.ceil(w / scale)), max(1, math.ceil(h / scale))
        transform = transform @ Affine.scale(w / new_w, h / new_h)
        w, h = new_w, new_h
    return transform, w, h


def build_overlay(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    max_size: int = MAX_OVERLAY_PX,
    max_read_pixels: int = MAX_READ_PIXELS,
) -> RasterOverlay:
    """Read a GeoTIFF as a small Web-Mercator RGBA PNG with WGS84 bounds.

    Parameters
    ----------
    path
        The GeoTIFF on disk (uploads: see :func:`uploaded_raster`).
    name
        Name shown in messages (defaults to the file name).
    max_size
        Longest side of the image, in pixels.
    max_read_pixels
        Most pixels GDAL may decode from the level it reads.

    Returns
    -------
    RasterOverlay
        PNG bytes, bounds ``((south, west), (north, east))`` in WGS84 for
        ``folium.raster_layers.ImageOverlay``, and the legend.

    Raises
    ------
    InputFileError
        Not a TIFF, damaged, too large, too many bands, or a CRS problem
        (:class:`~geo.errors.CRSError`).
    """
    label = name or Path(path).name
    with open_geotiff(path, name=label) as src:
        level = _validate(src, label, max_size=max_size, max_read_pixels=max_read_pixels)
        kind = raster_kind(src)
        indexes, render, resampling = RENDERERS[kind]
        factor = max(1.0, max(src.width, src.height) / max_size)
        out_w, out_h = max(1, math.ceil(src.width / factor)), max(1, math.ceil(src.height / factor))
        try:
            data = src.read(list(indexes), out_shape=(len(indexes), out_h, out_w), resampling=resampling)
            mask = src.dataset_mask(out_shape=(out_h, out_w))
            colormap = src.colormap(1) if kind == "palette" else None
        except (RasterioError, CPLE_BaseError) as exc:
            raise InputFileError(said("err.raster.damaged_pixels", error=str(exc)), source=label,
                                 fix=said("err.raster.damaged_fix")) from exc
        valid = mask > 0
        if kind in ("ramp", "rgb", "rgba", "grey_alpha"):
            valid &= np.all(np.isfinite(data), axis=0) if data.dtype.kind == "f" else True
        if not valid.any():
            raise InputFileError(said("err.raster.no_valid"), source=label, fix=said("err.raster.no_valid_fix"))
        rgba, legend = render(data, valid, colormap)
        rgba[3] = np.where(valid, rgba[3], 0)
        source_rgba = np.clip(np.rint(rgba), 0, 255).astype(np.uint8)
        src_transform = src.transform @ Affine.scale(src.width / out_w, src.height / out_h)
        dst_transform, dst_w, dst_h = _target_grid(src, out_w, out_h, max_size=max_size, name=label)
        image = np.zeros((4, dst_h, dst_w), dtype=np.uint8)
        reproject(source_rgba, image, src_transform=src_transform, src_crs=src.crs, dst_transform=dst_transform,
                  dst_crs=WEB_MERCATOR, resampling=Resampling.nearest, src_nodata=None, dst_nodata=None)
        west, north = dst_transform @ (0, 0)
        east, south = dst_transform @ (dst_w, dst_h)
        lons, lats = transformer(WEB_MERCATOR, WGS84).transform([west, east], [south, north])
        return RasterOverlay(
            png=_encode_png(image), bounds=((lats[0], lons[0]), (lats[1], lons[1])), width=dst_w, height=dst_h,
            legend=legend, source=label, source_crs=src.crs.to_string(), source_size=(src.width, src.height),
            band_count=src.count, overview_factor=int(level),
        )


class Readable(Protocol):
    """A binary file-like object, e.g. Streamlit's ``UploadedFile``."""

    def read(self, size: int = -1, /) -> bytes: ...


@contextmanager
def uploaded_raster(name: str, data: bytes | bytearray | memoryview | Readable) -> Iterator[Path]:
    """Write an upload to a private temporary folder; always delete it after.

    Parameters
    ----------
    name
        The uploaded file's name (only its last component is used).
    data
        The bytes, or a binary file-like object (e.g. Streamlit's UploadedFile).
    """
    import shutil
    import tempfile

    safe = Path(name).name or "upload.tif"
    with tempfile.TemporaryDirectory(prefix="geo-raster-") as tmp:
        path = Path(tmp) / safe
        with path.open("wb") as fh:
            if isinstance(data, (bytes, bytearray, memoryview)):
                fh.write(data)
            else:
                if hasattr(data, "seek"):
                    data.seek(0)
                shutil.copyfileobj(data, fh, length=4 * 1024 * 1024)
        yield path


def overlay_from_upload(name: str, data: bytes | bytearray | memoryview | Readable, **options: int) -> RasterOverlay:
    """:func:`build_overlay` for an uploaded file (written to a temp folder, then deleted)."""
    with uploaded_raster(name, data) as path:
        return build_overlay(path, name=Path(name).name, **options)
