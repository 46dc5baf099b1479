"""Summaries for the Totals page: sums for charts, and the reconciliation as CSV/Excel bytes.

Unknown cells ("——") are left out of sums, never counted as 0; the
reconciliation table says how many were left out (``unknown_count``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Final

import pandas as pd

from geo.errors import UsageError, said
from geo.plan.projects import NO_ZONE


def land_by_zone_and_track(projects: pd.DataFrame) -> pd.DataFrame:
    """Declared land (mu) per zone (rows) and track (columns); absent pairs are 0 mu."""
    frame = projects.assign(zone_id=projects["zone_id"].fillna(NO_ZONE), area=projects["declared_mu"].astype(float))
    table = frame.pivot_table(index="zone_id", columns="track_id", values="area", aggfunc="sum", fill_value=0.0)
    return table.astype(float)


def output_by_track(projects: pd.DataFrame) -> pd.Series:
    """Table output (亿元, at full build-out) per track; unknown cells left out."""
    return projects.groupby("track_id")["output_yi"].sum(min_count=1).astype(float)


#: The three sources of a reconciled figure, in bar order: reconciliation column → series key.
COMPARISON_SERIES: Final[dict[str, str]] = {"table_value": "table", "stated_value": "text", "mapped_value": "map"}


def comparison(recon: pd.DataFrame, *, scope: str, metric: str = "land_mu") -> pd.DataFrame:
    """Table vs text vs map of one scope (``track``/``zone``) and metric, long-form for grouped bars.

    One row per (``key``, ``series``) that has a value: ``key, name_zh, name_en,
    order, series`` (``table``/``text``/``map``), ``value`` and
    ``unknown_count`` (table cells "——" left out of the table sum). A missing
    figure — a track with no table, a zone the text gives no figure for — has
    **no row**, so a chart shows no bar rather than a bar of 0.
    """
    rows = recon[(recon["scope"] == scope) & (recon["metric"] == metric)].reset_index(drop=True)
    base = rows[["key", "name_zh", "name_en", "unknown_count"]].assign(order=range(len(rows)))
    parts = []
    for column, series in COMPARISON_SERIES.items():
        values = pd.to_numeric(rows[column], errors="coerce").astype(float)
        parts.append(base.assign(series=series, value=values)[values.notna().to_numpy()])
    if not parts:
        return pd.DataFrame(columns=["key", "name_zh", "name_en", "order", "series", "value", "unknown_count"])
    out = pd.concat(parts, ignore_index=True)
    out["unknown_count"] = pd.to_numeric(out["unknown_count"], errors="coerce").fillna(0).astype(int)
    rank = {k: i for i, k in enumerate(COMPARISON_SERIES.values())}
    out = out.sort_values(["order", "series"], key=lambda c: c.map(rank) if c.name == "series" else c)
    return out[["key", "name_zh", "name_en", "order", "series", "value", "unknown_count"]].reset_index(drop=True)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8-sig")


def _xlsx(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="reconciliation")
    return buffer.getvalue()


#: Table formats for downloads: key -> (suffix, MIME type, writer).
TABLE_FORMATS: Final[dict[str, tuple[str, str, Callable[[pd.DataFrame], bytes]]]] = {
    "csv": (".csv", "text/csv", _csv),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx),
}


def table_bytes(frame: pd.DataFrame, *, fmt: str) -> tuple[bytes, str, str]:
    """``frame`` as a file in memory: (bytes, suffix, MIME type). CSV is UTF-8 with BOM for Excel."""
    if fmt not in TABLE_FORMATS:
        raise UsageError(said("err.plan.unknown_table_format", fmt=fmt), source="download",
                         fix=said("err.plan.use_one_of_fix", choices=", ".join(TABLE_FORMATS)))
    suffix, mime, write = TABLE_FORMATS[fmt]
    return write(frame), suffix, mime
