"""Export layers for desktop tools: the registry of formats and the one function that writes them.

Formats are a registry (:data:`FORMATS`), so the CLI and the Export page offer
the same list and call the same writer. Every file is written into a
temporary folder beside the target and moved into place only when complete:
a failure leaves no half-written file. The writers live in
:mod:`geo.io.writers_gis` (GeoJSON, GeoPackage, Shapefile, CSV) and
:mod:`geo.io.writers_desktop` (KML/KMZ, DXF, XLSX); the styles they carry in
:mod:`geo.io.styles`.

Rules every format follows:

- **One geometry type per layer.** A layer mixing types (``parcels``: 25
  polygons and one point, T5-2, whose area is unknown) is written as
  ``parcels`` (the polygons) and ``parcels_points``; lines would be
  ``<name>_lines``. The highest dimension keeps the name; features without
  geometry stay in it. CSV and XLSX keep all rows in one table with a
  ``geometry_type`` column; DXF layers are CAD layers, which hold any entity.
- **CRS.** Each format says which CRSs it accepts (:attr:`Format.crs_kind`):
  GeoJSON, KML and KMZ are WGS84 only; DXF, which has no CRS field, only a
  projected CRS (default EPSG:4544), never degrees.
- **Names.** When the target is a folder (or for a download), the file is
  named by its layers, the CRS and 示意 when any geometry is indicative:
  ``parcels_EPSG4544_示意.gpkg`` (:func:`default_name`).
- Several layers in a single-layer format (GeoJSON, Shapefile, CSV) come as a
  zip of one file set per layer; Shapefile and CSV are zips even for one
  layer, since they are several files.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS

from geo.atomic import place_file, target_for
from geo.crs import CGCS2000_GK_CM105, EXPORT_CRS, WGS84, parse_crs
from geo.errors import ExportError, UsageError
from geo.io.parquet import write_parquet_layer
from geo.io.styles import DEFAULT_OPTIONS, ExportOptions
from geo.io.writers_desktop import write_dxf, write_kml, write_kmz, write_xlsx
from geo.io.writers_gis import SHAPEFILE_ENCODINGS, write_csv, write_geojson, write_gpkg, write_shapefile
from geo.io.zbtxt import ZBTXT_CRS
from geo.io.zbtxt_write import left_out as zbtxt_left_out
from geo.io.zbtxt_write import write_zbtxt

#: A writer: one layer (already in the target CRS) into a folder → the files it wrote.
Writer = Callable[[gpd.GeoDataFrame, str, Path], list[Path]]
#: A writer that also takes the export's styles and encoding.
StyledWriter = Callable[[gpd.GeoDataFrame, str, Path, ExportOptions], list[Path]]
CrsKind = Literal["any", "wgs84", "projected", "gauss_kruger"]


@dataclass(frozen=True)
class Format:
    """One export format: labels, file suffix, and the function writing one layer.

    ``write`` is called with default options; when ``write_styled`` is set it
    is called instead, with the export's :class:`ExportOptions` (track
    colours, field labels, encoding). ``crs_kind`` says which CRSs the format
    accepts, ``one_geometry_type`` whether mixed layers are split first,
    ``encodings`` which text encodings it can write, and ``left_out`` labels the
    features it cannot hold (None: it holds every kind; see :func:`left_out`).
    """

    label_zh: str
    label_en: str
    suffix: str
    mime: str
    write: Writer
    multi_layer: bool = False
    write_styled: StyledWriter | None = None
    crs_kind: CrsKind = "any"
    one_geometry_type: bool = True
    encodings: tuple[str, ...] = ("UTF-8",)
    left_out: Callable[[gpd.GeoDataFrame], list[str]] | None = None


FORMATS: Final[dict[str, Format]] = {
    "geojson": Format("GeoJSON（RFC 7946）", "GeoJSON (RFC 7946)", ".geojson", "application/geo+json", write_geojson,
                      crs_kind="wgs84"),
    "gpkg": Format("GeoPackage 1.2（含 QGIS 样式）", "GeoPackage 1.2 (with QGIS styles)", ".gpkg",
                   "application/geopackage+sqlite3", write_gpkg, True, write_gpkg),
    "shp": Format("Shapefile（zip，含 .qml 样式）", "Shapefile (zip, with .qml styles)", ".zip", "application/zip",
                  write_shapefile, write_styled=write_shapefile, encodings=tuple(SHAPEFILE_ENCODINGS)),
    "csv": Format("CSV（WKT，zip 含 .prj/.csvt）", "CSV (WKT, zip with .prj/.csvt)", ".zip", "application/zip",
                  write_csv, one_geometry_type=False),
    "kml": Format("KML（奥维/Google Earth）", "KML (Google Earth, Ovital)", ".kml",
                  "application/vnd.google-earth.kml+xml", write_kml, True, write_kml, crs_kind="wgs84"),
    "kmz": Format("KMZ（奥维/Google Earth）", "KMZ (Google Earth, Ovital)", ".kmz",
                  "application/vnd.google-earth.kmz", write_kmz, True, write_kmz, crs_kind="wgs84"),
    "dxf": Format("DXF（AutoCAD，投影坐标）", "DXF (AutoCAD, projected)", ".dxf", "image/vnd.dxf", write_dxf, True,
                  write_dxf, crs_kind="projected", one_geometry_type=False),
    "xlsx": Format("Excel（xlsx）", "Excel (xlsx)", ".xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", write_xlsx, True, write_xlsx,
                   one_geometry_type=False),
    "txt": Format("部标坐标txt（GBK）", "部标 coordinate txt (GBK)", ".txt", "text/plain; charset=GBK", write_zbtxt,
                  crs_kind="gauss_kruger", one_geometry_type=False, left_out=zbtxt_left_out),
    "parquet": Format("GeoParquet（大图层）", "GeoParquet (large layers)", ".parquet", "application/vnd.apache.parquet",
                      write_parquet_layer, one_geometry_type=False),
}

#: Geometry families in the order that decides which keeps the layer's name.
FAMILIES: Final = (
    ("polygons", ("Polygon", "MultiPolygon")), ("lines", ("LineString", "MultiLineString", "LinearRing")),
    ("points", ("Point", "MultiPoint")), ("collections", ("GeometryCollection",)),
)


def left_out(fmt: str, gdf: gpd.GeoDataFrame) -> list[str]:
    """The features of ``gdf`` that ``fmt`` cannot hold and leaves out, labelled (none for most formats)."""
    spec = _format(fmt)
    return spec.left_out(gdf) if spec.left_out is not None else []


def output_suffix(fmt: str, n_layers: int) -> str:
    """The file suffix an export of ``n_layers`` layers in ``fmt`` gets.

    ``n_layers`` counts the layers as written, after mixed layers are split
    (:func:`split_geometry_types`): one ``parcels`` layer is two GeoJSON files.
    """
    spec = _format(fmt)
    return spec.suffix if spec.multi_layer or n_layers == 1 else ".zip"


def _format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", source="--format", fix=f"Use one of {', '.join(FORMATS)}")
    return FORMATS[fmt]


def crs_options(fmt: str) -> list[str]:
    """The CRSs of :data:`geo.crs.EXPORT_CRS` that ``fmt`` accepts; the first is its default."""
    kind = _format(fmt).crs_kind
    if kind == "wgs84":
        return [WGS84]
    if kind == "gauss_kruger":  # the 部标坐标txt: zone 35 with prefix (the default) or CM 105E
        return list(ZBTXT_CRS)
    if kind == "projected":
        projected = [c for c in EXPORT_CRS if CRS.from_user_input(c).is_projected]
        return sorted(projected, key=lambda c: c != CGCS2000_GK_CM105)
    return list(EXPORT_CRS)


def _check_crs(fmt: str, crs: str | None) -> str:
    spec = _format(fmt)
    allowed = crs_options(fmt)
    if crs is None:
        return allowed[0]
    parsed = parse_crs(crs, source="--crs")
    code = parsed.to_string()
    if code not in EXPORT_CRS:
        raise UsageError(f"{crs} is not offered for export", source="--crs", fix=f"Use one of {', '.join(EXPORT_CRS)}")
    if code not in allowed and spec.crs_kind == "wgs84":
        raise UsageError(
            f"{spec.label_en} is always WGS84, not {code}", source="--crs",
            fix=f"Use --crs EPSG:4326 for {fmt}, or --format gpkg/shp/csv for CGCS2000",
        )
    if code not in allowed and spec.crs_kind == "gauss_kruger":
        raise UsageError(
            f"a 部标坐标txt holds Gauss–Krüger metres, not {code}", source="--crs",
            fix=f"Use --crs {ZBTXT_CRS[0]} (zone 35, with prefix) or --crs {ZBTXT_CRS[1]} (CM 105E, without)",
        )
    if code not in allowed:
        raise UsageError(
            f"{spec.label_en} has no coordinate system of its own, and a drawing in degrees ({code}, geographic) "
            "cannot be measured in CAD", source="--crs",
            fix=f"Use a projected CRS: --crs {' or '.join(allowed)} (CGCS2000 Gauss–Krüger, metres)",
        )
    return code


def _check_encoding(fmt: str, encoding: str) -> str:
    """``UTF-8`` or ``GBK`` (also spelt utf8, cp936, 936), if ``fmt`` can write it."""
    spec = _format(fmt)
    key = encoding.strip().upper().replace("-", "").replace("_", "")
    wanted = {"UTF8": "UTF-8", "GBK": "GBK", "CP936": "GBK", "936": "GBK"}.get(key, encoding)
    if wanted in spec.encodings:
        return wanted
    if len(spec.encodings) > 1:
        raise UsageError(f"encoding {encoding!r} is not offered", source="--encoding",
                         fix=f"Use one of {', '.join(e.lower() for e in spec.encodings)}")
    raise UsageError(f"{spec.label_en} is always written in UTF-8, not {encoding}", source="--encoding",
                     fix="Leave out --encoding, or use --format shp for a GBK Shapefile")


def split_geometry_types(name: str, gdf: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    """``[(layer name, part)]`` with one geometry family per part (see the module docstring).

    A family's single and multi parts are kept together (GeoPackage and
    Shapefile then declare the multi type). Nothing is dropped: features
    without geometry stay in the first part.
    """
    kinds = gdf.geom_type
    parts: list[tuple[str, gpd.GeoDataFrame]] = []
    assigned = kinds.isna()
    for family, types in FAMILIES:
        mask = kinds.isin(types)
        if not mask.any():
            continue
        if not parts:
            mask = mask | assigned  # no geometry: with the main part
            parts.append((name, gdf[mask]))
        else:
            parts.append((f"{name}_{family}", gdf[mask]))
    return parts or [(name, gdf)]


def is_indicative(layers: dict[str, gpd.GeoDataFrame]) -> bool:
    """Whether any feature's ``geometry_basis`` is ``indicative`` (placed by us, not surveyed)."""
    return any("geometry_basis" in g.columns and bool((g["geometry_basis"] == "indicative").any())
               for g in layers.values())


