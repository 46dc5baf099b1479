"""Pieces of the Monitor page (监测评估): the years, the tables as a user reads them, the chart, the legends.

The rules are :mod:`geo.monitor.evaluate`'s; this module only puts their rows
into the page's words (both languages), colours (status badges, stage colours
of :data:`geo.mapview.stages.STAGE_COLOURS`) and files (the status CSV, the
template, the report). Values a user recorded (sources, notes) reach the page
only in tables, which render text as text.
"""

from __future__ import annotations

import datetime as dt
import html
import tempfile
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, cast

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

import layers
from geo.mapview.stages import NO_DATA, STAGE_COLOURS, stage_label
from geo.mapview.stages import legend as stage_legend_entries
from geo.monitor.evaluate import status_rows
from geo.monitor.model import ACTION_STATES, STAGES, STATUSES, Actual, MonitorPlan, StatusRow
from ui import data
from ui.i18n import lang, pick, t

#: Badge colour of each evaluation status (green reached … red missed, greys for no data / not comparable).
#: The Monitor page's stage map (drawn before the sidebar on a session's first visit, as the Map page's).
MAP_KEY: Final = "mon_map"
STATUS_COLOURS: Final[dict[str, str]] = {
    "achieved": "#1a9850",
    "on_track": "#91cf60",
    "in_progress": "#fee08b",
    "behind": "#fc8d59",
    "missed": "#d73027",
    "no_data": "#d9d9d9",
    "not_comparable": "#969696",
}
#: Statuses whose badge needs white text.
_DARK: Final = frozenset({"achieved", "missed", "not_comparable"})
_DARK_STAGES: Final = frozenset({"operating", "saturated", "cancelled"})

#: The project fields :func:`geo.monitor.evaluate.changes` names → label key.
FIELD_LABELS: Final[dict[str, str]] = {
    "value": "mon_col_actual", "stage": "mon_col_stage", "land_mu": "mon_edit_land",
    "floor_wan_m2": "mon_edit_floor", "firms": "mon_edit_firms", "revenue_yi": "mon_edit_revenue",
    "state": "mon_col_state",
}


@st.cache_resource(show_spinner=False)
def _monitor_plan(folder: str) -> MonitorPlan:
    return layers.load_monitor_plan()


def monitor_plan() -> MonitorPlan:
    """What 监测评估 needs of the plan in use (read once per plan package, shared by every session on it)."""
    return _monitor_plan(data.plan_key())


@st.cache_data(show_spinner=False, max_entries=64)
def _status_rows(folder: str, _plan: MonitorPlan, actuals: tuple[Actual, ...], year: int) -> list[StatusRow]:
    return status_rows(_plan, actuals, year)


def status_rows_of(plan: MonitorPlan, actuals: tuple[Actual, ...], year: int) -> list[StatusRow]:
    """:func:`geo.monitor.evaluate.status_rows` of the records, cached per plan package, records and year (the page
    and its map ask for the same rows; every session opening the page with the same records gets them from here)."""
    return _status_rows(data.plan_key(), plan, actuals, year)


# --- years ------------------------------------------------------------------------------------------------------

def year_choices(plan: MonitorPlan, actuals: Iterable[Actual], today: dt.date | None = None) -> list[int]:
    """The plan's years up to this year (2021 … 2026), and any other year a record names."""
    first, last = plan.period
    now = (today or dt.date.today()).year
    return sorted(set(range(first, max(last, now) + 1)) | {a.year for a in actuals})


def default_year(plan: MonitorPlan, actuals: Iterable[Actual]) -> int:
    """The latest year with records, else the plan's last year."""
    return max((a.year for a in actuals), default=plan.period[1])


def report_year(plan: MonitorPlan, year: int) -> int | None:
    """The year of the annual report for ``year``: itself within the plan period, else None (no report)."""
    first, last = plan.period
    return year if first <= year <= last else None


# --- cells ------------------------------------------------------------------------------------------------------

def status_text(key: str) -> str:
    """A status key in the chosen language."""
    return t(f"monitor.status.{key}") if key in STATUSES else key


def stage_text(key: str | None) -> str:
    """A stage key (None: no record) in the chosen language."""
    return stage_label(key if key in STAGES else NO_DATA, lang())


