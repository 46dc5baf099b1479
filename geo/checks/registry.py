"""Check surveyed parcels against the plan, all problems in one pass.

Every check runs on whole arrays with Shapely 2 (no Python loop over
features), and every check runs: a parcel with an invalid ring is still
measured (after :func:`shapely.make_valid`), matched and tested for overlaps.
Areas are measured in the zone-centred equal-area projection
(:func:`geo.crs.equal_area`), which equals the ellipsoidal area to better than
0.001 % here. Overlaps are found with GEOS coverage validation (only parcels
whose edges do not match a neighbour's can overlap), then an STRtree query and
an exact 2-D relate on those candidates.

Findings are a DataFrame with the columns of :data:`FINDING_COLUMNS`; the
meaning of ``value`` for each check is in :data:`CHECKS`. Each finding is
described twice, ``message`` in English and ``message_zh`` in Chinese, both
built on whole arrays from the templates of :mod:`geo.checks.messages`;
``detail`` keeps what a tool said in its own words (GEOS's reason for an
invalid geometry), empty otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.area import M2_PER_MU
from geo.checks import messages as ft  # the module (texts), not messages_in
from geo.checks.matching import match_parcels
from geo.checks.topology import outside_area, overlaps, polygon_parts
from geo.crs import WGS84, equal_area, transformer
from geo.errors import UsageError, said
from geo.i18n import pair, t

FINDING_COLUMNS: Final = ("feature", "project_id", "check", "severity", "message", "message_zh", "value", "detail")
SEVERITIES: Final = ("error", "warning", "info")


@dataclass(frozen=True)
class Check:
    """A check's severity, bilingual name (the catalogue's ``registry.<key>``) and the meaning of its ``value``."""

    severity: str
    zh: str
    en: str
    value: str


#: The checks, in report order.
CHECKS: Final[dict[str, Check]] = {
    # whole-file diagnoses (geo.checks.diagnose), before every parcel's findings
    "file_location": Check("error", *pair("registry.file_location"), "distance to the plan's area, km"),
    "file_axes": Check("error", *pair("registry.file_axes"), "distance to the plan's area, km"),
    "file_area_unit": Check("warning", *pair("registry.file_area_unit"), "—"),
    "empty": Check("error", *pair("registry.empty"), "—"),
    "not_polygon": Check("error", *pair("registry.not_polygon"), "—"),
    "invalid": Check("error", *pair("registry.invalid"), "area in mu after make-valid"),
    "duplicate": Check("error", *pair("registry.duplicate"), "feature number it duplicates"),
    "overlap": Check("error", *pair("registry.overlap"), "overlap in mu"),
    "area_mismatch": Check("warning", *pair("registry.area_mismatch"), "measured − allocated, mu"),
    "declared_area": Check("warning", *pair("registry.declared_area"), "declared − measured, mu"),
    "outside_zone": Check("warning", *pair("registry.outside_zone"), "area outside, mu"),
    "outside_districts": Check("warning", *pair("registry.outside_districts"), "area outside, mu"),
    "unmatched": Check("warning", *pair("registry.unmatched"),
                       "— (without a name field: one summary line, value = number of parcels)"),
    "missing_attribute": Check("warning", *pair("registry.missing_attribute"), "—"),
    "multipart": Check("warning", *pair("registry.multipart"), "number of parts"),
    "sliver": Check("warning", *pair("registry.sliver"), "area in mu"),
    "area_unknown": Check("info", *pair("registry.area_unknown"), "measured area, mu"),
}


@dataclass
class CheckResult:
    """Findings, a summary and the layer with ``project_id``/``measured_mu``/``checks`` columns."""

    findings: pd.DataFrame
    summary: dict[str, Any]
    parcels: gpd.GeoDataFrame


def _rows(check: str, feature: npt.ArrayLike, project: object, text: ft.Both[ft.Strings],
          value: npt.ArrayLike, detail: object = None) -> pd.DataFrame:
    """Findings of one check with their English and Chinese ``text``; scalars are broadcast."""
    n = len(text.en)

    def col(v: Any, dtype: npt.DTypeLike = object) -> np.ndarray:
        return np.full(n, v, dtype=dtype) if np.ndim(v) == 0 else np.asarray(v, dtype=dtype)

    return pd.DataFrame(
        {
            "feature": pd.array(col(feature, float), dtype="Int64"),
            "project_id": pd.array(col(project), dtype="string"),
            "check": check,
            "severity": CHECKS[check].severity,
            "message": pd.array(np.asarray(text.en, dtype=object), dtype="string"),
            "message_zh": pd.array(np.asarray(text.zh, dtype=object), dtype="string"),
            "value": col(value, float),
            "detail": pd.array(col(detail), dtype="string"),
        }
    )


def run_checks(
    layer: gpd.GeoDataFrame,
    *,
    plan_parcels: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    name_field: str | None = None,
    tolerance_pct: float = 1.0,
    sliver_mu: float = 0.1,
    min_compactness: float = 0.05,
    min_outside_mu: float = 0.01,
    each_unmatched: bool | None = None,
) -> CheckResult:
    """Run every check on a surveyed layer and collect all findings.

    Parameters
    ----------
    layer
        The user's parcels (any CRS with a CRS set; index = feature number).
    plan_parcels
        Plan parcels (``project_id``, ``name_zh``, ``name_en``, ``declared_mu``, ``zone_id``, geometry).
    zones, districts
        Zone polygons (``zone_id``) and district polygons; checks against them are skipped when None.
    name_field
        Column holding a project id or name, used to match parcels to projects.
    tolerance_pct
        Allowed relative difference between measured and allocated area, in percent.
    sliver_mu, min_compactness
        Parcels smaller than ``sliver_mu`` or with Polsby–Popper compactness
        (4πA/P²) below ``min_compactness`` are slivers.
    min_outside_mu
        Area outside a zone/the districts below which nothing is reported.
    each_unmatched
        One ``unmatched`` warning per parcel (True) or one summary finding with
        their count (False). Default: one each when ``name_field`` is given
        (the user said which column names the project, so a miss is a problem
        of that parcel), else the summary (a district's cadastre is mostly
        parcels of no plan project).

    Returns
    -------
    CheckResult
    """
    if not tolerance_pct >= 0:
        raise UsageError(
            said("err.check.bad_tolerance", tolerance=tolerance_pct),
            source="tolerance",
            fix=said("err.check.tolerance_fix"),
        )
    limits = _Limits(tolerance_pct, sliver_mu, min_compactness, min_outside_mu)
    prepared = _prepare(layer, plan_parcels, name_field=name_field)
    context = make_context(layer, plan_parcels, zones, districts, name_field, limits, each_unmatched)
    parts = [frame for step in STEPS for frame in step(prepared, context)]
    if not context.each_unmatched:
        parts.append(unmatched_summary(int((prepared.ok & pd.isna(prepared.project)).sum())))
    findings = order_findings(parts)
    parcels = layer.assign(
        project_id=pd.array(prepared.project, dtype="string"), match_by=prepared.match_by, measured_mu=prepared.area
    )
    return CheckResult(
        findings=findings, summary=summarise(findings, parcels, tolerance_pct=tolerance_pct), parcels=parcels
    )


def order_findings(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Findings of all checks in report order: by check (:data:`CHECKS`), then feature (stable)."""
    findings = pd.concat(
        [p for p in parts if len(p)] or [_rows("empty", [], [], ft.texts("empty", 0), [])], ignore_index=True
    )
    order = {c: i for i, c in enumerate(CHECKS)}
    return (
        findings.assign(_o=findings["check"].map(order))
        .sort_values(["_o", "feature"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def unmatched_summary(count: int) -> pd.DataFrame:
    """The one ``unmatched`` finding that stands for ``count`` parcels matching no project (none when 0)."""
    if count == 0:
        return _rows("unmatched", [], [], ft.texts("unmatched_summary", 0, count=[]), [])
    return _rows("unmatched", np.nan, pd.NA, ft.texts("unmatched_summary", 1, count=f"{count:,}"), float(count))


def make_context(
    layer: gpd.GeoDataFrame,
    plan_parcels: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None,
    districts: gpd.GeoDataFrame | None,
    name_field: str | None,
    limits: _Limits,
    each_unmatched: bool | None = None,
) -> _Context:
    """What the checks compare ``layer`` with; ``each_unmatched`` None: one finding each when a name field is given."""
    return _Context(layer, plan_parcels.drop_duplicates("project_id").set_index("project_id"), zones, districts,
                    name_field, limits, name_field is not None if each_unmatched is None else each_unmatched)


@dataclass(frozen=True)
class _Limits:
    tolerance_pct: float
    sliver_mu: float
    min_compactness: float
    min_outside_mu: float


@dataclass(frozen=True)
class _Context:
    """What the checks compare the layer with, and the user's limits."""

    layer: gpd.GeoDataFrame
    plan: pd.DataFrame  # plan parcels by project_id
    zones: gpd.GeoDataFrame | None
    districts: gpd.GeoDataFrame | None
    name_field: str | None
    limits: _Limits
    each_unmatched: bool = True


@dataclass(frozen=True)
class _Prepared:
    """The layer as every check reads it, computed once: equal-area geometry (invalid rings
    repaired, so an invalid parcel is still measured and tested), masks, areas, matches."""

    feature: npt.NDArray[Any]
    geoms: npt.NDArray[Any]
    area: npt.NDArray[np.float64]  # mu; NaN for non-polygons
    missing: npt.NDArray[np.bool_]
    polygonal: npt.NDArray[np.bool_]
    invalid: npt.NDArray[np.bool_]
    reasons: npt.NDArray[Any]  # GEOS's reason for each invalid geometry
    ok: npt.NDArray[np.bool_]  # polygonal and not empty after repair
    project: npt.NDArray[Any]
    match_by: npt.NDArray[Any]
    dup: npt.NDArray[np.bool_]  # same geometry (to 1 cm) as an earlier feature
    first: npt.NDArray[Any]  # the earlier feature it duplicates


def _prepare(layer: gpd.GeoDataFrame, plan_parcels: gpd.GeoDataFrame, *, name_field: str | None) -> _Prepared:
    feature = layer.index.to_numpy()
    geoms = layer.geometry.to_crs(equal_area()).to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~missing
    invalid = polygonal & ~shapely.is_valid(geoms)
    reasons = shapely.is_valid_reason(geoms[invalid])
    geoms[invalid] = polygon_parts(shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False))
    area = np.where(polygonal, shapely.area(geoms), np.nan) / M2_PER_MU
    ok = polygonal & ~shapely.is_empty(geoms)
    prepared = np.where(ok, geoms, np.array(None, dtype=object))
    matches = match_parcels(layer, plan_parcels, name_field=name_field, equal_area=prepared)
    dup, first = _duplicates(geoms, feature, ok)
    return _Prepared(feature, geoms, area, missing, polygonal, invalid, reasons, ok,
                     matches["project_id"].to_numpy(dtype=object), matches["match_by"].to_numpy(), dup, first)


def _duplicates(geoms: npt.NDArray[Any], feature: npt.NDArray[Any], ok: npt.NDArray[np.bool_]
                ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[Any]]:
    """Features whose geometry, rounded to 1 cm and normalised, equals an earlier feature's; and that feature.

    Equal rounded geometries have equal rounded bounds (rounding is monotonic), so only features
    sharing their rounded bounds with another are compared by WKB: a few, not the whole layer.
    """
    dup = np.zeros(len(geoms), dtype=bool)
    first = feature.copy()
    box = np.round(shapely.bounds(geoms), 2)
    cand = np.flatnonzero(ok)
    if len(cand) < 2:
        return dup, first
    frame = pd.DataFrame(box[cand], columns=["a", "b", "c", "d"])
    cand = cand[frame.duplicated(keep=False).to_numpy()]
    if len(cand) < 2:
        return dup, first
    key = pd.Series(
        shapely.to_wkb(shapely.normalize(shapely.transform(geoms[cand], lambda c: np.round(c, 2)))), index=cand
    )
    dup[cand] = key.duplicated(keep="first").to_numpy()
    first[cand] = key.map(pd.Series(feature[cand], index=key.to_numpy()).groupby(level=0).first()).to_numpy()
    return dup, first


def _geometry_checks(p: _Prepared, c: _Context) -> list[pd.DataFrame]:
    """Empty, not a polygon, invalid (with GEOS's reason; measured after repair)."""
    bad_type = ~p.missing & ~p.polygonal
    types = ft.type_names(shapely.get_type_id(p.geoms[bad_type]))
    to_lonlat = transformer(equal_area(), WGS84)
    reason, where = ft.geos_reasons(p.reasons, lambda x, y: to_lonlat.transform(x, y))
    return [
        _rows("empty", p.feature[p.missing], pd.NA, ft.texts("empty", int(p.missing.sum())), np.nan),
        _rows("not_polygon", p.feature[bad_type], pd.NA,
              ft.texts("not_polygon", int(bad_type.sum()), type=types), np.nan),
        _rows("invalid", p.feature[p.invalid], pd.NA,
              ft.texts("invalid", int(p.invalid.sum()), reason=reason, where=where, mu=ft.amount(p.area[p.invalid])),
              p.area[p.invalid], np.asarray(p.reasons, dtype=object)),
    ]


def _matching_checks(p: _Prepared, c: _Context) -> list[pd.DataFrame]:
    """Parcels that match no project (one each, else a summary added by the caller); blank name/id values."""
    out = []
    if c.each_unmatched:
        unmatched = p.ok & pd.isna(p.project)
        out.append(_rows("unmatched", p.feature[unmatched], pd.NA, ft.texts("unmatched", int(unmatched.sum())), np.nan))
    if c.name_field is not None:
        blank = c.layer[c.name_field].astype("string").str.strip().fillna("").eq("").to_numpy()
        field = ft.Both(repr(c.name_field), c.name_field)
        out.append(_rows("missing_attribute", p.feature[blank], p.project[blank],
                         ft.texts("missing_attribute", int(blank.sum()), field=field), np.nan))
    return out


def _topology_checks(p: _Prepared, c: _Context) -> list[pd.DataFrame]:
    """Duplicates, then overlaps among the rest (shared area in mu, each pair once)."""
    a, b, shared = overlaps(p.geoms, p.ok & ~p.dup, p.dup | p.invalid)
    return [
        _rows("duplicate", p.feature[p.dup], p.project[p.dup],
              ft.texts("duplicate", int(p.dup.sum()), other=p.first[p.dup]), p.first[p.dup]),
        _rows("overlap", p.feature[a], p.project[a],
              ft.texts("overlap", len(a), other=p.feature[b], mu=ft.small_area(shared / M2_PER_MU)),
              shared / M2_PER_MU),
    ]


def _shape_checks(p: _Prepared, c: _Context) -> list[pd.DataFrame]:
    """Multipart parcels; slivers by area or by Polsby–Popper compactness."""
    nparts = shapely.get_num_geometries(p.geoms)
    multi = p.ok & (shapely.get_type_id(p.geoms) == 6) & (nparts > 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        compact = 4 * np.pi * shapely.area(p.geoms) / shapely.length(p.geoms) ** 2
    lim = c.limits
    sliver = p.ok & ((p.area < lim.sliver_mu) | (compact < lim.min_compactness))
    texts = ft.texts("sliver", int(sliver.sum()), mu=ft.small_area(p.area[sliver]),
                     compactness=ft.amount(compact[sliver], digits=3), limit_mu=lim.sliver_mu,
                     limit_compactness=lim.min_compactness)
    return [
        _rows("multipart", p.feature[multi], p.project[multi],
              ft.texts("multipart", int(multi.sum()), parts=nparts[multi]), nparts[multi]),
        _rows("sliver", p.feature[sliver], p.project[sliver], texts, p.area[sliver]),
    ]


def _allocation_checks(p: _Prepared, c: _Context) -> list[pd.DataFrame]:
    """Measured area per project against the plan's allocation (or the plan's "——")."""
    return _area_findings(p.feature[p.ok], p.project[p.ok], p.area[p.ok], c.plan, c.limits.tolerance_pct)


def _zone_checks(p: _Prepared, c: _Context) -> list[pd.DataFrame]:
    """Area of each parcel outside its project's zone."""
    if c.zones is None or "zone_id" not in c.plan.columns:
        return []
    zone_of = c.plan["zone_id"].reindex(pd.Index(p.project, dtype=object)).to_numpy(dtype=object)
    zgeo = c.zones.set_index("zone_id").geometry.to_crs(equal_area())
    targets = np.asarray(zgeo.reindex(pd.Index(zone_of, dtype=object)), dtype=object)
    out = outside_area(p.geoms, targets, p.ok) / M2_PER_MU
    hit = out >= c.limits.min_outside_mu
    zone = ft.Both(_zone_names(c.zones, zone_of[hit], "en"), _zone_names(c.zones, zone_of[hit], "zh"))
    return [_rows("outside_zone", p.feature[hit], p.project[hit],
                  ft.texts("outside_zone", int(hit.sum()), mu=ft.small_area(out[hit]), zone=zone), out[hit])]


def _district_checks(p: _Prepared, c: _Context) -> list[pd.DataFrame]:
    """Area of each parcel outside the union of the districts."""
    if c.districts is None or not len(c.districts):
        return []
    union = shapely.union_all(c.districts.geometry.to_crs(equal_area()).to_numpy())
    out = outside_area(p.geoms, np.full(len(p.geoms), union, dtype=object), p.ok) / M2_PER_MU
    hit = out >= c.limits.min_outside_mu
    return [_rows("outside_districts", p.feature[hit], p.project[hit],
                  ft.texts("outside_districts", int(hit.sum()), mu=ft.small_area(out[hit]), area=ft.plan_area()),
                  out[hit])]


#: The checks, in the order they run; each reads the prepared layer and returns its findings.
STEPS: Final[tuple[Callable[[_Prepared, _Context], list[pd.DataFrame]], ...]] = (
    _geometry_checks, _matching_checks, _topology_checks, _shape_checks, _allocation_checks, _zone_checks,
    _district_checks,
)


def _zone_names(zones: gpd.GeoDataFrame, zone_ids: np.ndarray, lang: str) -> np.ndarray:
    """Each zone of ``zone_ids`` by its name in ``lang`` (``name_<lang>``), or as ``its spatial unit`` where the
    zones give none: a message never shows a zone's id."""
    column = f"name_{lang}"
    found = np.full(len(zone_ids), None, dtype=object)
    if column in zones.columns:
        stripped = zones[column].astype("string").fillna("").str.strip()
        names = stripped.where(stripped != "")
        by_id = pd.Series(names.to_numpy(dtype=object), index=zones["zone_id"].astype(object).to_numpy()).dropna()
        found = by_id[~by_id.index.duplicated()].reindex(pd.Index(zone_ids, dtype=object)).to_numpy(dtype=object)
    unnamed = t("registry.zone_unnamed", lang)
    return np.array([t("registry.zone_named", lang, name=n) if isinstance(n, str) else unnamed for n in found],
                    dtype=object)


def _area_findings(
    feature: np.ndarray, project: np.ndarray, area: np.ndarray, plan: pd.DataFrame, tolerance_pct: float
) -> list[pd.DataFrame]:
    """Per project: measured area of its matched parcels against the allocation."""
    frame = pd.DataFrame({"feature": feature, "project_id": project, "area": area}).dropna(subset=["project_id"])
    if frame.empty:
        return []
    g = frame.groupby("project_id", sort=True)
    per = pd.DataFrame({"measured": g["area"].sum(), "n": g["feature"].size(), "first": g["feature"].min()})
    declared = pd.to_numeric(plan["declared_mu"], errors="coerce") if "declared_mu" in plan.columns else None
    per["allocated"] = declared.reindex(per.index) if declared is not None else np.nan
    per["diff"] = per["measured"] - per["allocated"]
    per["pct"] = per["diff"] / per["allocated"] * 100
    who = ft.parcels_measure(per["n"].to_numpy())
    feat = per["first"].where(per["n"] == 1)
    out = []
    unknown = per["allocated"].isna()
    u = per[unknown]
    out.append(
        _rows(
            "area_unknown",
            feat[unknown].to_numpy(dtype=float),
            u.index.to_numpy(),
            ft.texts(
                "area_unknown",
                len(u),
                who=ft.Both(who.en[unknown.to_numpy()], who.zh[unknown.to_numpy()]),
                measured=ft.amount(u["measured"].to_numpy()),
            ),
            u["measured"].to_numpy(),
        )
    )
    off = ~unknown & (per["pct"].abs() > tolerance_pct)
    o = per[off]
    out.append(
        _rows(
            "area_mismatch",
            feat[off].to_numpy(dtype=float),
            o.index.to_numpy(),
            ft.texts(
                "area_mismatch",
                len(o),
                who=ft.Both(who.en[off.to_numpy()], who.zh[off.to_numpy()]),
                measured=ft.amount(o["measured"].to_numpy()),
                allocated=ft.amount(o["allocated"].to_numpy()),
                pct=ft.signed_pct(o["pct"].to_numpy()),
                tolerance=f"{tolerance_pct:g}",
            ),
            o["diff"].to_numpy(),
        )
    )
    return out


def summarise(findings: pd.DataFrame, parcels: gpd.GeoDataFrame, *, tolerance_pct: float) -> dict[str, Any]:
    """A JSON-ready summary: counts of features, matches, findings by check and severity."""
    flagged = findings["feature"].dropna().nunique()
    by_check = {c: int(n) for c, n in findings["check"].value_counts().items()}
    return {
        "features": len(parcels),
        "matched": int(parcels["project_id"].notna().sum()),
        "unmatched": int(parcels["project_id"].isna().sum()),
        "projects": int(parcels["project_id"].nunique()),
        "measured_mu": round(float(np.nansum(parcels["measured_mu"])), 3),
        "area_method": "equal_area",
        "tolerance_pct": float(tolerance_pct),
        "findings": len(findings),
        "flagged_features": int(flagged),
        "by_severity": {s: int((findings["severity"] == s).sum()) for s in SEVERITIES},
        "by_check": {c: by_check.get(c, 0) for c in CHECKS},
    }
