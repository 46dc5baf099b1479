"""What the app shows, computed from the layers: filters, per-mu figures,
colour keys, and which parcel a click on the map lands on.

Pages hold no arithmetic and no CRS handling: they call these functions.
Nothing here imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.area import measured_mu
from geo.crs import WGS84, equal_area, gcj02_to_wgs84, transformer
from geo.errors import UsageError, said

#: Output per mu is shown in 万元/亩 (10^4 CNY per mu): 1 亿元 = 10^4 万元.
WAN_PER_YI: Final = 10_000.0

#: Key used for rows without a zone (the plan puts some projects in none).
NO_ZONE: Final = "none"

#: Colour of projects the plan puts in no zone (zones' own colours come from zones.csv).
NO_ZONE_COLOUR: Final = "#999999"

#: Classes of output per mu (万元/亩): (key, lower bound, upper bound, colour).
OPM_CLASSES: Final[tuple[tuple[str, float, float, str], ...]] = (
    ("lt300", 0.0, 300.0, "#fee5d9"),
    ("300-600", 300.0, 600.0, "#fcae91"),
    ("600-1000", 600.0, 1000.0, "#fb6a4a"),
    ("1000-2000", 1000.0, 2000.0, "#de2d26"),
    ("ge2000", 2000.0, np.inf, "#a50f15"),
)
UNKNOWN: Final = "unknown"
UNKNOWN_COLOUR: Final = "#bdbdbd"

COLOUR_BY: Final[tuple[str, ...]] = ("track", "zone", "output_per_mu")


def output_per_mu(frame: pd.DataFrame) -> pd.Series:
    """Output per mu in 万元/亩; NaN where output or area is unknown (never 0)."""
    area = pd.to_numeric(frame["declared_mu"], errors="coerce").astype(float)
    out = pd.to_numeric(frame["output_yi"], errors="coerce").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = out * WAN_PER_YI / area.where(area > 0)
    return value.rename("output_per_mu")


def _as_set(values: Iterable[str] | None) -> set[str]:
    return {v for v in (values or ()) if v}


#: A projects table or a parcels layer: filtering keeps its type.
FrameT = TypeVar("FrameT", bound=pd.DataFrame)


def filter_projects(
    frame: FrameT,
    *,
    tracks: Iterable[str] | None = None,
    zones: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    search: str = "",
) -> FrameT:
    """Rows of ``frame`` (projects or parcels) that pass every filter.

    Parameters
    ----------
    tracks, zones, regions
        Allowed ``track_id``, ``zone_id`` (``"none"`` for rows in no zone)
        and ``region_zh`` values; empty or ``None`` means no filter.
    search
        Case-insensitive text found in the Chinese or English name, the
        project id or the region.
    """
    keep = pd.Series(True, index=frame.index)
    track_set, zone_set, region_set = _as_set(tracks), _as_set(zones), _as_set(regions)
    if track_set:
        keep &= frame["track_id"].isin(track_set).fillna(False)
    if zone_set:
        keep &= frame["zone_id"].fillna(NO_ZONE).isin(zone_set)
    if region_set:
        keep &= frame["region_zh"].isin(region_set).fillna(False)
    text = search.strip().lower()
    if text:
        hay = (
            frame["project_id"].fillna("") + " " + frame["name_zh"].fillna("") + " "
            + frame["name_en"].fillna("") + " " + frame["region_zh"].fillna("")
        ).str.lower()
        keep &= hay.str.contains(text, regex=False)
    return frame[keep.astype(bool)]  # a boolean row mask keeps the frame's class


def colour_keys(frame: pd.DataFrame, *, by: str) -> pd.Series:
    """The palette key of every row when colouring ``by`` track, zone or output per mu."""
    if by == "track":
        return frame["track_id"].fillna(UNKNOWN).astype(str)
    if by == "zone":
        return frame["zone_id"].fillna(NO_ZONE).astype(str)
    if by == "output_per_mu":
        opm = output_per_mu(frame)
        keys = pd.Series(UNKNOWN, index=frame.index, dtype=object)
        for key, low, high, _ in OPM_CLASSES:
            keys[(opm >= low) & (opm < high)] = key
        return keys.astype(str)
    raise UsageError(said("err.plan.unknown_colour", by=by), source="colour_by",
                     fix=said("err.plan.use_one_of_fix", choices=", ".join(COLOUR_BY)))


def palette(by: str, *, tracks: pd.DataFrame, zones: pd.DataFrame) -> dict[str, str]:
    """Colour of every palette key of scheme ``by``: tracks' and zones' colours come from the plan's data."""
    if by == "track":
        return {**dict(zip(tracks["track_id"], tracks["color"], strict=True)), UNKNOWN: UNKNOWN_COLOUR}
    if by == "zone":
        return {**dict(zip(zones["zone_id"], zones["color"], strict=True)), NO_ZONE: NO_ZONE_COLOUR}
    if by == "output_per_mu":
        return {**{key: colour for key, _, _, colour in OPM_CLASSES}, UNKNOWN: UNKNOWN_COLOUR}
    raise UsageError(said("err.plan.unknown_colour", by=by), source="colour_by",
                     fix=said("err.plan.use_one_of_fix", choices=", ".join(COLOUR_BY)))


