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

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Final

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


def _status_notes(status: str, table: float, stated: float, kind: tuple[str, str] | None) -> tuple[str, str]:
    """Why a row has its status, in English and in Chinese."""
    if status == "unknown":
        tail = (f"; the text states {_fmt(stated)}.", f"；文本为{_fmt(stated)}。") if not np.isnan(stated) else (".", "。")
        return "No table gives this figure" + tail[0], "表中无此数" + tail[1]
    if status == "not_stated":
        return "The text states no figure for this; only the table rows are known.", "文本未给出此数，仅有表中数据。"
    if status == "not_comparable":
        return (FOOTNOTE_NOTE.format(kind=kind[0] if kind else "a target"),
                FOOTNOTE_NOTE_ZH.format(kind=kind[1] if kind else "目标"))
    if status == "match":
        return f"Table rows sum to the stated {_fmt(stated)}.", f"表中各行之和与文本{_fmt(stated)}一致。"
    diff = table - stated
    return (f"Table rows sum to {_fmt(table)}, the text states {_fmt(stated)}: "
            f"{'+' if diff > 0 else '−'}{_fmt(abs(diff))}.",
            f"表中合计{_fmt(table)}，文本为{_fmt(stated)}，相差{_fmt(diff)}。")


def _row(scope: str, key: str, metric: str, names: tuple[str, str], members: pd.DataFrame,
         stated_rows: pd.DataFrame, mapped: float, *, comparable: bool, kind: tuple[str, str] | None = None
         ) -> dict[str, object]:
    """One reconciliation row: the table sum, the stated figure, the mapped area, status and notes."""
    col = "declared_mu" if metric == "land_mu" else "output_yi"
    table_rows = members[members["table"].notna()]
    values = table_rows.set_index("project_id")[col].astype(float)
    unknown = int(values.isna().sum())
    table = float(values.sum()) if values.notna().any() else np.nan
    stated = float(stated_rows["value"].astype(float).sum()) if len(stated_rows) else np.nan
    declared = float(members[col].astype(float).sum()) if members[col].notna().any() else np.nan
    status = _status(table, stated, comparable=comparable)
    first = _status_notes(status, table, stated, kind)
    notes, notes_zh = [first[0]], [first[1]]
    if len(stated_rows) > 1 and status in ("match", "differs"):
        more, more_zh = explain_parts(values, stated_rows)
        notes += more
        notes_zh += more_zh
    elif status == "differs":
        en, zh = explain_subset(values, stated)
        notes.append(en)
        notes_zh.append(zh)
    if unknown:
        notes.append(f"{unknown} table cell(s) are “——” (unknown) and excluded from the sum.")
        notes_zh.append(f"{unknown}个表格单元为“——”（未知），未计入合计。")
    table_src = f"{', '.join(table_rows['project_id'])}" if len(table_rows) else ""
    source = "; ".join(s for s in (f"table rows {table_src}" if table_src else "", _quote(stated_rows)) if s)
    return {
        "scope": scope, "key": key, "metric": metric, "name_zh": names[0], "name_en": names[1],
        "table_value": table, "unknown_count": unknown, "row_count": len(table_rows), "stated_value": stated,
        "mapped_value": mapped if metric == "land_mu" else np.nan,
        "difference": table - stated if not (np.isnan(table) or np.isnan(stated)) else np.nan,
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


@dataclass(frozen=True)
class PlanData:
    """The plan as :mod:`layers` loads it from ``data/plan/``: all the engine knows of it.

    ``names`` is the plan's title (zh, en); ``tracks`` with an empty ``table``
    are the text-only tracks (科技金融); projects with an empty ``table`` are
    the text's own figures (科技金融街); ``zones.focus_tracks`` says which track
    a zone is built around.
    """

    names: tuple[str, str]
    projects: pd.DataFrame
    targets: pd.DataFrame
    tracks: pd.DataFrame
    zones: pd.DataFrame


def reconcile(plan: PlanData, *, parcels: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """All reconciliation rows (columns :data:`COLUMNS`), plan first, then tracks, zones, projects.

    Parameters
    ----------
    plan
        The plan's tables, text targets, tracks and zones.
    parcels
        Geometry to measure (indicative or a user's surveyed parcels), with a
        ``project_id`` column; ``None`` leaves ``mapped_value`` empty.
    """
    area = _mapped_mu(parcels) if parcels is not None else pd.Series(dtype=float)
    projects = plan.projects.assign(_mapped=plan.projects["project_id"].map(area.groupby(level=0).sum()))
    rows = [*_plan_rows(plan, projects), *_track_rows(plan, projects), *_zone_rows(plan, projects),
            *_project_rows(plan, projects)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _mapped(members: pd.DataFrame) -> float:
    return float(members["_mapped"].sum()) if members["_mapped"].notna().any() else np.nan


def _plan_rows(plan: PlanData, projects: pd.DataFrame) -> list[dict[str, object]]:
    """Land and output of the whole plan, with how the tracks' text figures add up."""
    targets = plan.targets
    land = _row("plan", "plan", "land_mu", plan.names, projects, _targets_for(targets, "plan", "plan", "land_mu"),
                _mapped(projects), comparable=True)
    track_land = targets[(targets["scope"] == "track") & (targets["metric"] == "land_mu")]
    text_only = float(projects.loc[projects["table"].isna(), "declared_mu"].astype(float).sum())
    land["note"] = f"{land['note']} The track land figures in 三 add up to {_fmt(track_land['value'].sum())} mu" + (
        f" ({' + '.join(_fmt(v) for v in track_land['value'])}); the tables to"
        f" {_fmt(float(land['table_value']))}, plus {_fmt(text_only)} stated only in the text.")
    land["note_zh"] = f"{land['note_zh']}三中各赛道用地合计{_fmt(track_land['value'].sum())}亩；表中合计" + (
        f"{_fmt(float(land['table_value']))}亩，另有仅见于文本的{_fmt(text_only)}亩。")
    out_rows, kind = _output_targets(targets, "plan", "plan")
    output = _row("plan", "plan", "output_yi", plan.names, projects, out_rows, np.nan, comparable=False, kind=kind)
    # the plan's revenue target covers the tracks that have a table (表2–表5), not the text-only ones
    parts = {t.name_zh: _output_targets(targets, "track", t.track_id)[0] for t in plan.tracks.itertuples()
             if pd.notna(t.table)}
    total = sum(float(p["value"].sum()) for p in parts.values())
    listing, listing_zh = (
        sep.join(f"{k} {_fmt(p['value'].sum())}{left}{OUTPUT_METRICS[p['metric'].iloc[0]][i]}{right}"
                 for k, p in parts.items() if len(p))
        for i, sep, left, right in ((0, ", ", " (", ")"), (1, "、", "（", "）")))
    output["note"] = f"{output['note']} The four tracks' 2025 figures in 三 — {listing} — add up to {_fmt(total)}."
    output["note_zh"] = f"{output['note_zh']}三中四大赛道2025年目标（{listing_zh}）合计{_fmt(total)}。"
    return [land, output]


def _track_rows(plan: PlanData, projects: pd.DataFrame) -> list[dict[str, object]]:
    """Land and output per track: table rows against the track's section of 三."""
    rows = []
    for t in plan.tracks.itertuples():
        members = projects[projects["track_id"] == t.track_id]
        names = (t.name_zh, t.name_en)
        rows.append(_row("track", t.track_id, "land_mu", names, members,
                         _targets_for(plan.targets, "track", t.track_id, "land_mu"), _mapped(members),
                         comparable=True))
        out_rows, kind = _output_targets(plan.targets, "track", t.track_id)
        rows.append(_row("track", t.track_id, "output_yi", names, members, out_rows, np.nan, comparable=False,
                         kind=kind))
    return rows


def _zone_stated_land(plan: PlanData, zone: Any) -> pd.DataFrame:
    """The land figure the text states for a zone; else, for a zone built around one text-only track
    (一核 and 科技金融, 二（四）/三（五）), that track's land figure."""
    stated = _targets_for(plan.targets, "zone", zone.zone_id, "land_mu")
    focus = str(zone.focus_tracks or "").split(";")
    text_only = set(plan.tracks.loc[plan.tracks["table"].isna(), "track_id"])
    if stated.empty and len(focus) == 1 and focus[0] in text_only:
        stated = _targets_for(plan.targets, "track", focus[0], "land_mu")
    return stated


def _zone_rows(plan: PlanData, projects: pd.DataFrame) -> list[dict[str, object]]:
    """Land and output per zone of 一核双圈两片."""
    rows = []
    for z in plan.zones.itertuples():
        members = projects[projects["zone_id"] == z.zone_id]
        stated = _zone_stated_land(plan, z)
        for metric in ("land_mu", "output_yi"):
            rows.append(_row("zone", z.zone_id, metric, (z.name_zh, z.name_en), members,
                             stated if metric == "land_mu" else stated.iloc[0:0], _mapped(members), comparable=True))
    return rows


def _project_rows(plan: PlanData, projects: pd.DataFrame) -> list[dict[str, object]]:
    """Land and output per project; a text-only project is compared with the sentence that states it."""
    rows = []
    targets = plan.targets
    for p in projects.itertuples():
        members = projects[projects["project_id"] == p.project_id]
        stated = targets.iloc[0:0]
        if pd.isna(p.table):
            stated = targets[(targets["metric"] == "land_mu") & (targets["value"] == p.declared_mu)
                             & (targets["quote"].str.contains(p.name_zh, regex=False))]
        for metric in ("land_mu", "output_yi"):
            row = _row("project", p.project_id, metric, (p.name_zh, p.name_en), members,
                       stated if metric == "land_mu" else stated.iloc[0:0], _mapped(members), comparable=True)
            row["source"] = p.source
            rows.append(row)
    return rows
