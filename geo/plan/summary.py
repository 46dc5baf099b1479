"""Summaries for the Totals page: sums for charts, and the reconciliation as CSV/Excel bytes.

Unknown cells ("——") are left out of sums, never counted as 0; the
reconciliation table says how many were left out (``unknown_count``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Final

import pandas as pd

from geo.errors import UsageError
from geo.plan.projects import NO_ZONE


def land_by_zone_and_track(projects: pd.DataFrame) -> pd.DataFrame:
    """Declared land (mu) per zone (rows) and track (columns); absent pairs are 0 mu."""
    frame = projects.assign(zone_id=projects["zone_id"].fillna(NO_ZONE), area=projects["declared_mu"].astype(float))
    table = frame.pivot_table(index="zone_id", columns="track_id", values="area", aggfunc="sum", fill_value=0.0)
    return table.astype(float)


def output_by_track(projects: pd.DataFrame) -> pd.Series:
    """Table output (亿元, at full build-out) per track; unknown cells left out."""
    return projects.groupby("track_id")["output_yi"].sum(min_count=1).astype(float)


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
        raise UsageError(f"unknown table format {fmt!r}", source="download",
                         fix=f"Use one of {', '.join(TABLE_FORMATS)}")
    suffix, mime, write = TABLE_FORMATS[fmt]
    return write(frame), suffix, mime
