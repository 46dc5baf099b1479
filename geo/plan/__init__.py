"""The plan as numbers and places: reconciliation, indicative placement, summaries.

- :mod:`geo.plan.reconcile`: tables vs text vs map, per plan, track, zone, project;
- :mod:`geo.plan.placement`: indicative parcels placed at their anchors, sized to the mu;
- :mod:`geo.plan.projects`: filters, per-mu figures, colour keys, click → project;
- :mod:`geo.plan.summary`: sums for charts and the reconciliation as CSV/Excel.
"""

from geo.plan.projects import (
    COLOUR_BY,
    NO_ZONE,
    filter_projects,
    output_per_mu,
    palette,
    project_by_id,
    project_table,
    resolve_click,
)
from geo.plan.reconcile import PlanData, reconcile
from geo.plan.summary import land_by_zone_and_track, output_by_track, table_bytes

__all__ = [
    "COLOUR_BY", "NO_ZONE", "PlanData", "filter_projects", "land_by_zone_and_track", "output_by_track",
    "output_per_mu", "palette", "project_by_id", "project_table", "reconcile", "resolve_click", "table_bytes",
]
