"""The evaluation rules of 监测评估 (``data/README.md``, "Evaluation rules / 评估规则"), as one pure function.

:func:`status_rows` takes a plan (:class:`~geo.monitor.model.MonitorPlan`) and the recorded actuals and
says, for one year, what the rules make of every target and project: the figure evaluated, its
progress and its status. It reads no file and no store, so the CLI (``monitor status``), the Monitor
page and the report show the same rows, and a test can hand it any plan and any records.
The other functions derive from the same records: :func:`problems` (存在问题), :func:`rollups`
(per track and spatial unit), :func:`changes` (since last year), :func:`action_rows` (重点行动).

The rule numbers in comments are those of ``data/README.md``.
"""

from __future__ import annotations

import math
import numbers
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import pandas as pd

from geo.i18n import pair, t
from geo.monitor.model import ACTION_STATES, STAGES, STATUSES, Actual, MonitorPlan, StatusRow
from geo.plan.notes import footnote

#: Statuses that :func:`problems` lists (存在问题).
PROBLEM_STATUSES: Final = ("behind", "missed")
#: Comparators of targets to reach or exceed (the others, ``<`` and ``<=``, are upper limits).
AT_LEAST: Final = ("=", ">=", ">")
#: Project stages that take a project out of the plan's row (rule 9: ``not_comparable``).
LEFT_PLAN: Final = ("cancelled", "adjusted")
#: The stage at which a project's revenue becomes comparable with the table's output (the plan's footnote).
FULL: Final = "saturated"
#: The fields of a project record, in the order :func:`changes` lists them.
PROJECT_FIELDS: Final = ("stage", "land_mu", "floor_wan_m2", "firms", "revenue_yi")
#: Rollup key of projects the plan puts in no spatial unit (as :data:`geo.plan.projects.NO_ZONE`).
NO_ZONE: Final = "none"
#: Columns of :func:`rollups`, in order (one count column per stage, then ``no_data``).
ROLLUP_COLUMNS: Final = ("scope", "key", "projects", *STAGES, "no_data", "land_supplied_mu", "declared_mu",
                         "declared_unknown", "share")

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-–—]\s*(\d{4}))?\s*$")
_AS_OF_YEAR = re.compile(r"(\d{4})")

#: The unit of a project's row: the unit of ``declared_mu`` as the plan's data writes it (亩).
PROJECT_UNIT: Final = "亩"


def _note(key: str, **values: Any) -> tuple[str, str]:
    """The note ``monitor.note.<key>`` as ``(zh, en)``, both filled with ``values``."""
    return pair(f"monitor.note.{key}", **values)


def _note_each(key: str, zh: Mapping[str, Any], en: Mapping[str, Any]) -> tuple[str, str]:
    """The note ``monitor.note.<key>`` as ``(zh, en)``, each language filled with its own values."""
    return t(f"monitor.note.{key}", "zh", **zh), t(f"monitor.note.{key}", "en", **en)


def _joined(notes: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """Notes as one Chinese and one English text (``；`` / ``; ``)."""
    kept = list(notes)
    zh, en = pair("monitor.note_sep")
    return zh.join(n[0] for n in kept), en.join(n[1] for n in kept)


def _num(value: object) -> float | None:
    """A cell of the plan's tables or a record's field as a float; None for missing (NA, NaN, None, "")."""
    if isinstance(value, numbers.Real):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, str) and value.strip():
        return float(value)
    return None


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def target_years(year: str) -> tuple[int, int] | None:
    """A target's ``year`` cell as ``(first, last)``: ``2025`` → (2025, 2025), ``2021-2025`` → (2021, 2025).

    None for a row without a target year (Y-1–Y-3: the plan period itself; rule 2: not evaluated).
    """
    match = _YEARS.match(year)
    if match is None:
        return None
    first = int(match[1])
    return first, int(match[2] or first)


def is_growth(target: Mapping[str, Any]) -> bool:
    """Rule 5: an annual-growth target has a range of years and the unit %."""
    years = target_years(_text(target.get("year")))
    return years is not None and years[0] < years[1] and _text(target.get("unit")).strip() == "%"