def default_name(layers: dict[str, gpd.GeoDataFrame], crs: str) -> str:
    """File stem that says what is inside: ``parcels_zones_EPSG4544_示意`` (示意 = indicative geometry)."""
    parts = [*layers, crs.replace(":", "")]
    if is_indicative(layers):
        parts.append("示意")
    return "_".join(parts)


def export_layers(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    fmt: str,
    crs: str | None = None,
    path: str | Path,
    options: ExportOptions | None = None,
    encoding: str = "UTF-8",
) -> Path:
    """Write ``layers`` (name → GeoDataFrame) to ``path`` in ``fmt`` and ``crs``; return the path.

    Parameters
    ----------
    layers
        Layer name → layer, any CRS.
    fmt
        A key of :data:`FORMATS`.
    crs
        Target CRS (a key of :data:`geo.crs.EXPORT_CRS`); ``None``: the
        format's default (WGS84; EPSG:4544 for DXF).
    path
        Output file (its suffix is set by :func:`output_suffix`) or an
        existing folder, in which the file gets :func:`default_name`.
    options
        Track colours, field labels and title for styled formats
        (:func:`layers.export_options` builds them from the plan's data).
    encoding
        Text encoding: ``UTF-8``, or ``GBK`` for Shapefiles read by old ArcMap.

    Raises
    ------
    UsageError
        Unknown format, CRS not offered or not accepted by the format, encoding not offered.
    ExportError
        GDAL failed to write, or the target folder is not writable.
    """
    spec = _format(fmt)
    code = _check_crs(fmt, crs)
    opts = replace(options or DEFAULT_OPTIONS, encoding=_check_encoding(fmt, encoding))
    if not layers:
        raise UsageError("no layer to export", source="--layer", fix="Choose at least one layer")
    parts: list[tuple[str, gpd.GeoDataFrame]] = []
    for name, gdf in layers.items():
        if gdf.crs is None:
            raise ExportError("layer has no CRS", source=name, fix="Set its CRS before exporting")
        projected = gdf.to_crs(code)
        parts += split_geometry_types(name, projected) if spec.one_geometry_type else [(name, projected)]
    suffix = output_suffix(fmt, len(parts))
    target = Path(path)
    target = target / f"{default_name(layers, code)}{suffix}" if target.is_dir() else Path(target_for(target, suffix))
    if not target.parent.is_dir():
        raise ExportError("the output folder does not exist", source=str(target.parent),
                          fix="Create it or choose another -o PATH")
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
            folder = Path(tmp)
            files: list[Path] = []
            for part_name, part in parts:
                if spec.write_styled is not None:
                    files += spec.write_styled(part, part_name, folder, opts)
                else:
                    files += spec.write(part, part_name, folder)
            files = list(dict.fromkeys(files))
            if len(files) == 1 and files[0].suffix == target.suffix:
                place_file(files[0], target)
            else:
                staged = folder / f"bundle{target.suffix}"
                with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as zf:
                    for f in files:
                        zf.write(f, f.name)
                place_file(staged, target)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError, shapely.errors.GEOSException) as exc:
        raise ExportError(f"writing failed ({exc})", source=str(target),
                          fix="Check the folder is writable and has space") from None
    return target


def export_bytes(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    fmt: str,
    crs: str | None = None,
    name: str | None = None,
    options: ExportOptions | None = None,
    encoding: str = "UTF-8",
) -> tuple[bytes, str]:
    """Export to memory (for downloads): the file's bytes and its file name (:func:`default_name` unless ``name``)."""
    with tempfile.TemporaryDirectory(prefix="geo-export-") as tmp:
        target: Path = Path(tmp) if name is None else Path(tmp) / name
        path = export_layers(layers, fmt=fmt, crs=crs, path=target, options=options, encoding=encoding)
        return path.read_bytes(), path.name
