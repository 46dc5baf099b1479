"""Findings an official can act on: parcels named as in the file, places in the file's CRS, a fix for each.

:func:`enrich` runs after the checks (:func:`geo.checks.pipeline.check_read`) and

- puts the **whole-file diagnoses** first: every parcel far from the plan's area (in another 3° zone:
  "整个文件位于第 37 带，距规划范围约 520 公里：带号或坐标系是否有误？"), X and Y swapped (the file lands
  on the plan's area once swapped), a declared-area column written in another unit than its name or the
  部标 layout says (m² for 公顷);
- names each finding's parcel by the file's own name/number field (``parcel_name``, ``parcel_name_en``):
  the ``name_field`` the user gave, else one detected (:data:`NAME_CANDIDATES`, case-insensitive; the
  summary's ``label_field`` says which), else the row (第 N 个要素 / feature N) — never ``None``;
- gives each parcel finding a place in the **file's own CRS** (``x``, ``y``): the point GEOS names for an
  invalid geometry, else a point inside the parcel. For a projected CRS ``x`` is the surveyors' X
  (northing) and ``y`` their Y (easting), as a 部标坐标txt writes them (X=3270100.000, Y=35620100.000);
  for a geographic CRS ``x`` is the longitude and ``y`` the latitude;
- for a 部标坐标txt names the boundary point nearest to that place (``point``: 界址点号 J5, ``ring``: 圈号);
- adds a sentence saying how to fix it (``fix_zh``, ``fix_en``).

Columns are added, never renamed: :data:`geo.checks.registry.FINDING_COLUMNS` come first, unchanged.
"""

from __future__ import annotations

import re
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError
from shapely.errors import GEOSException

from geo.checks.declared import DECLARED
from geo.checks.messages import fill_template, where_pattern
from geo.checks.registry import CHECKS
from geo.crs import WGS84, equal_area
from geo.i18n import pair, t

#: What a CRS or a reprojection of a user's layer can raise: the diagnosis is then left out, never the check.
_PROJ_ERRORS: Final = (CRSError, ProjError, GEOSException, ValueError)

#: Columns :func:`enrich` adds to the findings, after :data:`geo.checks.registry.FINDING_COLUMNS`.
EXTRA_COLUMNS: Final = ("parcel_name", "parcel_name_en", "point", "ring", "x", "y", "fix_zh", "fix_en")
#: Fields that name a parcel, most telling first (matched case-insensitively, spaces and ``_`` ignored).
NAME_CANDIDATES: Final = (
    "地块名称", "地块编号", "宗地号", "宗地编号", "宗地名称", "项目名称", "名称", "编号",
    "name", "name_zh", "dkmc", "dkbh", "zdh", "zddm", "parcel", "parcel_id", "id",
)
#: A file whose every parcel lies farther than this from the plan's area is diagnosed as misplaced, km.
FAR_KM: Final = 20.0
#: The whole-file checks (they come before every parcel's findings).
FILE_CHECKS: Final = ("file_location", "file_axes", "file_area_unit")

#: How to fix each kind of finding: ``(Chinese, English)`` (``diagnose.fix.<check>``); ``{points}`` is filled
#: for a 部标坐标txt.
FIXES: Final[dict[str, tuple[str, str]]] = {check: pair(f"diagnose.fix.{check}") for check in CHECKS}
#: Words that mark a field of a surveyor's file as an area (besides a 部标坐标txt's own, in 公顷).
AREA_WORDS: Final = ("面积", "area")

_NORM = re.compile(r"[\s_]+")


def _key(name: str) -> str:
    return _NORM.sub("", str(name)).lower()


def detect_name_field(layer: pd.DataFrame) -> str | None:
    """The column most likely to name the parcels (:data:`NAME_CANDIDATES`, with any value), else None."""
    by_key: dict[str, str] = {}
    for column in layer.columns:
        if column != getattr(layer, "_geometry_column_name", "geometry"):
            by_key.setdefault(_key(column), str(column))
    for candidate in NAME_CANDIDATES:
        found = by_key.get(_key(candidate))
        if found is not None and _texts(layer[found]).ne("").any():
            return found
    return None