def reached(value: float, target: float, comparator: str) -> bool:
    """Rule 4: ``=``, ``>=`` reach at ≥; ``>`` strictly above; ``<=`` at ≤; ``<`` strictly below."""
    if comparator == ">":
        return value > target
    if comparator == "<":
        return value < target
    if comparator == "<=":
        return value <= target
    return value >= target


def geometric_mean_rate(rates: Sequence[float]) -> float:
    """Rule 5: ((Π(1+g/100))^(1/n) − 1)·100 of yearly rates ``g`` in %."""
    product = math.prod(1 + g / 100 for g in rates)
    if product <= 0:  # a fall of 100 % or more in some year: no real mean rate
        return -100.0
    return (product ** (1 / len(rates)) - 1) * 100


def latest_versions(actuals: Iterable[Actual]) -> list[Actual]:
    """One record per ``(kind, subject_id, year)``: the highest version (of equal versions, the last given).

    The store's :meth:`~geo.store.Office.actuals` already returns these; a history may be passed too.
    """
    best: dict[tuple[str, str, int], Actual] = {}
    for record in actuals:
        held = best.get(record.key)
        if held is None or record.version >= held.version:
            best[record.key] = record
    return list(best.values())


class _Index:
    """The records by ``(kind, subject_id)``, each list sorted by year (latest versions only)."""

    def __init__(self, actuals: Iterable[Actual]) -> None:
        by: dict[tuple[str, str], list[Actual]] = defaultdict(list)
        for record in latest_versions(actuals):
            by[(record.kind, record.subject_id)].append(record)
        self.by = {key: sorted(records, key=lambda r: r.year) for key, records in by.items()}

    def up_to(self, kind: str, subject_id: str, year: int) -> list[Actual]:
        return [r for r in self.by.get((kind, subject_id), []) if r.year <= year]

    def latest(self, kind: str, subject_id: str, year: int) -> Actual | None:
        records = self.up_to(kind, subject_id, year)
        return records[-1] if records else None


def _baselines_by_target(plan: MonitorPlan) -> dict[str, list[dict[str, Any]]]:
    """The baseline rows by the ``target_id`` they measure the same as (read once per evaluation)."""
    by: dict[str, list[dict[str, Any]]] = {}
    if "target_id" in plan.baselines.columns:
        for row in _records(plan.baselines):
            by.setdefault(_text(row.get("target_id")), []).append(row)
    return by


def _baseline(plan: MonitorPlan, baselines: Mapping[str, list[dict[str, Any]]], target_id: str,
              unit: str) -> tuple[float, int] | None:
    """Rule 6: the baseline naming ``target_id`` in its unit, and its year (``截至目前`` → period start − 1)."""
    for row in baselines.get(target_id, []):
        value = _num(row.get("value"))
        if value is None or _text(row.get("unit")).strip() != unit:
            continue
        named = _AS_OF_YEAR.search(_text(row.get("as_of_zh")) or _text(row.get("as_of_en")))
        return value, int(named[1]) if named else plan.period[0] - 1
    return None


def _unit_ok(record: Actual, unit: str) -> bool:
    """Rule 3: no unit is the target's unit; any other must be exactly it."""
    return record.unit is None or not record.unit.strip() or record.unit.strip() == unit


