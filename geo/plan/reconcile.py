"""Reconcile the plan's tables, its text and the map, per plan, track, zone and project.

For each scope and metric (``land_mu``, ``output_yi``) a row holds:

- ``table_value``: the sum of the table rows (表2–表5) in scope; cells the
  plan writes "——" are excluded and counted in ``unknown_count``;
- ``stated_value``: the figure the text states for that scope, with its source;
- ``mapped_value``: the area measured from the parcels' geometry (land only);
- ``difference`` = table − stated; ``mapped_difference`` = mapped − declared
  (the mu the plan allocates to the mapped projects, table or text);
- ``status``: ``match``, ``differs``, ``not_stated`` (the text gives no
  figure), ``not_comparable`` (the two figures measure different things) or
  ``unknown`` (the tables give no figure for it);
- ``note`` / ``note_zh``: why, in words, including which table rows a stated
  figure adds up from when some subset of them does; ``source``.

Output targets are never comparable with table outputs: the footnote to 表2
says table outputs are values at full build-out, while the text's figures are
2025 revenue (营收) or value added (增加值).
"""

from __future__ import annotations

from itertools import combinations
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.area import measured_mu

COLUMNS: Final = [
    "scope", "key", "metric", "name_zh", "name_en", "table_value", "unknown_count", "row_count",
    "stated_value", "mapped_value", "difference", "mapped_difference", "status", "note", "note_zh", "source",
]
STATUSES: Final = ("match", "differs", "not_stated", "not_comparable", "unknown")
#: Differences at most this large (mu or 亿元) count as a match.
TOLERANCE: Final = 0.5

FOOTNOTE_ZH: Final = "表2中产值目标为到2025年该产业平台全部完成开发、入驻饱和后的预计产值指标，表3、表4、表5、表6同理"
FOOTNOTE_NOTE: Final = (
    "Not comparable: the footnote to 表2 says table outputs are values at full build-out and "
    "occupancy, while the text states a 2025 figure of another kind ({kind}). (The footnote also "
    "names a 表6 the plan does not contain.)"
)
FOOTNOTE_NOTE_ZH: Final = "不可比：表2脚注称表中产值为平台全部建成、入驻饱和后的预计产值，而文本给出的是2025年{kind}。（脚注提及的表6在规划中并不存在。）"
#: Text metrics that count as a track's output figure, in order of preference.
OUTPUT_METRICS: Final = {"revenue_yi": ("revenue 营收", "营收"), "scale_yi": ("industry scale 产业总规模", "产业总规模"),
                         "value_added_yi": ("value added 增加值", "增加值")}


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def find_subset(rows: pd.Series, target: float) -> list[str] | None:
    """The table rows (ids) whose values add up to ``target`` exactly, or ``None``.

    Tries up to 12 known rows (4,096 subsets), largest subsets first, so the
    reading that leaves out the fewest rows wins. A subset that fits is a
    possible reading of the plan, not a proof.
    """
    known = rows.dropna()
    if 0 < len(known) <= 12:
        for size in range(len(known), 0, -1):
            for combo in combinations(known.index, size):
                if abs(known[list(combo)].sum() - target) <= 1e-9:
                    return list(combo)
    return None


def explain_subset(rows: pd.Series, target: float) -> tuple[str, str]:
    """Say (English, Chinese) which table rows add up to ``target`` exactly, if any subset does."""
    known = rows.dropna()
    combo = find_subset(known, target)
    if combo is None:
        return (f"No combination of the table rows adds up to {_fmt(target)}.",
                f"表中任何行的组合之和均不等于{_fmt(target)}。")
    inside = " + ".join(combo)
    left = ", ".join(f"{i} ({_fmt(known[i])})" for i in known.index if i not in combo)
    tail, tail_zh = (f"; it leaves out {left}", f"，未计入{left}") if left else ("", "")
    return f"{_fmt(target)} = {inside} exactly{tail}.", f"{_fmt(target)}恰为{inside}之和{tail_zh}。"


