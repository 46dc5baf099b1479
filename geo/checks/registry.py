"""Check surveyed parcels against the plan, all problems in one pass.

Every check runs on whole arrays with Shapely 2 (no Python loop over
features), and every check runs: a parcel with an invalid ring is still
measured (after :func:`shapely.make_valid`), matched and tested for overlaps.
Areas are measured in the zone-centred equal-area projection
(:data:`geo.crs.EQUAL_AREA`), which equals the ellipsoidal area to better than
0.001 % here. Overlaps are found with GEOS coverage validation (only parcels
whose edges do not match a neighbour's can overlap), then an STRtree query and
an exact 2-D relate on those candidates.

Findings are a DataFrame with the columns of :data:`FINDING_COLUMNS`; the
meaning of ``value`` for each check is in :data:`CHECKS`. Each finding is
described twice, ``message`` in English and ``message_zh`` in Chinese, both
built on whole arrays from the templates of :mod:`geo.checks.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.checks import messages as ft  # the module (texts), not messages_in
from geo.area import M2_PER_MU
from geo.crs import EQUAL_AREA
from geo.errors import UsageError
from geo.checks.matching import match_parcels
from geo.checks.topology import outside_area, overlaps, polygon_parts

FINDING_COLUMNS: Final = ("feature", "project_id", "check", "severity", "message", "message_zh", "value")
SEVERITIES: Final = ("error", "warning", "info")


@dataclass(frozen=True)
class Check:
    """A check's severity, bilingual name and the meaning of its ``value``."""

    severity: str
    zh: str
    en: str
    value: str


#: The checks, in report order.
CHECKS: Final[dict[str, Check]] = {
    "empty": Check("error", "空几何", "empty geometry", "—"),
    "not_polygon": Check("error", "非面要素", "not a polygon", "—"),
    "invalid": Check("error", "几何无效", "invalid geometry", "area in mu after make-valid"),
    "duplicate": Check("error", "重复地块", "duplicate parcel", "feature number it duplicates"),
    "overlap": Check("error", "地块重叠", "overlapping parcels", "overlap in mu"),
    "area_mismatch": Check("warning", "面积与规划不符", "area differs from allocation", "measured − allocated, mu"),
    "declared_area": Check("warning", "申报面积与界址点不符", "declared area differs from its points", "declared − measured, mu"),
    "outside_zone": Check("warning", "超出所属片区", "outside the assigned zone", "area outside, mu"),
    "outside_districts": Check("warning", "超出高新区范围", "outside the zone's districts", "area outside, mu"),
    "unmatched": Check("warning", "未匹配项目", "not matched to a plan project", "—"),
    "missing_attribute": Check("warning", "属性缺失", "missing attribute", "—"),
    "multipart": Check("warning", "多部件地块", "multipart parcel", "number of parts"),
    "sliver": Check("warning", "细碎图斑", "sliver", "area in mu"),
    "area_unknown": Check("info", "规划面积未知", "allocation unknown in the plan", "measured area, mu"),
}


@dataclass
class CheckResult:
    """Findings, a summary and the layer with ``project_id``/``measured_mu``/``checks`` columns."""

    findings: pd.DataFrame
    summary: dict
    parcels: gpd.GeoDataFrame


