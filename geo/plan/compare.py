"""Two plans' totals side by side, as the reconciliation counts them, each figure with the rows it adds up.

:mod:`geo.plan.diff` says which projects were added, removed or changed; this module gives the per-track and
per-zone totals of two plans side by side with the numbers the Totals page shows for each plan: the table
sums of :func:`geo.plan.reconcile.reconcile` (``table_value``: the plan's table rows, "——" cells left out and
counted in ``unknown_count``), so a comparison never disagrees with either plan's own totals.

- :func:`table_totals`: one plan's side: per track or zone, land and output with their unknown cells and
  the table rows they add up (``Table 2 rows 1–7`` / ``表2第1–7行``). Call it with the plan in use
  (:func:`geo.plan.current.using_plan`): the rows are named by that plan's numbering.
- :func:`side_by_side`: two sides joined by key, with B − A. A difference is unknown (NA) when either
  figure is unknown or the key is absent from one plan (``in_a`` / ``in_b`` say which): "——" is never 0.
- :func:`project_sources`: where each project's row is (``Table 2, row 1`` / ``表2 第1行``).
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from geo.plan import notes as nt
from geo.plan.reconcile import NO_ZONE

#: Scopes :func:`table_totals` sums over, and the project column each groups by.
SCOPES: Final[dict[str, str]] = {"track": "track_id", "zone": "zone_id"}
#: Metrics of a side (reconciliation ``metric`` values).
METRICS: Final = ("land_mu", "output_yi")
#: Columns of :func:`table_totals`.
SIDE_COLUMNS: Final = ("key", "name_zh", "name_en", "land_mu", "land_mu_unknown", "output_yi", "output_yi_unknown",
                       "rows", "source", "source_zh")
#: Columns of :func:`side_by_side`.
PAIR_COLUMNS: Final = ("key", "name_zh", "name_en", "in_a", "in_b",
                       "land_mu_a", "land_mu_b", "land_mu_diff", "land_mu_unknown_a", "land_mu_unknown_b",
                       "output_yi_a", "output_yi_b", "output_yi_diff", "output_yi_unknown_a", "output_yi_unknown_b",
                       "source_a", "source_zh_a", "source_b", "source_zh_b")


def table_totals(recon: pd.DataFrame, projects: pd.DataFrame, *, scope: str) -> pd.DataFrame:
    """One plan's table totals per track or per zone (columns :data:`SIDE_COLUMNS`), in the reconciliation's order.

    Parameters
    ----------
    recon
        The plan's reconciliation (:func:`geo.plan.reconcile.reconcile`); its ``table_value`` and
        ``unknown_count`` are the figures.
    projects
        The plan's projects (``project_id``, ``table``, ``row``, ``track_id``, ``zone_id``, names): the
        rows each figure adds up, named as ``source``/``source_zh`` (only table rows: a figure of the text is
        not in the sum).
    scope
        ``track`` or ``zone`` (``zone`` includes the projects in no zone, key :data:`NO_ZONE`).
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {sorted(SCOPES)}, not {scope!r}")
    column = SCOPES[scope]
    rows = recon[recon["scope"] == scope]
    out = []
    for key in dict.fromkeys(rows["key"].astype(str)):
        mine = rows[rows["key"].astype(str) == key].set_index("metric")
        member = (projects[column].isna() if scope == "zone" and key == NO_ZONE
                  else projects[column].astype("string") == key)
        tabled = projects[member.fillna(False).to_numpy(dtype=bool) & projects["table"].notna().to_numpy(dtype=bool)]
        source = nt.table_rows(tabled) if len(tabled) else None
        first = mine.iloc[0]
        record: dict[str, object] = {"key": key, "name_zh": first["name_zh"], "name_en": first["name_en"]}
        for metric in METRICS:
            value: object = mine["table_value"].get(metric, pd.NA)
            record[metric] = pd.NA if pd.isna(value) else float(value)  # type: ignore[call-overload,arg-type]
            record[f"{metric}_unknown"] = int(mine["unknown_count"].get(metric, 0))
        record.update(rows=len(tabled), source=source.en if source else "", source_zh=source.zh if source else "")
        out.append(record)
    frame = pd.DataFrame(out, columns=list(SIDE_COLUMNS))
    for metric in METRICS:
        frame[metric] = frame[metric].astype("Float64")
    return frame


def _minus(b: object, a: object) -> object:
    """B − A; unknown (NA) when either is unknown or absent."""
    if pd.isna(a) or pd.isna(b):  # type: ignore[call-overload]
        return pd.NA
    return float(b) - float(a)  # type: ignore[arg-type]


def side_by_side(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Two plans' :func:`table_totals` of one scope joined by key (A's order, then B's new keys), with B − A.

    Columns :data:`PAIR_COLUMNS`. Names are A's where both plans have the key. A key absent from one plan has
    ``in_a``/``in_b`` False there, its figures NA and no difference (absent is not 0, and not "——" either).
    """
    ia, ib = a.set_index("key"), b.set_index("key")
    out = []
    for key in dict.fromkeys([*a["key"], *b["key"]]):
        ra = ia.loc[key] if key in ia.index else None
        rb = ib.loc[key] if key in ib.index else None
        named = ra if ra is not None else rb
        assert named is not None
        record: dict[str, object] = {"key": key, "name_zh": named["name_zh"], "name_en": named["name_en"],
                                     "in_a": ra is not None, "in_b": rb is not None}
        for metric in METRICS:
            va = ra[metric] if ra is not None else pd.NA
            vb = rb[metric] if rb is not None else pd.NA
            record.update({f"{metric}_a": va, f"{metric}_b": vb, f"{metric}_diff": _minus(vb, va),
                           f"{metric}_unknown_a": int(ra[f"{metric}_unknown"]) if ra is not None else 0,
                           f"{metric}_unknown_b": int(rb[f"{metric}_unknown"]) if rb is not None else 0})
        for side, r in (("a", ra), ("b", rb)):
            record[f"source_{side}"] = str(r["source"]) if r is not None else ""
            record[f"source_zh_{side}"] = str(r["source_zh"]) if r is not None else ""
        out.append(record)
    frame = pd.DataFrame(out, columns=list(PAIR_COLUMNS))
    for metric in METRICS:
        for suffix in ("a", "b", "diff"):
            frame[f"{metric}_{suffix}"] = frame[f"{metric}_{suffix}"].astype("Float64")
    return frame


def project_sources(recon: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Project id → where its row is, ``(English, Chinese)``, from the reconciliation's project rows."""
    rows = recon[(recon["scope"] == "project") & (recon["metric"] == "land_mu")]
    return {str(k): (str(en), str(zh)) for k, en, zh in zip(rows["key"], rows["source"], rows["source_zh"],
                                                             strict=True)}


__all__ = ["METRICS", "PAIR_COLUMNS", "SCOPES", "SIDE_COLUMNS", "project_sources", "side_by_side", "table_totals"]
