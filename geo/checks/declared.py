"""The ``declared_area`` check: a 部标坐标txt parcel's 地块面积 against the area of its own points.

A 部标坐标txt states each parcel's area beside its boundary points. The two
disagree when a block was edited by hand, points were dropped or the area was
copied from another parcel — a finding the land bureau wants before the parcel
is checked against the plan. The area of the points is measured the way the
file's own producers measure it: planar, in the file's Gauss–Krüger CRS. The
unit of 地块面积 (公顷 by the standard, m² or 亩 in practice) is inferred for the
whole file by :func:`geo.io.zbtxt.infer_area_unit`, as the reader does.

This check needs what only the reader knows (the format and the file's CRS),
so it runs on the :class:`geo.io.files.ReadResult` beside
:func:`geo.checks.registry.run_checks`, and :func:`add_findings` merges its
findings into the result (:func:`geo.checks.pipeline.check_read` does both).
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.area import M2_PER_MU
from geo.checks import messages as ft
from geo.checks.registry import CHECKS, FINDING_COLUMNS, CheckResult, summarise
from geo.crs import parse_crs
from geo.io.files import ReadResult
from geo.io.zbtxt import FORMAT_KEY, infer_area_unit

CHECK: Final = "declared_area"
#: The column holding the declared area in a layer read from a 部标坐标txt.
DECLARED: Final = "地块面积"


def _empty() -> pd.DataFrame:
    return _frame(
        np.array([], dtype=float), np.array([], dtype=object), ft.Both(np.array([]), np.array([])), np.array([])
    )


def _frame(feature: np.ndarray, project: np.ndarray, text: ft.Both[Any], value: np.ndarray) -> pd.DataFrame:
    """Findings of this check in the columns and dtypes of :data:`geo.checks.registry.FINDING_COLUMNS`."""
    out = pd.DataFrame(
        {
            "feature": pd.array(np.asarray(feature, dtype=float), dtype="Int64"),
            "project_id": pd.array(np.asarray(project, dtype=object), dtype="string"),
            "check": CHECK,
            "severity": CHECKS[CHECK].severity,
            "message": pd.array(np.asarray(text.en, dtype=object), dtype="string"),
            "message_zh": pd.array(np.asarray(text.zh, dtype=object), dtype="string"),
            "value": np.asarray(value, dtype=float),
            "detail": pd.array(np.full(len(text.en), "", dtype=object), dtype="string"),
        }
    )
    return out[list(FINDING_COLUMNS)]


def _half_last_digit(declared: np.ndarray) -> np.ndarray:
    """Half a unit in the last decimal place each value is written with (``5.238`` → 0.0005): its rounding."""
    text = pd.Series(declared).map(lambda v: repr(float(v)))
    decimals = text.str.partition(".")[2].str.len().where(~text.str.contains("e", regex=False), 0)
    return np.asarray(0.5 * 10.0 ** -decimals.to_numpy(dtype=float))


def declared_area_findings(read: ReadResult, parcels: gpd.GeoDataFrame, *, tolerance_pct: float) -> pd.DataFrame:
    """Parcels of a 部标坐标txt whose declared 地块面积 disagrees with the area of their points.

    A parcel is reported when the difference exceeds ``tolerance_pct`` of the
    measured area and the rounding of the declared figure (half a unit in its
    last decimal). If 地块面积 agrees with the points in no unit, every parcel
    with a declared area is reported. Layers read from other formats, and
    features that are not valid polygons (reported by their own checks), give
    no finding.

    Parameters
    ----------
    read
        The file as read (format, CRS of the file, the layer in WGS84).
    parcels
        The checked parcels (:attr:`geo.checks.registry.CheckResult.parcels`), for each feature's ``project_id``.
    tolerance_pct
        Allowed difference, percent of the measured area.

    Returns
    -------
    pandas.DataFrame
        Findings with the columns of :data:`geo.checks.registry.FINDING_COLUMNS`;
        ``value`` is declared − measured, in mu.
    """
    layer = read.layer
    if read.fmt != FORMAT_KEY or DECLARED not in layer.columns or len(layer) == 0:
        return _empty()
    crs = parse_crs(read.crs, source=read.source)
    if not crs.is_projected:
        return _empty()
    geoms = layer.geometry.to_crs(crs).to_numpy()
    usable = np.isin(shapely.get_type_id(geoms), (3, 6)) & shapely.is_valid(geoms)
    measured = np.where(usable, shapely.area(geoms), np.nan)
    declared = layer[DECLARED].to_numpy(dtype=float, na_value=np.nan)
    unit, _ = infer_area_unit(declared, measured)
    compared = np.isfinite(declared) & np.isfinite(measured) & (measured > 0)
    feature = layer.index.to_numpy()
    project = parcels["project_id"].reindex(layer.index).to_numpy(dtype=object)
    if unit is None:
        hit = compared
        text = ft.texts(
            "declared_area_unit",
            int(hit.sum()),
            declared=ft.amount(declared[hit], digits=4),
            ha=ft.amount(measured[hit] / 10000, digits=4),
            m2=ft.amount(measured[hit], digits=1),
        )
        return _frame(feature[hit], project[hit], text, np.full(int(hit.sum()), np.nan))
    declared_m2 = declared * unit.m2
    diff = declared_m2 - measured
    allowed = np.maximum(measured * tolerance_pct / 100, _half_last_digit(declared) * unit.m2)
    hit = compared & (np.abs(diff) > allowed)
    names = ft.Both(unit.en, unit.zh)
    text = ft.texts(
        CHECK,
        int(hit.sum()),
        declared=ft.amount(declared[hit], digits=4),
        unit=names,
        measured=ft.amount(measured[hit] / unit.m2, digits=4),
        pct=ft.signed_pct(diff[hit] / measured[hit] * 100),
        tolerance=f"{tolerance_pct:g}",
    )
    return _frame(feature[hit], project[hit], text, diff[hit] / M2_PER_MU)


def add_findings(result: CheckResult, extra: pd.DataFrame, *, tolerance_pct: float) -> CheckResult:
    """``result`` with the findings ``extra`` merged in report order (:data:`CHECKS`) and the summary recomputed."""
    if extra.empty:
        return result
    order = {c: i for i, c in enumerate(CHECKS)}
    findings = pd.concat([result.findings, extra], ignore_index=True)
    findings = (
        findings.assign(_o=findings["check"].map(order))
        .sort_values(["_o", "feature"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
    return CheckResult(
        findings=findings,
        summary=summarise(findings, result.parcels, tolerance_pct=tolerance_pct),
        parcels=result.parcels,
    )
