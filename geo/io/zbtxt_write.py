"""部标坐标txt written (the ``txt`` format of :data:`geo.io.export.FORMATS`); the layout is :mod:`geo.io.zbtxt`.

GBK, CRLF, CGCS2000 Gauss–Krüger (the plan's zone with its number before the
easting, or without: :func:`geo.io.zbtxt.zbtxt_crs`; any other zone too), one
block per polygon feature, closed rings, 地块面积 in
公顷 computed from the written points. Features that are not polygons are left
out and listed (:func:`left_out`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import CGCS2000
from geo.errors import ExportError, said
from geo.i18n import t
from geo.io.zbtxt import (
    ATTRIBUTES,
    CGCS2000_ZH,
    COORDINATES,
    HEADER_KEYS,
    HEADER_VALUES,
    PARCEL_FIELDS,
    ZONE_OVERLAP,
    zbtxt_crs,
)

#: The language of the words the file holds (the producer): the layout is Chinese, whoever exports it.
FILE_LANG: Final = "zh"
#: Columns a block's fields are filled from, first found wins: our plan layers' names, then the layout's own.
FIELD_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "地块编号": ("地块编号", "project_id"),
    "地块名称": ("地块名称", "name_zh"),
    "图幅号": ("图幅号",),
    "地块用途": ("地块用途", "function_zh"),
    "地类编码": ("地类编码",),
}


@dataclass(frozen=True)
class Written:
    """What :func:`write_file` wrote: the file, counts, and the features left out (not polygons)."""

    path: Path
    parcels: int
    points: int
    left_out: list[str]


def _polygonal(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Which features are non-empty polygons or multipolygons."""
    geoms = gdf.geometry.to_numpy()
    return np.asarray(
        np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
    )


def _text(value: object) -> str:
    """A field value fit for a comma-separated line: no commas, line breaks or lone '@'."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).replace(",", "，").replace("\r", " ").replace("\n", " ").replace("@", "＠").strip()


def _label(gdf: gpd.GeoDataFrame, pos: int) -> str:
    row = gdf.iloc[pos]
    ident = next((_text(row[c]) for c in ("project_id", PARCEL_FIELDS[2]) if c in gdf.columns and _text(row[c])), "")
    name = next((_text(row[c]) for c in ("name_zh", PARCEL_FIELDS[3]) if c in gdf.columns and _text(row[c])), "")
    geom = row.geometry
    kind = "no geometry" if geom is None or geom.is_empty else geom.geom_type
    who = " ".join(s for s in (ident, name) if s) or f"feature {gdf.index[pos]}"
    return f"{who} ({kind})"


def left_out(gdf: gpd.GeoDataFrame) -> list[str]:
    """The features a 坐标txt cannot hold (points, lines, no geometry), labelled by id and name."""
    return [_label(gdf, int(i)) for i in np.flatnonzero(~_polygonal(gdf))]


def _zone_of(crs: CRS | None) -> tuple[int, int, bool]:
    """(zone, zone width, prefixed) of a CGCS2000 Gauss–Krüger CRS, else an ExportError."""
    name = crs.name if crs is not None else ""
    match = re.fullmatch(r"CGCS2000 / (3-degree )?Gauss-Kruger (zone (\d+)|CM (\d+)E)", name)
    if match is None:
        zoned, plain = zbtxt_crs()
        raise ExportError(
            said("zbtxt.not_gk", crs=name or said("err.zbtxt.no_crs")),
            source="--crs",
            fix=said("err.zbtxt.crs_fix", zoned=zoned, plain=plain),
        )
    width = 3 if match.group(1) else 6
    if match.group(3):
        return int(match.group(3)), width, True
    cm = int(match.group(4))
    return (cm // 3 if width == 3 else (cm + 3) // 6), width, False


def _check_band(gdf: gpd.GeoDataFrame, zone: int, width: int, name: str) -> None:
    """Refuse parcels beyond the zone's band of longitude and its customary 0.5° overlap: GK would distort them."""
    cm = zone * 3 if width == 3 else zone * 6 - 3
    lon = gdf.geometry.to_crs(CGCS2000).bounds
    west, east = float(lon["minx"].min()), float(lon["maxx"].max())
    half = width / 2 + ZONE_OVERLAP
    if west < cm - half or east > cm + half:
        raise ExportError(
            said("err.zbtxt.outside_zone", west=west, east=east, zone=zone, band_west=cm - width / 2,
                 band_east=cm + width / 2),
            source=name,
            fix=said("err.zbtxt.outside_zone_fix"),
        )


def _rings(geom: shapely.Polygon | shapely.MultiPolygon) -> list[tuple[np.ndarray, bool]]:
    """Rings to write, ``(xy, is_hole)``: the outer ring of each part, then its holes.

    Coordinates are rounded to 1 mm (精度=0.001) and consecutive repeats that
    rounding makes are dropped; a ring left with fewer than 3 points is skipped.
    """
    out = []
    for part in getattr(geom, "geoms", [geom]):
        for k, ring in enumerate((part.exterior, *part.interiors)):
            xy = np.round(np.asarray(ring.coords)[:, :2], 3)
            xy = xy[np.r_[True, (np.diff(xy, axis=0) != 0).any(axis=1)]]
            if len(xy) >= 4:
                out.append((xy, k > 0))
    return out