def explain_parts(rows: pd.Series, parts: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Explain a figure the text states in parts (e.g. 研发孵化用地 2978 + 大科学装置 4702).

    Parts that some rows add up to exactly are named with those rows; if one
    part is left, it is compared with the rows left over, with the difference.
    """
    notes, notes_zh, used, open_parts = [], [], [], []
    for r in parts.itertuples():
        combo = find_subset(rows.drop(index=used), float(r.value))
        if combo is None:
            open_parts.append(r)
            continue
        used += combo
        notes.append(f"Stated {r.component} {_fmt(r.value)} = {' + '.join(combo)} exactly.")
        notes_zh.append(f"文本{r.component} {_fmt(r.value)}恰为{' + '.join(combo)}之和。")
    rest = rows.drop(index=used).dropna()
    if len(open_parts) == 1 and len(rest):
        r = open_parts[0]
        diff = rest.sum() - float(r.value)
        notes.append(f"The other rows ({', '.join(rest.index)}) sum to {_fmt(rest.sum())} against the stated "
                     f"{r.component} {_fmt(r.value)}: {'+' if diff > 0 else '−'}{_fmt(abs(diff))}.")
        notes_zh.append(f"其余各行（{', '.join(rest.index)}）合计{_fmt(rest.sum())}，文本{r.component}为"
                        f"{_fmt(r.value)}，相差{_fmt(diff)}。")
    else:
        for r in open_parts:
            en, zh = explain_subset(rows, float(r.value))
            notes.append(f"Stated {r.component}: {en}")
            notes_zh.append(zh)
    return notes, notes_zh


def _status(table: float, stated: float, *, comparable: bool) -> str:
    if pd.isna(table):
        return "unknown"
    if pd.isna(stated):
        return "not_stated"
    if not comparable:
        return "not_comparable"
    return "match" if abs(table - stated) <= TOLERANCE else "differs"


def _targets_for(targets: pd.DataFrame, scope: str, key: str, metric: str) -> pd.DataFrame:
    t = targets
    return t[(t["scope"] == scope) & (t["key"] == key) & (t["metric"] == metric)]


def _quote(rows: pd.DataFrame) -> str:
    return "; ".join(f"{r.section}: “{r.quote}”" for r in rows.itertuples())


def _row(scope: str, key: str, metric: str, names: tuple[str, str], members: pd.DataFrame,
         stated_rows: pd.DataFrame, mapped: float, *, comparable: bool, kind: tuple[str, str] | None = None
         ) -> dict:
    col = "declared_mu" if metric == "land_mu" else "output_yi"
    table_rows = members[members["table"].notna()]
    values = table_rows.set_index("project_id")[col].astype(float)
    unknown = int(values.isna().sum())
    table = float(values.sum()) if values.notna().any() else np.nan
    stated = float(stated_rows["value"].astype(float).sum()) if len(stated_rows) else np.nan
    declared = float(members[col].astype(float).sum()) if members[col].notna().any() else np.nan
    status = _status(table, stated, comparable=comparable)
    diff = table - stated if not (np.isnan(table) or np.isnan(stated)) else np.nan
    notes, notes_zh = [], []
    if status == "unknown":
        notes.append("No table gives this figure" + (f"; the text states {_fmt(stated)}." if not np.isnan(stated) else "."))
        notes_zh.append("表中无此数" + (f"；文本为{_fmt(stated)}。" if not np.isnan(stated) else "。"))
    elif status == "not_stated":
        notes.append("The text states no figure for this; only the table rows are known.")
        notes_zh.append("文本未给出此数，仅有表中数据。")
    elif status == "not_comparable":
        notes.append(FOOTNOTE_NOTE.format(kind=kind[0] if kind else "a target"))
        notes_zh.append(FOOTNOTE_NOTE_ZH.format(kind=kind[1] if kind else "目标"))
    elif status == "match":
        notes.append(f"Table rows sum to the stated {_fmt(stated)}.")
        notes_zh.append(f"表中各行之和与文本{_fmt(stated)}一致。")
    else:
        notes.append(f"Table rows sum to {_fmt(table)}, the text states {_fmt(stated)}: "
                     f"{'+' if diff > 0 else '−'}{_fmt(abs(diff))}.")
        notes_zh.append(f"表中合计{_fmt(table)}，文本为{_fmt(stated)}，相差{_fmt(diff)}。")
    if len(stated_rows) > 1 and status in ("match", "differs"):
        more, more_zh = explain_parts(values, stated_rows)
        notes += more
        notes_zh += more_zh
    elif status == "differs":
        more, more_zh = explain_subset(values, stated)
        notes.append(more)
        notes_zh.append(more_zh)
    if unknown:
        notes.append(f"{unknown} table cell(s) are “——” (unknown) and excluded from the sum.")
        notes_zh.append(f"{unknown}个表格单元为“——”（未知），未计入合计。")
    table_src = f"{', '.join(table_rows['project_id'])}" if len(table_rows) else ""
    source = "; ".join(s for s in (f"table rows {table_src}" if table_src else "", _quote(stated_rows)) if s)
    return {
        "scope": scope, "key": key, "metric": metric, "name_zh": names[0], "name_en": names[1],
        "table_value": table, "unknown_count": unknown, "row_count": len(table_rows), "stated_value": stated,
        "mapped_value": mapped if metric == "land_mu" else np.nan,
        "difference": diff,
        "mapped_difference": mapped - declared if metric == "land_mu" and not np.isnan(declared) else np.nan,
        "status": status, "note": " ".join(notes), "note_zh": "".join(notes_zh), "source": source,
    }


def _output_targets(targets: pd.DataFrame, scope: str, key: str) -> tuple[pd.DataFrame, tuple[str, str] | None]:
    for metric, kind in OUTPUT_METRICS.items():
        rows = _targets_for(targets, scope, key, metric)
        if scope == "track":
            rows = rows[~rows["section"].str.startswith("二")] if (~rows["section"].str.startswith("二")).any() else rows
        if len(rows):
            return rows, kind
    return targets.iloc[0:0], None


def _mapped_mu(parcels: gpd.GeoDataFrame) -> pd.Series:
    """Measured mu by ``project_id``, always from the geometry given (never a stale column); NaN for points."""
    return pd.Series(measured_mu(parcels, source="parcels").to_numpy(), index=parcels["project_id"].to_numpy())


def reconcile(projects: pd.DataFrame, targets: pd.DataFrame, tracks: pd.DataFrame, zones: pd.DataFrame,
              *, parcels: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """All reconciliation rows (columns :data:`COLUMNS`), plan first, then tracks, zones, projects.

    Parameters
    ----------
    projects, targets, tracks, zones
        The plan as loaded by :mod:`layers` (zones: the table or the layer).
    parcels
        Geometry to measure (indicative or a user's surveyed parcels), with a
        ``project_id`` column; ``None`` leaves ``mapped_value`` empty.
    """
    area = _mapped_mu(parcels) if parcels is not None else pd.Series(dtype=float)
    projects = projects.assign(_mapped=projects["project_id"].map(area.groupby(level=0).sum()))

    def mapped(members: pd.DataFrame) -> float:
        return float(members["_mapped"].sum()) if members["_mapped"].notna().any() else np.nan

    rows = []
    plan_names = ("重庆高新区“十四五”高技术服务业发展规划", "Chongqing High-tech Zone high-tech services plan 2021–2025")
    plan_land = _row("plan", "plan", "land_mu", plan_names, projects, _targets_for(targets, "plan", "plan", "land_mu"),
                     mapped(projects), comparable=True)
    track_land = targets[(targets["scope"] == "track") & (targets["metric"] == "land_mu")]
    text_only = float(projects.loc[projects["table"].isna(), "declared_mu"].astype(float).sum())
    plan_land["note"] += (f" The track land figures in 三 add up to {_fmt(track_land['value'].sum())} mu"
                          f" ({' + '.join(_fmt(v) for v in track_land['value'])}); the tables to"
                          f" {_fmt(plan_land['table_value'])}, plus {_fmt(text_only)} stated only in the text.")
    plan_land["note_zh"] += (f"三中各赛道用地合计{_fmt(track_land['value'].sum())}亩；表中合计"
                             f"{_fmt(plan_land['table_value'])}亩，另有仅见于文本的{_fmt(text_only)}亩。")
    rows.append(plan_land)
    out_rows, kind = _output_targets(targets, "plan", "plan")
    plan_out = _row("plan", "plan", "output_yi", plan_names, projects, out_rows, np.nan, comparable=False, kind=kind)
    parts = {t.name_zh: _output_targets(targets, "track", t.track_id)[0] for t in tracks.itertuples()
             if t.track_id != "fintech"}
    total = sum(float(p["value"].sum()) for p in parts.values())
    listing, listing_zh = (
        sep.join(f"{k} {_fmt(p['value'].sum())}{left}{OUTPUT_METRICS[p['metric'].iloc[0]][i]}{right}"
                 for k, p in parts.items() if len(p))
        for i, sep, left, right in ((0, ", ", " (", ")"), (1, "、", "（", "）")))
    plan_out["note"] += f" The four tracks' 2025 figures in 三 — {listing} — add up to {_fmt(total)}."
    plan_out["note_zh"] += f"三中四大赛道2025年目标（{listing_zh}）合计{_fmt(total)}。"
    rows.append(plan_out)
    for t in tracks.itertuples():
        members = projects[projects["track_id"] == t.track_id]
        names = (t.name_zh, t.name_en)
        rows.append(_row("track", t.track_id, "land_mu", names, members,
                         _targets_for(targets, "track", t.track_id, "land_mu"), mapped(members), comparable=True))
        out_rows, kind = _output_targets(targets, "track", t.track_id)
        rows.append(_row("track", t.track_id, "output_yi", names, members, out_rows, np.nan, comparable=False, kind=kind))
    for z in zones.itertuples():
        members = projects[projects["zone_id"] == z.zone_id]
        stated = _targets_for(targets, "zone", z.zone_id, "land_mu")
        if z.zone_id == "core":  # the core's carrier is the 2400-mu 科技金融街 (二（四）, 三（五）)
            stated = _targets_for(targets, "track", "fintech", "land_mu")
        for metric in ("land_mu", "output_yi"):
            rows.append(_row("zone", z.zone_id, metric, (z.name_zh, z.name_en), members,
                             stated if metric == "land_mu" else stated.iloc[0:0], mapped(members), comparable=True))
    for p in projects.itertuples():
        members = projects[projects["project_id"] == p.project_id]
        stated = targets.iloc[0:0]
        if p.project_id.startswith("X-"):
            stated = targets[(targets["metric"] == "land_mu") & (targets["value"] == p.declared_mu)
                             & (targets["quote"].str.contains(p.name_zh, regex=False))]
        for metric in ("land_mu", "output_yi"):
            row = _row("project", p.project_id, metric, (p.name_zh, p.name_en), members,
                       stated if metric == "land_mu" else stated.iloc[0:0], mapped(members), comparable=True)
            row["source"] = p.source
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)