def project_table(parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per project for the Parcels page: declared and measured mu, output, output per mu."""
    table = pd.DataFrame(parcels.drop(columns=parcels.geometry.name))
    measured = table["measured_mu"] if "measured_mu" in table.columns else measured_mu(parcels, source="parcels")
    table["measured_mu"] = pd.to_numeric(measured, errors="coerce").astype(float).to_numpy()
    table["output_per_mu"] = output_per_mu(table).to_numpy()
    table["zone_id"] = table["zone_id"].fillna(NO_ZONE)
    return table.reset_index(drop=True)


def resolve_click(
    parcels: gpd.GeoDataFrame,
    *,
    lon: float,
    lat: float,
    shift: str | None = None,
    tolerance_m: float = 250.0,
) -> str | None:
    """The ``project_id`` of the parcel under a map click, or ``None``.

    The map element reports only the clicked point, not the feature, so the
    parcel is found here: the smallest polygon containing the point, else the
    nearest point-project (area unknown) within ``tolerance_m`` metres.

    Parameters
    ----------
    parcels
        Parcels in WGS84 (as drawn, before any GCJ-02 shift).
    lon, lat
        The click, in the datum of the tiles on screen.
    shift
        ``"gcj02"`` when the map was drawn on GCJ-02 tiles: the click is
        shifted back to WGS84 first.
    """
    if shift == "gcj02":
        lon_a, lat_a = gcj02_to_wgs84(np.array([lon]), np.array([lat]))
        lon, lat = float(lon_a[0]), float(lat_a[0])
    elif shift is not None:
        raise UsageError(said("err.plan.unknown_shift", shift=shift), source="resolve_click",
                         fix=said("err.plan.unknown_shift_fix"))
    if parcels.empty:
        return None
    point = shapely.Point(lon, lat)
    geoms = parcels.geometry.values
    hits = np.flatnonzero(shapely.contains(geoms, point) & (shapely.get_dimensions(geoms) == 2))
    if hits.size:
        best = hits[np.argmin(shapely.area(geoms[hits]))]
        return str(parcels["project_id"].iloc[best])
    points = np.flatnonzero(shapely.get_dimensions(geoms) == 0)
    if not points.size:
        return None
    to_m = transformer(WGS84, equal_area())
    px, py = to_m.transform(shapely.get_x(geoms[points]), shapely.get_y(geoms[points]))
    cx, cy = to_m.transform(lon, lat)
    dist = np.hypot(np.asarray(px) - cx, np.asarray(py) - cy)
    nearest = int(np.argmin(dist))
    return str(parcels["project_id"].iloc[points[nearest]]) if dist[nearest] <= tolerance_m else None


def project_by_id(frame: pd.DataFrame, project_id: str | None) -> pd.Series | None:
    """The row of ``project_id`` in ``frame``, or ``None`` if absent."""
    if not project_id:
        return None
    rows = frame[frame["project_id"] == project_id]
    return None if rows.empty else rows.iloc[0]


def distinct(frame: pd.DataFrame, column: str) -> list[str]:
    """Sorted distinct non-empty values of ``column`` (for filter choices)."""
    return sorted(str(v) for v in frame[column].dropna().unique() if str(v))


def check_choice(value: str, choices: Sequence[str], *, source: str) -> str:
    """``value`` if it is one of ``choices``, else :class:`UsageError` listing them."""
    if value not in choices:
        raise UsageError(said("err.plan.not_a_choice", value=value, choices=list(choices)), source=source,
                         fix=said("err.plan.not_a_choice_fix"))
    return value
