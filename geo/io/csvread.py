"""Reading a CSV of parcels: a WKT column, or lon/lat (x/y) columns.

Excel on Chinese Windows saves CSV as GBK; others save UTF-8 with or without a
BOM. Attributes are kept as text (ids such as ``0012`` must not lose zeros).
The CRS is left unset: :mod:`geo.io.files` infers it from the coordinate ranges.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import GeometryError, InputFileError, said

_WKT_RE = re.compile(r"^\s*(SRID=\d+;\s*)?(MULTI)?(POLYGON|POINT|LINESTRING|GEOMETRYCOLLECTION)\b", re.I)
_WKT_NAMES: Final = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "图形")
_LON_NAMES: Final = ("lon", "lng", "long", "longitude", "x", "经度", "东坐标")
_LAT_NAMES: Final = ("lat", "latitude", "y", "纬度", "北坐标")


def _rows(bad: np.ndarray) -> str:
    """The first five offending data rows as the user's spreadsheet numbers them (header = row 1)."""
    return ", ".join(str(i + 2) for i in bad[:5])


def _allow_fields_of(size: int) -> None:
    """Let one field be as long as the whole text (``size`` characters).

    pandas' separator-sniffing engine parses with Python's :mod:`csv`, whose
    default limit of 131,072 characters a field refuses a WKT parcel of ~6,000
    vertices. The limit is process-wide and only ever raised here, to at most
    the size of a file we accept (already read into memory), so it bounds nothing
    the file size does not.
    """
    if size >= csv.field_size_limit():
        csv.field_size_limit(size + 1)


def read_csv(path: Path, source: str, layer: str | None, tmp: Path) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Read ``path`` as CSV: a geometry from a WKT column, else points from lon/lat columns.

    Returns the frame (CRS unset), the text encoding found and no notes; the
    signature is the one of :class:`geo.io.files.Reader`.
    """
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly everything
        raise InputFileError(said("err.csv.encoding"), source=source, fix=said("err.csv.encoding_fix"))
    _allow_fields_of(len(text))
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, sep=None, engine="python", keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise InputFileError(
            said("err.csv.parse", error=str(exc)), source=source, fix=said("err.csv.parse_fix")
        ) from None
    lower = {str(c).strip().lower(): c for c in frame.columns}
    wkt_col = next((lower[n] for n in _WKT_NAMES if n in lower), None)
    if wkt_col is None:
        wkt_col = next((c for c in frame.columns if frame[c].head(20).str.match(_WKT_RE).any()), None)
    encoding = "UTF-8" if enc == "utf-8-sig" else "GBK"
    if wkt_col is not None:
        values = frame[wkt_col].str.replace(r"^\s*SRID=\d+;\s*", "", regex=True).replace("", None)
        with warnings.catch_warnings():  # a NaN or a 5,000-digit (infinite) number: reported by geo.io.files, by row
            warnings.simplefilter("ignore", RuntimeWarning)
            geoms = shapely.from_wkt(values.to_numpy(dtype=object), on_invalid="ignore")
        bad = np.flatnonzero(pd.isna(geoms) & values.notna().to_numpy())
        if len(bad):
            raise InputFileError(
                said("err.csv.not_wkt", column=wkt_col, rows=_rows(bad)), source=source, fix=said("err.csv.not_wkt_fix")
            )
        return gpd.GeoDataFrame(frame.drop(columns=[wkt_col]), geometry=geoms, crs=None), encoding, []
    lon = next((lower[n] for n in _LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in _LAT_NAMES if n in lower), None)
    if lon is None or lat is None:
        raise GeometryError(
            said("err.csv.no_geometry", columns=", ".join(map(str, frame.columns[:8]))),
            source=source,
            fix=said("err.csv.no_geometry_fix"),
        )
    x, y = pd.to_numeric(frame[lon], errors="coerce"), pd.to_numeric(frame[lat], errors="coerce")
    bad = np.flatnonzero((x.isna() | y.isna()).to_numpy())
    if len(bad):
        raise GeometryError(
            said("err.csv.not_numbers", lon=lon, lat=lat, rows=_rows(bad)),
            source=source,
            fix=said("err.csv.not_numbers_fix"),
        )
    points = shapely.points(x.to_numpy(float), y.to_numpy(float))
    return gpd.GeoDataFrame(frame.drop(columns=[lon, lat]), geometry=points, crs=None), encoding, []