def _badge(colours: Mapping[str, str], dark: frozenset[str], by_label: Mapping[str, str]) -> Any:
    """A Styler function colouring a cell by the key whose label it holds."""
    def style(label: object) -> str:
        key = by_label.get(str(label))
        if key is None:
            return ""
        fg = "#ffffff" if key in dark else "#000000"
        return f"background-color: {colours[key]}; color: {fg}"
    return style


def _status_labels() -> dict[str, str]:
    return {status_text(k): k for k in STATUSES}


def _stage_labels() -> dict[str, str]:
    return {stage_text(k): k for k in (*STAGES, NO_DATA)}


def _name(row: StatusRow) -> str:
    return pick(row.name_zh, row.name_en)


def target_frame(rows: Sequence[StatusRow]) -> pd.DataFrame:
    """The targets of ``rows`` as the page shows them (columns in the chosen language; ``id`` kept as index)."""
    targets = [r for r in rows if r.kind == "target"]
    return pd.DataFrame({
        t("mon_col_id"): [r.id for r in targets],
        t("mon_col_name"): [_name(r) for r in targets],
        t("mon_col_unit"): [r.unit for r in targets],
        t("mon_col_baseline"): pd.array([r.baseline for r in targets], dtype="Float64"),
        t("mon_col_baseline_year"): pd.array([r.baseline_year for r in targets], dtype="Int64"),
        t("mon_col_target"): pd.array([r.target for r in targets], dtype="Float64"),
        t("mon_col_target_year"): [r.target_year for r in targets],
        t("mon_col_actual"): pd.array([r.actual for r in targets], dtype="Float64"),
        t("mon_col_actual_year"): pd.array([r.actual_year for r in targets], dtype="Int64"),
        t("mon_col_evaluated"): pd.array([r.evaluated for r in targets], dtype="Float64"),
        t("mon_col_progress"): pd.array([r.progress for r in targets], dtype="Float64"),
        t("mon_col_status"): [status_text(r.status) for r in targets],
        t("mon_col_source"): [r.source for r in targets],
        t("mon_col_note"): [pick(r.note_zh, r.note_en) for r in targets],
    })


def project_frame(rows: Sequence[StatusRow], plan: MonitorPlan) -> pd.DataFrame:
    """The projects of ``rows``: stage, land supplied of declared, progress, status, source."""
    projects = [r for r in rows if r.kind == "project"]
    tracks = {str(k): pick(zh, en) for k, zh, en in data.tracks()[["track_id", "name_zh", "name_en"]].itertuples(
        index=False)}
    zones = {str(k): pick(zh, en) for k, zh, en in data.zones()[["zone_id", "name_zh", "name_en"]].itertuples(
        index=False)}
    return pd.DataFrame({
        t("mon_col_id"): [r.id for r in projects],
        t("mon_col_name"): [_name(r) for r in projects],
        t("mon_col_track"): [tracks.get(r.track_id or "", r.track_id or "") for r in projects],
        t("mon_col_zone"): [zones.get(r.zone_id or "", t("no_zone")) for r in projects],
        t("mon_col_stage"): [stage_text(r.stage) for r in projects],
        t("mon_edit_land"): pd.array([r.actual for r in projects], dtype="Float64"),
        t("mon_col_target") + f"（{t('mu')}）": pd.array([r.target for r in projects], dtype="Float64"),
        t("mon_col_progress"): pd.array([r.progress for r in projects], dtype="Float64"),
        t("mon_col_actual_year"): pd.array([r.actual_year for r in projects], dtype="Int64"),
        t("mon_col_status"): [status_text(r.status) for r in projects],
        t("mon_col_source"): [r.source for r in projects],
        t("mon_col_note"): [pick(r.note_zh, r.note_en) for r in projects],
    })


def styled(frame: pd.DataFrame) -> Styler:
    """``frame`` with its status (and stage) cells coloured as badges, numbers shown as the plan writes them."""
    styler = frame.style
    status, stage, progress = t("mon_col_status"), t("mon_col_stage"), t("mon_col_progress")
    if status in frame.columns:
        styler = styler.map(_badge(STATUS_COLOURS, _DARK, _status_labels()), subset=[status])
    if stage in frame.columns:
        styler = styler.map(_badge(STAGE_COLOURS, _DARK_STAGES, _stage_labels()), subset=[stage])
    numbers: list[Hashable] = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c]) and c != progress]
    styler = styler.format("{:,.6g}", subset=numbers, na_rep="—")
    if progress in frame.columns:
        styler = styler.format("{:.1%}", subset=[cast(Hashable, progress)], na_rep="—")
    years: list[Hashable] = [c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])]
    return styler.format("{:d}", subset=years, na_rep="—").hide(axis="index")


