"""Reconcile the plan's tables, its text and the map, per plan, track, zone and project.

For each scope and metric (``land_mu``, ``output_yi``) a row holds:

- ``table_value``: the sum of the table rows (表2–表5) in scope; cells the
  plan prints "——" are excluded and counted in ``unknown_count``;
- ``stated_value``: the figure the text states for that scope, and ``stated_measure`` what it measures
  (a glossary key: ``land``, ``available_land``, ``revenue``, ``scale``, ``value_added``);
- ``mapped_value``: the area measured from the parcels' polygons (land only;
  empty where no parcel in scope has a polygon);
- ``difference`` = table − stated, only where the two are the same measure
  (``match`` / ``differs``); ``mapped_difference`` = mapped − declared (the
  mu the plan allocates to the mapped projects, table or text);
- ``stated_basis_mu`` / ``inferred_basis_mu`` (zone land rows): the declared
  mu of the zone's projects put there because its text names them (stated)
  or by their place (inferred), see ``data/README.md``;
- ``status``: ``match``, ``differs``, ``not_stated`` (the text gives no
  figure), ``not_comparable`` (the two figures are different measures),
  ``text_only`` (only the text gives a figure) or ``unknown`` (neither does);
- ``note`` / ``note_zh``, ``source`` / ``source_zh``: why, in words a planner
  can quote (:mod:`geo.plan.notes`): rows named by table and row, the text
  cited by section and line (quoted verbatim in Chinese), a sum that some
  rows match reported as a possible reading with every other that fits and
  what speaks against it.

Output figures are never comparable: the tables give 产值 (output value), which
the footnote to 表2 defines as the output once the platform is fully developed
and occupied; the text gives 营收, 产业总规模 or 增加值.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.area import measured_mu
from geo.plan import notes as nt
from geo.plan.current import meta_value
from geo.plan.notes import MU, YI, Terms, Words, say

COLUMNS: Final = [
    "scope", "key", "metric", "name_zh", "name_en", "table_value", "unknown_count", "row_count",
    "stated_value", "stated_measure", "mapped_value", "difference", "mapped_difference", "stated_basis_mu",
    "inferred_basis_mu", "status", "note", "note_zh", "source", "source_zh",
]
STATUSES: Final = ("match", "differs", "not_stated", "not_comparable", "text_only", "unknown")
#: Differences at most this large (mu or 亿元) count as a match.
TOLERANCE: Final = 0.5
#: Key of the zone row of projects the plan puts in no spatial unit.
NO_ZONE: Final = "none"
#: Text metrics that count as a scope's output figure, in order of preference, with their glossary term.
OUTPUT_METRICS: Final = {"revenue_yi": "revenue", "scale_yi": "scale", "value_added_yi": "value_added"}
#: Most rows a subset search tries (2^12 subsets).
MAX_SUBSET_ROWS: Final = 12
#: A subset within this fraction of the text's figure is named as the nearest reading.
NEAREST_FRACTION: Final = 0.01



def usable_marker() -> str:
    """The plan's usable-land marker (``geo:plan.usable_land.marker_zh``; the built-in plan's is 可用).

    A project whose ``area_note`` is the marker, and a target whose ``quote`` contains it, give available
    (usable) land: another measure than a project's land.
    """
    return str(meta_value("usable_land", "marker_zh"))

def all_subsets(rows: pd.Series, target: float) -> list[list[str]]:
    """Every subset of the known ``rows`` (ids) that adds up to ``target`` exactly, largest first.

    Tries up to :data:`MAX_SUBSET_ROWS` known rows. A subset that fits is a
    possible reading of the plan, not a proof.
    """
    known = rows.dropna()
    found: list[list[str]] = []
    if 0 < len(known) <= MAX_SUBSET_ROWS:
        for size in range(len(known), 0, -1):
            for combo in combinations(known.index, size):
                if abs(float(known[list(combo)].sum()) - target) <= 1e-9:
                    found.append([str(c) for c in combo])
    return found


def find_subset(rows: pd.Series, target: float) -> list[str] | None:
    """The largest subset of ``rows`` that adds up to ``target`` exactly, or ``None``."""
    found = all_subsets(rows, target)
    return found[0] if found else None


def nearest_subset(rows: pd.Series, target: float) -> list[str] | None:
    """The subset whose sum is nearest ``target`` (fewest rows left out on ties), or ``None``."""
    known = rows.dropna()
    best: tuple[float, int, list[str]] | None = None
    if 0 < len(known) <= MAX_SUBSET_ROWS:
        for size in range(len(known), 0, -1):
            for combo in combinations(known.index, size):
                gap = abs(float(known[list(combo)].sum()) - target)
                if best is None or gap < best[0] - 1e-9:
                    best = (gap, size, [str(c) for c in combo])
    return best[2] if best else None


def _status(table: float, stated: float, *, comparable: bool, stated_max: float = np.nan) -> str:
    """The status of a row; a text figure given as a range (``stated``–``stated_max``) matches any value in it."""
    if np.isnan(table):
        return "unknown" if np.isnan(stated) else "text_only"
    if np.isnan(stated):
        return "not_stated"
    if not comparable:
        return "not_comparable"
    return "match" if abs(_off_range(table, stated, stated_max)) <= TOLERANCE else "differs"


def _off_range(table: float, low: float, high: float = np.nan) -> float:
    """How far ``table`` lies from the text's figure: ``table − low``, or for a range its distance beyond a bound
    (0 within ``low``–``high``, negative below, positive above)."""
    if np.isnan(high):
        return table - low
    return table - low if table < low else table - high if table > high else 0.0


def _range_of(stated_rows: pd.DataFrame) -> float:
    """The upper bound of a text figure stated as a range (one target with ``value_max``), else NaN."""
    if len(stated_rows) != 1 or "value_max" not in stated_rows.columns:
        return np.nan
    high = pd.to_numeric(stated_rows["value_max"], errors="coerce").iloc[0]
    return float(high) if pd.notna(high) else np.nan


def _targets_for(targets: pd.DataFrame, scope: str, key: str, metric: str) -> pd.DataFrame:
    t = targets
    return t[(t["scope"] == scope) & (t["key"] == key) & (t["metric"] == metric)]


@dataclass(frozen=True)
class PlanData:
    """The plan as :mod:`layers` loads it from ``data/plan/``: all the engine knows of it.

    ``names`` is the plan's title (zh, en); ``tracks`` with an empty ``table``
    are the text-only tracks; projects with an empty ``table`` are
    the text's own figures (``geo:plan.tables.text_only_id``); ``zones.focus_tracks`` says which track
    a zone is built around; ``zone_places`` says how each region of the tables
    relates to the place a zone's text names; ``glossary`` holds the terms the
    notes use, in both languages.
    """

    names: tuple[str, str]
    projects: pd.DataFrame
    targets: pd.DataFrame
    tracks: pd.DataFrame
    zones: pd.DataFrame
    zone_places: pd.DataFrame = field(default_factory=pd.DataFrame)
    glossary: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class _Ctx:
    plan: PlanData
    terms: Terms
    projects: pd.DataFrame  # with _mapped
    place_of_region: dict[str, str]  # region_zh -> the place of a zone's text it is in, around or is


def reconcile(plan: PlanData, *, parcels: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """All reconciliation rows (columns :data:`COLUMNS`): plan, tracks, zones (and no zone), projects.

    Parameters
    ----------
    plan
        The plan's tables, text targets, tracks, zones, zone places and glossary.
    parcels
        Geometry to measure (indicative or a user's surveyed parcels), with a
        ``project_id`` column; ``None`` leaves ``mapped_value`` empty.
    """
    area = _mapped_mu(parcels) if parcels is not None else pd.Series(dtype=float)
    per_project = area.groupby(level=0).sum(min_count=1)
    projects = plan.projects.assign(_mapped=plan.projects["project_id"].map(per_project).astype(float))
    places = plan.zone_places
    place_of_region = ({str(a): str(b) for a, b in zip(places["place_zh"], places["zone_place_zh"], strict=True)
                        if isinstance(b, str)} if len(places) else {})
    ctx = _Ctx(plan, Terms(plan.glossary), projects, place_of_region)
    rows = [*_plan_rows(ctx), *_track_rows(ctx), *_zone_rows(ctx), *_project_rows(ctx)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _mapped_mu(parcels: gpd.GeoDataFrame) -> pd.Series:
    """Measured mu by ``project_id``, always from the geometry given (never a stale column); NaN for points."""
    return pd.Series(measured_mu(parcels, source="parcels").to_numpy(), index=parcels["project_id"].to_numpy())


def _mapped(members: pd.DataFrame) -> float:
    return float(members["_mapped"].sum()) if members["_mapped"].notna().any() else np.nan


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _by_id(ctx: _Ctx, ids: list[str]) -> list[dict[str, Any]]:
    p = ctx.projects.set_index("project_id", drop=False)
    return _records(p.loc[ids])


def _stated_words(ctx: _Ctx, t: dict[str, Any], unit: str) -> Words:
    """A text figure by name and value: ``<name_en>, 754 mu`` / ``<name_zh>754亩``
    (``over 70`` / ``超70`` where the text says the figure is exceeded)."""
    value = nt.amount(float(t["value"]), unit)
    if t["comparator"] == ">":
        value = say("notes.over", value=value)
    return Words(f"{t['name_en']}, {value.en}", f"{t['name_zh']}{value.zh}")


def _cite(ctx: _Ctx, t: dict[str, Any], unit: str, *, what: str = "named") -> Words:
    """Where the text gives ``t``: quoted in Chinese; in English with the figure by name (``named``), by
    value alone (``value``) or with no figure (``none``), for sentences that already give it."""
    words = (_stated_words(ctx, t, unit) if what == "named"
             else nt.amount(float(t["value"]), unit) if what == "value" else None)
    return nt.cite(ctx.terms, str(t["section"]), t["line"], str(t["quote"]), what=words)


def _cites(ctx: _Ctx, stated_rows: pd.DataFrame, unit: str, *, what: str = "named") -> Words:
    return nt.listing(_cite(ctx, t, unit, what=what) for t in _records(stated_rows))


def _row(ctx: _Ctx, scope: str, key: str, metric: str, names: tuple[str, str], members: pd.DataFrame,
         stated_rows: pd.DataFrame, *, comparable: bool, kind: str | None = None,
         lead: list[Words] | None = None) -> dict[str, object]:
    """One reconciliation row: the table sum, the stated figure, the mapped area, status, notes and sources.

    ``lead`` replaces the sentence that explains the status (for rows whose own words say more).
    """
    col = "declared_mu" if metric == "land_mu" else "output_yi"
    unit = MU if metric == "land_mu" else YI
    table_rows = members[members["table"].notna()]
    values = table_rows.set_index("project_id")[col].astype(float)
    unknown = int(values.isna().sum())
    table = float(values.sum()) if values.notna().any() else np.nan
    stated = float(stated_rows["value"].astype(float).sum()) if len(stated_rows) else np.nan
    declared = float(members[col].astype(float).sum()) if members[col].notna().any() else np.nan
    mapped = _mapped(members) if metric == "land_mu" else np.nan
    stated_max = _range_of(stated_rows)
    status = _status(table, stated, comparable=comparable, stated_max=stated_max)
    usable = stated_rows["quote"].str.contains(usable_marker(), regex=False).any() if len(stated_rows) else False
    measure = (None if not len(stated_rows) else kind if metric != "land_mu"
               else "available_land" if usable else "land")
    notes = (list(lead) if lead is not None
             else [_status_note(ctx, status, table, stated, stated_rows, unit, kind, has_rows=len(table_rows) > 0,
                                stated_max=stated_max)])
    if status in ("match", "differs"):
        notes += (_parts(ctx, values, stated_rows, unit) if len(stated_rows) > 1
                  else _reading(ctx, values, _records(stated_rows)[0], unit)
                  if status == "differs" and np.isnan(stated_max) else [])
        if status == "differs" and any(usable_marker() in str(q) for q in stated_rows["quote"]):
            notes.append(say("notes.text_available"))
    if unknown and len(table_rows) > 1:
        cells = _by_id(ctx, list(values.index[values.isna()]))
        listed = nt.listing(nt.project_name(p) for p in cells)
        notes.append(say("notes.unknown_cells_one", rows=listed) if unknown == 1
                     else say("notes.unknown_cells", n=unknown, rows=listed))
    note = nt.join(notes)
    source = nt.listing([w for w in (nt.table_rows(table_rows) if len(table_rows) else None,
                                     _cites(ctx, stated_rows, unit) if len(stated_rows) else None) if w is not None])
    return {
        "scope": scope, "key": key, "metric": metric, "name_zh": names[0], "name_en": names[1],
        "table_value": table, "unknown_count": unknown, "row_count": len(table_rows), "stated_value": stated,
        "stated_measure": measure, "mapped_value": mapped,
        "difference": _off_range(table, stated, stated_max) if status in ("match", "differs") else np.nan,
        "mapped_difference": mapped - declared if not (np.isnan(mapped) or np.isnan(declared)) else np.nan,
        "stated_basis_mu": np.nan, "inferred_basis_mu": np.nan,
        "status": status, "note": note.en, "note_zh": note.zh,
        "source": source.en if len(table_rows) or len(stated_rows) else "",
        "source_zh": source.zh if len(table_rows) or len(stated_rows) else "",
    }


def _status_note(ctx: _Ctx, status: str, table: float, stated: float, stated_rows: pd.DataFrame, unit: str,
                 kind: str | None, *, has_rows: bool, stated_max: float = np.nan) -> Words:
    """Why a row has its status (a text figure stated as a range: whether the table's sum is within it)."""
    if status == "unknown":
        return say("notes.unknown_cell" if has_rows else "notes.unknown_none")
    if status == "text_only":
        return say("notes.text_only", cite=_cites(ctx, stated_rows, unit))
    if status == "not_stated":
        return say("notes.not_stated")
    if status == "not_comparable":
        note = nt.footnote()
        return say("notes.not_comparable", footnote_table=note.table, footnote_line=note.line, footnote=note.zh,
                   kind=ctx.terms.term(kind or "revenue"), cite=_cites(ctx, stated_rows, unit))
    cites = _cites(ctx, stated_rows, unit, what="value" if len(stated_rows) > 1 else "none")
    total = nt.amount(stated, unit)
    if not np.isnan(stated_max):
        span = nt.amount_range(stated, stated_max, unit)
        if status == "match":
            return say("notes.within_range", table=nt.amount(table, unit), stated=span, cite=cites)
        size, more_less = nt.difference(_off_range(table, stated, stated_max), unit)
        return say("notes.outside_range", table=nt.amount(table, unit), stated=span, cite=cites, diff=size,
                   more_less=more_less)
    if status == "match":
        return say("notes.match", stated=total, cite=cites)
    size, more_less = nt.difference(table - stated, unit)
    return say("notes.differs", table=nt.amount(table, unit), stated=total, cite=cites, diff=size, more_less=more_less)


def _listed(ctx: _Ctx, ids: list[str], values: pd.Series, unit: str, *, with_region: bool = False) -> Words:
    out = []
    for p in _by_id(ctx, ids):
        extra = None
        if with_region:
            region = ctx.terms.of_zh(str(p["region_zh"]))
            place = _place_words(ctx, str(p["region_zh"]))
            extra = region or place
        out.append(nt.project_with(p, values.get(p["project_id"]), unit, extra))
    return nt.listing(out)


def _place_words(ctx: _Ctx, place_zh: str) -> Words:
    places = ctx.plan.zone_places
    hit = places[places["place_zh"] == place_zh] if len(places) else places
    return Words(str(hit["place_en"].iloc[0]), place_zh) if len(hit) else Words(place_zh, place_zh)


def _named_place(ctx: _Ctx, quote: str) -> str | None:
    """The one place of the zones' texts that a sentence names (``<place>片区`` → ``<place>``), if exactly one."""
    named = {p for p in set(ctx.place_of_region.values()) if p and p in quote}
    return named.pop() if len(named) == 1 else None


def _reading(ctx: _Ctx, values: pd.Series, target: dict[str, Any], unit: str) -> list[Words]:
    """Which rows a text figure can be read as the sum of, every other subset that fits, and what speaks against it."""
    value = float(target["value"])
    stated = _stated_words(ctx, target, unit)
    found = all_subsets(values, value)
    if not found:
        out = [say("notes.reading_none", stated=stated)]
        near = nearest_subset(values, value)
        if near is not None and len(near) < values.notna().sum():
            total = float(values[near].sum())
            if abs(total - value) <= NEAREST_FRACTION * value:
                size, more_less = nt.difference(total - value, unit)
                out.append(say("notes.reading_nearest", rows=_listed(ctx, near, values, unit),
                               total=nt.amount(total, unit), diff=size, more_less=more_less))
        return out
    chosen = found[0]
    rows = _listed(ctx, chosen, values, unit)
    if len(found) == 1:
        out = [say("notes.reading_only", stated=stated, rows=rows)]
    else:
        others = nt.listing(_listed(ctx, s, values, unit) for s in found[1:])
        out = [say("notes.reading_others", stated=stated, rows=rows, k=len(found) - 1, others=others)]
    return out + list(_against(ctx, values, chosen, target, unit))


def _against(ctx: _Ctx, values: pd.Series, chosen: list[str], target: dict[str, Any], unit: str) -> Iterator[Words]:
    """What speaks against a reading: rows it counts outside the place the sentence names, rows it leaves out
    inside it, and cells printed "——" that would change the sum."""
    place = _named_place(ctx, str(target["quote"]))
    regions = ctx.projects.set_index("project_id")["region_zh"]
    found = False
    if place is not None:
        outside = [i for i in chosen if ctx.place_of_region.get(str(regions[i])) != place]
        if outside:
            found = True
            yield say("notes.reading_counts_outside", rows=_listed(ctx, outside, values, unit, with_region=True),
                      place=_place_words(ctx, place) if place in ctx.place_of_region else Words(place, place))
        inside = [str(i) for i in values.dropna().index
                  if i not in chosen and ctx.place_of_region.get(str(regions[i])) == place]
        if inside:
            found = True
            yield say("notes.reading_leaves_out", rows=_listed(ctx, inside, values, unit, with_region=True))
    unknown = [str(i) for i in values.index[values.isna()]]
    if unknown:
        found = True
        yield say("notes.reading_unknown", rows=nt.listing(nt.project_name(p) for p in _by_id(ctx, unknown)),
                  stated=nt.amount(float(target["value"]), unit))
    if not found:
        yield say("notes.reading_no_conflict")


def _parts(ctx: _Ctx, values: pd.Series, parts: pd.DataFrame, unit: str) -> list[Words]:
    """Explain a figure the text states in parts (e.g. a track's land as 2978 mu of one kind + 4702 of another).

    A part that some rows add up to exactly is a possible reading (with every
    other subset and what speaks against it); if one part is left, it is
    compared with the rows left over, with the difference.
    """
    out: list[Words] = []
    used: list[str] = []
    open_parts = []
    for part in _records(parts):
        rest = values.drop(index=used)
        found = all_subsets(rest, float(part["value"]))
        if not found:
            open_parts.append(part)
            continue
        out += _reading(ctx, rest, part, unit)
        used += found[0]
    rest = values.drop(index=used).dropna()
    if len(open_parts) == 1 and len(rest):
        part = open_parts[0]
        size, more_less = nt.difference(float(rest.sum()) - float(part["value"]), unit)
        out.append(say("notes.part_rest", rows=_listed(ctx, list(rest.index), values, unit),
                       total=nt.amount(float(rest.sum()), unit), name=Words(str(part["name_en"]), str(part["name_zh"])),
                       stated=nt.amount(float(part["value"]), unit), cite=_cite(ctx, part, unit, what="none"),
                       diff=size, more_less=more_less))
        available = [p for p in _by_id(ctx, list(rest.index)) if p.get("area_note") == usable_marker()]
        if available:
            out.append(say("notes.part_available", rows=nt.listing(nt.project_name(p) for p in available)))
    else:
        for part in open_parts:
            out += _reading(ctx, values, part, unit)
    return out


def _output_targets(targets: pd.DataFrame, scope: str, key: str,
                    section: object = None) -> tuple[pd.DataFrame, str | None]:
    """The text's output figure of a scope and its kind (glossary key).

    For a track, figures stated in the track's own section (``tracks.section``) win over those the plan's
    general targets state for it.
    """
    for metric, kind in OUTPUT_METRICS.items():
        rows = _targets_for(targets, scope, key, metric)
        if scope == "track" and isinstance(section, str) and section.strip():
            own = rows["section"].fillna("").astype(str).str.startswith(section.strip())
            rows = rows[own] if own.any() else rows
        if len(rows):
            return rows, kind
    return targets.iloc[0:0], None


def _plan_rows(ctx: _Ctx) -> list[dict[str, object]]:
    """Land and output of the whole plan, with the text's track figures compared like for like."""
    plan, projects, targets = ctx.plan, ctx.projects, ctx.plan.targets
    tabled = set(plan.tracks.loc[plan.tracks["table"].notna(), "track_id"])
    track_land = targets[(targets["scope"] == "track") & (targets["metric"] == "land_mu")]
    covered = track_land[track_land["key"].isin(tabled)]
    text_total = float(covered["value"].sum())
    table_total = float(projects.loc[projects["table"].notna(), "declared_mu"].astype(float).sum())
    size, more_less = nt.difference(table_total - text_total, MU)
    parts = nt.listing(_stated_words(ctx, t, MU) for t in _records(covered))
    tabled_tracks = nt.tracks_with_tables(plan.tracks)
    lead = [say("notes.plan_land", text=nt.amount(text_total, MU), parts=parts, table=nt.amount(table_total, MU),
                diff=size, more_less=more_less, count=tabled_tracks.how_many, first=tabled_tracks.first,
                last=tabled_tracks.last, tables=tabled_tracks.tables)]
    available = covered[covered["quote"].str.contains(usable_marker(), regex=False)]
    if len(available):
        lead.append(say("notes.plan_land_available",
                        value=nt.listing(nt.amount(float(v), MU) for v in available["value"])))
    mapped = _mapped(projects)
    for p in _records(projects[projects["table"].isna()]):
        t = _text_figure(ctx, p)
        if len(t):
            lead.append(say("notes.plan_land_text_only", project=nt.project_name(p),
                            value=nt.amount(float(p["declared_mu"]), MU), cite=_cites(ctx, t, MU, what="none"),
                            mapped=nt.amount(mapped, MU) if not np.isnan(mapped) else say("notes.none")))
    land = _row(ctx, "plan", "plan", "land_mu", plan.names, projects, _targets_for(targets, "plan", "plan", "land_mu"),
                comparable=True, lead=lead)
    out_rows, kind = _output_targets(targets, "plan", "plan")
    output = _row(ctx, "plan", "plan", "output_yi", plan.names, projects, out_rows, comparable=False, kind=kind)
    groups = []
    kinds: dict[str, list[Words]] = {}
    for track in _records(plan.tracks[plan.tracks["table"].notna()]):
        track_rows, k = _output_targets(targets, "track", str(track["track_id"]), track.get("section"))
        for r in _records(track_rows):
            v = nt.amount(float(r["value"]), YI)
            if r["comparator"] == ">":
                v = say("notes.over", value=v)
            kinds.setdefault(str(k), []).append(Words(f"{track['name_en']} {v.en}", f"{track['name_zh']}{v.zh}"))
    for k, items in kinds.items():
        groups.append(say("notes.kind_group", kind=ctx.terms.term(k), items=nt.listing(items)))
    joined = Words("; ".join(g.en for g in groups), "；".join(g.zh for g in groups))
    _append(output, [say("notes.plan_output_kinds", groups=joined, count=tabled_tracks.how_many,
                         year=meta_value("period", "end"), section=tabled_tracks.chapter), *_footnote_missing()],
            before=False)
    return [land, output]


def _footnote_missing() -> list[Words]:
    """A sentence naming the tables the plan's footnote names but the plan does not have (none: no sentence)."""
    tables = meta_value("tables")
    word = str(tables.get("row_zh", "")).partition("{table}")[0]  # how the plan's text names a table: 表{table}…
    named = sorted({int(n) for n in re.findall(rf"{re.escape(word)}\s*(\d+)", nt.footnote().full_zh)}) if word else []
    have = {int(n) for n in (tables.get("numbers") or [])}
    missing = [n for n in named if n not in have]
    if not missing or not have:
        return []
    names = [say("notes.footnote_table_named", n=n) for n in missing]
    return [say("notes.footnote_missing",
                missing=Words(" and ".join(w.en for w in names), "、".join(w.zh for w in names)))]


def _append(row: dict[str, object], extra: list[Words], *, before: bool) -> None:
    """Add sentences to a row's notes (after its status sentence when ``before`` is false)."""
    more = nt.join(extra)
    row["note"] = f"{more.en} {row['note']}" if before else f"{row['note']} {more.en}"
    row["note_zh"] = f"{more.zh}{row['note_zh']}" if before else f"{row['note_zh']}{more.zh}"


def _track_rows(ctx: _Ctx) -> list[dict[str, object]]:
    """Land and output per track: table rows against the track's section of 三."""
    rows = []
    for t in ctx.plan.tracks.itertuples():
        members = ctx.projects[ctx.projects["track_id"] == t.track_id]
        names = (str(t.name_zh), str(t.name_en))
        rows.append(_row(ctx, "track", str(t.track_id), "land_mu", names, members,
                         _targets_for(ctx.plan.targets, "track", str(t.track_id), "land_mu"), comparable=True))
        out_rows, kind = _output_targets(ctx.plan.targets, "track", str(t.track_id), getattr(t, "section", None))
        rows.append(_row(ctx, "track", str(t.track_id), "output_yi", names, members, out_rows, comparable=False,
                         kind=kind))
    return rows


def _zone_stated_land(ctx: _Ctx, zone: Any) -> tuple[pd.DataFrame, bool]:
    """The land figure the text states for a zone, and whether it is an inference.

    Where the text states none for a zone, and the zone is built around one text-only
    track (``zones.focus_tracks``), the track's land figure is taken, and that is an
    inference: the zone rule puts the track's text-only project in the zone by its place.
    """
    stated = _targets_for(ctx.plan.targets, "zone", zone.zone_id, "land_mu")
    focus = zone.focus_tracks.split(";") if isinstance(zone.focus_tracks, str) else [""]  # empty cell: <NA>
    text_only = set(ctx.plan.tracks.loc[ctx.plan.tracks["table"].isna(), "track_id"])
    if stated.empty and len(focus) == 1 and focus[0] in text_only:
        return _targets_for(ctx.plan.targets, "track", focus[0], "land_mu"), True
    return stated, False


def _basis_split(ctx: _Ctx, members: pd.DataFrame) -> tuple[float, float, list[Words]]:
    """Declared mu of a zone's members by zone basis (stated, inferred), and the sentence that says so."""
    mu = members["declared_mu"].astype(float)
    stated = members[members["zone_basis"] == "stated"]
    inferred = members[members["zone_basis"] == "inferred"]
    s, i = float(mu[stated.index].sum()), float(mu[inferred.index].sum())
    total = float(mu.sum())

    def rows(frame: pd.DataFrame, *, place: bool) -> Words:
        return nt.listing(nt.project_with(p, p["declared_mu"], extra=_place_words(ctx, str(p["region_zh"])) if place
                                          else None) for p in _records(frame))

    return s, i, [say("notes.zone_split", table=nt.amount(total, MU), stated=nt.amount(s, MU),
                      stated_rows=rows(stated, place=False), inferred=nt.amount(i, MU),
                      inferred_rows=rows(inferred, place=True))]


def _zone_rows(ctx: _Ctx) -> list[dict[str, object]]:
    """Land and output per zone of the plan's structure, and of the projects in none, with the stated/inferred split."""
    rows = []
    projects = ctx.projects
    for z in ctx.plan.zones.itertuples():
        members = projects[projects["zone_id"] == z.zone_id]
        stated, inferred_figure = _zone_stated_land(ctx, z)
        names = (str(z.name_zh), str(z.name_en))
        s, i, split = _basis_split(ctx, members)
        lead = [say("notes.zone_no_figure", section=nt.layout_section(ctx.plan.zones))]
        if inferred_figure and len(stated):
            zone = Words(names[1], names[0])
            lead = [say("notes.zone_inferred_figure", zone=zone, stated=nt.amount(float(p["declared_mu"]), MU),
                        project=nt.project_name(p), cite=_cites(ctx, _text_figure(ctx, p), MU, what="none"),
                        place=_place_words(ctx, str(p["region_zh"])))
                    for p in _records(members[members["table"].isna() & (members["zone_basis"] == "inferred")])]
        land = _row(ctx, "zone", str(z.zone_id), "land_mu", names, members, stated, comparable=True, lead=lead)
        land["stated_basis_mu"], land["inferred_basis_mu"] = s, i
        _append(land, split, before=False)
        rows.append(land)
        rows.append(_row(ctx, "zone", str(z.zone_id), "output_yi", names, members, stated.iloc[0:0], comparable=True))
    none = projects[projects["zone_id"].isna()]
    if len(none):
        term = ctx.terms.term("no_unit")
        names = (term.zh, term.en)
        places = nt.listing(_place_words(ctx, r) for r in dict.fromkeys(none["region_zh"].astype(str)))
        for metric in ("land_mu", "output_yi"):
            row = _row(ctx, "zone", NO_ZONE, metric, names, none, ctx.plan.targets.iloc[0:0], comparable=True)
            _append(row, [say("notes.zone_none", places=places, section=nt.layout_section(ctx.plan.zones))],
                    before=True)
            rows.append(row)
    return rows


def _text_figure(ctx: _Ctx, p: dict[str, Any]) -> pd.DataFrame:
    """The sentence of the text that states a text-only project's land (``<name_zh> 2400亩``)."""
    t = ctx.plan.targets
    hit = (t["metric"] == "land_mu") & (t["value"] == p["declared_mu"]) & t["quote"].str.contains(
        str(p["name_zh"]), regex=False)
    found: pd.DataFrame = t.loc[hit.fillna(False).astype(bool)]
    return found


def _project_rows(ctx: _Ctx) -> list[dict[str, object]]:
    """Land and output per project; a text-only project is compared with the sentence that states it."""
    rows = []
    targets = ctx.plan.targets
    for p in _records(ctx.projects):
        members = ctx.projects[ctx.projects["project_id"] == p["project_id"]]
        stated = _text_figure(ctx, p) if pd.isna(p["table"]) else targets.iloc[0:0]
        for metric in ("land_mu", "output_yi"):
            row = _row(ctx, "project", str(p["project_id"]), metric, (str(p["name_zh"]), str(p["name_en"])), members,
                       stated if metric == "land_mu" else stated.iloc[0:0], comparable=True)
            if pd.isna(p["table"]):
                src = _cites(ctx, stated, MU) if len(stated) else Words("", "")
                row["source"], row["source_zh"] = src.en, str(p["source"])
            else:
                row["source"], row["source_zh"] = f"Table {p['table']}, row {p['row']}", str(p["source"])
            rows.append(row)
    return rows