def _ring_area(xy: np.ndarray) -> float:
    """Planar area of a closed ring (shoelace), m²."""
    x, y = xy[:, 0], xy[:, 1]
    return float(abs(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2)


def _fields(polys: gpd.GeoDataFrame) -> dict[str, list[str]]:
    """Each attribute of a parcel line (:data:`FIELD_SOURCES`) for every feature: the first of its source
    columns that is not blank there, as :func:`_text` writes it ("" when none is)."""
    out = {}
    for key, cols in FIELD_SOURCES.items():
        found = [""] * len(polys)
        for c in cols:
            if c in polys.columns:
                found = [f or _text(v) for f, v in zip(found, polys[c].tolist(), strict=True)]
        out[key] = found
    return out


def zbtxt_text(gdf: gpd.GeoDataFrame, *, name: str = "layer", today: dt.date | None = None) -> tuple[str, int, int]:
    """The 坐标txt of the polygon features of ``gdf``, which is already in the CRS to write.

    One block per polygon feature: 界址点数 counts every point line (closing
    points included), 圈号 1 is the outer ring and 2, 3 … the holes and further
    parts, point names J1, J2 … run on across the parcel's rings and a ring's
    closing line repeats its first point. 地块面积 is the planar area of the
    written (rounded) points in 公顷 to 4 decimals, outer rings minus holes, as
    desktop GIS computes it from the file. Lines end in CRLF.

    Parameters
    ----------
    gdf
        The layer, in a CGCS2000 Gauss–Krüger CRS (any zone; the plan's are :func:`geo.io.zbtxt.zbtxt_crs`).
    name
        The layer's name, for messages.
    today
        数据产生日期 (default: today).

    Returns
    -------
    tuple
        The text, the number of parcels and the number of point lines written.

    Raises
    ------
    ExportError
        The CRS is not CGCS2000 Gauss–Krüger, the layer has no polygon, or
        the parcels lie outside the zone's band of longitude.
    """
    zone, width, _prefixed = _zone_of(gdf.crs)
    keep = _polygonal(gdf)
    if not keep.any():
        raise ExportError(said("zbtxt.no_polygon"), source=name, fix=said("err.zbtxt.no_polygon_fix"))
    polys = gdf[keep]
    _check_band(polys, zone, width, name)
    indicative = "geometry_basis" in polys.columns and bool((polys["geometry_basis"] == "indicative").any())
    producer = t("zbtxt.producer", FILE_LANG)
    if indicative:
        producer = t("zbtxt.producer_indicative", FILE_LANG, producer=producer)
    lines = [
        ATTRIBUTES,
        f"{HEADER_KEYS['version']}={HEADER_VALUES['version']}",
        f"{HEADER_KEYS['producer']}={producer}",
        f"{HEADER_KEYS['date']}={(today or dt.date.today()).isoformat()}",
        f"{HEADER_KEYS['system']}={CGCS2000_ZH}",
        f"{HEADER_KEYS['width']}={width}",
        f"{HEADER_KEYS['projection']}={HEADER_VALUES['projection']}",
        f"{HEADER_KEYS['unit']}={HEADER_VALUES['metre']}",
        f"{HEADER_KEYS['zone']}={zone}",
        f"{HEADER_KEYS['precision']}=0.001",
        f"{HEADER_KEYS['params']}=,,,,,,",
        COORDINATES,
    ]
    parcels = points = 0
    fields = _fields(polys)
    for pos, geom in enumerate(polys.geometry.to_numpy()):
        rings = _rings(geom)
        if not rings:
            continue
        body: list[str] = []
        area, k = 0.0, 1
        for number, (xy, hole) in enumerate(rings, 1):
            area += -_ring_area(xy) if hole else _ring_area(xy)
            first = k
            for e, n in xy[:-1]:
                body.append(f"J{k},{number},{n:.3f},{e:.3f}")
                k += 1
            body.append(f"J{first},{number},{xy[0][1]:.3f},{xy[0][0]:.3f}")
        lines.append(
            ",".join([str(len(body)), f"{area / 10000:.4f}", *(fields[k][pos] for k in PARCEL_FIELDS[2:4]),
                      HEADER_VALUES["polygon"], *(fields[k][pos] for k in PARCEL_FIELDS[5:]), "@"])
        )
        lines += body
        parcels += 1
        points += len(body)
    return "\r\n".join(lines) + "\r\n", parcels, points


def _encode(text: str, name: str) -> bytes:
    """The text in GBK, or an ExportError naming the line and the character GBK cannot hold."""
    try:
        return text.encode("gbk")
    except UnicodeEncodeError as exc:
        line = text[: exc.start].count("\n") + 1
        raise ExportError(
            said("zbtxt.not_gbk", line=line, char=repr(text[exc.start])),
            source=name,
            fix=said("err.zbtxt.not_gbk_fix"),
        ) from None


def write_file(gdf: gpd.GeoDataFrame, path: str | Path, *, name: str | None = None) -> Written:
    """Write the polygon features of ``gdf`` (in the CRS to write) to ``path`` as 坐标txt, GBK, CRLF.

    Returns
    -------
    Written
        The path, the numbers of parcels and point lines, and the features left
        out because they are not polygons (:func:`left_out`).
    """
    path = Path(path)
    label = name or path.stem
    text, parcels, points = zbtxt_text(gdf, name=label)
    path.write_bytes(_encode(text, label))
    return Written(path=path, parcels=parcels, points=points, left_out=left_out(gdf))


def write_zbtxt(gdf: gpd.GeoDataFrame, name: str, folder: Path) -> list[Path]:
    """The ``txt`` format's writer (:class:`geo.io.export.Format`): ``folder/name.txt``."""
    return [write_file(gdf, folder / f"{name}.txt", name=name).path]