def _texts(values: pd.Series[Any]) -> pd.Series[str]:
    """Values as stripped strings, ``""`` where missing (never ``"None"``/``"nan"``)."""
    out = values.astype(object).where(values.notna(), "")
    return out.map(lambda v: "" if v is None else str(v).strip()).astype(object)


def parcel_labels(layer: pd.DataFrame, field: str | None) -> tuple[pd.Series[str], pd.Series[str]]:
    """Each feature's name (Chinese and English fallback), indexed by feature number."""
    index = layer.index
    rows = pd.Series([str(int(i)) for i in index], index=index, dtype=object)
    own = _texts(layer[field]) if field is not None and field in layer.columns else pd.Series("", index=index)
    own = own.set_axis(index)
    has = own.ne("")
    n = {"n": rows.to_numpy(dtype=object)}
    return (own.where(has, pd.Series(fill_template("diagnose.row", "zh", len(rows), n), index=index)),
            own.where(has, pd.Series(fill_template("diagnose.row", "en", len(rows), n), index=index)))


def _crs(code: str | None) -> CRS | None:
    try:
        return CRS.from_user_input(code) if code else None
    except _PROJ_ERRORS:
        return None


def _place(crs: CRS | None, east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` as the findings carry them: surveyors' X (north), Y (east) in a projected CRS; lon, lat else."""
    if crs is not None and crs.is_projected:
        return np.round(north, 3), np.round(east, 3)
    return np.round(east, 7), np.round(north, 7)


def place_words(crs: CRS | None, x: float, y: float) -> tuple[str, str]:
    """A place as the messages write it: ``X=3270100.000，Y=35620100.000`` (projected) or lon/lat."""
    return pair("diagnose.place_xy" if crs is not None and crs.is_projected else "diagnose.place_lonlat", x=x, y=y)


def _zone_of(crs: CRS | None) -> int | None:
    """The 3° Gauss–Krüger zone of a CRS (``zone 37``, or ``CM 111E`` → 37), else None."""
    if crs is None or not crs.is_projected:
        return None
    name = crs.name
    m = re.search(r"3-degree Gauss-Kruger zone (\d+)", name)
    if m:
        return int(m.group(1))
    m = re.search(r"3-degree Gauss-Kruger CM (\d+)E", name)
    return int(m.group(1)) // 3 if m else None


def _plan_area(plan_parcels: gpd.GeoDataFrame | None, districts: gpd.GeoDataFrame | None) -> Any:
    """The plan's area in :func:`equal_area`: the districts' union, else the plan parcels' hull; None if neither."""
    for frame in (districts, plan_parcels):
        if frame is not None and len(frame):
            geoms = frame.geometry.to_crs(equal_area()).to_numpy()
            geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
            if len(geoms):
                return shapely.convex_hull(shapely.union_all(geoms)) if frame is plan_parcels else \
                    shapely.union_all(geoms)
    return None


def _touches_area(geoms_wgs84: np.ndarray, area: Any) -> bool:
    """Whether any geometry (lon/lat) meets the plan's area, tested in lon/lat with the area carried over.

    Nearly always true, and then no distance is needed: this spares projecting every parcel of a large file
    (0.4 s for 10^5). An edge that differs between the two projections by metres cannot make a file
    :data:`FAR_KM` away; a False here only means the distance is computed.
    """
    try:
        lonlat = gpd.GeoSeries([area], crs=equal_area()).to_crs(WGS84).iloc[0]
    except _PROJ_ERRORS:
        return False
    shapely.prepare(lonlat)
    return bool(shapely.intersects(lonlat, geoms_wgs84).any())


def _distance_km(geoms_wgs84: np.ndarray, area: Any) -> float:
    """The least distance of ``geoms_wgs84`` (lon/lat) to ``area`` (equal-area), km; inf when none can be placed."""
    ok = ~shapely.is_missing(geoms_wgs84) & ~shapely.is_empty(geoms_wgs84)
    if not ok.any():
        return float("inf")
    if _touches_area(geoms_wgs84[ok], area):
        return 0.0
    try:
        geoms = gpd.GeoSeries(geoms_wgs84[ok], crs=WGS84).to_crs(equal_area()).to_numpy()
    except _PROJ_ERRORS:
        return float("inf")
    shapely.prepare(area)
    if shapely.intersects(area, geoms).any():  # on the plan's area (nearly always): no distance to compute
        return 0.0
    d = shapely.distance(geoms, area)
    d = d[np.isfinite(d)]
    return float(d.min()) / 1000 if len(d) else float("inf")


def _file_row(check: str, words: tuple[str, str], value: float = np.nan) -> dict[str, Any]:
    """A whole-file finding of ``check`` whose message is ``words`` (Chinese, English)."""
    fix_zh, fix_en = FIXES[check]
    whole_zh, whole_en = pair("diagnose.whole_file")
    return {"feature": pd.NA, "project_id": pd.NA, "check": check, "severity": CHECKS[check].severity,
            "message": words[1], "message_zh": words[0], "value": value, "detail": pd.NA,
            "parcel_name": whole_zh, "parcel_name_en": whole_en, "fix_zh": fix_zh, "fix_en": fix_en}


def file_diagnoses(layer: gpd.GeoDataFrame, file_crs: str | None, *, plan_parcels: gpd.GeoDataFrame | None,
                   districts: gpd.GeoDataFrame | None) -> list[dict[str, Any]]:
    """Whole-file findings: the file far from the plan's area (another zone? X/Y swapped?), area units."""
    rows: list[dict[str, Any]] = []
    area = _plan_area(plan_parcels, districts)
    geoms = layer.geometry.to_numpy()
    crs = _crs(file_crs)
    if area is not None and len(geoms):
        km = _distance_km(geoms, area)
        if km > FAR_KM:
            rows.append(_misplaced(layer, crs, area, km))
    rows.extend(_area_unit(layer, crs))
    return rows


def _swapped_km(layer: gpd.GeoDataFrame, crs: CRS | None, area: Any) -> float:
    """Distance to the plan's area were X and Y swapped, km."""
    if crs is None:
        return float("inf")
    try:
        own = layer.geometry.to_crs(crs).to_numpy()
        swapped = shapely.transform(own, lambda c: c[:, ::-1])
        back = gpd.GeoSeries(swapped, crs=crs).to_crs(WGS84).to_numpy()
    except _PROJ_ERRORS:
        return float("inf")
    with np.errstate(all="ignore"):
        return _distance_km(back, area)


def _misplaced(layer: gpd.GeoDataFrame, crs: CRS | None, area: Any, km: float) -> dict[str, Any]:
    if np.isfinite(_swapped_km(layer, crs, area)) and _swapped_km(layer, crs, area) <= FAR_KM:
        return _file_row("file_axes", pair("diagnose.axes", km=km), round(km, 1))
    zone = _zone_of(crs)
    plan_lon = float(gpd.GeoSeries([area], crs=equal_area()).to_crs(WGS84).iloc[0].centroid.x)
    plan_zone = round(plan_lon / 3)
    if zone is not None and zone != plan_zone:
        return _file_row("file_location", pair("diagnose.zone", zone=zone, km=km, plan_zone=plan_zone),
                         round(km, 1))
    return _file_row("file_location", pair("diagnose.far", km=km), round(km, 1))


#: Units a declared-area column's name states (the words surveyors' files use): pattern → unit key of
#: :data:`geo.io.zbtxt.AREA_UNITS`.
_UNIT_IN_NAME: Final = ((re.compile(r"公顷|hm2|hm²|\bha\b|_ha$|\(ha\)", re.I), "ha"),
                        (re.compile(r"平方米|m2|m²|㎡|sqm", re.I), "m2"), (re.compile(r"亩|\bmu\b|_mu$", re.I), "mu"))


def _area_unit(layer: gpd.GeoDataFrame, crs: CRS | None) -> list[dict[str, Any]]:
    """A declared-area column whose figures match the parcels in another unit than it states."""
    from geo.io.zbtxt import AREA_UNITS, infer_area_unit

    units = {u.key: u for u in AREA_UNITS}
    out: list[dict[str, Any]] = []
    measured: np.ndarray | None = None
    for column in layer.columns:
        if column == layer.geometry.name:
            continue
        name = str(column)
        stated = "ha" if name == DECLARED else next((k for p, k in _UNIT_IN_NAME if p.search(name)), None)
        if stated is None or not any(word in name.lower() for word in AREA_WORDS):
            continue
        declared = pd.to_numeric(layer[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(declared).any():
            continue
        if measured is None:  # planar in the file's own projected CRS, as the surveyor computed it
            measured = shapely.area(layer.geometry.to_crs(crs if crs is not None and crs.is_projected
                                                          else equal_area()).to_numpy())
        unit, error = infer_area_unit(declared, measured)
        if unit is None or unit.key == stated:
            continue
        want = units[stated]
        out.append(_file_row("file_area_unit", (
            t("diagnose.area_unit", "zh", name=name, unit=unit.zh, error=error, want=want.zh),
            t("diagnose.area_unit", "en", name=name, unit=unit.en, error=error, want=want.en))))
    return out


def _problem_points(layer_own: gpd.GeoSeries, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ``features`` of the layer (in its own CRS, x = east): GEOS's point where invalid, else one inside."""
    geoms: np.ndarray = np.asarray(layer_own.reindex(pd.Index(features, dtype=object)).array, dtype=object)
    east = np.full(len(geoms), np.nan)
    north = np.full(len(geoms), np.nan)
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if not ok.any():
        return east, north
    g = geoms[ok]
    invalid = ~shapely.is_valid(g)
    pts = np.empty(len(g), dtype=object)
    if invalid.any():
        reasons = pd.Series(shapely.is_valid_reason(g[invalid])).str.extract(r"\[([-+0-9.eE]+)\s+([-+0-9.eE]+)")
        pts[invalid] = shapely.points(pd.to_numeric(reasons[0], errors="coerce").to_numpy(dtype=float),
                                      pd.to_numeric(reasons[1], errors="coerce").to_numpy(dtype=float))
    if (~invalid).any():
        pts[~invalid] = shapely.point_on_surface(g[~invalid])
    bad = shapely.is_empty(pts) | ~np.isfinite(shapely.get_x(pts))
    if bad.any():
        pts[bad] = shapely.point_on_surface(g[bad])
    east[ok], north[ok] = shapely.get_x(pts), shapely.get_y(pts)
    return east, north


def _nearest_points(layer: gpd.GeoDataFrame, features: np.ndarray, east: np.ndarray, north: np.ndarray
                    ) -> tuple[list[str], list[Any], list[str]]:
    """For a 部标坐标txt: the 界址点号 and 圈号 nearest each place, and ``J5–J6`` (it and the next point)."""
    from geo.io.zbtxt import POINTS_ATTR

    points = layer.attrs.get(POINTS_ATTR)
    n = len(features)
    names: list[str] = [""] * n
    rings: list[Any] = [pd.NA] * n
    spans: list[str] = [""] * n
    if not points or len(points) != len(layer):
        return names, rings, spans
    position = {f: i for i, f in enumerate(layer.index)}
    for k, (feature, e, nn) in enumerate(zip(features, east, north, strict=True)):
        i = position.get(feature)
        if i is None or not np.isfinite(e):
            continue
        labels, ring_no, coords = points[i]
        if not len(labels):
            continue
        through = _segments_through(coords, ring_no, e, nn)
        j = through[0] if through else int(np.argmin(np.hypot(coords[:, 0] - e, coords[:, 1] - nn)))
        names[k], rings[k] = str(labels[j]), int(ring_no[j])
        if through:  # the sides of the ring that meet there: 界址点 J1–J2 与 J3–J4
            spans[k] = t("diagnose.and", "zh").join(f"{labels[s]}–{labels[s + 1]}" for s in through[:3])
        else:
            following = j + 1 if j + 1 < len(labels) and ring_no[j + 1] == ring_no[j] else None
            spans[k] = f"{labels[j]}–{labels[following]}" if following is not None else str(labels[j])
    return names, rings, spans


def _segments_through(coords: np.ndarray, ring_no: np.ndarray, e: float, n: float, tol: float = 0.005) -> list[int]:
    """Indices of the point lines starting a side (to the next point of the same ring) that passes
    within ``tol`` (m) of (e, n), without sharing that place as an end point with the next side."""
    if len(coords) < 2:
        return []
    a, b = coords[:-1], coords[1:]
    same = ring_no[:-1] == ring_no[1:]
    d = b - a
    length2 = (d**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.clip(((e - a[:, 0]) * d[:, 0] + (n - a[:, 1]) * d[:, 1]) / length2, 0.0, 1.0)
    near = np.hypot(a[:, 0] + t * d[:, 0] - e, a[:, 1] + t * d[:, 1] - n)
    hit = same & (length2 > 0) & (near <= tol)
    return [int(i) for i in np.flatnonzero(hit)]


def enrich(findings: pd.DataFrame, layer: gpd.GeoDataFrame, *, file_crs: str | None, name_field: str | None,
           plan_parcels: gpd.GeoDataFrame | None = None, districts: gpd.GeoDataFrame | None = None
           ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The findings named, placed and with their fix, whole-file diagnoses first; and what the summary adds.

    Parameters
    ----------
    findings
        The checks' findings (:data:`geo.checks.registry.FINDING_COLUMNS`).
    layer
        The layer as read (WGS84, index = feature number; a 部标坐标txt's points in ``attrs``).
    file_crs
        The file's own CRS (``ReadResult.crs``): the places are given in it.
    name_field
        The user's name/id field; None: one is detected (:func:`detect_name_field`).

    Returns
    -------
    (findings, summary)
        ``summary``: ``label_field`` (the field naming the parcels, or None) and ``label_field_detected``.
    """
    field = name_field if name_field in layer.columns else detect_name_field(layer)
    crs = _crs(file_crs)
    out = findings.copy()
    feature = out["feature"].astype("Float64")
    has = feature.notna().to_numpy()
    feats = np.array([int(f) for f in feature[has]], dtype=object)
    named = layer.index.isin(pd.unique(feats))  # only the parcels a finding names are labelled
    zh, en = parcel_labels(layer[named], field)
    whole_zh, whole_en = pair("diagnose.whole_file")
    out["parcel_name"] = pd.array(np.where(has, "", whole_zh).astype(object), dtype="string")
    out["parcel_name_en"] = pd.array(np.where(has, "", whole_en).astype(object), dtype="string")
    if has.any():
        out.loc[has, "parcel_name"] = zh.reindex(pd.Index(feats, dtype=object)).fillna("").to_numpy(dtype=object)
        out.loc[has, "parcel_name_en"] = en.reindex(pd.Index(feats, dtype=object)).fillna("").to_numpy(dtype=object)
    project_only = ~has & out["project_id"].notna().to_numpy()
    ids = {"id": out.loc[project_only, "project_id"].astype(str).to_numpy(dtype=object)}
    out.loc[project_only, "parcel_name"] = fill_template("diagnose.project", "zh", int(project_only.sum()), ids)
    out.loc[project_only, "parcel_name_en"] = fill_template("diagnose.project", "en", int(project_only.sum()), ids)
    x = np.full(len(out), np.nan)
    y = np.full(len(out), np.nan)
    point: list[str] = [""] * len(out)
    ring: list[Any] = [pd.NA] * len(out)
    span: list[str] = [""] * len(out)
    if has.any() and crs is not None:
        try:
            wanted = layer.index.isin(pd.unique(feats)) & ~layer.index.duplicated()  # parcels with findings, once
            own = cast(gpd.GeoSeries, layer.geometry[wanted]).to_crs(crs)
        except _PROJ_ERRORS:
            own = None
        if own is not None:
            east, north = _problem_points(own, feats)
            xs, ys = _place(crs, east, north)
            x[has], y[has] = xs, ys
            invalid = out["check"].to_numpy()[has] == "invalid"  # a point is named where the problem is one
            if invalid.any():
                names, rings, spans = _nearest_points(layer, feats[invalid], east[invalid], north[invalid])
                for k, i in enumerate(np.flatnonzero(has)[invalid]):
                    point[i], ring[i], span[i] = names[k], rings[k], spans[k]
    out["point"] = pd.array(point, dtype="string")
    out["ring"] = pd.array(ring, dtype="Int64")
    out["x"], out["y"] = x, y
    checks = out["check"].astype(str).to_numpy()
    fixes = [FIXES.get(c, ("", "")) for c in checks]
    fix_zh = [f[0].replace("{points}", f" {s} " if s else "") for f, s in zip(fixes, span, strict=True)]
    and_zh, and_en = pair("diagnose.and")
    fix_en = [f[1].replace("{points}", f" {s.replace(and_zh, and_en)}" if s else "")
              for f, s in zip(fixes, span, strict=True)]
    out["fix_zh"] = pd.array(fix_zh, dtype="string")
    out["fix_en"] = pd.array(fix_en, dtype="string")
    _place_invalid(out, crs, span, ring)
    diag = file_diagnoses(layer, file_crs, plan_parcels=plan_parcels, districts=districts)
    if diag:
        front = pd.DataFrame(diag).reindex(columns=out.columns)
        out = pd.concat([front.astype(out.dtypes.to_dict()), out], ignore_index=True)
    for column in ("parcel_name", "parcel_name_en", "point", "fix_zh", "fix_en"):
        out[column] = out[column].fillna("")
    return out, {"label_field": field, "label_field_detected": field is not None and field != name_field}


def _place_invalid(out: pd.DataFrame, crs: CRS | None, spans: list[str], rings: list[Any]) -> None:
    """An invalid geometry's message: its place in the file's CRS and its 界址点号 (the name is ``parcel_name``)."""
    xs, ys = out["x"].to_numpy(dtype=float), out["y"].to_numpy(dtype=float)
    points = out["point"].fillna("").astype(str).to_numpy()
    rows = np.flatnonzero(out["check"].eq("invalid").to_numpy() & np.isfinite(xs))
    if not len(rows):
        return
    # edited as arrays and set once: setting one cell of an Arrow string column copies the whole column
    zh_all, en_all = out["message_zh"].to_numpy(dtype=object).copy(), out["message"].to_numpy(dtype=object).copy()
    and_zh, and_en = pair("diagnose.and")
    lonlat_zh, lonlat_en = where_pattern("zh"), where_pattern("en")
    close_zh, close_en = pair("diagnose.close")
    projected = crs is not None and crs.is_projected
    for i in rows:
        wzh, wen = place_words(crs, float(xs[i]), float(ys[i]))
        if projected:  # 位置 before the coordinates; with lon/lat, before the whole place
            wzh = t("diagnose.at_place", "zh", place=wzh)
        pt, rg = str(points[i]), rings[i]
        if and_zh in spans[i]:  # two sides cross: name them
            wzh = t("diagnose.sides_cross", "zh", ring=int(rg), sides=spans[i], place=wzh)
            wen = t("diagnose.sides_cross", "en", ring=int(rg), sides=spans[i].replace(and_zh, and_en), place=wen)
        elif pt:
            wzh = t("diagnose.near_point", "zh", point=pt, ring=int(rg), place=wzh)
            wen = t("diagnose.near_point", "en", point=pt, ring=int(rg), place=wen)
        if not projected:
            wzh = t("diagnose.at_place", "zh", place=wzh)
        zh = lonlat_zh.sub("", str(zh_all[i]))
        en = lonlat_en.sub("", str(en_all[i]))
        zh = (zh.replace(close_zh, t("diagnose.place_in", "zh", place=wzh), 1) if close_zh in zh
              else t("diagnose.place_after", "zh", message=zh, place=wzh))
        en = (en.replace(close_en, t("diagnose.place_in", "en", place=wen), 1) if close_en in en
              else t("diagnose.place_after", "en", message=en, place=wen))
        zh_all[i] = zh  # the parcel's name is in parcel_name (the reports' 地块 column)
        en_all[i] = en
    out["message_zh"] = pd.Series(zh_all, index=out.index).astype(out["message_zh"].dtype)
    out["message"] = pd.Series(en_all, index=out.index).astype(out["message"].dtype)
