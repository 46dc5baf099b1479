"""Writers for GIS formats: GeoJSON, GeoPackage, Shapefile, CSV.

Each writer gets one layer of **one geometry type** (``geo.io.export`` splits
mixed layers first, except for CSV, which keeps every row and states the
type) already in the target CRS, and writes into ``folder``; the registry in
:mod:`geo.io.export` moves the result into place.

- **GeoJSON** is RFC 7946: WGS84, no ``crs`` member, counter-clockwise
  exterior rings, 7 decimals (GDAL's ``RFC7946=YES``).
- **GeoPackage** version 1.2 (``VERSION=1.2``: ``PRAGMA user_version`` 10200),
  which ArcGIS before Pro 3.2 and ArcMap read; all layers in one file; a
  ``layer_styles`` table (QGIS's convention, registered in ``gpkg_contents`` as
  an attribute table) holds one default QML style per layer, so QGIS opens
  the layers coloured by track with Chinese field aliases.
- **Shapefile**: ``.shp/.shx/.dbf/.prj/.cpg`` plus a ``.qml`` style of the same
  stem, and the full attributes as ``<stem>_attributes.csv``. Field names are
  cut to 10 characters by :data:`SHAPEFILE_FIELDS` (honest names: the WGS84
  lon/lat of a gazetteer place are ``lon84``/``lat84`` in any CRS, never a
  bare ``lon`` in a Gauss–Krüger file; ``table``/``row``, reserved words in
  ArcGIS, become ``plan_table``/``plan_row``). Areas in mu and values in 亿元
  are ``N(12,3)``, lon/lat ``N(12,7)`` (written through Arrow decimals, so GDAL
  declares that width and precision instead of ``N(24,15)``). Text is UTF-8, or
  GBK for old ArcMap (``.cpg`` ``936``, the Windows code page both ArcGIS and
  GDAL read as GBK); characters GBK lacks are replaced by their compatibility
  form (² → 2) or ``?``; text is cut to 254 bytes at a character boundary.
- **CSV**: attributes, ``geometry_type`` and ``wkt`` in the chosen CRS, UTF-8
  with BOM (so Excel shows the Chinese), with a ``.prj`` (WKT1_ESRI) and a
  ``.csvt`` (GDAL's column types, ``WKT`` for the geometry) beside it, so GDAL
  and QGIS read it back typed and located.
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from pyproj import CRS
from pyproj.enums import WktVersion

from geo.io.styles import DEFAULT_OPTIONS, ExportOptions, Family, vector_qml

#: Shapefile field names (≤ 10 characters, no reserved words) for our longer column names.
SHAPEFILE_FIELDS: Final = {
    "declared_mu": "decl_mu", "function_zh": "func_zh", "geometry_basis": "geom_basis", "measured_mu": "meas_mu",
    "description_zh": "desc_zh", "structure_zh": "struct_zh", "focus_tracks": "focus_trk",
    "anchors_zh": "anchors", "lon_wgs84": "lon84", "lat_wgs84": "lat84", "zone_carrier_zh": "zone_carr",
    "carriers_zh": "carrier_zh", "carriers_en": "carrier_en",
    "table": "plan_table", "row": "plan_row",
    "basis_version": "basis_ver", "basis_author": "basis_auth",  # a draft's version and its author (drawn)
}
#: Shapefile text encodings offered → (GDAL's encoding name, ``.cpg`` content).
SHAPEFILE_ENCODINGS: Final = {"UTF-8": ("UTF-8", "UTF-8"), "GBK": ("CP936", "936")}
#: GeoPackage version written (ArcGIS before Pro 3.2 does not read 1.3/1.4).
GPKG_VERSION: Final = "1.2"
STYLE_TABLE: Final = "layer_styles"


def shapefile_names(columns: list[str]) -> dict[str, str]:
    """:data:`SHAPEFILE_FIELDS` for ``columns``, but never onto a name a column already has (any case)."""
    taken = {c.lower() for c in columns}
    out: dict[str, str] = {}
    for c in columns:
        short = SHAPEFILE_FIELDS.get(c)
        if short is not None and short.lower() not in taken:
            out[c] = short
            taken.add(short.lower())
    return out


def family_of(gdf: gpd.GeoDataFrame) -> Family:
    """The geometry family of a one-type layer (``none`` when it has no geometry)."""
    types = set(gdf.geom_type.dropna())
    if types & {"Polygon", "MultiPolygon"}:
        return "polygons"
    if types & {"LineString", "MultiLineString", "LinearRing"}:
        return "lines"
    if types & {"Point", "MultiPoint"}:
        return "points"
    return "none"


def geometry_type(gdf: gpd.GeoDataFrame) -> str:
    """The OGR geometry type to declare: the one type found, ``Multi…`` if any part is multi."""
    types = set(gdf.geom_type.dropna())
    if not types:
        return "Unknown"
    if len(types) == 1:
        return types.pop()
    multi = sorted(t for t in types if t.startswith("Multi"))
    return multi[0] if len(multi) == 1 else "Unknown"


def write_geojson(gdf: gpd.GeoDataFrame, name: str, folder: Path) -> list[Path]:
    """RFC 7946 GeoJSON (the layer is already in WGS84)."""
    path = folder / f"{name}.geojson"
    pyogrio.write_dataframe(gdf, path, driver="GeoJSON", layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"})
    return [path]


# --- GeoPackage -----------------------------------------------------------------

def write_gpkg(gdf: gpd.GeoDataFrame, name: str, folder: Path, options: ExportOptions = DEFAULT_OPTIONS) -> list[Path]:
    """Add layer ``name`` (one geometry type) and its default QML style to ``layers.gpkg``."""
    path = folder / "layers.gpkg"
    new = not path.exists()
    pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG", geometry_type=geometry_type(gdf),
                            promote_to_multi=geometry_type(gdf).startswith("Multi"), append=not new,
                            dataset_options={"VERSION": GPKG_VERSION} if new else None)
    info = pyogrio.read_info(path, layer=name)
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    qml = vector_qml(columns, family_of(gdf), options, first_index=1)
    style = pd.DataFrame({
        "f_table_catalog": [""], "f_table_schema": [""], "f_table_name": [name],
        "f_geometry_column": [str(info["geometry_name"])], "styleName": [name], "styleQML": [qml],
        "styleSLD": [""], "useAsDefault": [True],
        "description": [f"{options.title or name}: style written by geo export"],
        "owner": [""], "ui": [""], "update_time": [pd.Timestamp.now(tz="UTC")],
    })
    styles_exist = STYLE_TABLE in {str(n) for n, _ in pyogrio.list_layers(path)}
    pyogrio.write_dataframe(style, path, layer=STYLE_TABLE, driver="GPKG", append=styles_exist,
                            layer_options=None if styles_exist else {"FID": "id"})
    return [path]


# --- Shapefile ------------------------------------------------------------------

def _to_encoding(text: str, encoding: str) -> str:
    """``text`` with every character ``encoding`` lacks replaced by its NFKC form, else ``?``."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        out = []
        for ch in text:
            try:
                ch.encode(encoding)
                out.append(ch)
            except UnicodeEncodeError:
                alt = unicodedata.normalize("NFKC", ch)
                out.append(alt.encode(encoding, errors="replace").decode(encoding))
        return "".join(out)
    return text


