"""The records of 监测评估: what happened, year by year, and what the rules make of it.

An :class:`Actual` is one fact a user recorded about one subject in one year:

- ``kind="target"``: a figure of ``targets.csv`` (``subject_id`` = ``target_id``):
  ``value`` in the target's ``unit``;
- ``kind="project"``: a row of ``projects.csv`` (``subject_id`` = ``project_id``):
  ``stage`` (:data:`STAGES`), ``land_mu`` (已供地), ``floor_wan_m2`` (建成面积,
  万平方米), ``firms`` (入驻企业, 家), ``revenue_yi`` (营收, 亿元);
- ``kind="action"``: one of the eight 重点行动 of section 四 (``actions.csv``,
  ``subject_id`` = ``action_id``): ``state`` (:data:`ACTION_STATES`).

Every record has a ``source`` (document, page or URL a reader can find) and a
``note``; the store adds ``recorded_by``, ``recorded_at`` and ``version``. A
correction is a new version of the same ``(kind, subject_id, year)``, never an
overwrite: the latest version is the one in force, the earlier ones stay in the
history. Each record belongs to one plan (``plan_id``, the package's
``geo:plan.id``): the store lists a plan's records only while that plan is in
use. Nothing here is invented: the shipped data has no actuals.

A :class:`StatusRow` is what the evaluation rules (``data/README.md``,
:mod:`geo.monitor.evaluate`) say about one target or project in one year; the
CLI, the Monitor page and the report all show these rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

import pandas as pd

from geo.i18n import pair

Kind = Literal["target", "project", "action"]
KINDS: Final = ("target", "project", "action")

#: Project stages in order (规划 → … → 入驻饱和), then the two that leave the order. key: (zh, en), the
#: catalogue's ``monitor.stage.<key>``.
STAGES: Final[dict[str, tuple[str, str]]] = {
    key: pair(f"monitor.stage.{key}")
    for key in ("planned", "preparation", "construction", "built", "operating", "saturated", "cancelled", "adjusted")
}
#: The stages that form the sequence (a later year going back in it is warned about).
STAGE_ORDER: Final = ("planned", "preparation", "construction", "built", "operating", "saturated")

#: States of a 重点行动 (key: (zh, en), the catalogue's ``monitor.action_state.<key>``).
ACTION_STATES: Final[dict[str, tuple[str, str]]] = {
    key: pair(f"monitor.action_state.{key}") for key in ("not_started", "in_progress", "done")
}

#: Evaluation statuses (the rules in ``data/README.md``). key: (zh, en), the catalogue's ``monitor.status.<key>``.
STATUSES: Final[dict[str, tuple[str, str]]] = {
    key: pair(f"monitor.status.{key}")
    for key in ("achieved", "on_track", "behind", "in_progress", "missed", "no_data", "not_comparable")
}

#: The earliest year a record may have (earlier: refused); years outside the plan period are warned about.
MIN_YEAR: Final = 2000


def _plan_in_use() -> str:
    from geo.plan.package import plan_id_in_use  # the plan's package, read when a record is made

    return plan_id_in_use()


@dataclass(frozen=True)
class Actual:
    """One recorded fact (see the module). Unused fields are None; ``version`` 0 = not stored yet."""

    kind: Kind
    subject_id: str
    year: int
    source: str
    note: str = ""
    value: float | None = None
    unit: str | None = None
    stage: str | None = None
    land_mu: float | None = None
    floor_wan_m2: float | None = None
    firms: float | None = None
    revenue_yi: float | None = None
    state: str | None = None
    recorded_by: str | None = None
    recorded_at: str = ""
    version: int = 0
    #: The plan the fact belongs to (``geo:plan.id``; by default the plan in use when the record is made).
    plan_id: str = field(default_factory=_plan_in_use)

    @property
    def key(self) -> tuple[str, str, int]:
        """What a correction replaces: ``(kind, subject_id, year)``."""
        return (self.kind, self.subject_id, self.year)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: The columns of the ``actuals`` table, in order (both backends).
ACTUAL_FIELDS: Final = tuple(Actual.__dataclass_fields__)


@dataclass(frozen=True)
class StatusRow:
    """What the rules say about one target or project in one year (``monitor status`` prints these)."""

    id: str
    kind: Literal["target", "project"]
    name_zh: str
    name_en: str
    unit: str
    baseline: float | None
    baseline_year: int | None
    target: float | None
    target_year: str
    actual: float | None
    actual_year: int | None
    evaluated: float | None
    progress: float | None
    status: str
    source: str
    #: Projects: the stage in force that year (a key of :data:`STAGES`), and the table's track and zone.
    stage: str | None = None
    track_id: str | None = None
    zone_id: str | None = None
    note_zh: str = ""
    note_en: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MonitorPlan:
    """What evaluation needs of a plan: its figures, rows and actions (loaded by ``layers.load_monitor_plan``).

    ``targets``: ``targets.csv`` (``target_id, name_zh, name_en, value, value_max, unit, comparator, year,
    section, line, quote`` …); ``projects``: ``projects.csv`` (``project_id, name_zh, name_en, track_id,
    zone_id, declared_mu, output_yi, source`` …); ``actions``: ``actions.csv`` (``action_id, name_zh, name_en,
    section, line``); ``baselines``: ``baselines.csv`` (``baseline_id, value, unit, target_id`` …);
    ``period``: first and last year (2021, 2025).
    """

    title_zh: str
    title_en: str
    period: tuple[int, int]
    targets: pd.DataFrame
    projects: pd.DataFrame
    actions: pd.DataFrame
    baselines: pd.DataFrame


__all__ = [
    "ACTION_STATES", "ACTUAL_FIELDS", "KINDS", "MIN_YEAR", "STAGES", "STAGE_ORDER", "STATUSES", "Actual", "Kind",
    "MonitorPlan", "StatusRow",
]
