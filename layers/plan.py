"""The plan's tables and text as data: tracks, projects, text targets, zones.

Files (UTF-8 CSV with a header, in the ``plan/`` folder of the plan package in use,
:func:`geo.plan.current.plan_dir`: ``data/plan/`` by default; see ``data/README.md``):

- ``plan.csv``: the plan itself, one row: its title (Chinese as the text
  names it, and English) and period; maps and reports print it from here.
- ``tracks.csv``: the five tracks (五大赛道), id, names, table, colour.
- ``projects.csv``: every row of 表2–表5 (``T{table}-{row}``) exactly as
  printed, plus areas the text states without a table row (``X-{n}``). An
  empty ``declared_mu``/``output_yi`` is the plan's "——": unknown, never zero.
- ``targets.csv``: every quantitative target the text states, with the
  section and the phrase it comes from.
- ``zones.csv``: the parts of the plan's spatial structure and what the text says of each.
- ``zone_places.csv``: how each place of the tables relates to the place a
  spatial unit's text names (the zone rule's "inferred by place").
- ``baselines.csv``: the figures of the plan's review section (一) at the time of writing.
- ``glossary.csv``: the terms the app, the CLI and the reports use, in both languages.
- ``actions.csv``: the eight 重点行动 of section 四, each heading verbatim with its section and line
  (what 监测评估 records a state for, year by year).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Final

import pandas as pd

from geo.errors import DataError, said
from geo.monitor.model import MonitorPlan
from geo.plan import PlanData
from geo.plan.current import plan_dir
from layers.schema import (
    ACTIONS,
    BASELINES,
    GLOSSARY,
    PLACE_RELATIONS,
    PLAN,
    PROJECTS,
    TARGETS,
    TRACKS,
    ZONE_BASES,
    ZONE_PLACES,
    ZONES,
    Schema,
    check_values,
    read_csv,
)

#: Each table: file name → (schema, allowed values per column). Track and zone ids are the package's own
#: (``tracks.csv``, ``zones.csv``): columns of :data:`KEYS` must hold one of them.
TABLES: Final[dict[str, tuple[Schema, dict[str, tuple[str, ...]]]]] = {
    "plan.csv": (PLAN, {}),
    "tracks.csv": (TRACKS, {}),
    "projects.csv": (PROJECTS, {"zone_basis": ZONE_BASES}),
    "targets.csv": (TARGETS, {}),
    "zones.csv": (ZONES, {}),
    "zone_places.csv": (ZONE_PLACES, {"relation": PLACE_RELATIONS}),
    "baselines.csv": (BASELINES, {}),
    "glossary.csv": (GLOSSARY, {}),
    "actions.csv": (ACTIONS, {}),
}
#: Columns that name a track or a spatial unit of the plan: column → (table, its key column).
KEYS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "projects.csv": {"track_id": ("tracks.csv", "track_id"), "zone_id": ("zones.csv", "zone_id")},
    "zone_places.csv": {"zone_id": ("zones.csv", "zone_id")},
}


def plan_tables_dir() -> Path:
    """The ``plan/`` folder of the package in use (:func:`geo.plan.current.plan_dir`)."""
    return plan_dir() / "plan"


@lru_cache(maxsize=4 * len(TABLES))
def _read(folder: Path, name: str) -> pd.DataFrame:
    """Table ``name`` of the package at ``folder`` (cached per folder, so two plans never mix)."""
    path = folder / "plan" / name
    schema, allowed = TABLES[name]
    frame = read_csv(path, schema)
    for column, values in allowed.items():
        check_values(frame, column, values, source=str(path))
    for column, (table, key) in KEYS.get(name, {}).items():
        ids = tuple(str(v) for v in _read(folder, table)[key].dropna())
        check_values(frame, column, ids, source=str(path))
    return frame


def _table(name: str) -> pd.DataFrame:
    return _read(plan_dir(), name)


def load_plan_info() -> pd.Series:
    """The plan's ``title_zh``, ``title_en``, ``period`` and ``source`` (the one row of plan.csv).

    Titles are data, not code: the print map and reports take them from here.
    """
    frame = _table("plan.csv")
    if len(frame) != 1:
        raise DataError(said("err.layers.plan_rows", n=len(frame)), source=str(plan_tables_dir() / "plan.csv"),
                        fix=said("err.layers.plan_rows_fix"))
    return frame.iloc[0].copy()


def load_tracks() -> pd.DataFrame:
    """The five tracks: ``track_id, name_zh, name_en, table, color, section``."""
    return _table("tracks.csv").copy()


def load_projects() -> pd.DataFrame:
    """Platform projects of 表2–表5 and the text (schema :data:`layers.schema.PROJECTS`)."""
    return _table("projects.csv").copy()


def load_targets() -> pd.DataFrame:
    """Figures the text states (schema :data:`layers.schema.TARGETS`)."""
    return _table("targets.csv").copy()


def load_zone_table() -> pd.DataFrame:
    """The parts of the plan's spatial structure as a table (schema :data:`layers.schema.ZONES`)."""
    return _table("zones.csv").copy()


def load_zone_places() -> pd.DataFrame:
    """Each place of the tables and the spatial unit its place puts it in (schema :data:`layers.schema.ZONE_PLACES`)."""
    return _table("zone_places.csv").copy()


def load_baselines() -> pd.DataFrame:
    """The review section's figures at the time of writing (schema :data:`layers.schema.BASELINES`)."""
    return _table("baselines.csv").copy()


def load_glossary() -> pd.DataFrame:
    """The terms in both languages (schema :data:`layers.schema.GLOSSARY`), one row per ``key``."""
    return _table("glossary.csv").copy()


def load_plan() -> PlanData:
    """Everything the reconciliation needs: title, projects, text targets, tracks, zones."""
    info = load_plan_info()
    return PlanData(names=(str(info["title_zh"]), str(info["title_en"])), projects=load_projects(),
                    targets=load_targets(), tracks=load_tracks(), zones=load_zone_table(),
                    zone_places=load_zone_places(), glossary=load_glossary())


def load_actions() -> pd.DataFrame:
    """The eight 重点行动 of section 四 (schema :data:`layers.schema.ACTIONS`), in the plan's order."""
    return _table("actions.csv").copy()


def plan_period() -> tuple[int, int]:
    """The plan period's first and last year, from plan.csv's ``period`` (``2021–2025``)."""
    text = str(load_plan_info()["period"])
    years = re.fullmatch(r"\s*(\d{4})\s*[–—-]\s*(\d{4})\s*", text)
    if years is None or int(years[1]) > int(years[2]):
        raise DataError(said("err.layers.bad_period", text=text), source=str(plan_tables_dir() / "plan.csv"),
                        fix=said("err.layers.bad_period_fix"))
    return int(years[1]), int(years[2])


def load_monitor_plan() -> MonitorPlan:
    """What 监测评估 needs of the plan: title, period, targets, projects, actions and baselines.

    The evaluation (:mod:`geo.monitor.evaluate`), the template and the report receive this object and
    read no file themselves, so a test can hand them another plan.
    """
    info = load_plan_info()
    return MonitorPlan(title_zh=str(info["title_zh"]), title_en=str(info["title_en"]), period=plan_period(),
                       targets=load_targets(), projects=load_projects(), actions=load_actions(),
                       baselines=load_baselines())