def _cut_bytes(text: object, encoding: str = "utf-8", limit: int = 254) -> object:
    """Text that fits ``limit`` bytes in ``encoding`` (cut at a character boundary)."""
    if not isinstance(text, str):
        return text
    text = _to_encoding(text, encoding)
    data = text.encode(encoding)
    return text if len(data) <= limit else data[:limit].decode(encoding, errors="ignore")


def _numeric_format(column: str) -> tuple[int, int] | None:
    """(precision, scale) of an Arrow decimal for a float column: width = precision + 2 in the .dbf."""
    if column.endswith(("_mu", "_yi")):
        return 10, 3  # N(12,3): up to 9,999,999.999
    if re.match(r"^(lon|lat)(84|_|$)", column):
        return 10, 7  # N(12,7): degrees to ~1 cm
    return None


def _decimal_array(values: pd.Series, precision: int, scale: int) -> pa.Array | None:
    """Rounded decimals for ``values``; ``None`` if one does not fit (the column then stays a float)."""
    limit = 10.0 ** (precision - scale)
    if bool((pd.to_numeric(values, errors="coerce").abs() >= limit).any()):
        return None
    quantum = decimal.Decimal(1).scaleb(-scale)
    items = [None if pd.isna(v) else decimal.Decimal(repr(float(v))).quantize(quantum, decimal.ROUND_HALF_EVEN)
             for v in values]
    return pa.array(items, type=pa.decimal128(precision, scale))