def _target_row(plan: MonitorPlan, target: Mapping[str, Any], index: _Index, year: int,
                baselines: Mapping[str, list[dict[str, Any]]]) -> StatusRow | None:
    """One target's row for ``year`` (rules 1–8); None for rows without a target year (rule 2)."""
    target_id = _text(target["target_id"])
    span = target_years(_text(target.get("year")))
    value = _num(target.get("value"))
    if span is None or value is None:
        return None
    first, last = span
    unit = _text(target.get("unit")).strip()
    comparator = _text(target.get("comparator")).strip() or "="
    value_max = _num(target.get("value_max"))
    base = _baseline(plan, baselines, target_id, unit)
    growth = is_growth(target)
    notes: list[tuple[str, str]] = []
    if value_max is not None:
        notes.append(_note("range", low=value, high=value_max, unit=unit))
    extra: dict[str, Any] = {"comparator": comparator, "value_max": value_max}
    head: dict[str, Any] = {
        "id": target_id, "kind": "target", "name_zh": _text(target.get("name_zh")),
        "name_en": _text(target.get("name_en")), "unit": unit, "baseline": base[0] if base else None,
        "baseline_year": base[1] if base else None, "target": value, "target_year": _text(target.get("year")),
    }

    records = [r for r in index.up_to("target", target_id, year) if r.value is not None]
    if growth:
        records = [r for r in records if first <= r.year <= last]
    if not records:
        return StatusRow(**head, actual=None, actual_year=None, evaluated=None, progress=None, status="no_data",
                         source="", note_zh=_joined(notes)[0], note_en=_joined(notes)[1], extra=extra)
    latest = records[-1]
    used = records if growth else [latest]
    source = "; ".join(dict.fromkeys(r.source for r in used if r.source))
    actual, a_year = float(latest.value or 0.0), latest.year
    if a_year < year:
        notes.append(_note("stale", year=a_year))
    wrong = next((r for r in used if not _unit_ok(r, unit)), None)
    if wrong is not None:
        notes.append(_note("unit", got=(wrong.unit or "").strip(), want=unit))
        extra["record_unit"] = (wrong.unit or "").strip()
        zh, en = _joined(notes)
        return StatusRow(**head, actual=actual, actual_year=a_year, evaluated=None, progress=None,
                         status="not_comparable", source=source, note_zh=zh, note_en=en, extra=extra)

    if growth:
        rates = [float(r.value or 0.0) for r in used]
        evaluated = geometric_mean_rate(rates)
        extra["years"] = [r.year for r in used]
        years = [str(r.year) for r in used]
        notes.insert(0, _note_each("growth", {"years": t("monitor.list_sep", "zh").join(years), "n": len(used)},
                                   {"years": t("monitor.list_sep", "en").join(years), "n": len(used)}))
    else:
        evaluated = actual
    progress: float | None = None  # rule 8: none for growth rates
    if not growth and base is not None and base[0] != value:
        progress = (evaluated - base[0]) / (value - base[0])
    elif not growth and comparator in AT_LEAST and value != 0:
        progress = evaluated / value

    hit = reached(evaluated, value, comparator)
    if a_year >= last:
        status = "achieved" if hit else "missed"
    elif growth:
        status = "on_track" if hit else "behind"
        if hit:
            notes.append(_note("growth_early"))
    elif hit:
        status = "achieved"
    elif base is not None and base[0] != value and last != base[1]:
        pace = (a_year - base[1]) / (last - base[1])
        status = "on_track" if progress is not None and progress >= pace else "behind"
        extra["expected_progress"] = pace
    else:
        status = "in_progress"
    zh, en = _joined(notes)
    return StatusRow(**head, actual=actual, actual_year=a_year, evaluated=evaluated, progress=progress,
                     status=status, source=source, note_zh=zh, note_en=en, extra=extra)


def _revenue_note(record: Actual, output: float | None) -> tuple[str, str]:
    """Rule 9: revenue beside the table's output, only with the footnote's words."""
    shown = _note("output_known", output=output) if output is not None else _note("output_unknown")
    comparable = _note("now_full") if record.stage == FULL else _note("not_yet")
    revenue = float(record.revenue_yi or 0.0)
    note = footnote()  # the plan in use's, read now
    same = {"revenue": revenue, "year": record.year, "table": note.table}
    return _note_each("revenue", {**same, "output": shown[0], "footnote": note.zh, "comparable": comparable[0]},
                      {**same, "output": shown[1], "comparable": comparable[1]})


