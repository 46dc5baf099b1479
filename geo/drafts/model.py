"""What a draft of the layout is: its parcels' columns, the plan it belongs to, and the records kept.

A **draft** is a named working copy of a plan's parcels (:class:`Draft`); every
save writes a new :class:`DraftVersion` (1, 2, …) with its author, time and
comment, and nothing is overwritten. A draft's parcels are a GeoDataFrame in
EPSG:4326 with the columns of :data:`PARCEL_COLUMNS`: ``parcel_id`` (stable
within the draft, ``D-`` + 8 hex), ``project_id`` (a plan project, or NA for a
new row), ``name_zh``, ``name_en``, ``track_id``, ``zone_id`` (checked against
the plan's tracks and zones), ``declared_mu`` (Float64, NA allowed), ``note``.

The engine knows no plan's ids: the shells build a :class:`DraftPlan` from the
plan's tables (:meth:`DraftPlan.of`) and hand it in.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.crs import WGS84
from geo.errors import GeoError, Said, said
from geo.store.base import plan_in_use
from geo.store.drafts_sql import (
    PARCEL_COLUMNS,
    Draft,
    DraftConflictError,
    DraftGoneError,
    DraftInUse,
    DraftVersion,
    as_parcels,
)


@dataclass(frozen=True)
class PlanProject:
    """What a draft needs of one plan project: its names, track, zone and declared mu."""

    project_id: str
    name_zh: str
    name_en: str
    track_id: str | None
    zone_id: str | None
    declared_mu: float | None


@dataclass(frozen=True)
class DraftPlan:
    """The plan a draft belongs to: its id, and the tracks, zones and projects a parcel may name."""

    plan_id: str
    track_ids: frozenset[str]
    zone_ids: frozenset[str]
    projects: Mapping[str, PlanProject] = field(default_factory=dict)

    @classmethod
    def of(cls, projects: pd.DataFrame, tracks: pd.DataFrame, zones: pd.DataFrame, *,
           plan_id: str | None = None) -> DraftPlan:
        """From the plan's tables (``layers.load_projects()``, ``load_tracks()``, ``load_zone_table()``).

        ``plan_id``: the plan's id, by default the plan in use's (its package's ``geo:plan.id``); drafts made
        with it carry it, and only that plan's drafts are listed, opened and put in use through it.
        """
        def text(value: object) -> str | None:
            return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]

        found = {
            str(r.project_id): PlanProject(
                str(r.project_id), text(r.name_zh) or "", text(r.name_en) or "", text(r.track_id), text(r.zone_id),
                None if pd.isna(r.declared_mu) else float(r.declared_mu))  # type: ignore[arg-type]
            for r in projects.itertuples(index=False)
        }
        return cls(plan_in_use() if plan_id is None else plan_id, frozenset(map(str, tracks["track_id"])),
                   frozenset(map(str, zones["zone_id"])), found)


def new_parcel_id() -> str:
    """A new parcel id, ``D-`` + 8 hex digits (stable within its draft from then on)."""
    return "D-" + secrets.token_hex(4)


def new_draft_id() -> str:
    """A new draft id, ``dr`` + 10 hex digits."""
    return "dr" + secrets.token_hex(5)


def empty_parcels() -> gpd.GeoDataFrame:
    """A draft with no parcels (the columns of :data:`PARCEL_COLUMNS`, EPSG:4326)."""
    return as_parcels(gpd.GeoDataFrame(pd.DataFrame(columns=list(PARCEL_COLUMNS)), geometry=[], crs=WGS84))


def version_label(name: str, version: int) -> str:
    """How a version is named to people: ``草稿名 v3``."""
    return f"{name} v{version}"


__all__ = [
    "PARCEL_COLUMNS", "Draft", "DraftConflictError", "DraftDataError", "DraftGoneError", "DraftInUse",
    "DraftPlan", "DraftShapeError", "DraftVersion", "PlanProject", "as_parcels", "empty_parcels", "joined",
    "new_draft_id", "new_parcel_id", "parcel_label", "parcel_named", "version_label",
]


class DraftShapeError(GeoError):
    """A drawn parcel's geometry cannot be saved: each problem names the parcel, what is wrong and the fix."""

    def __init__(self, problem: str | Said, *, source: str | None = None, fix: str | Said | None = None,
                 problems: Sequence[str | Said] = ()) -> None:
        super().__init__(problem, source=source, fix=fix)
        #: Every problem found, one sentence each, in English (the message joins them).
        self.problems = [p.text("en") if isinstance(p, Said) else p for p in problems or [problem]]


class DraftDataError(GeoError):
    """A draft's attributes do not fit its plan (unknown project, track or zone; a bad number; a missing column)."""


def parcel_named(row: Mapping[Any, object]) -> str | Said:
    """How a parcel is named in errors: 「name_zh」 (or its English name, project or parcel id), or 「(unnamed)」."""
    for key in ("name_zh", "name_en", "project_id", "parcel_id"):
        value = row.get(key)
        if value is not None and not pd.isna(value) and str(value).strip():  # type: ignore[call-overload]
            return f"「{str(value).strip()}」"
    return said("err.drafts.unnamed")


def parcel_label(row: Mapping[Any, object]) -> str:
    """How a parcel is named in notes: :func:`parcel_named`, in English when it has no name."""
    label = parcel_named(row)
    return label.text("en") if isinstance(label, Said) else label


def joined(problems: Sequence[Said]) -> Said:
    """Several problems as one, ``a; b; c`` (at least one): halves joined, so that deep lists stay shallow."""
    if len(problems) == 1:
        return problems[0]
    half = len(problems) // 2
    return said("err.drafts.join", first=joined(problems[:half]), rest=joined(problems[half:]))