def action_frame(actions: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The eight 重点行动 of :func:`geo.monitor.evaluate.action_rows` as the page shows them."""
    return pd.DataFrame({
        t("mon_col_id"): [a["id"] for a in actions],
        t("mon_col_name"): [pick(a["name_zh"], a["name_en"]) for a in actions],
        t("mon_col_state"): [pick(a["state_zh"], a["state_en"]) for a in actions],
        t("mon_col_actual_year"): pd.array([a["actual_year"] for a in actions], dtype="Int64"),
        t("mon_col_source"): [a["source"] for a in actions],
        t("mon_col_note"): [a["note"] for a in actions],
    })


def rollup_frame(table: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The rows of :func:`geo.monitor.evaluate.rollups` for ``scope`` (``track`` or ``zone``), named and labelled.

    Stage columns no project is at are left out; ``no_data`` is always shown.
    """
    part = table[table["scope"] == scope]
    if scope == "track":
        names = {str(k): pick(zh, en) for k, zh, en in data.tracks()[["track_id", "name_zh", "name_en"]].itertuples(
            index=False)}
    else:
        names = {str(k): pick(zh, en) for k, zh, en in data.zones()[["zone_id", "name_zh", "name_en"]].itertuples(
            index=False)}
    label = t("mon_col_track") if scope == "track" else t("mon_col_zone")
    out = pd.DataFrame({label: [names.get(str(k), t("no_zone")) for k in part["key"]],
                        t("project"): part["projects"].astype("Int64").to_numpy()})
    for key in (*STAGES, NO_DATA):
        counts = part[key].astype("Int64")
        if key == NO_DATA or int(counts.sum()) > 0:
            out[stage_text(key)] = counts.to_numpy()
    out[t("mon_edit_land")] = part["land_supplied_mu"].astype("Float64").to_numpy()
    out[t("mon_col_target") + f"（{t('mu')}）"] = part["declared_mu"].astype("Float64").to_numpy()
    out[t("mon_col_progress")] = part["share"].astype("Float64").to_numpy()
    return out


def _shown_value(field: str, value: object) -> str:
    if value is None:
        return "—"
    if field == "stage":
        return stage_text(str(value))
    if field == "state":
        return t(f"monitor.action_state.{value}") if value in ACTION_STATES else str(value)
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


def change_frame(found: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """:func:`geo.monitor.evaluate.changes` as the page shows them: what, before (with its year), now, source."""
    def before(c: Mapping[str, Any]) -> str:
        shown = _shown_value(str(c["field"]), c["before"])
        return f"{shown}（{c['before_year']}）" if c.get("before_year") is not None else shown

    def after(c: Mapping[str, Any]) -> str:
        shown = _shown_value(str(c["field"]), c["after"])
        return f"{shown} {c['unit']}" if c.get("unit") else shown

    return pd.DataFrame({
        t("mon_col_id"): [str(c["id"]) for c in found],
        t("mon_col_name"): [pick(c["name_zh"], c["name_en"]) for c in found],
        t("mon_col_what"): [t(FIELD_LABELS.get(str(c["field"]), "mon_col_value")) for c in found],
        t("mon_col_before"): [before(c) for c in found],
        t("mon_col_after"): [after(c) for c in found],
        t("mon_col_source"): [str(c["source"]) for c in found],
    })


# --- chart ------------------------------------------------------------------------------------------------------

def chart_targets(rows: Sequence[StatusRow]) -> dict[str, str]:
    """Targets that have a figure to chart: ``id`` → ``id 名称（单位）``."""
    return {r.id: f"{r.id} {_name(r)}（{r.unit}）" for r in rows if r.kind == "target" and r.target is not None}


def target_series(row: StatusRow, actuals: Iterable[Actual]) -> pd.DataFrame:
    """The points of one target's chart: its baseline, the value recorded each year (in force), its target.

    Columns ``year`` (int), ``value``, ``series`` (``baseline``/``actual``/``target``); the target is one
    row at its (last) target year. Records in another unit than the target's are left out (not comparable).
    """
    points: list[dict[str, Any]] = []
    if row.baseline is not None and row.baseline_year is not None:
        points.append({"year": row.baseline_year, "value": row.baseline, "series": "baseline"})
    for a in sorted(actuals, key=lambda a: a.year):
        if (a.kind == "target" and a.subject_id == row.id and a.value is not None
                and (not a.unit or a.unit.strip() == row.unit)):
            points.append({"year": a.year, "value": a.value, "series": "actual"})
    end = row.target_year.replace("–", "-").split("-")[-1].strip()
    if row.target is not None and end.isdigit():
        points.append({"year": int(end), "value": row.target, "series": "target"})
    return pd.DataFrame(points, columns=["year", "value", "series"])


def target_chart(row: StatusRow, series: pd.DataFrame, period: tuple[int, int]) -> alt.LayerChart:
    """Baseline → actuals by year (a line with points) and the target as a dashed line (Vega-Lite, no network).

    The year axis runs over the plan period, widened to every year charted.
    """
    names = {k: t(f"mon_series_{k}") for k in ("baseline", "actual", "target")}
    first = min([period[0], *series["year"].astype(int)])
    last = max([period[1], *series["year"].astype(int)])
    frame = series.assign(label=series["series"].map(names))
    colour = alt.Color("label:N", title=t("mon_col_series"),
                       scale=alt.Scale(domain=list(names.values()), range=["#636363", "#2b8cbe", "#d7301f"]))
    x = alt.X("year:O", title=t("mon_col_year"), scale=alt.Scale(domain=list(range(first, last + 1))),
              axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=f"{_name(row)}（{row.unit}）", scale=alt.Scale(zero=False))
    tip = [alt.Tooltip("label:N", title=t("mon_col_series")), alt.Tooltip("year:O", title=t("mon_col_year")),
           alt.Tooltip("value:Q", title=t("mon_col_value"), format=",.6~g")]
    path = alt.Chart(frame[frame["series"] != "target"]).mark_line(point=alt.OverlayMarkDef(size=80)).encode(
        x=x, y=y, color=colour, tooltip=tip)
    line = alt.Chart(frame[frame["series"] == "target"]).mark_rule(strokeDash=[6, 4], size=2).encode(
        y="value:Q", color=colour, tooltip=tip)
    dot = alt.Chart(frame[frame["series"] == "target"]).mark_point(shape="diamond", size=120, filled=True).encode(
        x=x, y=y, color=colour, tooltip=tip)
    return alt.LayerChart(layer=[path, line, dot]).properties(height=280)


# --- legends ----------------------------------------------------------------------------------------------------

def _swatch(colour: str, label: str) -> str:
    return (f'<span class="legend-item" style="display:inline-block;margin:0 12px 4px 0">'
            f'<span style="display:inline-block;width:14px;height:14px;background:{colour};'
            f'vertical-align:middle;margin-right:4px;border-radius:2px"></span>{html.escape(label)}</span>')


def status_legend() -> None:
    """The status badges' colours and names."""
    items = "".join(_swatch(STATUS_COLOURS[k], status_text(k)) for k in STATUSES)
    st.markdown(f'<div class="legend mon-status-legend"><b>{html.escape(t("mon_status_legend"))}</b><br>{items}</div>',
                unsafe_allow_html=True)


def stage_legend() -> None:
    """The map's stage colours and names (no record: grey)."""
    items = "".join(_swatch(colour, label) for _, colour, label in stage_legend_entries(lang()))
    st.markdown(f'<div class="legend mon-stage-legend"><b>{html.escape(t("mon_stage_legend"))}</b><br>{items}</div>',
                unsafe_allow_html=True)


# --- files ------------------------------------------------------------------------------------------------------

def status_csv(rows: Sequence[StatusRow]) -> bytes:
    """The status table as ``monitor status --format csv`` writes it, UTF-8 with BOM (Excel shows the Chinese)."""
    from geo.commands.monitor import MORE_KEYS, STATUS_KEYS, status_records

    frame = pd.DataFrame(status_records(rows), columns=[*STATUS_KEYS, *MORE_KEYS])
    return frame.to_csv(index=False).encode("utf-8-sig")


def template_bytes(plan: MonitorPlan, actuals: Sequence[Actual], year: int) -> bytes:
    """The workbook to fill in for ``year`` (:func:`geo.monitor.template.write_template`)."""
    from geo.monitor.template import write_template

    with tempfile.TemporaryDirectory(prefix="geo-monitor-") as tmp:
        out = Path(tmp) / "template.xlsx"
        write_template(plan, list(actuals), year, out)
        return out.read_bytes()


def report_bytes(plan: MonitorPlan, actuals: Sequence[Actual], year: int, final: bool, language: str,
                 parcels: gpd.GeoDataFrame) -> bytes:
    """The annual report of ``year`` (``final``: the 终期评估) as a Word file, its map drawn from ``parcels``.

    Called when its download button is clicked, outside the script run: everything comes as arguments.
    """
    from geo.monitor.report import build_report, write_docx

    content = build_report(plan, list(actuals), year=year, final=final, lang=language, parcels=parcels)
    with tempfile.TemporaryDirectory(prefix="geo-report-") as tmp:
        out = Path(tmp) / "report.docx"
        write_docx(content, out)
        return out.read_bytes()




# --- single values edited in the page ---------------------------------------------------------------------------

def edit_frame(sheet: str, plan: MonitorPlan, actuals: Iterable[Actual], year: int) -> pd.DataFrame:
    """The rows of template sheet ``sheet`` (``目标`` or ``项目``) for ``year``: the template's columns, the plan's
    ids, names and units, and the values recorded for that very year (empty where none is)."""
    from geo.monitor.template import COLUMNS, SHEET_TARGETS

    columns = COLUMNS[sheet]
    held = {a.subject_id: a for a in sorted(actuals, key=lambda a: a.version)
            if a.year == year and a.kind == ("target" if sheet == SHEET_TARGETS else "project")}
    rows: list[list[Any]] = []
    if sheet == SHEET_TARGETS:
        for tr in plan.targets.itertuples(index=False):
            if str(tr.unit) == "year":
                continue
            a = held.get(str(tr.target_id))
            rows.append([str(tr.target_id), str(tr.name_zh), str(tr.unit), _cell(tr.value), _text(tr.year),
                         None if a is None else a.value, "" if a is None else a.source, "" if a is None else a.note])
        frame = pd.DataFrame(rows, columns=list(columns))
        return frame.astype({columns[3]: "Float64", columns[5]: "Float64"})
    for pr in plan.projects.itertuples(index=False):
        a = held.get(str(pr.project_id))
        stage = "" if a is None or a.stage not in STAGES else STAGES[str(a.stage)][0]
        figures = [None, None, None, None] if a is None else [a.land_mu, a.floor_wan_m2, a.firms, a.revenue_yi]
        rows.append([str(pr.project_id), str(pr.name_zh), stage, *figures, "" if a is None else a.source,
                     "" if a is None else a.note])
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(dict.fromkeys(columns[3:7], "Float64"))


def _cell(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


def _same(a: object, b: object) -> bool:
    empty_a, empty_b = _text(a).strip() == "", _text(b).strip() == ""
    if empty_a or empty_b:
        return empty_a and empty_b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return _text(a).strip() == _text(b).strip()


def changed_rows(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``after`` (an edited copy of ``before``, same index and columns) that differ from ``before``."""
    keep = [i for i in after.index
            if i not in before.index or not all(_same(before.at[i, c], after.at[i, c]) for c in after.columns)]
    return after.loc[keep]


def read_edits(sheet: str, before: pd.DataFrame, after: pd.DataFrame, plan: MonitorPlan,
               actuals: Sequence[Actual], year: int, *, source: str) -> Any:
    """The records of the rows edited in the page, read by the template's own rules
    (:func:`geo.monitor.template.read_filled` of a one-sheet CSV of those rows); None when nothing changed.

    Raises :class:`geo.monitor.template.TemplateError` as an import of the same values would.
    """
    from geo.monitor.template import read_filled

    rows = changed_rows(before, after)
    if rows.empty:
        return None
    with tempfile.TemporaryDirectory(prefix="geo-monitor-edit-") as tmp:
        path = Path(tmp) / f"{sheet}.csv"
        rows.to_csv(path, index=False, encoding="utf-8")
        return read_filled(path, plan, year, actuals, source=source)


def read_upload(name: str, payload: bytes, plan: MonitorPlan, actuals: Sequence[Actual], year: int) -> Any:
    """:func:`geo.monitor.template.read_filled` of an uploaded file (written to a temporary folder, then removed)."""
    from geo.monitor.template import read_filled

    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (".xlsx", ".csv") else ".bin"
    with tempfile.TemporaryDirectory(prefix="geo-monitor-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(payload)
        return read_filled(path, plan, year, actuals, source=name)


def record_frame(records: Sequence[Actual]) -> pd.DataFrame:
    """Records read from a file, before they are saved: what each says (id, year, values, source, note)."""
    figures = ("stage", "land_mu", "floor_wan_m2", "firms", "revenue_yi")

    def values(a: Actual) -> str:
        if a.kind == "target":
            return f"{_shown_value('value', a.value)} {a.unit or ''}".strip()
        if a.kind == "action":
            return _shown_value("state", a.state)
        return "；".join(f"{t(FIELD_LABELS[f])} {_shown_value(f, getattr(a, f))}" for f in figures
                        if getattr(a, f) is not None)

    return pd.DataFrame({
        t("mon_col_id"): [a.subject_id for a in records],
        t("mon_col_year"): [a.year for a in records],
        t("mon_col_value"): [values(a) for a in records],
        t("mon_col_source"): [a.source for a in records],
        t("mon_col_note"): [a.note for a in records],
    })


# --- small lookups the page needs -------------------------------------------------------------------------------

def stages_of(rows: Iterable[StatusRow]) -> tuple[tuple[str, str | None], ...]:
    """``(project_id, stage in force)`` of every project row (the map's colours; hashable for the cache)."""
    return tuple((r.id, r.stage) for r in rows if r.kind == "project")


def supplied_of(rows: Iterable[StatusRow]) -> tuple[tuple[str, float | None], ...]:
    """``(project_id, land supplied)`` of every project row (the map's tooltips)."""
    return tuple((r.id, r.actual) for r in rows if r.kind == "project")


def row_of(rows: Iterable[StatusRow], row_id: str) -> StatusRow:
    """The target row ``row_id``."""
    return next(r for r in rows if r.kind == "target" and r.id == row_id)


def chart_default(rows: Sequence[StatusRow], ids: Sequence[str]) -> str:
    """The target charted first: the first one with a recorded value, else the first one."""
    return next((r.id for r in rows if r.kind == "target" and r.id in ids and r.actual is not None), ids[0])


def years_text(actuals: Iterable[Actual]) -> str:
    """The years records name, ``2023、2024`` (``2023, 2024`` in English)."""
    years = sorted({a.year for a in actuals})
    return t("monitor.list_sep").join(map(str, years))


def edit_columns(sheet: str) -> dict[str, Any]:
    """The data editor's columns for template sheet ``sheet``: the plan's cells locked, the values typed."""
    from geo.monitor.template import COLUMNS, SHEET_TARGETS

    cc = st.column_config
    columns = COLUMNS[sheet]
    if sheet == SHEET_TARGETS:
        locked = {c: cc.Column(t(key), disabled=True) for c, key in zip(
            columns[:5], ("mon_col_id", "mon_col_name", "mon_col_unit", "mon_col_target", "mon_col_target_year"),
            strict=True)}
        return {**locked, columns[5]: cc.NumberColumn(t("mon_col_actual"), format="%g"),
                columns[6]: cc.TextColumn(t("mon_col_source"), max_chars=1000),
                columns[7]: cc.TextColumn(t("mon_col_note"), max_chars=1000)}
    stages = [zh for zh, _ in STAGES.values()]
    return {
        columns[0]: cc.Column(t("mon_col_id"), disabled=True), columns[1]: cc.Column(t("mon_col_name"), disabled=True),
        columns[2]: cc.SelectboxColumn(t("mon_col_stage"), options=stages),
        columns[3]: cc.NumberColumn(t("mon_edit_land"), min_value=0.0, format="%g"),
        columns[4]: cc.NumberColumn(t("mon_edit_floor"), min_value=0.0, format="%g"),
        columns[5]: cc.NumberColumn(t("mon_edit_firms"), min_value=0, step=1, format="%d"),
        columns[6]: cc.NumberColumn(t("mon_edit_revenue"), min_value=0.0, format="%g"),
        columns[7]: cc.TextColumn(t("mon_col_source"), max_chars=1000),
        columns[8]: cc.TextColumn(t("mon_col_note"), max_chars=1000),
    }


__all__ = [
    "FIELD_LABELS", "STATUS_COLOURS", "action_frame", "change_frame", "changed_rows", "chart_default",
    "chart_targets", "default_year", "edit_columns", "edit_frame", "monitor_plan", "project_frame", "read_edits",
    "read_upload", "record_frame", "report_bytes", "report_year", "rollup_frame", "row_of", "stage_legend",
    "stage_text", "stages_of", "status_csv", "status_legend", "status_rows_of", "status_text", "styled",
    "supplied_of",
    "target_chart", "target_frame", "target_series", "template_bytes", "year_choices", "years_text",
]