def _project_row(plan: MonitorPlan, project: Mapping[str, Any], index: _Index, year: int) -> StatusRow:
    """One project's row for ``year`` (rule 9)."""
    project_id = _text(project["project_id"])
    declared = _num(project.get("declared_mu"))
    output = _num(project.get("output_yi"))
    record = index.latest("project", project_id, year)
    notes: list[tuple[str, str]] = []
    if declared is None:
        notes.append(_note("declared_unknown"))
    extra: dict[str, Any] = {"declared_mu": declared, "output_yi": output, "floor_wan_m2": None, "firms": None,
                             "revenue_yi": None}
    head: dict[str, Any] = {
        "id": project_id, "kind": "project", "name_zh": _text(project.get("name_zh")),
        "name_en": _text(project.get("name_en")), "unit": PROJECT_UNIT, "baseline": None, "baseline_year": None,
        "target": declared, "target_year": str(plan.period[1]), "track_id": _text(project.get("track_id")) or None,
        "zone_id": _text(project.get("zone_id")) or None,
    }
    if record is None:
        zh, en = _joined(notes)
        return StatusRow(**head, actual=None, actual_year=None, evaluated=None, progress=None, status="no_data",
                         source="", note_zh=zh, note_en=en, extra=extra)
    extra.update(floor_wan_m2=record.floor_wan_m2, firms=record.firms, revenue_yi=record.revenue_yi)
    land = record.land_mu
    progress = land / declared if land is not None and declared is not None and declared > 0 else None
    if record.year < year:
        notes.append(_note("stale", year=record.year))
    if record.stage in LEFT_PLAN:
        status = "not_comparable"
        stage_zh, stage_en = STAGES[str(record.stage)]
        notes.append(_note_each("left_plan", {"stage": stage_zh}, {"stage": stage_en}))
    elif record.stage == FULL or (land is not None and declared is not None and land >= declared):
        status = "achieved"
    else:
        status = "in_progress"
    if record.revenue_yi is not None:
        notes.append(_revenue_note(record, output))
    zh, en = _joined(notes)
    return StatusRow(**head, actual=land, actual_year=record.year, evaluated=land, progress=progress, status=status,
                     source=record.source, stage=record.stage, note_zh=zh, note_en=en, extra=extra)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def status_rows(plan: MonitorPlan, actuals: Sequence[Actual], year: int) -> list[StatusRow]:
    """What the rules say of every target and project in ``year``: targets first (targets.csv order), then projects.

    ``actuals``: the records (latest versions, or a whole history: the latest version of each
    ``(kind, subject_id, year)`` is used); records of later years than ``year`` are ignored. Targets
    without a target year (the plan period's rows) are left out (rule 2).
    """
    index, baselines = _Index(actuals), _baselines_by_target(plan)
    rows = [row for t in _records(plan.targets)
            if (row := _target_row(plan, t, index, year, baselines)) is not None]
    rows += [_project_row(plan, p, index, year) for p in _records(plan.projects)]
    return rows


def problems(rows: Iterable[StatusRow]) -> list[StatusRow]:
    """The rows ``behind`` or ``missed`` (rule 12: the report's 存在问题), in their order."""
    return [r for r in rows if r.status in PROBLEM_STATUSES]


def rollups(plan: MonitorPlan, rows: Iterable[StatusRow]) -> pd.DataFrame:
    """Per track, per spatial unit and for the whole plan (rule 11): projects per stage, land supplied, declared.

    Columns :data:`ROLLUP_COLUMNS`: ``scope`` (``track``, ``zone``, ``plan``), ``key`` (track_id, zone_id or
    ``none``, ``plan``), ``projects``, one count per stage key of :data:`~geo.monitor.model.STAGES` and
    ``no_data`` (no stage recorded up to the year), ``land_supplied_mu`` (all projects), ``declared_mu`` (the
    known ones), ``declared_unknown`` (how many are “——”), ``share`` (land supplied of the projects whose
    declared mu is known ÷ their declared mu; NaN when none is known). Tracks and units in the order the
    projects table first names them, ``none`` last.
    """
    projects = [r for r in rows if r.kind == "project"]
    groups: dict[tuple[str, str], list[StatusRow]] = {}
    for scope, attr in (("track", "track_id"), ("zone", "zone_id")):
        keys = list(dict.fromkeys(_text(v) or NO_ZONE for v in plan.projects[attr]))
        keys = [k for k in keys if k != NO_ZONE] + ([NO_ZONE] if NO_ZONE in keys else [])
        for key in keys:
            groups[(scope, key)] = [r for r in projects if (getattr(r, attr) or NO_ZONE) == key]
    groups[("plan", "plan")] = projects
    table = []
    for (scope, key), members in groups.items():
        counts = {stage: sum(r.stage == stage for r in members) for stage in STAGES}
        declared = [r for r in members if r.target is not None]
        known_declared = sum(float(r.target or 0.0) for r in declared)
        known_supplied = sum(float(r.actual or 0.0) for r in declared)
        table.append({"scope": scope, "key": key, "projects": len(members), **counts,
                      "no_data": sum(r.stage not in STAGES for r in members),
                      "land_supplied_mu": sum(float(r.actual or 0.0) for r in members),
                      "declared_mu": known_declared, "declared_unknown": len(members) - len(declared),
                      "share": known_supplied / known_declared if known_declared > 0 else math.nan})
    return pd.DataFrame(table, columns=list(ROLLUP_COLUMNS))


