"""Drawn shapes checked before a draft is saved, and a project's shape attached to its parcel.

:func:`validate_shapes` rounds every parcel to RFC 7946's 7 decimals (what is
stored, so what is measured is what is kept) and checks each one; every
problem of every parcel is collected and raised once as a
:class:`~geo.drafts.model.DraftShapeError`, each naming the parcel, what is
wrong and the fix:

- empty, or not a polygon (a line or a point drawn by mistake);
- more than :data:`MAX_VERTICES` vertices (a traced cadastre pasted in);
- outside China (lon 73–136, lat 3–54: a swapped or projected coordinate),
  or crossing the antimeridian;
- smaller than :data:`MIN_MU` after any repair;
- self-intersecting: repaired (:func:`shapely.make_valid`, keeping the
  polygonal parts) with a note naming the parcel, or refused when the repair
  changes the area by more than :data:`MAX_REPAIR_PCT` (a bow-tie drawn by
  crossing the edges: the repair would not be the parcel meant).

Areas are ellipsoidal on CGCS2000, exactly as the engine measures them
(:func:`geo.area.measured_mu`, :func:`geo.area.geodesic_area_m2`).

A project is held by at most one parcel of a draft: :func:`resolve_projects`
refuses a second one unless the caller says ``replace`` (the old shape goes)
or ``add_part`` (the shapes become one multipart parcel); :func:`attach_project`
does the same for one parcel the user attaches to a project on the map.

:func:`split_parcels` cuts the parcels a drawn line crosses from side to side
(the map's split: Leaflet-Geoman's free edition has none).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.area import M2_PER_MU, geodesic_area_m2
from geo.crs import WGS84
from geo.drafts.model import DraftShapeError, joined, new_parcel_id, parcel_label, parcel_named
from geo.errors import Said, said
from geo.geojson import normalize
from geo.store.drafts_sql import as_parcels

#: Vertices a parcel may have.
MAX_VERTICES: Final = 10_000
#: The smallest parcel, in mu.
MIN_MU: Final = 0.01
#: A repair may change the area by at most this, in percent.
MAX_REPAIR_PCT: Final = 1.0
#: China's extent in lon/lat (a shape outside it is a mistake: swapped axes, projected coordinates).
CHINA_LON: Final = (73.0, 136.0)
CHINA_LAT: Final = (3.0, 54.0)

#: What to do when a shape is attached to a project another parcel already holds.
OnDuplicate = Literal["refuse", "replace", "add_part"]
ON_DUPLICATE: Final = ("refuse", "replace", "add_part")


@dataclass
class Shaped:
    """Parcels ready to save (rounded, repaired) and the notes to show (each naming a parcel): catalogue words
    (:class:`~geo.errors.Said`, English as a ``str``; :func:`geo.errors.say` in a language)."""

    parcels: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    """The polygonal parts of ``geom`` (a Polygon or MultiPolygon), or None if it has none."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon | MultiPolygon) and not g.is_empty]
    polys = [p for g in parts for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _mu(geom: BaseGeometry) -> float:
    """Ellipsoidal area on CGCS2000 in mu (signed ring areas summed, as the geodesic polygon area is)."""
    return float(geodesic_area_m2(gpd.GeoSeries([geom], crs=WGS84))[0]) / M2_PER_MU


def _listed(labels: Sequence[str | Said]) -> str | Said:
    """Parcels' labels as one list (``a, b``; ``a、b``), each said in the note's language: halves joined."""
    if len(labels) == 1:
        return labels[0]
    half = len(labels) // 2
    return said("note.drafts.list", first=_listed(labels[:half]), rest=_listed(labels[half:]))


def check_shape(
    geom: BaseGeometry | None, label: str | Said
) -> tuple[BaseGeometry | None, list[Said], str | None]:
    """One parcel's geometry checked: (the geometry to keep, its problems, a repair note or None)."""
    if geom is None or geom.is_empty:
        return None, [said("err.drafts.shape_empty", label=label)], None
    if not isinstance(geom, Polygon | MultiPolygon):
        return None, [said("err.drafts.shape_not_polygon", label=label, kind=geom.geom_type)], None
    problems: list[Said] = []
    vertices = int(shapely.get_num_coordinates(geom))
    if vertices > MAX_VERTICES:
        problems.append(said("err.drafts.shape_vertices", label=label, n=vertices, max=MAX_VERTICES))
    lon0, lat0, lon1, lat1 = geom.bounds
    if lon1 - lon0 > 180 or lon0 < -180 or lon1 > 180:
        problems.append(said("err.drafts.shape_antimeridian", label=label))
    elif not (CHINA_LON[0] <= lon0 and lon1 <= CHINA_LON[1] and CHINA_LAT[0] <= lat0 and lat1 <= CHINA_LAT[1]):
        problems.append(said("err.drafts.shape_outside", label=label, lon0=lon0, lon1=lon1, lat0=lat0, lat1=lat1))
    if problems:
        return None, problems, None
    note = None
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        repaired = _polygonal(shapely.make_valid(geom, method="structure", keep_collapsed=False))
        before, after = abs(_mu(geom)), 0.0 if repaired is None else _mu(repaired)
        change = abs(after - before) / before * 100 if before > 0 else float("inf")
        if repaired is None or change > MAX_REPAIR_PCT:
            changed = said("err.drafts.repair_nothing") if repaired is None else (
                said("err.drafts.repair_changes", before=before, after=after) if np.isfinite(change)
                else said("err.drafts.repair_gives", after=after))
            return None, [said("err.drafts.shape_crosses", label=label, reason=reason, changed=changed)], None
        geom = repaired
        note = said("note.drafts.repaired", label=label, reason=reason, before=before, after=after, change=change)
    mu = _mu(geom)
    if mu < MIN_MU:
        return None, [said("err.drafts.shape_small", label=label, mu=mu, min=MIN_MU)], None
    return geom, [], note


def validate_shapes(parcels: gpd.GeoDataFrame) -> Shaped:
    """Every parcel rounded to 7 decimals and checked (see the module); one :class:`DraftShapeError` for all.

    Returns the parcels as they will be stored (repaired ones replaced) with a note per repair.
    """
    frame = as_parcels(parcels)
    geoms = normalize(frame.geometry.to_numpy()) if len(frame) else frame.geometry.to_numpy()
    kept: list[BaseGeometry | None] = []
    problems: list[Said] = []
    notes: list[str] = []
    for i, geom in enumerate(geoms):
        label = parcel_named(frame.iloc[i].to_dict())
        good, wrong, note = check_shape(geom, label)
        kept.append(good)
        problems += wrong
        if note:
            notes.append(note)
    if problems:
        raise DraftShapeError(joined(problems), source="draft", problems=problems, fix=said("err.drafts.shapes_fix"))
    out = frame.set_geometry(np.array(kept, dtype=object), crs=WGS84)
    return Shaped(out, notes)


def _holders(parcels: gpd.GeoDataFrame) -> dict[str, list[int]]:
    """Positions of the parcels holding each project that more than one parcel holds."""
    ids = parcels["project_id"]
    groups: dict[str, list[int]] = {}
    for pos, value in enumerate(ids):
        if not pd.isna(value):
            groups.setdefault(str(value), []).append(pos)
    return {k: v for k, v in groups.items() if len(v) > 1}


def _merged(geoms: list[BaseGeometry]) -> BaseGeometry:
    """Shapes of one project as one multipart parcel (overlapping parts unioned)."""
    union = shapely.union_all(np.array(geoms, dtype=object))
    found = _polygonal(union)
    if found is None:
        return union
    return found if isinstance(found, MultiPolygon) else MultiPolygon([cast(Polygon, found)])


def resolve_projects(parcels: gpd.GeoDataFrame, on_duplicate: OnDuplicate = "refuse") -> Shaped:
    """Parcels with each project held once: a second holder is refused, or its shape replaces or joins the first.

    In frame order, the later parcel of a project is the newly attached shape: ``replace`` keeps it and drops
    the earlier ones; ``add_part`` merges it into the first holder (one MultiPolygon, the first's attributes).
    """
    frame = as_parcels(parcels)
    groups = _holders(frame)
    if not groups:
        return Shaped(frame)
    if on_duplicate not in ON_DUPLICATE:
        raise DraftShapeError(said("err.drafts.unknown_choice", choice=on_duplicate), source="draft",
                              fix=said("err.drafts.unknown_choice_fix", choices=str(ON_DUPLICATE)))
    rows = [frame.iloc[i].to_dict() for i in range(len(frame))]
    if on_duplicate == "refuse":
        problems = [said("err.drafts.held_twice", id=pid, n=len(pos),
                         labels=", ".join(parcel_label(rows[p]) for p in pos)) for pid, pos in groups.items()]
        raise DraftShapeError(joined(problems), source="draft", problems=problems,
                              fix=said("err.drafts.held_twice_fix"))
    drop: set[int] = set()
    geoms = list(frame.geometry.to_numpy())
    notes: list[str] = []
    for pid, pos in groups.items():
        if on_duplicate == "replace":
            drop |= set(pos[:-1])
            notes.append(said("note.drafts.replaces", pid=pid, label=parcel_named(rows[pos[-1]]),
                              others=_listed([parcel_named(rows[p]) for p in pos[:-1]])))
        else:
            geoms[pos[0]] = _merged([geoms[p] for p in pos if geoms[p] is not None])
            drop |= set(pos[1:])
            notes.append(said("note.drafts.joined", pid=pid, n=len(pos), label=parcel_named(rows[pos[0]])))
    keep = [i for i in range(len(frame)) if i not in drop]
    out = frame.set_geometry(np.array(geoms, dtype=object), crs=WGS84).iloc[keep].reset_index(drop=True)
    return Shaped(out, notes)


def attach_project(
    parcels: gpd.GeoDataFrame, parcel_id: str, project_id: str | None, *, on_duplicate: OnDuplicate = "refuse",
) -> Shaped:
    """``parcel_id`` attached to ``project_id`` (None: detached, a new row), the rule above applied.

    What the map's "attach to project" calls: with ``replace`` the project's other parcel goes; with
    ``add_part`` this shape joins it (and this parcel's row goes).
    """
    frame = as_parcels(parcels)
    hit = (frame["parcel_id"] == parcel_id).fillna(False).to_numpy()
    if not hit.any():
        raise DraftShapeError(said("err.drafts.no_parcel", id=parcel_id), source="draft",
                              fix=said("err.drafts.no_parcel_fix"))
    frame.loc[hit, "project_id"] = project_id
    order = [i for i in range(len(frame)) if not hit[i]] + [i for i in range(len(frame)) if hit[i]]
    return resolve_projects(frame.iloc[order].reset_index(drop=True), on_duplicate)


def split_parcels(parcels: gpd.GeoDataFrame, line: list[list[float]]) -> Shaped:
    """The parcels with every one that ``line`` (``[[lng, lat], …]``, WGS84) crosses cut into its parts.

    The largest part keeps the parcel's id and attributes; each other part becomes a new parcel
    (``D-`` id) with the same name suffixed 「-2」, 「-3」…, track and zone, but no project (a project is
    held by one parcel: attach the part, or ``add_part``) and no declared mu. A line that crosses no
    parcel from side to side is a :class:`~geo.drafts.model.DraftShapeError`.
    """
    frame = as_parcels(parcels)
    if len(line) < 2:
        raise DraftShapeError(said("err.drafts.split_short"), source="draft", fix=said("err.drafts.split_short_fix"))
    cutter = shapely.LineString(line)
    rows: list[dict[Hashable, Any]] = []
    notes: list[str] = []
    for row in frame.to_dict("records"):
        geom = row["geometry"]
        pieces = shapely.get_parts(shapely.ops.split(geom, cutter)) if geom.intersects(cutter) else [geom]
        pieces = [g for g in pieces if isinstance(g, Polygon) and not g.is_empty]
        if len(pieces) < 2:
            rows.append(row)
            continue
        pieces.sort(key=lambda g: -float(geodesic_area_m2(gpd.GeoSeries([g], crs=WGS84))[0]))
        rows.append({**row, "geometry": pieces[0]})
        base = str(row["name_zh"] or "").strip()
        for n, piece in enumerate(pieces[1:], start=2):
            rows.append({**row, "parcel_id": new_parcel_id(), "project_id": pd.NA, "declared_mu": pd.NA,
                         "name_zh": f"{base}-{n}" if base else "", "geometry": piece})
        notes.append(said("note.drafts.split", label=parcel_named(row), n=len(pieces)))
    if not notes:
        raise DraftShapeError(said("err.drafts.split_none"), source="draft", fix=said("err.drafts.split_none_fix"))
    return Shaped(as_parcels(gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)), notes)


__all__ = [
    "CHINA_LAT", "CHINA_LON", "MAX_REPAIR_PCT", "MAX_VERTICES", "MIN_MU", "ON_DUPLICATE", "OnDuplicate", "Shaped",
    "attach_project", "check_shape", "resolve_projects", "split_parcels", "validate_shapes",
]
