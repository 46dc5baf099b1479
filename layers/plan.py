"""The plan's tables and text as data: tracks, projects, text targets, zones.

Files (UTF-8 CSV with a header, in ``data/plan/``; see ``data/README.md``):

- ``tracks.csv``: the five tracks (五大赛道), id, names, table, colour.
- ``projects.csv``: every row of 表2–表5 (``T{table}-{row}``) exactly as
  printed, plus areas the text states without a table row (``X-{n}``). An
  empty ``area_mu``/``output_yi`` is the plan's "——": unknown, never zero.
- ``targets.csv``: every quantitative target the text states, with the
  section and the phrase it comes from.
- ``zones.csv``: the five parts of 一核双圈两片 and what the text says of each.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from layers.schema import (
    DATA_DIR, PROJECTS, TARGETS, TRACK_IDS, TRACKS, ZONE_IDS, ZONES, check_values, read_csv,
)

PLAN_DIR = DATA_DIR / "plan"


@lru_cache(maxsize=1)
def _tracks() -> pd.DataFrame:
    path = PLAN_DIR / "tracks.csv"
    frame = read_csv(path, TRACKS)
    check_values(frame, "track_id", TRACK_IDS, source=str(path))
    return frame


def load_tracks() -> pd.DataFrame:
    """The five tracks: ``track_id, name_zh, name_en, table, color, section``."""
    return _tracks().copy()


@lru_cache(maxsize=1)
def _projects() -> pd.DataFrame:
    path = PLAN_DIR / "projects.csv"
    frame = read_csv(path, PROJECTS)
    check_values(frame, "track_id", TRACK_IDS, source=str(path))
    check_values(frame, "zone_id", ZONE_IDS, source=str(path))
    return frame


def load_projects() -> pd.DataFrame:
    """Platform projects of 表2–表5 and the text (schema :data:`layers.schema.PROJECTS`)."""
    return _projects().copy()


@lru_cache(maxsize=1)
def _targets() -> pd.DataFrame:
    return read_csv(PLAN_DIR / "targets.csv", TARGETS)


def load_targets() -> pd.DataFrame:
    """Figures the text states (schema :data:`layers.schema.TARGETS`)."""
    return _targets().copy()


@lru_cache(maxsize=1)
def _zone_table() -> pd.DataFrame:
    path = PLAN_DIR / "zones.csv"
    frame = read_csv(path, ZONES)
    check_values(frame, "zone_id", ZONE_IDS, source=str(path))
    return frame


def load_zone_table() -> pd.DataFrame:
    """The parts of 一核双圈两片 as a table (schema :data:`layers.schema.ZONES`)."""
    return _zone_table().copy()