def _rows(check: str, feature, project, text: ft.Both, value) -> pd.DataFrame:
    """Findings of one check with their English and Chinese ``text``; scalars are broadcast."""
    n = len(text.en)

    def col(v, dtype=object):
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

    Returns
    -------
    CheckResult
    """
    if not tolerance_pct >= 0:
        raise UsageError(
            f"tolerance {tolerance_pct!r} is not a non-negative percentage",
            source="tolerance",
            fix="Give a percentage such as 1 or 0.5",
        )
    feature = layer.index.to_numpy()
    geoms = layer.geometry.to_crs(EQUAL_AREA).to_numpy()
    parts: list[pd.DataFrame] = []

    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~missing
    parts.append(
        _rows("empty", feature[missing], pd.NA, ft.texts("empty", int(missing.sum())), np.nan)
    )
    bad_type = ~missing & ~polygonal
    parts.append(
        _rows(
            "not_polygon",
            feature[bad_type],
            pd.NA,
            ft.texts("not_polygon", int(bad_type.sum()), type=ft.type_names(shapely.get_type_id(geoms[bad_type]))),
            np.nan,
        )
    )
    invalid = polygonal & ~shapely.is_valid(geoms)
    reasons = shapely.is_valid_reason(geoms[invalid])
    geoms[invalid] = polygon_parts(shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False))
    area = np.where(polygonal, shapely.area(geoms), np.nan) / M2_PER_MU
    parts.append(
        _rows(
            "invalid",
            feature[invalid],
            pd.NA,
            ft.texts("invalid", int(invalid.sum()), reason=reasons, mu=ft.amount(area[invalid])),
            area[invalid],
        )
    )
    ok = polygonal & ~shapely.is_empty(geoms)

    matches = match_parcels(layer, plan_parcels, name_field=name_field)
    project = matches["project_id"].to_numpy(dtype=object)
    unmatched = ok & pd.isna(project)
    parts.append(
        _rows(
            "unmatched",
            feature[unmatched],
            pd.NA,
            ft.texts("unmatched", int(unmatched.sum())),
            np.nan,
        )
    )
    if name_field is not None:
        blank = layer[name_field].astype("string").str.strip().fillna("").eq("").to_numpy()
        parts.append(
            _rows(
                "missing_attribute",
                feature[blank],
                project[blank],
                ft.texts("missing_attribute", int(blank.sum()), field=ft.Both(repr(name_field), name_field)),
                np.nan,
            )
        )

    key = pd.Series(
        shapely.to_wkb(shapely.normalize(shapely.transform(geoms, lambda c: np.round(c, 2)))), index=feature
    )
    dup = key.duplicated(keep="first").to_numpy() & ok
    first = key.map(pd.Series(feature, index=key.to_numpy()).groupby(level=0).first()).to_numpy()
    parts.append(
        _rows(
            "duplicate",
            feature[dup],
            project[dup],
            ft.texts("duplicate", int(dup.sum()), other=first[dup]),
            first[dup],
        )
    )

    a, b, shared = overlaps(geoms, ok & ~dup, dup | invalid)
    parts.append(
        _rows(
            "overlap",
            feature[a],
            project[a],
            ft.texts("overlap", len(a), other=feature[b], mu=ft.small_area(shared / M2_PER_MU)),
            shared / M2_PER_MU,
        )
    )

    nparts = shapely.get_num_geometries(geoms)
    multi = ok & (shapely.get_type_id(geoms) == 6) & (nparts > 1)
    parts.append(
        _rows(
            "multipart",
            feature[multi],
            project[multi],
            ft.texts("multipart", int(multi.sum()), parts=nparts[multi]),
            nparts[multi],
        )
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        compact = 4 * np.pi * shapely.area(geoms) / shapely.length(geoms) ** 2
    sliver = ok & ((area < sliver_mu) | (compact < min_compactness))
    parts.append(
        _rows(
            "sliver",
            feature[sliver],
            project[sliver],
            ft.texts(
                "sliver",
                int(sliver.sum()),
                mu=ft.small_area(area[sliver]),
                compactness=ft.amount(compact[sliver], digits=3),
                limit_mu=sliver_mu,
                limit_compactness=min_compactness,
            ),
            area[sliver],
        )
    )

    plan = plan_parcels.drop_duplicates("project_id").set_index("project_id")
    parts += _area_findings(feature[ok], project[ok], area[ok], plan, tolerance_pct)
    if zones is not None and "zone_id" in plan.columns:
        zone_of = plan["zone_id"].reindex(pd.Index(project, dtype=object)).to_numpy(dtype=object)
        zgeo = zones.set_index("zone_id").geometry.to_crs(EQUAL_AREA)
        zarr = zgeo.reindex(pd.Index(zone_of, dtype=object)).to_numpy()
        out = outside_area(geoms, zarr, ok) / M2_PER_MU
        hit = out >= min_outside_mu
        parts.append(
            _rows(
                "outside_zone",
                feature[hit],
                project[hit],
                ft.texts(
                    "outside_zone",
                    int(hit.sum()),
                    mu=ft.small_area(out[hit]),
                    zone=ft.Both(zone_of[hit], _zone_names_zh(zones, zone_of[hit])),
                ),
                out[hit],
            )
        )
    if districts is not None and len(districts):
        union = shapely.union_all(districts.geometry.to_crs(EQUAL_AREA).to_numpy())
        out = outside_area(geoms, np.full(len(geoms), union, dtype=object), ok) / M2_PER_MU
        hit = out >= min_outside_mu
        parts.append(
            _rows(
                "outside_districts",
                feature[hit],
                project[hit],
                ft.texts("outside_districts", int(hit.sum()), mu=ft.small_area(out[hit])),
                out[hit],
            )
        )

    findings = pd.concat(
        [p for p in parts if len(p)] or [_rows("empty", [], [], ft.texts("empty", 0), [])], ignore_index=True
    )
    order = {c: i for i, c in enumerate(CHECKS)}
    findings = (
        findings.assign(_o=findings["check"].map(order))
        .sort_values(["_o", "feature"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
    parcels = layer.assign(
        project_id=pd.array(project, dtype="string"), match_by=matches["match_by"].to_numpy(), measured_mu=area
    )
    return CheckResult(
        findings=findings, summary=summarise(findings, parcels, tolerance_pct=tolerance_pct), parcels=parcels
    )


def _zone_names_zh(zones: gpd.GeoDataFrame, zone_ids: np.ndarray) -> np.ndarray:
    """The Chinese names of the zones ``zone_ids``; the id where ``zones`` has no ``name_zh`` for it."""
    if "name_zh" not in zones.columns:
        return zone_ids
    names = zones["name_zh"].astype("string").str.strip().replace("", pd.NA)
    by_id = pd.Series(names.to_numpy(dtype=object), index=zones["zone_id"].astype(object).to_numpy()).dropna()
    found = by_id[~by_id.index.duplicated()].reindex(pd.Index(zone_ids, dtype=object)).to_numpy(dtype=object)
    return np.where(pd.isna(found), zone_ids, found)


def _area_findings(
    feature: np.ndarray, project: np.ndarray, area: np.ndarray, plan: pd.DataFrame, tolerance_pct: float
) -> list[pd.DataFrame]:
    """Per project: measured area of its matched parcels against the allocation."""
    frame = pd.DataFrame({"feature": feature, "project_id": project, "area": area}).dropna(subset=["project_id"])
    if frame.empty:
        return []
    g = frame.groupby("project_id", sort=True)
    per = pd.DataFrame({"measured": g["area"].sum(), "n": g["feature"].size(), "first": g["feature"].min()})
    per["allocated"] = (
        pd.to_numeric(plan["declared_mu"], errors="coerce").reindex(per.index) if "declared_mu" in plan.columns else np.nan
    )
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


def summarise(findings: pd.DataFrame, parcels: gpd.GeoDataFrame, *, tolerance_pct: float) -> dict:
    """A JSON-ready summary: counts of features, matches, findings by check and severity."""
    flagged = findings["feature"].dropna().nunique()
    by_check = {c: int(n) for c, n in findings["check"].value_counts().items()}
    return {
        "features": int(len(parcels)),
        "matched": int(parcels["project_id"].notna().sum()),
        "unmatched": int(parcels["project_id"].isna().sum()),
        "projects": int(parcels["project_id"].nunique()),
        "measured_mu": round(float(np.nansum(parcels["measured_mu"])), 3),
        "area_method": "equal_area",
        "tolerance_pct": float(tolerance_pct),
        "findings": int(len(findings)),
        "flagged_features": int(flagged),
        "by_severity": {s: int((findings["severity"] == s).sum()) for s in SEVERITIES},
        "by_check": {c: by_check.get(c, 0) for c in CHECKS},
    }