def write_shapefile(gdf: gpd.GeoDataFrame, name: str, folder: Path,
                    options: ExportOptions = DEFAULT_OPTIONS) -> list[Path]:
    """``name.shp`` and companions (one geometry type), a ``.qml`` style and the full attributes as CSV."""
    gdal_encoding, cpg = SHAPEFILE_ENCODINGS[options.encoding]
    short = shapefile_names([str(c) for c in gdf.columns])
    part = gdf.rename(columns=short)
    text_encoding = "gbk" if options.encoding == "GBK" else "utf-8"
    geometry_name = str(part.geometry.name)
    for col in part.columns.drop(geometry_name):
        if part[col].dtype == object or pd.api.types.is_string_dtype(part[col]):
            part[col] = part[col].map(lambda v: _cut_bytes(v, text_encoding))
    table = pa.table(part.to_arrow(geometry_encoding="WKB", index=False))
    for i, col in enumerate(table.column_names):
        if pa.types.is_null(table.schema.field(col).type):  # all values missing: type it from pandas
            target = (pa.int64() if pd.api.types.is_integer_dtype(part[col]) else pa.float64()
                      if pd.api.types.is_float_dtype(part[col]) else pa.string())
            table = table.set_column(i, col, pa.nulls(len(table), type=target))
        fmt = _numeric_format(col)
        if fmt and pa.types.is_floating(table.schema.field(col).type):
            decimals = _decimal_array(part[col], *fmt)
            if decimals is not None:
                table = table.set_column(i, col, decimals)
    table = table.replace_schema_metadata(None)
    path = folder / f"{name}.shp"
    declared = geometry_type(part)
    pyogrio.write_arrow(table, path, driver="ESRI Shapefile", geometry_name=geometry_name,
                        geometry_type="Point" if declared == "Unknown" else declared,
                        crs=part.crs.to_wkt() if part.crs else None, encoding=gdal_encoding)
    (folder / f"{name}.cpg").write_text(cpg, encoding="ascii")
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    qml = vector_qml(columns, family_of(gdf), options, field_names=short)
    (folder / f"{name}.qml").write_text(qml, encoding="utf-8")
    out = sorted(p for p in folder.glob(f"{name}.*") if p.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml"))
    attributes = folder / f"{name}_attributes.csv"
    pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_csv(attributes, index=False, encoding="utf-8-sig")
    return [*out, attributes]


# --- CSV ------------------------------------------------------------------------

def _csvt_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "Integer(Boolean)"
    if pd.api.types.is_integer_dtype(series):
        return "Integer64"
    if pd.api.types.is_float_dtype(series):
        return "Real"
    return "String"


def esri_wkt(crs: object) -> str:
    """The CRS as WKT1_ESRI, what a ``.prj`` holds."""
    return str(CRS.from_user_input(crs).to_wkt(WktVersion.WKT1_ESRI))


def write_csv(gdf: gpd.GeoDataFrame, name: str, folder: Path) -> list[Path]:
    """``name.csv`` (attributes, ``geometry_type``, ``wkt``) with ``.prj`` and ``.csvt`` beside it."""
    path = folder / f"{name}.csv"
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    geoms = gdf.geometry.values
    frame["geometry_type"] = pd.Series(gdf.geom_type, index=gdf.index, dtype="string")
    frame["wkt"] = shapely.to_wkt(np.asarray(geoms), rounding_precision=-1, trim=True)
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    types = [_csvt_type(frame[c]) for c in frame.columns[:-1]] + ["WKT"]
    csvt = folder / f"{name}.csvt"
    csvt.write_text(",".join(f'"{t}"' for t in types) + "\n", encoding="ascii")
    out = [path, csvt]
    if gdf.crs is not None:
        prj = folder / f"{name}.prj"
        prj.write_text(esri_wkt(gdf.crs), encoding="ascii")
        out.append(prj)
    return out


#: Writers that take :class:`ExportOptions` (the registry passes them).
StyledWriter = Callable[[gpd.GeoDataFrame, str, Path, ExportOptions], list[Path]]
