"""Export layers for desktop GIS: GeoJSON (RFC 7946), GeoPackage, Shapefile (zip), CSV (WKT).

Formats are a registry (:data:`FORMATS`), so the CLI and the Export page offer
the same list and call the same writer. Every file is written by GDAL (through
pyogrio) into a temporary folder beside the target and moved into place only
when complete: a failure leaves no half-written file.

- GeoJSON is RFC 7946: WGS84 only, no ``crs`` member, counter-clockwise
  exterior rings, 7 decimals (GDAL's ``RFC7946=YES``).
- GeoPackage holds all requested layers in one file, geometry type as found.
- Shapefile: one zip with ``.shp/.shx/.dbf/.prj`` and a ``.cpg`` (UTF-8) per
  layer and geometry type (a Shapefile holds one type: a layer with polygons
  and points becomes ``name_polygons`` and ``name_points``); field names cut to
  10 characters by a fixed map, text cut to 254 bytes at a character boundary,
  and the full attributes beside them as ``name_attributes.csv``.
- CSV: attributes plus a ``wkt`` column, UTF-8 with BOM (so Excel shows the
  Chinese), coordinates in the chosen CRS.
- Several layers in a single-layer format come as a zip of one file per layer.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.crs import EXPORT_CRS, WGS84, parse_crs
from geo.errors import ExportError, UsageError
from geo.io.parquet import write_parquet_layer

#: Shapefile field names (≤ 10 characters) for our longer column names.
SHAPEFILE_FIELDS: Final = {
    "function_zh": "func_zh", "geometry_basis": "geom_basis", "measured_mu": "meas_mu",
    "description_zh": "desc_zh", "structure_zh": "struct_zh", "focus_tracks": "focus_trk",
    "anchors_zh": "anchors", "lon_wgs84": "lon", "lat_wgs84": "lat",
}


@dataclass(frozen=True)
class Format:
    """One export format: labels, file suffix, and the function writing one layer."""

    label_zh: str
    label_en: str
    suffix: str
    mime: str
    write: Callable[[gpd.GeoDataFrame, str, Path], list[Path]]
    multi_layer: bool = False


def _write_geojson(gdf: gpd.GeoDataFrame, name: str, folder: Path) -> list[Path]:
    path = folder / f"{name}.geojson"
    pyogrio.write_dataframe(gdf, path, driver="GeoJSON", layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"})
    return [path]


def _write_gpkg(gdf: gpd.GeoDataFrame, name: str, folder: Path) -> list[Path]:
    path = folder / "layers.gpkg"
    types = set(gdf.geom_type.dropna())
    geometry_type = types.pop() if len(types) == 1 else "Unknown"
    pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG", geometry_type=geometry_type,
                            append=path.exists())
    return [path]


def _cut_bytes(text: object, limit: int = 254) -> object:
    if not isinstance(text, str):
        return text
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def _write_shapefile(gdf: gpd.GeoDataFrame, name: str, folder: Path) -> list[Path]:
    out: list[Path] = []
    families = {"Polygon": "polygons", "MultiPolygon": "polygons", "Point": "points", "MultiPoint": "points",
                "LineString": "lines", "MultiLineString": "lines"}
    family = gdf.geom_type.map(families)
    groups = family.dropna().unique()
    # Features without geometry stay, with null shapes, in the first file: nothing is dropped.
    family = family.fillna(groups[0] if len(groups) else "none")
    groups = groups if len(groups) else ["none"]
    for fam in groups:
        part = gdf[family == fam].rename(columns=SHAPEFILE_FIELDS)
        for col in part.columns.drop("geometry"):
            if part[col].dtype == object or pd.api.types.is_string_dtype(part[col]):
                part[col] = part[col].map(_cut_bytes)
        stem = name if len(groups) == 1 else f"{name}_{fam}"
        path = folder / f"{stem}.shp"
        pyogrio.write_dataframe(part, path, driver="ESRI Shapefile", encoding="UTF-8")
        out += sorted(folder.glob(f"{stem}.*"))
    attributes = folder / f"{name}_attributes.csv"
    pd.DataFrame(gdf.drop(columns="geometry")).to_csv(attributes, index=False, encoding="utf-8-sig")
    return out + [attributes]


def _write_csv(gdf: gpd.GeoDataFrame, name: str, folder: Path) -> list[Path]:
    path = folder / f"{name}.csv"
    frame = pd.DataFrame(gdf.drop(columns="geometry"))
    frame["wkt"] = shapely.to_wkt(gdf.geometry.values, rounding_precision=-1, trim=True)
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return [path]


FORMATS: Final[dict[str, Format]] = {
    "geojson": Format("GeoJSON（RFC 7946）", "GeoJSON (RFC 7946)", ".geojson", "application/geo+json", _write_geojson),
    "gpkg": Format("GeoPackage", "GeoPackage", ".gpkg", "application/geopackage+sqlite3", _write_gpkg, True),
    "shp": Format("Shapefile（zip）", "Shapefile (zip)", ".zip", "application/zip", _write_shapefile),
    "csv": Format("CSV（WKT）", "CSV (WKT)", ".csv", "text/csv", _write_csv),
    "parquet": Format("GeoParquet", "GeoParquet", ".parquet", "application/vnd.apache.parquet", write_parquet_layer),
}


def output_suffix(fmt: str, n_layers: int) -> str:
    """The file suffix an export of ``n_layers`` layers in ``fmt`` gets."""
    spec = _format(fmt)
    return spec.suffix if spec.multi_layer or n_layers == 1 else ".zip"


def _format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", source="--format", fix=f"Use one of {', '.join(FORMATS)}")
    return FORMATS[fmt]


def _check_crs(fmt: str, crs: str) -> str:
    code = parse_crs(crs, source="--crs").to_string()
    if code not in EXPORT_CRS:
        raise UsageError(f"{crs} is not offered for export", source="--crs", fix=f"Use one of {', '.join(EXPORT_CRS)}")
    if fmt == "geojson" and code != WGS84:
        raise UsageError(
            f"GeoJSON (RFC 7946) is always WGS84, not {code}", source="--crs",
            fix="Use --crs EPSG:4326 for GeoJSON, or --format gpkg/shp/csv for CGCS2000",
        )
    return code


def export_layers(layers: dict[str, gpd.GeoDataFrame], *, fmt: str, crs: str = WGS84, path: str | Path) -> Path:
    """Write ``layers`` (name → GeoDataFrame) to ``path`` in ``fmt`` and ``crs``; return the path.

    The suffix of ``path`` is set by :func:`output_suffix`. Written atomically.

    Raises
    ------
    UsageError
        Unknown format, CRS not offered, or GeoJSON asked in a CRS other than WGS84.
    ExportError
        GDAL failed to write, or the target folder is not writable.
    """
    spec = _format(fmt)
    code = _check_crs(fmt, crs)
    if not layers:
        raise UsageError("no layer to export", source="--layer", fix="Choose at least one layer")
    target = Path(path).with_suffix(output_suffix(fmt, len(layers)))
    if not target.parent.is_dir():
        raise ExportError("the output folder does not exist", source=str(target.parent), fix="Create it or choose another -o PATH")
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
            folder = Path(tmp)
            files: list[Path] = []
            for name, gdf in layers.items():
                if gdf.crs is None:
                    raise ExportError("layer has no CRS", source=name, fix="Set its CRS before exporting")
                files += spec.write(gdf.to_crs(code), name, folder)
            files = list(dict.fromkeys(files))
            if len(files) == 1 and files[0].suffix == target.suffix:
                os.replace(files[0], target)
            else:
                staged = folder / f"bundle{target.suffix}"
                with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as zf:
                    for f in files:
                        zf.write(f, f.name)
                os.replace(staged, target)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.FieldError, pyogrio.errors.GeometryError) as exc:
        raise ExportError(f"writing failed ({exc})", source=str(target), fix="Check the folder is writable and has space") from None
    return target


def export_bytes(layers: dict[str, gpd.GeoDataFrame], *, fmt: str, crs: str = WGS84, name: str = "export") -> tuple[bytes, str]:
    """Export to memory (for downloads): the file's bytes and its file name."""
    with tempfile.TemporaryDirectory(prefix="geo-export-") as tmp:
        path = export_layers(layers, fmt=fmt, crs=crs, path=Path(tmp) / name)
        return path.read_bytes(), path.name