def _fields(record: Actual) -> dict[str, Any]:
    if record.kind == "target":
        return {"value": record.value, "unit": record.unit}
    if record.kind == "project":
        return {f: getattr(record, f) for f in PROJECT_FIELDS}
    return {"state": record.state}


def changes(plan: MonitorPlan, actuals: Sequence[Actual], year: int) -> list[dict[str, Any]]:
    """What changed in ``year`` against each subject's latest record before it (rule 13).

    One dict per field that is new or differs: ``kind, id, name_zh, name_en, field, before, after,
    before_year, year, source, change`` (``new`` when no earlier record gives the field, else ``changed``).
    Targets, projects, then actions, each in the plan's order; fields in :data:`PROJECT_FIELDS` order.
    A target's ``unit`` is listed only with its value.
    """
    index = _Index(actuals)
    subjects = [("target", "target_id", plan.targets), ("project", "project_id", plan.projects),
                ("action", "action_id", plan.actions)]
    found: list[dict[str, Any]] = []
    for kind, id_column, frame in subjects:
        for subject in _records(frame):
            sid = _text(subject[id_column])
            now = next((r for r in index.up_to(kind, sid, year) if r.year == year), None)
            if now is None:
                continue
            before = index.latest(kind, sid, year - 1)
            old = _fields(before) if before is not None else {}
            for name, value in _fields(now).items():
                if value is None or name == "unit" or old.get(name) == value:
                    continue
                was = old.get(name)
                found.append({"kind": kind, "id": sid, "name_zh": _text(subject.get("name_zh")),
                              "name_en": _text(subject.get("name_en")), "field": name, "before": was,
                              "after": value, "before_year": before.year if before is not None and was is not None
                              else None, "year": year, "source": now.source,
                              "change": "new" if was is None else "changed"})
                if kind == "target":
                    found[-1]["unit"] = now.unit
    return found


def action_rows(plan: MonitorPlan, actuals: Sequence[Actual], year: int) -> list[dict[str, Any]]:
    """The eight 重点行动 in ``year`` (rule 10): the state of the latest record up to ``year`` and its source.

    One dict per action, in the plan's order: ``id, name_zh, name_en, section, line, state`` (a key of
    :data:`~geo.monitor.model.ACTION_STATES`, or None without a record), ``state_zh, state_en``
    (无数据 / no data without a record), ``actual_year, source, note``.
    """
    index = _Index(actuals)
    out = []
    for action in _records(plan.actions):
        aid = _text(action["action_id"])
        record = index.latest("action", aid, year)
        state = record.state if record is not None and record.state in ACTION_STATES else None
        zh, en = ACTION_STATES[state] if state is not None else STATUSES["no_data"]
        line = _num(action.get("line"))
        out.append({"id": aid, "name_zh": _text(action.get("name_zh")), "name_en": _text(action.get("name_en")),
                    "section": _text(action.get("section")), "line": None if line is None else int(line),
                    "state": state, "state_zh": zh, "state_en": en,
                    "actual_year": record.year if record is not None else None,
                    "source": record.source if record is not None else "",
                    "note": record.note if record is not None else ""})
    return out


__all__ = [
    "AT_LEAST", "PROBLEM_STATUSES", "ROLLUP_COLUMNS", "action_rows", "changes", "geometric_mean_rate",
    "is_growth", "latest_versions", "problems", "reached", "rollups", "status_rows", "target_years",
]
